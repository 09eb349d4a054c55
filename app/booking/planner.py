"""The parent's month calendar: what each child may book, at what price, with how many places left.

Loads everything in a fixed number of queries (sessions, bookings, tariffs).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from flask_babel import format_datetime
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from app import months
from app import clock
from app.accounts.models import User
from app.booking.access import household_of
from app.booking.models import (ACTIVE_STATUSES, Activity, AgeBand, Booking, BookingStatus, Session, Site, Tariff,
                                Unit)
from app.booking.catalogue import pick_price
from app.booking.services import status_label
from app.errors import NotFound
from app.extensions import db, utcnow
from app.families.models import Child


@dataclass
class Slot:
    session: Session
    state: str  # open, full, booked, not_open, closed, residents_only, cancelled
    label: str
    price: Decimal | None
    remaining: int
    bookable: bool
    booking: Booking | None = None


@dataclass
class ChildMonth:
    child: Child
    slots: list[Slot]


def month_bounds(month: str | None, today: date | None = None) -> tuple[date, date]:
    """The month asked for; a missing, malformed or out-of-range one gives the current month."""
    return months.month_or(month, today or clock.today())


def _when(moment: datetime) -> str:
    return format_datetime(moment, "d MMM yyyy HH:mm")


def _slot(child: Child, household, session: Session, booking: Booking | None, position: int | None,
          tariffs, now: datetime) -> Slot | None:
    activity = session.unit.activity
    age = child.age_on(session.day)
    if not activity.min_age <= age <= activity.max_age:
        return None
    band = AgeBand.for_age(age)
    price = pick_price(tariffs, household, session.day)
    remaining = session.remaining(band)
    if booking is not None:
        label = status_label(booking.status.value)
        if booking.status is BookingStatus.WAITLISTED:
            label = _("Liste d'attente, position %(n)s", n=position)
        return Slot(session, "booked", label, booking.price, remaining, False, booking)
    if session.cancelled:
        return Slot(session, "cancelled", _("Séance annulée"), price, 0, False)
    opens = session.effective_opens_at()
    if opens is not None and now < opens:
        return Slot(session, "not_open", _("Ouverture le %(when)s", when=_when(opens)), price, remaining, False)
    if now > activity.booking_deadline(session.day):
        return Slot(session, "closed", _("Réservations closes"), price, remaining, False)
    if activity.residents_first_until and now < activity.residents_first_until and not household.is_resident:
        return Slot(session, "residents_only", _("Réservé aux habitants jusqu'au %(when)s",
                                                 when=_when(activity.residents_first_until)), price, remaining, False)
    if remaining <= 0:
        return Slot(session, "full", _("Complet : inscription sur liste d'attente"), price, 0, True)
    return Slot(session, "open", _("Ouvert"), price, remaining, True)


def month_for_household(user: User, month: str | None, child_id: int | None = None, site_id: int | None = None,
                        now: datetime | None = None) -> tuple[list[ChildMonth], date, date, list[Site]]:
    """Each child's bookable slots for the month. Raises NotFound for a child of another household."""
    now = now or utcnow()
    household = household_of(user)
    if not month:
        # Default to the month of the next session, so that the page is never empty at the end of a month.
        from app.booking.catalogue import next_session_day

        upcoming = next_session_day(site_id, now.date())
        month = upcoming.strftime("%Y-%m") if upcoming else None
    first, last = month_bounds(month)
    sites = list(db.session.scalars(select(Site).order_by(Site.name)))
    if household is None:
        return [], first, last, sites
    children = list(household.children)
    if child_id is not None:
        children = [c for c in children if c.id == child_id]
        if not children:
            raise NotFound()
    query = (select(Session).join(Unit).join(Activity).where(Session.day.between(first, last))
             .options(selectinload(Session.unit).selectinload(Unit.activity).selectinload(Activity.site))
             .order_by(Session.day, Activity.site_id, Unit.start_time, Session.id))
    if site_id:
        query = query.where(Activity.site_id == site_id)
    sessions = list(db.session.scalars(query))
    session_ids = [s.id for s in sessions]
    bookings = {}
    positions: dict[int, int] = {}
    if session_ids and children:
        rows = db.session.scalars(select(Booking).where(
            Booking.session_id.in_(session_ids), Booking.status.in_(ACTIVE_STATUSES))).all()
        waiting: dict[tuple[int, AgeBand], list[Booking]] = {}
        for b in rows:
            if b.status is BookingStatus.WAITLISTED:
                waiting.setdefault((b.session_id, b.age_band), []).append(b)
        for queue in waiting.values():
            for index, b in enumerate(sorted(queue, key=lambda b: b.waitlist_order), start=1):
                positions[b.id] = index
        child_ids = {c.id for c in children}
        bookings = {(b.child_id, b.session_id): b for b in rows if b.child_id in child_ids}
    tariffs: dict[int, list[Tariff]] = {}
    unit_ids = {s.unit_id for s in sessions}
    if unit_ids:
        for tariff in db.session.scalars(select(Tariff).where(Tariff.unit_id.in_(unit_ids))):
            tariffs.setdefault(tariff.unit_id, []).append(tariff)
    result = []
    for child in children:
        slots = []
        for session in sessions:
            booking = bookings.get((child.id, session.id))
            slot = _slot(child, household, session, booking, positions.get(booking.id) if booking else None,
                         tariffs.get(session.unit_id, []), now)
            if slot is not None:
                slots.append(slot)
        result.append(ChildMonth(child, slots))
    return result, first, last, sites
