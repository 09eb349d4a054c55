"""Invoices: issued from closed statements, numbered in the régie's sequence, paid, sent to the Trésor.

One transaction per use case. An invoice's status follows from what was paid
(`_apply_payment`), except two states the régie's processes set: in direct debit, and
sent to the Trésor public (a daily job, after the period of the dated rule
`payments.tresor_after_days` past the due date).
"""
from __future__ import annotations

from collections.abc import Iterable
from datetime import date, time, timedelta
from decimal import Decimal

from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update
from sqlalchemy.orm import selectinload

from app import clock, rules
from app.accounts.access import require
from app.accounts.models import User
from app.billing.models import Statement
from app.billing.registry import money
from app.booking.eligibility import Refusal
from app.errors import NotFound
from app.exports import Table
from app.extensions import db
from app.families.models import Household
from app.payments.access import Action
from app.payments.models import Invoice, InvoiceSequence, InvoiceStatus, Payment, PaymentMethod
from app.transactions import use_case

ZERO = Decimal("0.00")

DUE_DAYS = rules.define(
    "payments.due_days", kind=int, default=30, minimum=1, maximum=90, unit=_l("jours"),
    label=_l("Délai de paiement d'une facture (jours après son émission)"),
    source=_l("Règlement de la régie de recettes des services familles (délibération du conseil communautaire)"))
TRESOR_AFTER_DAYS = rules.define(
    "payments.tresor_after_days", kind=int, default=60, minimum=1, maximum=365, unit=_l("jours"),
    label=_l("Délai après l'échéance avant la transmission au Trésor public (titre de recette)"),
    source=_l("Règlement de la régie de recettes ; convention avec le comptable public"))

# Invoices the family can still pay to the régie (not the Trésor's, not being debited).
PAYABLE = (InvoiceStatus.TO_PAY, InvoiceStatus.PARTLY_PAID, InvoiceStatus.REJECTED)
# Unpaid invoices the Trésor may receive once overdue.
UNPAID = (InvoiceStatus.TO_PAY, InvoiceStatus.PARTLY_PAID, InvoiceStatus.REJECTED)

STATUS_LABELS = {
    InvoiceStatus.TO_PAY: _l("À payer"),
    InvoiceStatus.PARTLY_PAID: _l("Payée en partie"),
    InvoiceStatus.PAID: _l("Payée"),
    InvoiceStatus.DIRECT_DEBIT: _l("En prélèvement"),
    InvoiceStatus.REJECTED: _l("Prélèvement rejeté"),
    InvoiceStatus.TRESOR: _l("Transmise au Trésor public"),
}
METHOD_LABELS = {
    PaymentMethod.ONLINE: _l("Carte bancaire en ligne"),
    PaymentMethod.CASH: _l("Espèces"),
    PaymentMethod.CHEQUE: _l("Chèque"),
    PaymentMethod.CESU: _l("CESU"),
    PaymentMethod.ANCV: _l("Chèques-Vacances ANCV"),
    PaymentMethod.DIRECT_DEBIT: _l("Prélèvement SEPA"),
}


# ---------------------------------------------------------------- numbering

def next_invoice_number(year: int) -> str:
    """The next number of the régie's sequence of `year`, in the caller's transaction.

    Gap-free: the number is the row's counter after an UPDATE, so a transaction that rolls
    back gives it back, and concurrent transactions queue on the row lock. The year's row is
    created on first use (INSERT … ON CONFLICT DO NOTHING: two first invoices of a year may race).
    """
    dialect = db.session.get_bind().dialect.name
    from sqlalchemy.dialects import postgresql, sqlite

    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    db.session.execute(insert(InvoiceSequence).values(year=year, last_number=0)
                       .on_conflict_do_nothing(index_elements=["year"]))
    number = db.session.execute(
        update(InvoiceSequence).where(InvoiceSequence.year == year)
        .values(last_number=InvoiceSequence.last_number + 1)
        .returning(InvoiceSequence.last_number)).scalar_one()
    return f"FAC-{year}-{number:06d}"


# ---------------------------------------------------------------- issuing

def issue_invoice(statement: Statement, today: date | None = None) -> Invoice | None:
    """The invoice of a statement just closed (billing's hook, in the closing's transaction).

    A statement of nothing to pay (total zero, or in the family's favour) gets no invoice:
    the régie refunds or deducts it. Returns the invoice, or None.
    """
    if statement.total <= ZERO:
        return None
    existing = db.session.scalar(select(Invoice).where(Invoice.statement_id == statement.id))
    if existing is not None:
        return existing
    issued = today or clock.today()
    invoice = Invoice(number=next_invoice_number(issued.year), statement_id=statement.id,
                      household_id=statement.household_id, month=statement.month, issued_on=issued,
                      due_on=issued + timedelta(days=DUE_DAYS.value(on=issued)), amount=money(statement.total),
                      paid=ZERO, status=InvoiceStatus.TO_PAY)
    db.session.add(invoice)
    db.session.flush()
    return invoice


