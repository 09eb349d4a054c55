"""Payments models: the régie's invoice sequence, invoices, payments, online transactions.

Billing stays the source of amounts: an invoice is issued from a closed (frozen) statement and
copies its total; it adds only what billing does not know: its number in the régie's sequence,
its due date, what was paid and its status.
"""
from __future__ import annotations

import enum
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import Enum, ForeignKey, Numeric, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.billing.models import Statement
from app.extensions import db, utcnow


def _enum(cls):
    return Enum(cls, native_enum=False, length=30, validate_strings=True)


class InvoiceStatus(str, enum.Enum):
    TO_PAY = "to_pay"
    PARTLY_PAID = "partly_paid"
    PAID = "paid"
    DIRECT_DEBIT = "direct_debit"  # to be collected by SEPA direct debit
    REJECTED = "rejected"  # a direct debit came back unpaid (R-transaction)
    TRESOR = "tresor"  # sent to the Trésor public for collection (titre de recette)


class PaymentMethod(str, enum.Enum):
    ONLINE = "online"
    CASH = "cash"
    CHEQUE = "cheque"
    CESU = "cesu"
    ANCV = "ancv"
    DIRECT_DEBIT = "direct_debit"


class TransactionStatus(str, enum.Enum):
    PENDING = "pending"  # the family was sent to the payment service
    PAID = "paid"
    REFUSED = "refused"
    CANCELLED = "cancelled"  # abandoned or expired at the payment service


class InvoiceSequence(db.Model):
    """The régie's invoice numbers, one gap-free sequence per calendar year of issue.

    A number is taken by an UPDATE of this row in the transaction that writes the invoice:
    concurrent closings queue on the row (PostgreSQL row lock, SQLite's write lock) and a
    rolled-back closing gives its numbers back."""

    __tablename__ = "invoice_sequence"

    year: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    last_number: Mapped[int] = mapped_column(default=0)


class Invoice(db.Model):
    __tablename__ = "invoice"

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(30), unique=True)
    statement_id: Mapped[int] = mapped_column(ForeignKey("statement.id", ondelete="RESTRICT"), unique=True)
    # Kept (accounting record) if the household is deleted: the statement holds the snapshot.
    household_id: Mapped[int | None] = mapped_column(ForeignKey("household.id", ondelete="SET NULL"), index=True)
    month: Mapped[date]
    issued_on: Mapped[date]
    due_on: Mapped[date] = mapped_column(index=True)
    amount: Mapped[Decimal] = mapped_column(Numeric(10, 2))
    paid: Mapped[Decimal] = mapped_column(Numeric(10, 2), default=Decimal("0.00"))
    status: Mapped[InvoiceStatus] = mapped_column(_enum(InvoiceStatus), default=InvoiceStatus.TO_PAY, index=True)
    sent_to_tresor_on: Mapped[date | None]
    direct_debit_on: Mapped[date | None]  # the collection date of its SEPA debit
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    statement: Mapped[Statement] = relationship()
    payments: Mapped[list[Payment]] = relationship(back_populates="invoice", order_by="Payment.id")

    @property
    def remaining(self) -> Decimal:
        return max(self.amount - self.paid, Decimal("0.00"))

    @property
    def overpaid(self) -> Decimal:
        return max(self.paid - self.amount, Decimal("0.00"))


