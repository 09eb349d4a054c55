"""Online payment: the family pays one or several invoices at the payment service; the service's
notification, verified by eopayment, records the payment exactly once.

The transaction's state machine (OnlineTransaction.status):

    pending --PAID--> paid            payments recorded, invoices move (paid / partly paid)
    pending --DENIED/ERROR--> refused   nothing recorded: the invoices stay due
    pending --CANCELLED/EXPIRED--> cancelled
    refused / cancelled --PAID--> paid  a late success still is money received: recorded
    paid --anything--> paid            repeated or late notifications change nothing

The guard: a transaction leaves a state by one conditional UPDATE (`… WHERE status IN (…)`),
whose row count says whether this notification won. Two identical notifications at once
(two requests, two database sessions) both try; PostgreSQL makes the second UPDATE wait for the
first's row lock and re-read the row, which is no longer claimable: one payment recorded.
On SQLite every transaction holds the write lock (BEGIN IMMEDIATE): they queue.
"""
from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass

import eopayment
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update

from app import clock
from app.accounts.access import require
from app.accounts.models import User
from app.billing.registry import money
from app.errors import Conflict, NotFound, ValidationFailed
from app.extensions import db
from app.payments import gateway
from app.payments.access import Action
from app.payments.models import Invoice, OnlineTransaction, OnlineTransactionInvoice, PaymentMethod, TransactionStatus
from app.payments.services import PAYABLE, ZERO, apply_payment, lock_invoices
from app.transactions import commit, rollback, use_case

log = logging.getLogger(__name__)

T = TransactionStatus
_FAILED = {eopayment.DENIED: T.REFUSED, eopayment.ERROR: T.REFUSED,
           eopayment.CANCELLED: T.CANCELLED, eopayment.EXPIRED: T.CANCELLED}


TRANSACTION_LABELS = {
    T.PENDING: _l("en attente de la confirmation du service de paiement"),
    T.PAID: _l("payé"),
    T.REFUSED: _l("refusé : la facture reste à payer"),
    T.CANCELLED: _l("abandonné : la facture reste à payer"),
}


@dataclass(frozen=True)
class Outcome:
    """What a notification did: "paid", "already_paid", "refused", "cancelled", "ignored_late",
    "waiting", "unknown", "unsigned"."""

    result: str
    transaction_id: int | None = None


# ---------------------------------------------------------------- starting

@use_case
def _open_transaction(user: User, ids: list[int]) -> tuple[OnlineTransaction, list[Invoice]]:
    """The pending transaction, committed before the payment service is asked (its own transaction)."""
    invoices = list(db.session.scalars(select(Invoice).where(Invoice.id.in_(ids)).order_by(Invoice.id)))
    if len(invoices) != len(ids):
        raise NotFound()
    for invoice in invoices:
        require(user, Action.PAY_INVOICE, invoice)
        if invoice.status not in PAYABLE or invoice.remaining <= ZERO:
            raise ValidationFailed(_("La facture %(n)s ne peut pas être payée en ligne (%(state)s).",
                                     n=invoice.number, state=_state(invoice)), field="invoice_ids")
    households = {i.household_id for i in invoices}
    if len(households) != 1:
        raise NotFound()
    reference = f"{clock.today():%Y}{uuid.uuid4().hex[:16].upper()}"
    transaction = OnlineTransaction(reference=reference, backend=_backend_name(),
                                    household_id=households.pop(), user_id=user.id,
                                    amount=money(sum((i.remaining for i in invoices), ZERO)),
                                    status=T.PENDING)
    for invoice in invoices:
        transaction.items.append(OnlineTransactionInvoice(invoice_id=invoice.id, amount=invoice.remaining))
    db.session.add(transaction)
    return transaction, invoices


def start_payment(user: User, invoice_ids: list[int]) -> tuple[OnlineTransaction, str]:
    """Open a transaction for the remaining amounts of the chosen invoices; returns it and the
    address of the payment page. Raises NotFound (another household's invoice), ValidationFailed
    (nothing chosen, or an invoice that cannot be paid online), Conflict (service unavailable)."""
    ids = sorted({i for i in invoice_ids if i})
    if not ids:
        raise ValidationFailed(_("Choisissez au moins une facture à payer."), field="invoice_ids")
    if not gateway.enabled():
        raise Conflict(_("Le paiement en ligne n'est pas ouvert pour l'instant : payez à l'accueil de la régie."),
                       code="payment_unavailable")
    transaction, invoices = _open_transaction(user, ids)
    numbers = ", ".join(i.number for i in invoices)
    try:
        started = gateway.request_payment(transaction.amount, transaction.reference, user.email,
                                          _("Factures %(numbers)s – Grand Cahors", numbers=numbers))
    except gateway.PaymentUnavailable as error:
        log.warning("payment service refused transaction %s: %s", transaction.reference, error)
        _cancel(transaction.id, str(error))
        raise Conflict(_("Le service de paiement ne répond pas. Réessayez dans quelques minutes."),
                       code="payment_unavailable") from None
    transaction.bank_transaction_id = started.bank_transaction_id[:120]
    commit()
    return transaction, started.url


