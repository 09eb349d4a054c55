"""Bridge to the Relais Petite Enfance when no occasional place fits.

Occasional care never imports the Relais module (app.ram). Instead the
composition root (app/composition.py) registers the Relais's bridge:

    register_relais_bridge(demand_from_occasional_request)  # app/ram/occasional_bridge.py

The bridge receives a RelaisRequest (inside the caller's transaction; it
must not commit) and returns its demand's reference (or None). Whatever the
bridge does, the request is recorded here as transmitted
(RelaisTransmission), so nothing is lost when the Relais is not installed.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

import holidays
from flask_babel import gettext as _
from sqlalchemy import select

from app import clock
from app.accounts.models import User
from app.errors import NotFound, ValidationFailed
from app.extensions import db, utcnow
from app.families.models import Household
from app.occasional.blocks import hhmm, parse_day, parse_time
from app.occasional.errors import NotTransmittable
from app.occasional.models import OccasionalBooking, RelaisTransmission, RequestStatus
from app.registries import current
from app.transactions import use_case

# Anti-abuse bounds on what a family sends the Relais (not rules of law: limits of the service).
# A demand is for care from today on, within a year; a household has a handful open at once.
RELAIS_HORIZON_DAYS = 366
MAX_OPEN_TRANSMISSIONS = 5


@dataclass(frozen=True)
class RelaisRequest:
    household_id: int
    child_id: int
    requested_by_id: int
    schedule: list[dict]  # [{"day": "YYYY-MM-DD", "start": "HH:MM", "end": "HH:MM"}]
    atypical_hours: bool
    message: str


@dataclass
class OccasionalRegistry:
    """What other domains plug into occasional care, one per application (app/composition.py)."""

    relais_bridges: list[Callable[[RelaisRequest], str | None]] = field(default_factory=list)


def register_relais_bridge(fn) -> None:
    bridges = current(OccasionalRegistry).relais_bridges
    if fn not in bridges:
        bridges.append(fn)


def unregister_relais_bridge(fn) -> None:
    bridges = current(OccasionalRegistry).relais_bridges
    if fn in bridges:
        bridges.remove(fn)


def is_atypical(day: date, start: time, end: time) -> bool:
    """Before 8 h, after 18 h, weekends and public holidays (shared/domain.md)."""
    return (start < time(8, 0) or end > time(18, 0) or day.weekday() >= 5
            or day in holidays.country_holidays("FR", years=day.year))


def _transmit(user: User, child, schedule: list[tuple[date, time, time]], message: str,
              booking: OccasionalBooking | None, today: date | None = None) -> RelaisTransmission:
    rows = [{"day": d.isoformat(), "start": hhmm(s), "end": hhmm(e)} for d, s, e in schedule]
    _check_open_limit(child.household_id, today)
    atypical = any(is_atypical(d, s, e) for d, s, e in schedule)
    request = RelaisRequest(child.household_id, child.id, user.id, rows, atypical, message)
    reference = None
    for bridge in list(current(OccasionalRegistry).relais_bridges):
        reference = bridge(request) or reference
    record = RelaisTransmission(household_id=child.household_id, child_id=child.id,
                                booking_id=booking.id if booking else None, schedule=rows,
                                atypical_hours=atypical, message=message[:2000],
                                relais_reference=str(reference)[:100] if reference else None,
                                created_by_id=user.id)
    db.session.add(record)
    return record


def check_day(day: date, today: date | None = None) -> None:
    """A demand's day: from today (Europe/Paris) to RELAIS_HORIZON_DAYS ahead. Raises ValidationFailed."""
    today = today or clock.today()
    if day < today:
        raise ValidationFailed(_("Cette date est passée : choisissez une date à partir d'aujourd'hui."), field="day")
    if day > today + timedelta(days=RELAIS_HORIZON_DAYS):
        raise ValidationFailed(_("Cette date est trop lointaine : le Relais reçoit les demandes pour l'année "
                                 "qui vient."), field="day")


def _check_open_limit(household_id: int, today: date | None = None) -> None:
    """At most MAX_OPEN_TRANSMISSIONS demands still to come per household (a day not yet past).

    The household's row is locked first, so two concurrent sends cannot both pass the count."""
    today = (today or clock.today()).isoformat()
    db.session.execute(select(Household.id).where(Household.id == household_id).with_for_update())
    open_count = sum(1 for record in household_transmissions(household_id)
                     if any(str(row.get("day", "")) >= today for row in (record.schedule or [])))
    if open_count >= MAX_OPEN_TRANSMISSIONS:
        raise ValidationFailed(_("Votre foyer a déjà %(count)d demandes en cours auprès du Relais : le Relais "
                                 "vous recontacte ; vous pourrez en envoyer une nouvelle ensuite.",
                                 count=MAX_OPEN_TRANSMISSIONS))


@use_case
def transmit_request(user: User, booking_id: int, message: str = "", now: datetime | None = None) -> RelaisTransmission:
    """Turn a waitlisted or declined request into a Relais demand (atypical hours marked).

    The request leaves the waiting list (status transmitted). Raises
    NotFound (another household), NotTransmittable.
    """
    from app.occasional.services import _child_for

    now = now or utcnow()
    booking = db.session.get(OccasionalBooking, booking_id)
    if booking is None:
        raise NotFound()
    child = _child_for(user, booking.child_id)
    db.session.refresh(booking)
    if booking.status not in (RequestStatus.WAITLISTED, RequestStatus.DECLINED):
        raise NotTransmittable()
    booking.status = RequestStatus.TRANSMITTED
    booking.updated_at = now
    record = _transmit(user, child, [(booking.day, booking.starts_at, booking.ends_at)], message, booking,
                       clock.local_date(now))
    return record


@use_case
def transmit_range(user: User, child_id, day, start, end, message: str = "",
                   today: date | None = None) -> RelaisTransmission:
    """Send a range nothing fits straight to the Relais, without a waiting-list entry.

    Raises Forbidden, ChildNotFound, RangeNotAligned, InvalidRange, ValidationFailed (a day before
    today or beyond the horizon, too many demands open).
    """
    from app.occasional.services import _child_for, check_range_shape

    if not str(child_id or "").isdigit():
        raise ValidationFailed(_("Choisissez un enfant."), field="child_id")
    child = _child_for(user, child_id)
    day, start, end = parse_day(day), parse_time(start, "start"), parse_time(end, "end")
    check_range_shape(start, end)
    check_day(day, today)
    record = _transmit(user, child, [(day, start, end)], message, None, today)
    return record


def household_transmissions(household_id: int) -> list[RelaisTransmission]:
    return list(db.session.scalars(select(RelaisTransmission).where(
        RelaisTransmission.household_id == household_id).order_by(RelaisTransmission.id.desc())))

