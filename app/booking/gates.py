"""Household gates: may this household book now? Asked of other domains, which booking never imports.

A gate is `fn(household, today) -> Refusal | None`, registered for another domain by the
composition root (app/composition.py). Payments registers one: the régie may refuse new bookings
while a household owes overdue invoices (a dated rule, off by default). Unlike the admission
checks (app/booking/admission.py), which only CONFIRM or HOLD a place, a gate refuses every item
of a submission, with its stable code and a French reason the family can act on: the web form,
the basket review, the API and the desk all show it, since they all go through `services.book`
and `services.preview`. A gate only reads.
"""
from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from app.booking.eligibility import Refusal
from app.booking.registry import add_once, booking_registry, remove

HouseholdGate = Callable[[Any, date], "Refusal | None"]


def register_household_gate(gate: HouseholdGate) -> None:
    add_once(booking_registry().household_gates, gate)


def unregister_household_gate(gate: HouseholdGate) -> None:
    remove(booking_registry().household_gates, gate)


def refusal(household, today: date) -> Refusal | None:
    """The first gate's refusal for `household` on `today`, or None when it may book."""
    if household is None:
        return None
    for gate in list(booking_registry().household_gates):
        found = gate(household, today)
        if found is not None:
            return found
    return None