@use_case
def _cancel(transaction_id: int, bank_status: str) -> None:
    db.session.execute(update(OnlineTransaction).where(OnlineTransaction.id == transaction_id)
                       .values(status=T.CANCELLED, bank_status=bank_status[:200], completed_at=clock.now()))


def _backend_name() -> str:
    from flask import current_app

    return str(current_app.config.get("PAYMENT_BACKEND"))[:30]


def _state(invoice: Invoice) -> str:
    from app.payments.services import STATUS_LABELS

    return str(STATUS_LABELS[invoice.status]).lower()


# ---------------------------------------------------------------- notifications

def _before_claim() -> None:
    """Called between reading a transaction and claiming it (tests widen the race window here)."""


def _claim(transaction_id: int, from_states: tuple[TransactionStatus, ...], to: TransactionStatus,
           bank_status: str) -> bool:
    """Move the transaction from one of `from_states` to `to`; True when this call did it."""
    result = db.session.execute(
        update(OnlineTransaction)
        .where(OnlineTransaction.id == transaction_id, OnlineTransaction.status.in_(from_states))
        .values(status=to, completed_at=clock.now(), bank_status=bank_status[:200]))
    return result.rowcount == 1


@use_case
def handle_notification(query_string: str) -> Outcome:
    """The payment service's notification: verified by eopayment, applied at most once.

    Raises ValidationFailed when eopayment cannot read it at all."""
    try:
        response = gateway.parse_response(query_string)
    except (ValueError, gateway.PaymentUnavailable):
        raise ValidationFailed(_("Notification de paiement illisible.")) from None
    if not response.signed:
        log.warning("unsigned payment notification ignored (order %s)", response.order_id)
        return Outcome("unsigned")
    transaction = _find(response)
    if transaction is None:
        log.error("payment notification for an unknown transaction: order %s, bank id %s, result %s",
                  response.order_id, response.transaction_id, response.result)
        rollback()
        return Outcome("unknown")
    tid = transaction.id
    bank_status = str(response.bank_status or eopayment.common.STATUS_NAME.get(response.result, ""))
    _before_claim()
    if response.result == eopayment.PAID:
        won = _claim(tid, (T.PENDING, T.REFUSED, T.CANCELLED), T.PAID, bank_status)
        _count(tid)
        if not won:
            return Outcome("already_paid", tid)
        items = list(db.session.scalars(select(OnlineTransactionInvoice)
                                        .where(OnlineTransactionInvoice.transaction_id == tid)))
        invoices = {i.id: i for i in lock_invoices(item.invoice_id for item in items)}
        for item in items:
            apply_payment(invoices[item.invoice_id], item.amount, PaymentMethod.ONLINE, transaction_id=tid,
                          reference=str(response.transaction_id or transaction.reference))
        return Outcome("paid", tid)
    if response.result in _FAILED:
        to = _FAILED[response.result]
        moved = _claim(tid, (T.PENDING,), to, bank_status)
        _count(tid)
        return Outcome(to.value if moved else "ignored_late", tid)
    _count(tid)
    return Outcome("waiting", tid)


def _count(transaction_id: int) -> None:
    """One more verified notification (after the claim: the claim is the transaction's first write)."""
    db.session.execute(update(OnlineTransaction).where(OnlineTransaction.id == transaction_id)
                       .values(notifications=OnlineTransaction.notifications + 1))


def _find(response) -> OnlineTransaction | None:
    if response.transaction_id:
        found = db.session.scalar(select(OnlineTransaction).where(
            OnlineTransaction.bank_transaction_id == str(response.transaction_id)))
        if found is not None:
            return found
    if response.order_id:
        return db.session.scalar(select(OnlineTransaction).where(
            OnlineTransaction.reference == str(response.order_id)))
    return None


# ---------------------------------------------------------------- reading

def returned_transaction(user: User, query_string: str) -> OnlineTransaction | None:
    """The family's transaction named by the service's return address (never trusted to change
    anything: only the notification does). None when it cannot be told."""
    from app.booking.access import household_of

    try:
        response = gateway.parse_response(query_string)
    except (ValueError, gateway.PaymentUnavailable):
        return None
    transaction = _find(response)
    household = household_of(user)
    if transaction is None or household is None or transaction.household_id != household.id:
        return None
    return transaction


def invoice_transactions(invoice: Invoice) -> list[OnlineTransaction]:
    """The online attempts for an invoice, newest first (failed ones included: the family and the
    régie see them)."""
    return list(db.session.scalars(
        select(OnlineTransaction).join(OnlineTransactionInvoice)
        .where(OnlineTransactionInvoice.invoice_id == invoice.id)
        .order_by(OnlineTransaction.created_at.desc(), OnlineTransaction.id.desc())))
