"""Releasing bookings held for preparation (status pending_preparation).

Used by the domain that prepares a child's welcome (inclusion) through its
own use cases: these helpers write in the caller's transaction and never
commit. A held booking already holds its place, so confirming it changes no
capacity count.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from app.booking import engine
from app.booking.models import Activity, Booking, BookingStatus, Session, Unit
from app.booking.registry import add_once, booking_registry
from app.extensions import db, utcnow


# Called when a held booking is released (cancelled by the family or the centre), in the caller's
# transaction: fn(child_id, site_id, now). Inclusion cancels a meeting that no longer has a purpose.
def register_release_listener(listener) -> None:
    add_once(booking_registry().release_listeners, listener)


def held_booking_released(booking: Booking, now: datetime) -> None:
    db.session.flush()
    site_id = booking.session.unit.activity.site_id
    for listener in list(booking_registry().release_listeners):
        listener(booking.child_id, site_id, now)


def held_bookings(child_id: int, site_id: int) -> list[Booking]:
    """The child's bookings held for preparation at the site, earliest session first."""
    return list(db.session.scalars(
        select(Booking).join(Session, Booking.session_id == Session.id).join(Unit, Session.unit_id == Unit.id)
        .join(Activity, Unit.activity_id == Activity.id)
        .where(Booking.child_id == child_id, Activity.site_id == site_id,
               Booking.status == BookingStatus.PENDING_PREPARATION)
        .order_by(Session.day, Booking.id)))


def confirm_held_booking(booking: Booking, now: datetime | None = None) -> bool:
    """Confirm one held booking through the engine (caller's transaction). Returns False if it was not held."""
    return engine.confirm_held(booking, now or utcnow())


def confirm_held_bookings(child_id: int, site_id: int, now: datetime | None = None) -> list[Booking]:
    """Confirm every booking of the child held for preparation at the site (caller's transaction)."""
    held = held_bookings(child_id, site_id)
    engine.lock_sessions({b.session_id for b in held})  # every lock at once, in ascending id order
    confirmed = [b for b in held if confirm_held_booking(b, now)]
    return confirmed
