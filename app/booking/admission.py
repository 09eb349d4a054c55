"""Admission checks: an extension point run before a child takes a place.

Other domains (inclusion) register a check when the app is created; booking
never imports them. A check is `fn(child, session) -> Admission`, and an
Admission is one of two values only: CONFIRM (nothing to say) or HOLD (the
place is taken but the booking waits for preparation: status
pending_preparation). A check cannot refuse a child: only booking's own
rules (app/booking/engine.py) refuse, each with a stable code and a reason
the family can act on. `evaluate` raises TypeError for any other value, so a
check that tries to refuse fails loudly in its own tests instead of leaving
a place empty where nobody looks (promotion, the draw).
"""
from __future__ import annotations

import enum
from collections.abc import Callable
from contextvars import ContextVar

from app.booking.registry import add_once, booking_registry, remove


class Admission(enum.Enum):
    CONFIRM = "confirm"
    HOLD = "hold"

    @property
    def decision(self) -> str:
        return self.value


CONFIRM = Admission.CONFIRM
HOLD = Admission.HOLD

AdmissionCheck = Callable[[object, object], Admission]
_foreseeing: ContextVar[bool] = ContextVar("admission_foreseeing", default=False)


def register_check(check: AdmissionCheck) -> None:
    """Add a booking eligibility check to the current application (app/composition.py lists them)."""
    add_once(booking_registry().admission_checks, check)


def unregister_check(check: AdmissionCheck) -> None:
    remove(booking_registry().admission_checks, check)


def evaluate(child, session) -> Admission:
    """The combined decision: HOLD if any check holds, else CONFIRM. Every check runs (a hold may write)."""
    held = False
    for check in list(booking_registry().admission_checks):
        result = check(child, session)
        if not isinstance(result, Admission):
            raise TypeError(f"admission check {check!r} returned {result!r}: only CONFIRM or HOLD")
        held = held or result is HOLD
    return HOLD if held else CONFIRM


def foresee(child, session) -> Admission:
    """The decision `evaluate` would give, with no side effect, for a read-only transaction.

    Checks see `foreseeing()` true and must then only decide, not write (a
    check that would write, such as telling the directors, returns its
    decision and writes when evaluated for real). A HOLD must therefore be
    evaluated again in the writing transaction; CONFIRM stands.
    """
    token = _foreseeing.set(True)
    try:
        return evaluate(child, session)
    finally:
        _foreseeing.reset(token)


def foreseeing() -> bool:
    """True while the checks run for `foresee`: decide, do not write."""
    return _foreseeing.get()
