"""Billing models: settings, closed months, frozen statements and their lines, absence certificates.

A statement is a frozen snapshot: its lines carry their own labels and
amounts, so that a later change to a booking, a tariff or a household never
changes it. Later corrections become adjustment lines on a later statement.
"""
from __future__ import annotations

import enum
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import Enum, ForeignKey, Numeric, String, UniqueConstraint, func
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db, utcnow
from app.families.models import Household


def _enum(cls):
    return Enum(cls, native_enum=False, length=30, validate_strings=True)


class LineKind(str, enum.Enum):
    BOOKING = "booking"  # a session held for the child (attended or not yet marked)
    LATE_CANCELLATION = "late_cancellation"
    UNJUSTIFIED_ABSENCE = "unjustified_absence"
    JUSTIFIED_ABSENCE = "justified_absence"  # listed, never charged
    ADJUSTMENT = "adjustment"  # a correction of an already closed month
    OTHER = "other"  # lines of other sources (occasional care…)


class BillingSettings(db.Model):
    """The charging rules (one row; defaults come from the configuration)."""

    __tablename__ = "billing_settings"

    id: Mapped[int] = mapped_column(primary_key=True)
    charge_late_cancellations: Mapped[bool] = mapped_column(default=True)
    # Share of the price charged for a late cancellation, 0.00 to 1.00.
    late_cancellation_share: Mapped[Decimal] = mapped_column(Numeric(5, 2), default=Decimal("1.00"))
    charge_unjustified_absences: Mapped[bool] = mapped_column(default=True)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))


class BillingMonth(db.Model):
    """A closed (frozen) month. Its existence is the freeze: there is no "open" row."""

    __tablename__ = "billing_month"

    id: Mapped[int] = mapped_column(primary_key=True)
    month: Mapped[date] = mapped_column(unique=True)  # first day of the month
    closed_at: Mapped[datetime] = mapped_column(default=utcnow)
    closed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    statements_count: Mapped[int] = mapped_column(default=0)
    total: Mapped[Decimal] = mapped_column(Numeric(12, 2), default=Decimal("0.00"))
    # The charging rules the month was closed with: corrections of this month use them too.
    charge_late_cancellations: Mapped[bool] = mapped_column(default=True)
    late_cancellation_share: Mapped[Decimal] = mapped_column(Numeric(5, 2), default=Decimal("1.00"))
    charge_unjustified_absences: Mapped[bool] = mapped_column(default=True)


class Statement(db.Model):
    """A household's frozen monthly statement (relevé mensuel)."""

    __tablename__ = "statement"
    __table_args__ = (UniqueConstraint("household_id", "month"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(30), unique=True)
    # Kept (as accounting records, with the snapshot below) if the household is deleted.
    household_id: Mapped[int | None] = mapped_column(ForeignKey("household.id", ondelete="SET NULL"), index=True)
    month: Mapped[date]  # first day of the month
    household_name: Mapped[str] = mapped_column(String(150), default="")
    household_address: Mapped[str] = mapped_column(String(300), default="")
    family_quotient: Mapped[int | None]
    family_quotient_valid_until: Mapped[date | None]
    resident: Mapped[bool] = mapped_column(default=True)
    total: Mapped[Decimal] = mapped_column(Numeric(10, 2))
    created_at: Mapped[datetime] = mapped_column(default=utcnow, server_default=func.now())

    household: Mapped[Household | None] = relationship()
    lines: Mapped[list[StatementLine]] = relationship(back_populates="statement", cascade="all, delete-orphan",
                                                      order_by="StatementLine.position")


class StatementLine(db.Model):
    __tablename__ = "statement_line"

    id: Mapped[int] = mapped_column(primary_key=True)
    statement_id: Mapped[int] = mapped_column(ForeignKey("statement.id", ondelete="CASCADE"), index=True)
    position: Mapped[int]
    kind: Mapped[LineKind] = mapped_column(_enum(LineKind))
    source: Mapped[str] = mapped_column(String(30))  # "booking", "occasional"…
    # Stable reference of what is charged ("booking:42"); adjustments compare on it.
    reference: Mapped[str] = mapped_column(String(80), index=True)
    # The month the service belongs to (earlier than the statement's for adjustments).
    concerns_month: Mapped[date]
    day: Mapped[date | None]
    child_name: Mapped[str] = mapped_column(String(200), default="")
    label: Mapped[str] = mapped_column(String(300))
    detail: Mapped[str] = mapped_column(String(300), default="")
    unit_price: Mapped[Decimal | None] = mapped_column(Numeric(10, 2))
    share: Mapped[Decimal | None] = mapped_column(Numeric(5, 2))
    amount: Mapped[Decimal] = mapped_column(Numeric(10, 2))

    statement: Mapped[Statement] = relationship(back_populates="lines")


class AbsenceCertificate(db.Model):
    """A medical certificate uploaded by a guardian: the absence is justified and not charged.

    The file lives under UPLOAD_DIR (outside the web root) with a random name.
    """

    __tablename__ = "absence_certificate"

    id: Mapped[int] = mapped_column(primary_key=True)
    booking_id: Mapped[int] = mapped_column(ForeignKey("booking.id", ondelete="CASCADE"), unique=True)
    household_id: Mapped[int] = mapped_column(ForeignKey("household.id", ondelete="CASCADE"), index=True)
    stored_name: Mapped[str] = mapped_column(String(80), unique=True)
    original_name: Mapped[str] = mapped_column(String(200), default="")
    content_type: Mapped[str] = mapped_column(String(50))
    size: Mapped[int]
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    uploaded_at: Mapped[datetime] = mapped_column(default=utcnow)