class OnlineTransaction(db.Model):
    """One trip of the family to the payment service, for one or several invoices.

    No card data: only the service's transaction identifier and its result."""

    __tablename__ = "payment_transaction"

    id: Mapped[int] = mapped_column(primary_key=True)
    reference: Mapped[str] = mapped_column(String(40), unique=True)  # our order id
    backend: Mapped[str] = mapped_column(String(30))
    bank_transaction_id: Mapped[str | None] = mapped_column(String(120), unique=True)
    household_id: Mapped[int | None] = mapped_column(ForeignKey("household.id", ondelete="SET NULL"), index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    amount: Mapped[Decimal] = mapped_column(Numeric(10, 2))
    status: Mapped[TransactionStatus] = mapped_column(_enum(TransactionStatus), default=TransactionStatus.PENDING)
    bank_status: Mapped[str] = mapped_column(String(200), default="")
    notifications: Mapped[int] = mapped_column(default=0)  # how many verified notifications arrived
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    completed_at: Mapped[datetime | None]

    items: Mapped[list[OnlineTransactionInvoice]] = relationship(back_populates="transaction",
                                                                 cascade="all, delete-orphan")


class OnlineTransactionInvoice(db.Model):
    __tablename__ = "payment_transaction_invoice"
    __table_args__ = (UniqueConstraint("transaction_id", "invoice_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    transaction_id: Mapped[int] = mapped_column(ForeignKey("payment_transaction.id", ondelete="CASCADE"))
    invoice_id: Mapped[int] = mapped_column(ForeignKey("invoice.id", ondelete="RESTRICT"), index=True)
    amount: Mapped[Decimal] = mapped_column(Numeric(10, 2))

    transaction: Mapped[OnlineTransaction] = relationship(back_populates="items")
    invoice: Mapped[Invoice] = relationship()


class Payment(db.Model):
    """Money received for an invoice (online, at the desk, by direct debit)."""

    __tablename__ = "payment"

    id: Mapped[int] = mapped_column(primary_key=True)
    invoice_id: Mapped[int] = mapped_column(ForeignKey("invoice.id", ondelete="RESTRICT"), index=True)
    amount: Mapped[Decimal] = mapped_column(Numeric(10, 2))
    method: Mapped[PaymentMethod] = mapped_column(_enum(PaymentMethod))
    transaction_id: Mapped[int | None] = mapped_column(ForeignKey("payment_transaction.id", ondelete="RESTRICT"),
                                                       index=True)
    reference: Mapped[str] = mapped_column(String(120), default="")
    paid_at: Mapped[datetime] = mapped_column(default=utcnow)
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))

    invoice: Mapped[Invoice] = relationship(back_populates="payments")


class SepaMandate(db.Model):
    """A SEPA direct-debit mandate signed online by a guardian: its unique reference (RUM), the
    régie's creditor identifier (ICS) it was given to, the account, and its revocation."""

    __tablename__ = "sepa_mandate"

    id: Mapped[int] = mapped_column(primary_key=True)
    household_id: Mapped[int | None] = mapped_column(ForeignKey("household.id", ondelete="SET NULL"), index=True)
    rum: Mapped[str] = mapped_column(String(35), unique=True)
    creditor_id: Mapped[str] = mapped_column(String(35))
    holder_name: Mapped[str] = mapped_column(String(140))
    iban: Mapped[str] = mapped_column(String(34))
    bic: Mapped[str] = mapped_column(String(11), default="")
    signed_at: Mapped[datetime] = mapped_column(default=utcnow)
    signed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    last_collected_on: Mapped[date | None]  # None: the next debit is the first (FRST), then RCUR
    revoked_at: Mapped[datetime | None]
    revoked_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))

    @property
    def active(self) -> bool:
        return self.revoked_at is None

    @property
    def masked_iban(self) -> str:
        return f"{self.iban[:4]} •••• •••• {self.iban[-4:]}"


class SepaDebitBatch(db.Model):
    """One payment information block (PmtInf) of a pain.008 file, as sent: the bank books it as one
    credit and names it by its PmtInfId in its statement (reconciliation)."""

    __tablename__ = "sepa_debit_batch"

    id: Mapped[int] = mapped_column(primary_key=True)
    pmt_inf_id: Mapped[str] = mapped_column(String(35), unique=True)
    msg_id: Mapped[str] = mapped_column(String(35))
    collection_date: Mapped[date] = mapped_column(index=True)
    sequence_type: Mapped[str] = mapped_column(String(4))  # FRST, RCUR
    transactions: Mapped[int]
    total: Mapped[Decimal] = mapped_column(Numeric(12, 2))
    end_to_end_ids: Mapped[str] = mapped_column(Text, default="")  # the invoices' numbers, space-separated
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    @property
    def invoice_numbers(self) -> list[str]:
        return self.end_to_end_ids.split()
