"""Day plans: the hours a booked day keeps when another domain says the child keeps other hours than the unit's.

Another domain (inclusion's adaptation steps) may say that on a booked day the
child keeps other hours than the unit's: when to arrive, when to be collected,
whether a parent stays, whether the child has lunch. A provider is
`fn(booking_ids, pairs=None) -> {booking_id: DayPlan}`, registered on the application's
BookingRegistry by app/composition.py; booking shows the plan on the family's
pages, the e-mail, the registers and the calendar feed, and never imports the
provider. Nothing in a plan is health data.
"""
from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime, time

from app.booking.registry import add_once, booking_registry, remove


@dataclass(frozen=True)
class DayPlan:
    title: str  # e.g. "Adaptation, étape 1 sur 4 : une heure avec un parent"
    arrival: time
    pickup: time
    with_parent: bool
    with_meal: bool

    def starts_at(self, day: date) -> datetime:
        from app.clock import PARIS

        return datetime.combine(day, self.arrival, tzinfo=PARIS)

    def ends_at(self, day: date) -> datetime:
        from app.clock import PARIS

        return datetime.combine(day, self.pickup, tzinfo=PARIS)


DayPlanProvider = Callable[..., dict[int, DayPlan]]


def register_day_plan_provider(provider: DayPlanProvider) -> None:
    """Register `provider(booking_ids, pairs=None)`: `pairs` ({booking id: (child id, site id)}) is
    given when the caller knows them (a booking it has just made), so the provider need not read them."""
    add_once(booking_registry().day_plan_providers, provider)


def unregister_day_plan_provider(provider: DayPlanProvider) -> None:
    remove(booking_registry().day_plan_providers, provider)


def day_plans(booking_ids: Iterable[int], *, pairs: dict[int, tuple[int, int]] | None = None) -> dict[int, DayPlan]:
    """The plans the providers give for these bookings, by booking id (the first provider wins).

    `pairs`: the (child id, site id) of every booking, when the caller knows them: a provider need not
    read them again. The plans are the same with or without.
    """
    ids = sorted({int(i) for i in booking_ids if i is not None})
    plans: dict[int, DayPlan] = {}
    if not ids:
        return plans
    known = pairs if pairs is not None and all(i in pairs for i in ids) else None
    for provider in list(booking_registry().day_plan_providers):
        for booking_id, plan in (provider(ids, pairs=known) or {}).items():
            plans.setdefault(booking_id, plan)
    return plans


def submission_day_plans(submission_id: str) -> list[tuple[object, DayPlan]]:
    """(booking, plan) for the bookings of one submission that carry a plan (the e-mail's list)."""
    from sqlalchemy import select

    from app.booking.models import Booking
    from app.extensions import db

    if not isinstance(submission_id, str) or not submission_id:  # an e-mail rendered without a submission
        return []
    bookings = db.session.scalars(select(Booking).where(Booking.submission_id == submission_id)
                                  .order_by(Booking.id)).all()
    plans = day_plans(b.id for b in bookings)
    return [(b, plans[b.id]) for b in bookings if b.id in plans]
