"""One row per change of a rule, never updated: the rows are the audit log.

The value in force on a day is the latest recorded row whose `valid_from` is on or
before that day."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db, utcnow


class RuleValue(db.Model):
    __tablename__ = "rule_value"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(120), index=True)
    # The value as text: an int, a decimal, "true"/"false" or a string (see Rule.parse).
    value: Mapped[str] = mapped_column(Text)
    valid_from: Mapped[date]
    note: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