# ---------------------------------------------------------------- paying

def status_after_payment(invoice: Invoice) -> InvoiceStatus:
    """The status that what was paid gives; the Trésor's invoices stay the Trésor's until paid."""
    if invoice.paid >= invoice.amount:
        return InvoiceStatus.PAID
    if invoice.status in (InvoiceStatus.TRESOR, InvoiceStatus.DIRECT_DEBIT, InvoiceStatus.REJECTED):
        return invoice.status
    return InvoiceStatus.PARTLY_PAID if invoice.paid > ZERO else InvoiceStatus.TO_PAY


def apply_payment(invoice: Invoice, amount: Decimal, method: PaymentMethod, *, transaction_id: int | None = None,
                  reference: str = "", recorded_by_id: int | None = None) -> Payment:
    """Record money received for `invoice` and move its status, in the caller's transaction.

    The caller holds the invoice's row (see `lock_invoice`): two payments of one invoice
    never read the same `paid`."""
    payment = Payment(invoice_id=invoice.id, amount=money(amount), method=method, transaction_id=transaction_id,
                      reference=reference[:120], recorded_by_id=recorded_by_id, paid_at=clock.now())
    db.session.add(payment)
    invoice.paid = money(invoice.paid + payment.amount)
    invoice.status = status_after_payment(invoice)
    db.session.flush()
    return payment


def lock_invoices(ids: Iterable[int]) -> list[Invoice]:
    """The invoices, their rows locked until the transaction ends (PostgreSQL; SQLite's
    transactions already hold the write lock), in id order so that two lockers never deadlock."""
    return list(db.session.scalars(select(Invoice).where(Invoice.id.in_(sorted(set(ids))))
                                   .order_by(Invoice.id).with_for_update()))


# ---------------------------------------------------------------- the Trésor public

@use_case
def send_overdue_to_tresor(today: date | None = None) -> int:
    """Mark TRESOR every unpaid invoice whose due date is more than the rule's period past.

    Safe twice a day: an invoice already sent is no longer among the unpaid ones."""
    today = today or clock.today()
    count = 0
    candidates = db.session.scalars(select(Invoice).where(Invoice.status.in_(UNPAID), Invoice.due_on < today)
                                    .order_by(Invoice.id).with_for_update())
    for invoice in candidates:
        if invoice.due_on + timedelta(days=TRESOR_AFTER_DAYS.value(on=today)) < today:
            invoice.status = InvoiceStatus.TRESOR
            invoice.sent_to_tresor_on = today
            count += 1
    return count


# ---------------------------------------------------------------- reading

def household_invoices(user: User) -> list[Invoice]:
    """The invoices of the user's household, newest first (empty without a household)."""
    from app.booking.access import household_of

    household = household_of(user)
    if household is None:
        return []
    return list(db.session.scalars(select(Invoice).where(Invoice.household_id == household.id)
                                   .options(selectinload(Invoice.statement))
                                   .order_by(Invoice.month.desc(), Invoice.id.desc())))


def get_invoice(user: User, invoice_id: int) -> Invoice:
    """One invoice with its statement's lines and its payments. Raises NotFound (another
    household's, or missing)."""
    invoice = db.session.scalar(select(Invoice).where(Invoice.id == invoice_id).options(
        selectinload(Invoice.statement).selectinload(Statement.lines), selectinload(Invoice.payments)))
    if invoice is None:
        raise NotFound()
    require(user, Action.VIEW_INVOICE, invoice)
    return invoice


def regie_invoices(user: User, status: InvoiceStatus | None = None) -> list[Invoice]:
    """Every invoice, for the régie, optionally of one status. Raises Forbidden."""
    require(user, Action.MANAGE)
    query = select(Invoice).options(selectinload(Invoice.statement)).order_by(Invoice.month.desc(),
                                                                              Invoice.number.desc())
    if status is not None:
        query = query.where(Invoice.status == status)
    return list(db.session.scalars(query))


def totals(invoices: list[Invoice]) -> dict[str, Decimal]:
    return {"amount": money(sum((i.amount for i in invoices), ZERO)),
            "paid": money(sum((i.paid for i in invoices), ZERO)),
            "remaining": money(sum((i.remaining for i in invoices), ZERO))}


