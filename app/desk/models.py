"""The trace of what a desk did for a family, with the family's consent."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, func
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db, utcnow


class DeskAction(db.Model):
    """One action a staff member did for a household at a desk, and the consent it rests on.

    Who acted (`staff_id`) and where (`desk`, a code of app.desk.services.DESKS), for whom
    (`household_id`), what (`kind`: household_created, child_added, booked, cancelled; `summary`:
    the children and sessions, in words), and the consent: who in the family agreed
    (`consent_given_by`), to what (`consent_text`, the sentence the staff member read out and
    ticked), when (`consented_at`). Never any health data. The family reads these rows in its
    history; they stay when the staff account is deleted (staff_id becomes NULL).
    """

    __tablename__ = "desk_action"

    id: Mapped[int] = mapped_column(primary_key=True)
    household_id: Mapped[int] = mapped_column(ForeignKey("household.id", ondelete="CASCADE"), index=True)
    staff_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    desk: Mapped[str] = mapped_column(String(30))
    kind: Mapped[str] = mapped_column(String(30))
    summary: Mapped[str] = mapped_column(String(1000), default="")
    consent_given_by: Mapped[str] = mapped_column(String(150))
    consent_text: Mapped[str] = mapped_column(String(500))
    consented_at: Mapped[datetime]
    created_at: Mapped[datetime] = mapped_column(default=utcnow, server_default=func.now())
