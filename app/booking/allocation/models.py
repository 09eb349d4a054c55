"""Allocation by draw (issue 11): periods in draw mode, families' requests and their outcomes.

Imported at the bottom of app/booking/models.py so that the metadata is complete.
"""
from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import JSON, Enum, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db, utcnow


def _enum(cls):
    return Enum(cls, native_enum=False, length=30, validate_strings=True)


class PeriodStatus(str, enum.Enum):
    REQUESTS = "requests"  # draw mode: requests collected, nothing decided
    DRAWN = "drawn"  # allocated; the period is first come, first served for what is left


class AllocationPeriod(db.Model):
    """An activity's date range whose places are allocated by a draw instead of first come, first served."""

    __tablename__ = "allocation_period"
    __table_args__ = (UniqueConstraint("activity_id", "first_day"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    activity_id: Mapped[int] = mapped_column(ForeignKey("activity.id", ondelete="CASCADE"), index=True)
    label: Mapped[str] = mapped_column(String(150))
    first_day: Mapped[date]
    last_day: Mapped[date]  # inclusive
    requests_open_at: Mapped[datetime]
    requests_close_at: Mapped[datetime]
    # Priority criteria codes, most important first (see allocation.CRITERIA).
    rules: Mapped[list] = mapped_column(JSON, default=list)
    status: Mapped[PeriodStatus] = mapped_column(_enum(PeriodStatus), default=PeriodStatus.REQUESTS)
    seed: Mapped[str | None] = mapped_column(String(64))
    drawn_at: Mapped[datetime | None]
    drawn_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    # Places offered per session and age band when the draw ran: {"<session_id>:<band>": n}.
    places_at_draw: Mapped[dict | None] = mapped_column(JSON)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    activity = relationship("Activity")
    requests: Mapped[list[AllocationRequest]] = relationship(back_populates="period", order_by="AllocationRequest.id")

    @property
    def is_drawn(self) -> bool:
        return self.status is PeriodStatus.DRAWN

    def window_open(self, now: datetime) -> bool:
        return self.status is PeriodStatus.REQUESTS and self.requests_open_at <= now < self.requests_close_at


class AllocationRequest(db.Model):
    """One household's request for a period (edited in place until the window closes)."""

    __tablename__ = "allocation_request"
    __table_args__ = (UniqueConstraint("period_id", "household_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    period_id: Mapped[int] = mapped_column(ForeignKey("allocation_period.id", ondelete="CASCADE"), index=True)
    household_id: Mapped[int] = mapped_column(ForeignKey("household.id", ondelete="CASCADE"), index=True)
    submitted_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    siblings_together: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    withdrawn_at: Mapped[datetime | None]
    # Filled by the draw.
    draw_number: Mapped[int | None]  # position in the seeded shuffle of the period's requests (1 = first)
    items_requested: Mapped[int | None]
    items_confirmed: Mapped[int | None]

    period: Mapped[AllocationPeriod] = relationship(back_populates="requests")
    household = relationship("Household")
    items: Mapped[list[AllocationRequestItem]] = relationship(
        back_populates="request", cascade="all, delete-orphan",
        order_by="(AllocationRequestItem.rank, AllocationRequestItem.session_id, AllocationRequestItem.child_id)")

    @property
    def active(self) -> bool:
        return self.withdrawn_at is None


class AllocationRequestItem(db.Model):
    """A child wanted at a session, with the family's preference rank (1 = most wanted)."""

    __tablename__ = "allocation_request_item"
    __table_args__ = (UniqueConstraint("request_id", "child_id", "session_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("allocation_request.id", ondelete="CASCADE"), index=True)
    child_id: Mapped[int] = mapped_column(ForeignKey("child.id", ondelete="CASCADE"), index=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("booking_session.id", ondelete="CASCADE"), index=True)
    rank: Mapped[int] = mapped_column(default=1)
    # Filled by the draw: confirmed, pending_preparation, waitlisted or refused.
    outcome: Mapped[str | None] = mapped_column(String(30))
    age_band: Mapped[str | None] = mapped_column(String(10))
    # The criteria's values at draw time, in the period's rule order (higher goes first).
    priority: Mapped[list | None] = mapped_column(JSON)
    # Place in the draw's processing order (0 = decided first); None for refused items.
    draw_order: Mapped[int | None]
    booking_id: Mapped[int | None] = mapped_column(ForeignKey("booking.id", ondelete="SET NULL"))
    waitlist_position: Mapped[int | None]
    reason: Mapped[str | None] = mapped_column(Text)

    request: Mapped[AllocationRequest] = relationship(back_populates="items")
    child = relationship("Child")
    session = relationship("Session")