# ---------------------------------------------------------------- reminders and unpaid invoices

REMINDER_DAYS = rules.define(
    "payments.reminder_days_before_due", kind=int, default=5, minimum=1, maximum=30, unit=_l("jours"),
    label=_l("Rappel par e-mail avant la date limite de paiement d'une facture"),
    source=_l("Règlement de la régie de recettes des services familles"))


@use_case
def send_due_reminders(today: date | None = None) -> int:
    """E-mail (outbox) the guardians of each invoice still to pay whose due date is within the
    rule's days. Once per invoice and guardian, whichever day the job runs in that window."""
    from app.families.models import HouseholdMember
    from app.notifications.outbox import find_by_dedup_key, notify

    today = today or clock.today()
    horizon = today + timedelta(days=REMINDER_DAYS.value(on=today))
    count = 0
    invoices = db.session.scalars(select(Invoice).where(
        Invoice.status.in_(PAYABLE), Invoice.due_on >= today, Invoice.due_on <= horizon,
        Invoice.household_id.is_not(None)).order_by(Invoice.id))
    for invoice in invoices:
        if invoice.remaining <= ZERO:
            continue
        members = db.session.scalars(select(HouseholdMember).where(
            HouseholdMember.household_id == invoice.household_id))
        for member in members:
            if not member.user.active:
                continue
            key = f"invoice-reminder:{invoice.id}:{member.user_id}"
            if find_by_dedup_key(key) is not None:
                continue
            message = notify("payments.due_reminder", member.user,
                             {"number": invoice.number, "remaining": _fr(invoice.remaining),
                              "due_on": invoice.due_on.strftime("%d/%m/%Y"),
                              "path": f"/paiements/factures/{invoice.id}"}, dedup_key=key)
            if message is not None:
                count += 1
    return count


def _fr(amount: Decimal) -> str:
    return f"{money(amount):.2f}".replace(".", ",")


def unpaid_invoices(user: User, today: date | None = None) -> list[Invoice]:
    """The régie's list of overdue invoices (past their due date, something left to pay, not yet
    with the Trésor), oldest due first. Raises Forbidden."""
    require(user, Action.MANAGE)
    today = today or clock.today()
    return [i for i in db.session.scalars(
        select(Invoice).where(Invoice.status.in_(UNPAID), Invoice.due_on < today)
        .options(selectinload(Invoice.statement)).order_by(Invoice.due_on, Invoice.number)) if i.remaining > ZERO]


def unpaid_table(invoices: list[Invoice], today: date) -> Table:
    from flask_babel import gettext as _

    table = Table("impayes", _("Impayés"), [_("Facture"), _("Foyer"), _("Mois"), _("Échéance"),
                                            _("Jours de retard"), _("Montant (€)"), _("Payé (€)"),
                                            _("Reste dû (€)"), _("État")])
    for i in invoices:
        table.add(i.number, i.statement.household_name, i.month.strftime("%Y-%m"), i.due_on, (today - i.due_on).days,
                  i.amount, i.paid, i.remaining, str(STATUS_LABELS[i.status]))
    return table


def _overdue(household_id: int, today: date) -> list[Invoice]:
    return list(db.session.scalars(select(Invoice).where(
        Invoice.household_id == household_id, Invoice.status.in_(UNPAID + (InvoiceStatus.TRESOR,)),
        Invoice.due_on < today)))


def household_unpaid_balance(household_id: int, today: date | None = None) -> Decimal:
    """What a household still owes on invoices past their due date (informative, before booking)."""
    return money(sum((i.remaining for i in _overdue(household_id, today or clock.today())), ZERO))


BLOCK_BOOKING = rules.define(
    "payments.block_booking_when_unpaid", kind=bool, default=False,
    label=_l("Refuser les nouvelles réservations d'un foyer qui a des factures impayées après leur date limite"),
    source=_l("Règlement de la régie de recettes des services familles (délibération du conseil communautaire)"))

UNPAID_CODE = "unpaid_balance"


