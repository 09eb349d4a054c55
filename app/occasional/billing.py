"""Occasional care on the monthly statement (billing asks each domain for its lines)."""
from __future__ import annotations

from datetime import date
from decimal import Decimal

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from app.billing.models import LineKind
from app.billing.registry import BillingRules, LineDraft, money
from app.extensions import db
from app.families.models import Child
from app.occasional.models import OccasionalBooking, RequestStatus

SOURCE = "occasional"


def occasional_statement_lines(first: date, last: date, household_id: int | None,
                               rules: BillingRules) -> list[LineDraft]:
    """One line per confirmed occasional-care request of the month: the hours booked at the
    hourly price frozen when it was confirmed (a child who stays longer than booked is not
    charged more here; the provider records it in the day view)."""
    query = (select(OccasionalBooking).join(Child)
             .where(OccasionalBooking.day.between(first, last), OccasionalBooking.status == RequestStatus.CONFIRMED)
             .options(selectinload(OccasionalBooking.child), selectinload(OccasionalBooking.provider))
             .order_by(OccasionalBooking.day, OccasionalBooking.starts_at, OccasionalBooking.id))
    if household_id is not None:
        query = query.where(Child.household_id == household_id)
    drafts = []
    for booking in db.session.scalars(query):
        hours = booking.hours
        price = booking.price if booking.price is not None else (booking.hourly_price or Decimal("0")) * hours
        detail = _("%(hours)s h à %(rate)s € de l'heure", hours=f"{hours:.2f}".replace(".", ","),
                   rate=f"{(booking.hourly_price or Decimal('0')):.2f}".replace(".", ","))
        drafts.append(LineDraft(
            household_id=booking.child.household_id, source=SOURCE, reference=f"occasional:{booking.id}",
            kind=LineKind.BOOKING.value, day=booking.day, child_name=booking.child.full_name,
            label=_("Garde ponctuelle – %(provider)s, %(start)s–%(end)s", provider=booking.provider.name,
                    start=booking.starts_at.strftime("%H:%M"), end=booking.ends_at.strftime("%H:%M")),
            detail=detail, unit_price=booking.hourly_price, share=Decimal("1.00"), amount=money(price)))
    return drafts
