"""Registers and attendance: who is expected at a session, who came.

Directors and animators see only their own sites (NotFound otherwise).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from app.accounts.models import User
from app.accounts.permissions import require
from app.booking.access import Action
from app.booking.models import (ACTIVE_STATUSES, PLACE_STATUSES, AgeBand, Attendance, AttendanceStatus, Booking,
                                BookingStatus, Session)
from app import clock
from app.errors import Conflict, NotFound, ValidationFailed
from app.extensions import db, utcnow
from app.families.models import Child


@dataclass
class RegisterRow:
    booking: Booking
    child: Child
    band: AgeBand
    pickups: list
    needs_particular_care: bool
    attendance: Attendance | None


def session_register(user: User, session_id: int) -> tuple[Session, list[RegisterRow], list[Booking]]:
    """The session, its children holding a place (register rows) and its waiting list. Raises NotFound."""
    from app.booking.catalogue import get_session
    from app.families.models import Household as H

    session = get_session(user, session_id)
    bookings = db.session.scalars(
        select(Booking).join(Child).where(Booking.session_id == session.id, Booking.status.in_(ACTIVE_STATUSES))
        .options(selectinload(Booking.child).selectinload(Child.household).selectinload(H.pickup_persons),
                 selectinload(Booking.attendance))
        .order_by(Child.last_name, Child.first_name)).all()
    rows = [RegisterRow(b, b.child, b.age_band, list(b.child.household.pickup_persons),
                        b.child.needs_particular_care, b.attendance)
            for b in bookings if b.status in PLACE_STATUSES]
    waiting = sorted((b for b in bookings if b.status is BookingStatus.WAITLISTED),
                     key=lambda b: (b.age_band.value, b.waitlist_order))
    return session, rows, waiting


def attendance_open(session: Session, today: date | None = None) -> bool:
    """Attendance is recorded from the session's day on (Europe/Paris), never in advance: a "present"
    marked ahead would reach the CAF report at once and shut the family out of sending a certificate."""
    return session.day <= (today or clock.today())


def check_attendance_open(session: Session, today: date | None = None) -> None:
    """Raises Conflict (code attendance_too_early) before the session's day."""
    if not attendance_open(session, today):
        raise Conflict(_("Les présences de cette séance pourront être notées à partir du %(day)s, le jour de la "
                         "séance.", day=session.day.strftime("%d/%m/%Y")), code="attendance_too_early")


def mark_attendance(user: User, booking_id: int, status: AttendanceStatus | str, late_departure: bool = False,
                    now: datetime | None = None) -> Attendance:
    """Record a child's attendance (animator or director of the site), from the session's day on.

    Raises NotFound, ValidationFailed, Conflict (attendance_too_early)."""
    booking = db.session.get(Booking, booking_id)
    if booking is None:
        raise NotFound()
    require(user, Action.MARK_ATTENDANCE, booking.session.unit.activity.site_id)
    check_attendance_open(booking.session, clock.local_date(now) if now else None)
    if booking.status not in PLACE_STATUSES:
        raise ValidationFailed(_("Cet enfant n'a pas de place à cette séance."))
    status = AttendanceStatus(status)
    attendance = booking.attendance
    if attendance is None:
        attendance = Attendance(booking=booking, status=status)
        db.session.add(attendance)
    attendance.status = status
    attendance.late_departure = bool(late_departure) and status is AttendanceStatus.PRESENT
    attendance.marked_by_id = user.id
    attendance.marked_at = now or utcnow()
    db.session.commit()
    return attendance
