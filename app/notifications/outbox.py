"""Writing to the outbox. Callers are inside their own transaction; nothing commits here."""
from __future__ import annotations

from app.accounts.models import User
from app.extensions import db
from app.notifications.models import OutboxMessage


def enqueue(kind: str, *, to: User | str, subject: str, body_text: str, body_html: str | None = None,
            attachments: list[dict] | None = None, context: dict | None = None,
            dedup_key: str | None = None) -> OutboxMessage:
    """Add a message to the outbox in the caller's transaction.

    The message is sent only if the caller's transaction commits.
    """
    user = to if isinstance(to, User) else None
    message = OutboxMessage(
        kind=kind,
        recipient_user_id=user.id if user else None,
        to_address=user.email if user else str(to),
        subject=subject,
        body_text=body_text,
        body_html=body_html,
        attachments=attachments,
        context=context,
        dedup_key=dedup_key,
    )
    db.session.add(message)
    return message


def notify(kind: str, to: User | str, context: dict | None = None, *, attachments: list[dict] | None = None,
           dedup_key: str | None = None) -> OutboxMessage:
    """Render the e-mail templates of `kind` and enqueue the message.

    Templates: `emails/<kind>.subject.txt`, `emails/<kind>.txt` and, when it
    exists, `emails/<kind>.html` (kind "booking.promoted" -> "emails/booking/promoted.txt").
    """
    from flask import render_template
    from jinja2 import TemplateNotFound

    context = dict(context or {})
    context.setdefault("recipient", to if isinstance(to, User) else None)
    base = "emails/" + kind.replace(".", "/")
    subject = render_template(f"{base}.subject.txt", **context).strip()
    body_text = render_template(f"{base}.txt", **context)
    try:
        body_html = render_template(f"{base}.html", **context)
    except TemplateNotFound:
        body_html = None
    return enqueue(kind, to=to, subject=subject, body_text=body_text, body_html=body_html,
                   attachments=attachments, context=_jsonable(context), dedup_key=dedup_key)


def _jsonable(context: dict) -> dict:
    """Keep only the plain values of a template context (for audit and tests)."""
    return {k: v for k, v in context.items() if isinstance(v, (str, int, float, bool)) or v is None}
