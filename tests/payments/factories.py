"""Invoices for payments tests: real closed statements (billing's closing issues the invoices)."""
from __future__ import annotations

from datetime import UTC, date, datetime

import time_machine
from sqlalchemy import select

from app.billing import services as billing
from app.booking.models import AttendanceStatus, Session
from app.extensions import db
from app.payments.models import Invoice
from tests.billing.factories import make_booking, make_unit_at, session_on
from tests.booking.factories import make_parent_with_child

# Closing day of March 2026 (statements and invoices issued then).
CLOSING = datetime(2026, 4, 2, 8, tzinfo=UTC)


def family_with_march(prices=("8.50", "8.50"), unit=None, **child):
    """(parent, household, child, unit): the child attended a session per price in March 2026."""
    parent, household, kid = make_parent_with_child(**child)
    unit = unit or make_unit_at()
    for day, price in zip((4, 11, 18, 25), prices, strict=False):
        session = db.session.scalar(select(Session).where(Session.unit_id == unit.id,
                                                          Session.day == date(2026, 3, day)))
        make_booking(kid, session or session_on(unit, date(2026, 3, day)), price=price,
                     attendance=AttendanceStatus.PRESENT)
    return parent, household, kid, unit


def close_march(at: datetime = CLOSING) -> list[Invoice]:
    with time_machine.travel(at, tick=False):
        billing.close_month("2026-03")
    return list(db.session.scalars(select(Invoice).order_by(Invoice.number)))


def invoice_of(household) -> Invoice:
    return db.session.scalar(select(Invoice).where(Invoice.household_id == household.id))
