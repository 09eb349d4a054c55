"""Registers and attendance: who is expected at a session, who came.

Directors and animators see only their own sites (NotFound otherwise).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from app import clock
from app.accounts.access import require
from app.accounts.models import User
from app.booking.access import Action
from app.booking.models import (
    ACTIVE_STATUSES,
    PLACE_STATUSES,
    AgeBand,
    Attendance,
    AttendanceStatus,
    Booking,
    BookingStatus,
    Session,
)
from app.errors import Conflict, NotFound, ValidationFailed
from app.extensions import db, utcnow
from app.families.models import Child
from app.transactions import use_case


@dataclass
class RegisterRow:
    booking: Booking
    child: Child
    band: AgeBand
    pickups: list
    needs_particular_care: bool
    attendance: Attendance | None
    # Filled by `register_details` for the staff allowed (Action.READ_FAMILY_CONTACTS), else empty.
    guardians: list = field(default_factory=list)  # (name, phone) of the household's guardian accounts
    emergency_contacts: list = field(default_factory=list)
    cards: list = field(default_factory=list)  # register cards of other domains (register_cards)
    alerts: list = field(default_factory=list)  # short health alerts (register_cards.alerts_for)


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


@use_case
def mark_attendance(user: User, booking_id: int, status: AttendanceStatus | str, late_departure: bool = False,
                    now: datetime | None = None, session_id: int | None = None) -> Attendance:
    """Record a child's attendance (animator or director of the site), from the session's day on.
    With `session_id`, a booking of another session is not found.

    Raises NotFound, ValidationFailed, Conflict (attendance_too_early)."""
    booking = db.session.get(Booking, booking_id)
    if booking is None or (session_id is not None and booking.session_id != session_id):
        raise NotFound()
    require(user, Action.MARK_ATTENDANCE, booking.session.unit.activity.site_id)
    check_attendance_open(booking.session, clock.local_date(now) if now else None)
    if booking.status not in PLACE_STATUSES:
        raise ValidationFailed(_("Cet enfant n'a pas de place à cette séance."))
    if status not in {s.value for s in AttendanceStatus} and not isinstance(status, AttendanceStatus):
        raise ValidationFailed(_("Choisissez présent, absent ou absence justifiée."), field="status")
    status = AttendanceStatus(status)
    attendance = booking.attendance
    if attendance is None:
        attendance = Attendance(booking=booking, status=status)
        db.session.add(attendance)
    attendance.status = status
    attendance.late_departure = bool(late_departure) and status is AttendanceStatus.PRESENT
    attendance.marked_by_id = user.id
    attendance.marked_at = now or utcnow()
    return attendance


def register_details(user: User, session: Session, rows: list[RegisterRow]) -> bool:
    """Add to the register rows what the staff member may see beyond names and pick-up persons: the
    guardians' phone numbers and the emergency contacts (Action.READ_FAMILY_CONTACTS: the director and
    animators of the session's site), the other domains' cards and short health alerts (each provider
    decides who sees what and records the reads). Returns whether the contacts were shown."""
    from app.accounts.access import can
    from app.booking import register_cards

    if not rows:
        return False
    allowed = can(user, Action.READ_FAMILY_CONTACTS, session)
    if allowed:
        from app.families.models import Household, HouseholdMember

        # The households' guardians and contacts in a fixed number of queries, whatever the register's size.
        db.session.scalars(select(Household).where(Household.id.in_({row.child.household_id for row in rows}))
                           .options(selectinload(Household.members).selectinload(HouseholdMember.user),
                                    selectinload(Household.emergency_contacts))).all()
        for row in rows:
            household = row.child.household
            row.guardians = [(m.user.display_name, m.user.phone) for m in household.members if m.user.active]
            row.emergency_contacts = list(household.emergency_contacts)
    child_ids = [row.child.id for row in rows]
    cards = register_cards.cards_for(user, session, child_ids)
    alerts = register_cards.alerts_for(user, child_ids, f"session {session.id}") if allowed else {}
    for row in rows:
        row.cards = cards.get(row.child.id, [])
        row.alerts = alerts.get(row.child.id, [])
    return allowed


def today_sessions(user: User, day: date) -> list[Session]:
    """The sessions of `day` at the sites where this director or animator works (every site for an
    administrator), by time: the staff's "Aujourd'hui" entry."""
    from app.booking.models import Activity, Unit
    from app.sites.access import site_ids_of

    site_ids = site_ids_of(user)
    if not site_ids:
        return []
    return list(db.session.scalars(
        select(Session).join(Unit).join(Activity)
        .where(Activity.site_id.in_(site_ids), Session.day == day)
        .options(selectinload(Session.unit).selectinload(Unit.activity).selectinload(Activity.site))
        .order_by(Unit.start_time, Activity.site_id, Session.id)))


def home_sessions(user: User, day: date) -> list[Session] | None:
    """Today's sessions for the home page of those who work at sites (directors, animators); None for the
    other roles (an administrator reaches every site from "Mes accueils")."""
    from app.booking.access import works_at_sites

    if not works_at_sites(user):
        return None
    return today_sessions(user, day)


@use_case
def mark_all_present(user: User, session_id: int, now: datetime | None = None) -> int:
    """Mark present every child holding a place at the session who is not marked yet (one transaction).
    Children already marked (present, absent or excused) keep their mark. Same rules as marking one
    child: staff of the site, from the session's day on, not on a cancelled session.

    Returns the number of children marked. Raises NotFound, Conflict (attendance_too_early,
    session_cancelled)."""
    from app.booking.catalogue import get_session

    session = get_session(user, session_id, Action.MARK_ATTENDANCE)
    check_attendance_open(session, clock.local_date(now) if now else None)
    if session.cancelled:
        raise Conflict(_("Cette séance est annulée : aucune présence n'est à noter."), code="session_cancelled")
    bookings = db.session.scalars(
        select(Booking).where(Booking.session_id == session.id, Booking.status.in_(PLACE_STATUSES))
        .options(selectinload(Booking.attendance))).all()
    moment = now or utcnow()
    count = 0
    for booking in bookings:
        if booking.attendance is not None:
            continue
        db.session.add(Attendance(booking=booking, status=AttendanceStatus.PRESENT, late_departure=False,
                                  marked_by_id=user.id, marked_at=moment))
        count += 1
    return count
