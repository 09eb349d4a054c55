"""Booking's extension points, one typed registry per application (installed by app/composition.py).

Other domains plug in here without booking importing them:

- `admission_checks`: booking eligibility checks, fn(child, session) -> Admission (admission.py);
- `priority_providers`: the draw's priorities by code, fn(child, site) -> bool (allocation);
- `day_plan_providers`: fn(booking_ids, pairs=None) -> {booking_id: DayPlan} (day_plans.py);
- `release_listeners`: fn(child_id, site_id, now) when a held booking is released (preparation.py);
- `card_providers`, `alert_providers`: notes beside a child in a register (register_cards.py);
- `extra_staff_providers`: fn(session) -> extra animators (staffing.py);
- `household_feed_sources`: fn(household_id, since) -> events of the household feed (feeds.py);
- `pricer`: the pricing policy, fn(unit_id, household, day) -> Decimal (pricing.py), one at most.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from app.registries import current


@dataclass
class BookingRegistry:
    admission_checks: list[Callable[[Any, Any], Any]] = field(default_factory=list)
    priority_providers: dict[str, list[Callable[[Any, Any], bool]]] = field(default_factory=dict)
    day_plan_providers: list[Callable[..., dict[int, Any]]] = field(default_factory=list)
    release_listeners: list[Callable[..., None]] = field(default_factory=list)
    card_providers: list[Callable[[Any, Any, list[int]], dict[int, list[Any]]]] = field(default_factory=list)
    alert_providers: list[Callable[[Any, list[int], str], dict[int, list[str]]]] = field(default_factory=list)
    extra_staff_providers: list[Callable[[Any], int]] = field(default_factory=list)
    household_feed_sources: list[Callable[..., Any]] = field(default_factory=list)
    household_gates: list[Callable[[Any, Any], Any]] = field(default_factory=list)
    pricer: Callable[..., Any] | None = None


def booking_registry() -> BookingRegistry:
    """The current application's booking registry."""
    return current(BookingRegistry)


def add_once(registry: list, fn) -> None:
    if fn not in registry:
        registry.append(fn)


def remove(registry: list, fn) -> None:
    if fn in registry:
        registry.remove(fn)
