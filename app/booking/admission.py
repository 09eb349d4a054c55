"""Admission checks: an extension point run before a child takes a place.

Other domains (inclusion) register a check when the app is created; booking
never imports them. A check is `fn(child, session) -> Admission`:
CONFIRM (nothing to say), HOLD (the place is taken but the booking waits
for preparation: status pending_preparation), or a refusal carrying a
French reason. Refusing a disabled child is never a valid use of this hook:
it exists to prepare the welcome, not to block.
"""
from __future__ import annotations

from collections.abc import Callable
from contextvars import ContextVar
from dataclasses import dataclass


@dataclass(frozen=True)
class Admission:
    decision: str  # "confirm", "hold" or "refuse"
    reason: str = ""
    code: str = "admission_refused"

    @classmethod
    def refuse(cls, reason: str, code: str = "admission_refused") -> Admission:
        return cls("refuse", reason, code)


CONFIRM = Admission("confirm")
HOLD = Admission("hold")

AdmissionCheck = Callable[[object, object], Admission]
_CHECKS: list[AdmissionCheck] = []
_foreseeing: ContextVar[bool] = ContextVar("admission_foreseeing", default=False)


def register_check(check: AdmissionCheck) -> None:
    if check not in _CHECKS:
        _CHECKS.append(check)


def unregister_check(check: AdmissionCheck) -> None:
    if check in _CHECKS:
        _CHECKS.remove(check)


def evaluate(child, session) -> Admission:
    """The combined decision: the first refusal wins, then any hold, else confirm."""
    held = False
    for check in list(_CHECKS):
        result = check(child, session)
        if result.decision == "refuse":
            return result
        if result.decision == "hold":
            held = True
    return HOLD if held else CONFIRM


def foresee(child, session) -> Admission:
    """The decision `evaluate` would give, with no side effect, for a read-only transaction.

    Checks see `foreseeing()` true and must then only decide, not write (a
    check that would write, such as telling the directors, returns its
    decision and writes when evaluated for real). A HOLD must therefore be
    evaluated again in the writing transaction; CONFIRM and refusals stand.
    """
    token = _foreseeing.set(True)
    try:
        return evaluate(child, session)
    finally:
        _foreseeing.reset(token)


def foreseeing() -> bool:
    """True while the checks run for `foresee`: decide, do not write."""
    return _foreseeing.get()
