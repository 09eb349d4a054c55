"""The yearly certificate for the childcare tax credit (CGI art. 200 quater B).

For each child under 6 on 1 January of the year: the amounts PAID during the year (by the date
of payment, whatever the month invoiced: a December invoice paid in January counts in January's
year), for leisure centres (ALSH, périscolaire) and occasional care, meals excluded.

A payment pays its invoice's lines in proportion: each child's deductible share of an invoice is
the sum of its eligible lines, less the meal part, over the invoice's amount. The meal part of a
day with a meal is a dated rule (`payments.meal_part_per_day`): while it is 0 (not set) and a paid
day had a meal, the certificate is refused rather than overstated.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from app import clock, rules
from app.accounts.models import User
from app.billing.models import LineKind, Statement
from app.billing.registry import money
from app.errors import Conflict, NotFound
from app.extensions import db
from app.payments.models import Invoice, Payment
from app.transactions import use_case

ZERO = Decimal("0.00")

MEAL_PART = rules.define(
    "payments.meal_part_per_day", kind=Decimal, default=Decimal("0.00"), minimum=Decimal("0"),
    maximum=Decimal("50"), unit=_l("€ par journée avec repas"),
    label=_l("Part du repas dans le prix d'une journée avec repas (exclue de l'attestation fiscale)"),
    source=_l("Code général des impôts, art. 200 quater B (frais de garde hors repas) ; délibération tarifaire"))


@dataclass
class ChildAmount:
    name: str
    birth_date: date
    amount: Decimal = ZERO


@dataclass
class TaxCertificate:
    year: int
    household_name: str
    household_address: str
    children: list[ChildAmount] = field(default_factory=list)

    @property
    def total(self) -> Decimal:
        return money(sum((c.amount for c in self.children), ZERO))


def _child_of(reference: str):
    """(child, with_meal) of a statement line's reference, or (None, False)."""
    kind, _sep, raw = reference.partition(":")
    if not raw.isdigit():
        return None, False
    if kind in ("booking", "adaptation"):
        from app.booking.models import Booking

        booking = db.session.get(Booking, int(raw))
        return (booking.child, booking.session.unit.with_meal) if booking else (None, False)
    if kind == "occasional":
        from app.occasional.models import OccasionalBooking

        booking = db.session.get(OccasionalBooking, int(raw))
        return (getattr(booking, "child", None), False)
    return None, False


def _under_six_on_new_year(birth_date: date, year: int) -> bool:
    sixth = birth_date.replace(year=birth_date.year + 6) if not (birth_date.month == 2 and birth_date.day == 29) \
        else date(birth_date.year + 6, 3, 1)
    return sixth > date(year, 1, 1)


def household_certificate(user: User, year: int) -> TaxCertificate:
    """The certificate of the user's household for `year`. Raises NotFound (no household),
    Conflict (the meal part is not set while a paid day had a meal)."""
    from app.booking.access import household_of

    household = household_of(user)
    if household is None:
        raise NotFound()
    return certificate_for(household.id, year)


