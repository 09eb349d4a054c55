"""Billing demo: a past month to close, with understandable statements.

The booking demo only creates sessions from tomorrow on, so nothing would be
billed for the previous month. This loader therefore:
1. marks the attendance of demo bookings already in the past that have none
   (mostly present, a few absences), so that the CAF report has figures;
2. creates, for the previous month, the Wednesday sessions of the first
   périscolaire activity of the first demo site (by name) and books the demo
   children on them with the price their tariff gives (frozen on the booking,
   as a real booking would), with a few absences (one justified) and a late
   cancellation, so the statements show every kind of line.

Idempotent: sessions by (unit, day), bookings by (child, session) whatever
their status, attendance only where missing. The month is not closed here:
the administrator closes it (`flask --app app billing close YYYY-MM` or the
"Facturation" page). Assumes the booking demo ran (sites with a
périscolaire activity and its tariffs) and uses the demo parents
parent1..parent6@demo.pitchoun.fr of app.families.demo, else the first
households with children.
"""
from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import select

from app import clock
from app.accounts.models import User
from app.booking import engine
from app.booking.catalogue import price_for, public_holidays
from app.booking.models import (
    PLACE_STATUSES,
    Activity,
    ActivityKind,
    AgeBand,
    Attendance,
    AttendanceStatus,
    Booking,
    BookingStatus,
    Session,
)
from app.extensions import db
from app.families.models import Child, Household, HouseholdMember
from app.sites.models import Site
from app.transactions import use_case

DEMO_SITE = "Accueil de loisirs de la Croix-de-Fer"
DEMO_PARENTS = [f"parent{n}@demo.pitchoun.fr" for n in range(1, 7)]


def _previous_month(today: date) -> tuple[date, date]:
    last = today.replace(day=1) - timedelta(days=1)
    return last.replace(day=1), last


def _mark_past_bookings(today: date) -> int:
    rows = db.session.scalars(
        select(Booking).join(Session).outerjoin(Attendance, Attendance.booking_id == Booking.id)
        .where(Session.day < today, Booking.status.in_(PLACE_STATUSES), Attendance.id.is_(None))
        .order_by(Booking.id))
    count = 0
    for booking in rows:
        status = AttendanceStatus.PRESENT
        if booking.id % 9 == 4:
            status = AttendanceStatus.ABSENT
        elif booking.id % 13 == 6:
            status = AttendanceStatus.ABSENT_JUSTIFIED
        db.session.add(Attendance(booking_id=booking.id, status=status, late_departure=booking.id % 7 == 2))
        count += 1
    db.session.flush()
    return count


def _demo_households() -> list[Household]:
    households = list(db.session.scalars(
        select(Household).join(HouseholdMember).join(User).where(User.email.in_(DEMO_PARENTS))
        .order_by(User.email)))
    if not households:
        households = list(db.session.scalars(select(Household).join(Child).distinct().order_by(Household.id)
                                             .limit(3)))
    return [h for h in dict.fromkeys(households) if h.children]


def _site() -> Site | None:
    return (db.session.scalar(select(Site).where(Site.name == DEMO_SITE))
            or db.session.scalar(select(Site).order_by(Site.id).limit(1)))


def _book(child: Child, session: Session, household: Household, status: BookingStatus,
          attendance: AttendanceStatus | None, late_departure: bool = False) -> bool:
    exists = db.session.scalar(select(Booking.id).where(Booking.child_id == child.id,
                                                        Booking.session_id == session.id))
    if exists is not None:
        return False
    band = AgeBand.for_age(child.age_on(session.day))
    price = price_for(session.unit_id, household, session.day)
    if price is None:  # the demo grid may start after the previous month
        price = price_for(session.unit_id, household, clock.today())
    booked_at = datetime.combine(session.day - timedelta(days=10), time(9), tzinfo=UTC)
    booking = Booking(child_id=child.id, session_id=session.id, status=status, age_band=band, price=price,
                      submission_id=str(uuid.uuid4()), created_at=booked_at, updated_at=booked_at)
    if status is BookingStatus.LATE_CANCELLED:
        booking.cancelled_at = datetime.combine(session.day - timedelta(days=1), time(8), tzinfo=UTC)
    engine.record_past(booking, session)  # the counters change only in the booking engine
    db.session.add(booking)
    db.session.flush()
    if attendance is not None:
        db.session.add(Attendance(booking_id=booking.id, status=attendance, late_departure=late_departure))
    return True


@use_case
def load_demo(today: date | None = None) -> list[str]:
    today = today or clock.today()
    lines = []
    marked = _mark_past_bookings(today)
    site = _site()
    first, last = _previous_month(today)
    if site is None:
        return [f"billing: no site, nothing to bill ({marked} past attendance(s) marked)"]
    activity = db.session.scalar(select(Activity).where(Activity.site_id == site.id,
                                                        Activity.kind == ActivityKind.PERISCOLAIRE)
                                 .order_by(Activity.id).limit(1))
    units = list(activity.units) if activity else []
    day_unit = next((u for u in units if u.with_meal and u.kind.value == "whole_day"), units[0] if units else None)
    morning = next((u for u in units if u.kind.value == "morning"), None)
    created = 0
    households = _demo_households()
    if day_unit is not None and households:
        closed = public_holidays([first.year])
        wednesdays = [first + timedelta(days=d) for d in range((last - first).days + 1)]
        wednesdays = [d for d in wednesdays if d.weekday() == 2 and d not in closed]
        sessions = {}
        for unit in filter(None, (day_unit, morning)):
            for day in wednesdays:
                session = db.session.scalar(select(Session).where(Session.unit_id == unit.id, Session.day == day))
                if session is None:
                    session = Session(unit=unit, day=day, capacity_under6=16, capacity_over6=24, animators_planned=3)
                    db.session.add(session)
                    db.session.flush()
                sessions[(unit.id, day)] = session
        for h_index, household in enumerate(households[:3]):
            for c_index, child in enumerate(household.children):
                if not activity.min_age <= child.age_on(first) <= activity.max_age:
                    continue
                for w_index, day in enumerate(wednesdays):
                    unit = morning if (morning and (h_index + c_index) % 2 == 1) else day_unit
                    session = sessions[(unit.id, day)]
                    status, attendance, late = BookingStatus.CONFIRMED, AttendanceStatus.PRESENT, False
                    if h_index == 0 and w_index == 1:
                        attendance = AttendanceStatus.ABSENT_JUSTIFIED  # ill, certificate given to the centre
                    elif h_index == 1 and w_index == 1:
                        status, attendance = BookingStatus.LATE_CANCELLED, None
                    elif h_index == 2 and w_index == 2:
                        attendance = AttendanceStatus.ABSENT  # no news: unjustified
                    elif w_index == 0 and c_index == 0:
                        late = True
                    created += _book(child, session, household, status, attendance, late)
    lines.append(f"billing: {created} booking(s) created in {first:%Y-%m} at {site.name}, "
                 f"{marked} past attendance(s) marked")
    lines.append(f"billing: close {first:%Y-%m} with `flask --app app billing close {first:%Y-%m}` "
                 f"or on /facturation/mois (administrator)")
    return lines
