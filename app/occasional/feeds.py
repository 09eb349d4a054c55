"""Occasional bookings in the household's iCalendar feed (registered with booking.feeds)."""
from __future__ import annotations

from datetime import date

from icalendar import Event
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from app.extensions import db
from app.families.models import Child
from app.notifications import ical
from app.occasional.models import HOLDING_STATUSES, OccasionalBooking, OccasionalProvider, RequestStatus

_SHOWN = [*HOLDING_STATUSES, RequestStatus.CANCELLED, RequestStatus.DECLINED]


def household_events(household_id: int, since: date) -> list[Event]:
    """One event per request that held places (cancelled ones as STATUS:CANCELLED)."""
    bookings = db.session.scalars(
        select(OccasionalBooking).join(Child).where(
            Child.household_id == household_id, OccasionalBooking.day >= since,
            OccasionalBooking.status.in_(_SHOWN), OccasionalBooking.ever_held.is_(True))
        .options(selectinload(OccasionalBooking.child),
                 selectinload(OccasionalBooking.provider).selectinload(OccasionalProvider.commune))
        .order_by(OccasionalBooking.day, OccasionalBooking.starts_at, OccasionalBooking.id))
    events = []
    for booking in bookings:
        cancelled = booking.status not in HOLDING_STATUSES
        event = ical.new_event(
            uid=ical.uid("occasional", booking.id), start=booking.starts(), end=booking.ends(),
            summary=f"{booking.child.first_name} – {booking.provider.name} (garde ponctuelle)",
            stamp=booking.updated_at, sequence=booking.sequence, location=booking.provider.full_address,
            status="CANCELLED" if cancelled
            else "TENTATIVE" if booking.status is RequestStatus.URGENT_PENDING else "CONFIRMED")
        events.append(event)
    return events
