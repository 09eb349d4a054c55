"""Billing's own sources: booking lines for statements, attended booking slots for the CAF.

Prices come from `Booking.price`, frozen when the booking was made: a new
tariff grid never changes a booking already made.
"""
from __future__ import annotations

from datetime import date
from decimal import Decimal

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from app.billing.models import AbsenceCertificate, LineKind
from app.billing.registry import AttendedSlot, BillingRules, LineDraft, money
from app.booking.models import PLACE_STATUSES, Activity, AttendanceStatus, Booking, BookingStatus, Session, Unit
from app.extensions import db
from app.families.models import BenefitScheme, Child

SOURCE = "booking"
# Held (pending_preparation) bookings hold a place but are not billed until confirmed.
BILLED_STATUSES = (BookingStatus.CONFIRMED, BookingStatus.LATE_CANCELLED)
ONE = Decimal("1.00")
ZERO = Decimal("0.00")


def _label(booking: Booking) -> str:
    unit = booking.session.unit
    return f"{unit.activity.site.name} – {unit.activity.name}, {unit.label}"


def booking_statement_lines(first: date, last: date, household_id: int | None,
                            rules: BillingRules) -> list[LineDraft]:
    """One line per confirmed booking of the month, or cancelled late.

    A booking held `pending_preparation` is not billed while held: the family
    never pays for a preparation the centre has not done. Once confirmed it
    gets its line (after a closed month, as an adjustment on the next
    statement). Order of the rules: a late cancellation is charged at the configured
    share (or not at all); a child marked present pays the price; an absence
    justified (marked so by the centre, or a certificate uploaded) is listed
    and not charged; an unjustified absence is charged when the rule says so;
    a booking not yet marked is charged as booked.
    """
    query = (select(Booking).join(Session).join(Child)
             .where(Session.day.between(first, last),
                    Booking.status.in_(BILLED_STATUSES))
             .options(selectinload(Booking.child), selectinload(Booking.attendance),
                      selectinload(Booking.session).selectinload(Session.unit).selectinload(Unit.activity)
                      .selectinload(Activity.site))
             .order_by(Session.day, Child.first_name, Booking.id))
    if household_id is not None:
        query = query.where(Child.household_id == household_id)
    bookings = list(db.session.scalars(query))
    certified = set()
    if bookings:
        certified = set(db.session.scalars(select(AbsenceCertificate.booking_id).where(
            AbsenceCertificate.booking_id.in_([b.id for b in bookings]))))
    drafts = []
    for booking in bookings:
        price = booking.price
        attendance = booking.attendance
        status = attendance.status if attendance else None
        if booking.status is BookingStatus.LATE_CANCELLED:
            kind = LineKind.LATE_CANCELLATION
            if rules.charge_late_cancellations:
                share = rules.late_cancellation_share
                detail = _("Annulation hors délai, facturée à %(pct)s %%", pct=f"{share * 100:.0f}")
            else:
                share, detail = ZERO, _("Annulation hors délai, non facturée")
        elif status is AttendanceStatus.PRESENT:
            kind, share = LineKind.BOOKING, ONE
            detail = _("Présent, départ tardif") if attendance.late_departure else _("Présent")
        elif status is AttendanceStatus.ABSENT_JUSTIFIED or booking.id in certified:
            kind, share = LineKind.JUSTIFIED_ABSENCE, ZERO
            detail = (_("Absence justifiée (certificat médical), non facturée") if booking.id in certified
                      else _("Absence justifiée, non facturée"))
        elif status is AttendanceStatus.ABSENT:
            kind = LineKind.UNJUSTIFIED_ABSENCE
            if rules.charge_unjustified_absences:
                share, detail = ONE, _("Absence non justifiée, facturée")
            else:
                share, detail = ZERO, _("Absence non justifiée, non facturée")
        else:
            kind, share, detail = LineKind.BOOKING, ONE, _("Réservé")
        if price is None:
            detail = f"{detail} ; " + _("aucun tarif applicable à la date de réservation")
        amount = money((price or ZERO) * share)
        drafts.append(LineDraft(
            household_id=booking.child.household_id, source=SOURCE, reference=f"booking:{booking.id}",
            kind=kind.value, day=booking.session.day, child_name=booking.child.full_name, label=_label(booking),
            detail=detail, unit_price=price, share=share, amount=amount))
    return drafts


def booking_attended_slots(site_id: int, first: date, last: date) -> list[AttendedSlot]:
    """Slots of the site's sessions where the child was marked present (late departure included).

    Absences, justified or not, are never attended hours.
    """
    from app.booking.models import Attendance

    rows = db.session.scalars(
        select(Booking).join(Session).join(Unit).join(Activity).join(Attendance, Attendance.booking_id == Booking.id)
        .where(Activity.site_id == site_id, Session.day.between(first, last),
               Booking.status.in_(PLACE_STATUSES), Attendance.status == AttendanceStatus.PRESENT)
        .options(selectinload(Booking.child).selectinload(Child.household),
                 selectinload(Booking.session).selectinload(Session.unit).selectinload(Unit.activity))
        .order_by(Session.day, Booking.id))
    slots = []
    for booking in rows:
        unit = booking.session.unit
        child = booking.child
        slots.append(AttendedSlot(
            source=SOURCE, reference=f"booking:{booking.id}", site_id=site_id, child_id=child.id,
            child_name=child.full_name, birth_date=child.birth_date, household_id=child.household_id,
            general_scheme=child.household.benefit_scheme is BenefitScheme.CAF_GENERAL,
            day=booking.session.day, kind=unit.activity.kind.value, start=unit.start_time, end=unit.end_time,
            with_meal=unit.with_meal))
    return slots