def certificate_for(household_id: int, year: int) -> TaxCertificate:
    start, end = clock.at_paris(date(year, 1, 1), _midnight()), clock.at_paris(date(year + 1, 1, 1), _midnight())
    payments = list(db.session.scalars(
        select(Payment).join(Invoice).where(Invoice.household_id == household_id, Payment.paid_at >= start,
                                            Payment.paid_at < end)
        .options(selectinload(Payment.invoice).selectinload(Invoice.statement).selectinload(Statement.lines))))
    paid_in_year: dict[int, Decimal] = defaultdict(lambda: ZERO)
    invoices: dict[int, Invoice] = {}
    for p in payments:
        paid_in_year[p.invoice_id] += p.amount
        invoices[p.invoice_id] = p.invoice
    meal_part = money(MEAL_PART.value(on=date(year, 12, 31)))
    children: dict[int, ChildAmount] = {}
    from app.families.models import Household

    household = db.session.get(Household, household_id)
    certificate = TaxCertificate(year, household.name if household else "",
                                 next(iter(invoices.values())).statement.household_address if invoices else "")
    for invoice_id, paid in sorted(paid_in_year.items()):
        invoice = invoices[invoice_id]
        if invoice.amount <= ZERO:
            continue
        paid = min(paid, invoice.amount)  # an overpayment is refunded, not a childcare cost
        shares: dict[int, Decimal] = defaultdict(lambda: ZERO)
        for line in invoice.statement.lines:
            if line.kind is LineKind.JUSTIFIED_ABSENCE or line.amount == ZERO:
                continue
            child, with_meal = _child_of(line.reference)
            if child is None or not _under_six_on_new_year(child.birth_date, year):
                continue
            amount = line.amount
            if with_meal:
                if meal_part == ZERO:
                    raise Conflict(_("La part du repas n'est pas réglée (règle « %(rule)s ») : l'attestation "
                                     "ne peut pas être établie.", rule=str(MEAL_PART.label)), code="meal_part_unset")
                meal = min(abs(amount), meal_part * (line.share if line.share is not None else Decimal("1")))
                amount = amount - meal if amount > ZERO else amount + meal
            shares[child.id] += amount
            children.setdefault(child.id, ChildAmount(child.full_name,
                                                      child.birth_date))
        for child_id, share in shares.items():
            children[child_id].amount += paid * share / invoice.amount
    for child in children.values():
        child.amount = money(max(child.amount, ZERO))
    certificate.children = sorted((c for c in children.values() if c.amount > ZERO), key=lambda c: c.birth_date)
    return certificate


def _midnight():
    from datetime import time

    return time(0)


SEND_FROM_DAY = 15  # certificates of the previous year are e-mailed from this day of January


@use_case
def send_certificates(today: date | None = None) -> int:
    """Each January (from the 15th, once the December payments are in), e-mail every household that
    paid anything for a child under 6 the previous year its certificate as PDF (outbox, once per
    guardian and year). Daily job: on other days it does nothing."""
    import base64
    import logging

    from app.families.models import HouseholdMember
    from app.notifications.outbox import find_by_dedup_key, notify
    from app.payments.pdf import render_pdf

    today = today or clock.today()
    if today.month != 1 or today.day < SEND_FROM_DAY:
        return 0
    year = today.year - 1
    start, end = clock.at_paris(date(year, 1, 1), _midnight()), clock.at_paris(date(today.year, 1, 1), _midnight())
    household_ids = sorted(set(db.session.scalars(
        select(Invoice.household_id).join(Payment).where(Payment.paid_at >= start, Payment.paid_at < end,
                                                         Invoice.household_id.is_not(None)))))
    count = 0
    for household_id in household_ids:
        members = [m for m in db.session.scalars(select(HouseholdMember).where(
            HouseholdMember.household_id == household_id)) if m.user.active]
        pending = [m for m in members if find_by_dedup_key(f"tax-certificate:{year}:{m.user_id}") is None]
        if not pending:
            continue
        try:
            certificate = certificate_for(household_id, year)
        except Conflict:
            logging.getLogger(__name__).error("tax certificates %s not sent: the meal part is not set", year)
            return count
        if certificate.total <= ZERO:
            continue
        content = base64.b64encode(render_pdf("payments/tax_certificate_pdf.html",
                                              certificate=certificate)).decode()
        for member in pending:
            notify("payments.tax_certificate", member.user, {"year": year, "total": f"{certificate.total:.2f}"
                                                             .replace(".", ",")},
                   attachments=[{"filename": f"attestation-frais-de-garde-{year}.pdf",
                                 "content_type": "application/pdf", "content_base64": content}],
                   dedup_key=f"tax-certificate:{year}:{member.user_id}")
            count += 1
    return count