def booking_refusal(household: Household, today: date) -> Refusal | None:
    """Booking's household gate (app/booking/gates.py): when the rule BLOCK_BOOKING is on that day,
    refuse a household that owes something on invoices past their due date, naming the amount and
    how to pay it. Off by default: the balance is then only shown. Reads only."""
    from flask_babel import gettext as _

    if not BLOCK_BOOKING.value(on=today):
        return None
    overdue = [i for i in _overdue(household.id, today) if i.remaining > ZERO]
    balance = money(sum((i.remaining for i in overdue), ZERO))
    if balance <= ZERO:
        return None
    reason = _("Réservation impossible : le foyer doit encore %(amount)s € sur des factures dont la date limite "
               "de paiement est passée. Réglez-les en ligne dans « Payer mes factures » ou au "
               "guichet de la régie des services familles (espèces, chèque, CESU, chèques-vacances ANCV), "
               "puis réservez à nouveau.", amount=_fr(balance))
    tresor = money(sum((i.remaining for i in overdue if i.status is InvoiceStatus.TRESOR), ZERO))
    if tresor > ZERO:
        reason += " " + _("%(amount)s € ont été transmis au Trésor public : ce montant se règle auprès du Trésor "
                          "public, comme indiqué sur l'avis des sommes à payer.", amount=_fr(tresor))
    return Refusal(UNPAID_CODE, reason)


# ---------------------------------------------------------------- the régie's desk

DESK_METHODS = (PaymentMethod.CASH, PaymentMethod.CHEQUE, PaymentMethod.CESU, PaymentMethod.ANCV)


@use_case
def record_desk_payment(user: User, invoice_id: int, amount: Decimal, method: PaymentMethod,
                        reference: str = "") -> Payment:
    """A payment received at the régie's desk (cash, cheque, CESU, ANCV chèques-vacances).

    Raises Forbidden, NotFound, ValidationFailed (amount, method, invoice not payable at the desk)."""
    from flask_babel import gettext as _

    from app.errors import ValidationFailed

    require(user, Action.MANAGE)
    if method not in DESK_METHODS:
        raise ValidationFailed(_("Choisissez un moyen de paiement accepté à la régie."), field="method")
    try:
        amount = money(amount)
    except Exception:  # noqa: BLE001 - decimal errors
        raise ValidationFailed(_("Saisissez un montant en euros, par exemple 12,50."), field="amount") from None
    if amount <= ZERO:
        raise ValidationFailed(_("Le montant doit être positif."), field="amount")
    if method is PaymentMethod.CHEQUE and not reference.strip():
        raise ValidationFailed(_("Indiquez le numéro du chèque."), field="reference")
    (invoice,) = lock_invoices([invoice_id]) or (None,)
    if invoice is None:
        raise NotFound()
    if invoice.status not in PAYABLE:
        raise ValidationFailed(_("Cette facture ne se paie plus à la régie (%(state)s).",
                                 state=str(STATUS_LABELS[invoice.status]).lower()), field="amount")
    if amount > invoice.remaining:
        raise ValidationFailed(_("Le montant dépasse le reste à payer (%(remaining)s €).",
                                 remaining=_fr(invoice.remaining)), field="amount")
    payment = apply_payment(invoice, amount, method, reference=reference.strip(), recorded_by_id=user.id)
    return payment


def day_journal(user: User, day: date) -> list[Payment]:
    """Every payment received on `day` (Paris time), by any means, for the treasury. Raises Forbidden."""
    require(user, Action.MANAGE)
    start, end = clock.at_paris(day, time(0)), clock.at_paris(day + timedelta(days=1), time(0))
    return list(db.session.scalars(
        select(Payment).where(Payment.paid_at >= start, Payment.paid_at < end)
        .options(selectinload(Payment.invoice).selectinload(Invoice.statement)).order_by(Payment.paid_at,
                                                                                         Payment.id)))


def journal_tables(payments: list[Payment], day: date) -> list[Table]:
    """The day's journal: one line per payment, and the totals by means of payment."""
    from flask_babel import gettext as _


    lines = Table("paiements", _("Paiements"), [_("Date"), _("Heure"), _("Facture"), _("Foyer"), _("Moyen"),
                                                _("Référence"), _("Montant (€)")])
    by_method: dict[PaymentMethod, Decimal] = {}
    for p in payments:
        at = clock.local(p.paid_at)
        lines.add(at.date(), at.strftime("%H:%M"), p.invoice.number, p.invoice.statement.household_name,
                  str(METHOD_LABELS[p.method]), p.reference, p.amount)
        by_method[p.method] = by_method.get(p.method, ZERO) + p.amount
    totals = Table("totaux", _("Totaux"), [_("Jour"), _("Moyen"), _("Nombre"), _("Montant (€)")])
    for method in PaymentMethod:
        if method in by_method:
            totals.add(day, str(METHOD_LABELS[method]), sum(1 for p in payments if p.method is method),
                       money(by_method[method]))
    totals.add(day, _("Total"), len(payments), money(sum(by_method.values(), ZERO)))
    return [lines, totals]
