"""Builders for outbox rows and iCalendar invitations."""
from __future__ import annotations

from datetime import datetime

from app import clock
from app.extensions import db, utcnow
from app.notifications.ical import build_invitation
from app.notifications.models import OutboxMessage, OutboxStatus
from app.notifications.outbox import enqueue

PARIS = clock.PARIS


def make_message(to: str = "parent@example.fr", *, subject: str = "Sujet", body_text: str = "Corps",
                 body_html: str | None = None, kind: str = "test.meeting", attachments=None,
                 status: OutboxStatus = OutboxStatus.PENDING, commit: bool = True, **fields) -> OutboxMessage:
    message = enqueue(kind, to=to, subject=subject, body_text=body_text, body_html=body_html,
                      attachments=attachments)
    message.status = status
    message.next_attempt_at = fields.pop("next_attempt_at", utcnow())
    for name, value in fields.items():
        setattr(message, name, value)
    if commit:
        db.session.commit()
    return message


def make_invitation(*, uid: str = "plan-42-meeting-1@pitchoun.grandcahors.fr",
                    organizer: tuple[str, str] = ("directrice@example.fr", "Claire Directrice"),
                    attendees: list[tuple[str, str]] | None = None,
                    start: datetime = datetime(2026, 3, 4, 14, 0, tzinfo=PARIS),
                    end: datetime = datetime(2026, 3, 4, 15, 0, tzinfo=PARIS),
                    summary: str = "Rencontre projet d'accueil de Léo") -> str:
    attendees = attendees if attendees is not None else [("parent@example.fr", "Nadia Roux"),
                                                         ("referent@example.fr", "Paul Référent")]
    return build_invitation(uid=uid, organizer=organizer, attendees=attendees, start=start, end=end,
                            summary=summary, location="Accueil de loisirs de Cabessut, Cahors")
