"""One-line builders for billing tests: past bookings with a frozen price and their attendance."""
from __future__ import annotations

import uuid
from datetime import date, time
from decimal import Decimal

from app.booking.models import (
    ActivityKind,
    AgeBand,
    Attendance,
    AttendanceStatus,
    Booking,
    BookingStatus,
    Session,
    StaffingRegime,
    UnitKind,
)
from app.extensions import db
from tests.booking.factories import make_activity, make_site, make_unit

# March 2026: Wednesdays 4, 11, 18, 25. April 2026: Wednesdays 1, 8, 15, 22, 29.
MARCH = "2026-03"
APRIL = "2026-04"
MAY = "2026-05"
AFTER_MAY = date(2026, 6, 10)  # a "today" when March to May are over


def make_unit_at(site=None, *, kind=ActivityKind.PERISCOLAIRE, label="Journée avec repas", unit_kind=UnitKind.WHOLE_DAY,
                 start=time(8, 30), end=time(17, 30), with_meal=True, activity=None, activity_name="Mercredis"):
    activity = activity or make_activity(site or make_site(), kind=kind, name=activity_name,
                                         regime=StaffingRegime.PEDT_LONG)
    # Billing tests set their own tariffs (bookings here carry their frozen price).
    return make_unit(activity, label=label, kind=unit_kind, start=start, end=end, with_meal=with_meal,
                     tariffs=False)


def session_on(unit, day: date) -> Session:
    session = Session(unit=unit, day=day, capacity_under6=10, capacity_over6=10)
    db.session.add(session)
    db.session.commit()
    return session


def make_booking(child, session: Session, *, price: Decimal | str | None = "8.50",
                 status: BookingStatus = BookingStatus.CONFIRMED, attendance: AttendanceStatus | None = None,
                 late_departure: bool = False) -> Booking:
    booking = Booking(child_id=child.id, session_id=session.id, status=status,
                      age_band=AgeBand.for_age(child.age_on(session.day)),
                      price=Decimal(price) if price is not None else None, submission_id=str(uuid.uuid4()))
    db.session.add(booking)
    db.session.flush()
    if attendance is not None:
        db.session.add(Attendance(booking_id=booking.id, status=attendance, late_departure=late_departure))
    db.session.commit()
    return booking


def mark(booking: Booking, status: AttendanceStatus, late_departure: bool = False) -> None:
    if booking.attendance is None:
        db.session.add(Attendance(booking_id=booking.id, status=status, late_departure=late_departure))
    else:
        booking.attendance.status = status
        booking.attendance.late_departure = late_departure
    db.session.commit()


PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32
JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 32
