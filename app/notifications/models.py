from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import JSON, Enum, ForeignKey, Index, String, Text, UniqueConstraint, func
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db, utcnow


class OutboxStatus(str, enum.Enum):
    PENDING = "pending"
    SENDING = "sending"
    SENT = "sent"
    FAILED = "failed"


class OutboxMessage(db.Model):
    """One e-mail to send, written in the same transaction as the change it reports."""

    __tablename__ = "outbox_message"
    __table_args__ = (Index("ix_outbox_message_status_next_attempt_at", "status", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    # A stable kind ("booking.promoted", "account.password_reset"...) used for
    # preferences and for tests; the template of the same name renders it.
    kind: Mapped[str] = mapped_column(String(80), index=True)
    recipient_user_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL"), index=True
    )
    to_address: Mapped[str] = mapped_column(String(254))
    subject: Mapped[str] = mapped_column(String(250))
    body_text: Mapped[str] = mapped_column(Text)
    body_html: Mapped[str | None] = mapped_column(Text)
    # Attachments as [{"filename", "content_type", "content"}] (text content),
    # or "content_base64" for binary files; an optional "method" (REQUEST,
    # CANCEL...) marks an iCalendar invitation (see sender.build_email).
    attachments: Mapped[list | None] = mapped_column(JSON)
    context: Mapped[dict | None] = mapped_column(JSON)
    # Daily jobs pass a key so that running them twice sends nothing twice.
    dedup_key: Mapped[str | None] = mapped_column(String(200), unique=True)
    status: Mapped[OutboxStatus] = mapped_column(
        Enum(OutboxStatus, native_enum=False, length=20, validate_strings=True), default=OutboxStatus.PENDING
    )
    attempts: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow, server_default=func.now())
    next_attempt_at: Mapped[datetime] = mapped_column(default=utcnow)
    claimed_at: Mapped[datetime | None]
    # Random token of the sender holding the claim: only that sender may mark
    # the row, even if its claim was taken over after a timeout.
    claim_token: Mapped[str | None] = mapped_column(String(32))
    last_attempt_at: Mapped[datetime | None]
    sent_at: Mapped[datetime | None]


class NotificationOptOut(db.Model):
    """A person does not want the (non-essential) messages of one kind."""

    __tablename__ = "notification_opt_out"
    __table_args__ = (UniqueConstraint("user_id", "kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(80))
    created_at: Mapped[datetime] = mapped_column(default=utcnow, server_default=func.now())


class JobRunStatus(str, enum.Enum):
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"


class JobRun(db.Model):
    """One run of one daily job (`flask jobs daily`), kept for the record."""

    __tablename__ = "job_run"
    __table_args__ = (Index("ix_job_run_name_run_date", "name", "run_date"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    # The day the job ran for (--date), not necessarily the day it ran on.
    run_date: Mapped[date]
    status: Mapped[JobRunStatus] = mapped_column(
        Enum(JobRunStatus, native_enum=False, length=20, validate_strings=True), default=JobRunStatus.RUNNING
    )
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[datetime | None]
    count: Mapped[int | None]
    error: Mapped[str | None] = mapped_column(Text)
