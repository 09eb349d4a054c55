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
