"""Writing to the outbox. Callers are inside their own transaction; nothing commits here.

`notify(kind, to, context)` is what domains call: it honours the recipient's
preferences, renders the templates and adds a row that is sent only if the
caller's transaction commits. With `render_later`, the row stores the
subject and the plain context only, and the sender renders the body when it
sends (`render_stored`): a hot path (a booking under its session's lock)
then spends no time in Jinja nor in the queries a template makes. With `dedup_key`, a second call with the same
key returns the first message instead of adding another (daily jobs rely on
this to be safe to run twice).
"""
from __future__ import annotations

import logging
import unicodedata

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from app.accounts.models import User
from app.extensions import db
from app.notifications.kinds import get_kind
from app.notifications.models import NotificationOptOut, OutboxMessage

log = logging.getLogger(__name__)

DEDUP_KEY_MAX = 200


SUBJECT_MAX = 250  # OutboxMessage.subject


def header_text(value: object, limit: int | None = None) -> str:
    """`value` as one line fit for an e-mail header: every line break, tab and other control or
    format character (CR, LF, NEL, U+2028, NUL...) becomes a space, runs of spaces one space.
    Used for every header Pitchoun writes (app.notifications.sender.build_email) and for the
    subject when it is stored, so a name with CR/LF can never add a header or break the message."""
    text = "".join(" " if unicodedata.category(char) in ("Cc", "Cf", "Zl", "Zp") and char != "\u200d" else char
                   for char in str(value))
    text = " ".join(text.split())
    return text[:limit].rstrip() if limit else text


def enqueue(kind: str, *, to: User | str, subject: str, body_text: str, body_html: str | None = None,
            attachments: list[dict] | None = None, context: dict | None = None,
            dedup_key: str | None = None) -> OutboxMessage:
    """Add a message to the outbox in the caller's transaction.

    The message is sent only if the caller's transaction commits. When a
    message with the same `dedup_key` already exists (committed, or added
    earlier in this transaction), that message is returned and nothing is
    added; the caller's transaction stays usable.
    """
    if dedup_key is not None:
        if len(dedup_key) > DEDUP_KEY_MAX:
            raise ValueError(f"dedup_key longer than {DEDUP_KEY_MAX} characters")
        existing = find_by_dedup_key(dedup_key)
        if existing is not None:
            return existing
    user = to if isinstance(to, User) else None
    if user is not None and user.id is None:
        db.session.flush()
    message = OutboxMessage(
        kind=kind,
        recipient_user_id=user.id if user else None,
        to_address=user.email if user else str(to).strip(),
        subject=header_text(subject, SUBJECT_MAX),  # one line: a header cannot hold a newline
        body_text=body_text,
        body_html=body_html,
        attachments=attachments,
        context=context,
        dedup_key=dedup_key,
    )
    if dedup_key is None:
        db.session.add(message)
        return message
    # Another transaction may insert the same key between our check and our
    # insert: the savepoint keeps the caller's transaction alive when the
    # unique constraint refuses ours, and we hand back the winner's message.
    try:
        with db.session.begin_nested():
            db.session.add(message)
    except IntegrityError:
        existing = find_by_dedup_key(dedup_key)
        if existing is None:
            raise
        return existing
    return message


def find_by_dedup_key(dedup_key: str) -> OutboxMessage | None:
    return db.session.scalar(select(OutboxMessage).where(OutboxMessage.dedup_key == dedup_key))


def has_opted_out(user_id: int | None, kind: str) -> bool:
    if user_id is None:
        return False
    return db.session.scalar(select(func.count()).select_from(NotificationOptOut).where(
        NotificationOptOut.user_id == user_id, NotificationOptOut.kind == kind)) > 0


def _recipient_user(to: User | str) -> User | None:
    if isinstance(to, User):
        return to
    address = str(to).strip().lower()
    return db.session.scalar(select(User).where(func.lower(User.email) == address))


def recipients(kind: str, users: list[User]) -> list[User]:
    """The `users` who want messages of `kind` (all of them when it is essential), in one query.

    For a caller that reads before it writes: it chooses the recipients in
    its reading transaction, then calls `notify(..., preferences_checked=True)`.
    """
    entry = get_kind(kind)
    if (entry and entry.essential) or not users:
        return list(users)
    opted_out = set(db.session.scalars(select(NotificationOptOut.user_id).where(
        NotificationOptOut.user_id.in_([u.id for u in users]), NotificationOptOut.kind == kind)))
    return [u for u in users if u.id not in opted_out]


RENDER_LATER = "_render_later"  # the context key that marks a row whose body the sender renders


def notify(kind: str, to: User | str, context: dict | None = None, *, attachments: list[dict] | None = None,
           dedup_key: str | None = None, preferences_checked: bool = False,
           render_later: bool = False) -> OutboxMessage | None:
    """Render the e-mail templates of `kind` and enqueue the message (see `enqueue`).

    Templates: `emails/<kind>.subject.txt` and `emails/<kind>.txt` (kind "booking.promoted" ->
    "emails/booking/promoted.txt"), which may extend `emails/_base.txt` (the "Pourquoi ce message"
    footer and the link to the preferences). The HTML alternative is built from the text part by
    the one layout of every e-mail (app.notifications.layout), never per kind.

    Returns None, and adds nothing, when the kind is not essential and the
    recipient (a User, or the account with that address) switched it off
    (`preferences_checked`: the caller chose the recipients with `recipients`).
    Returns the existing message when `dedup_key` was already used.

    `render_later`: store only the subject (from the subject template) and
    the context, which must then be plain JSON (strings, numbers, lists and
    dicts of them); the sender renders the body when it sends the message
    (`render_stored`), with what the database holds then.
    """
    entry = get_kind(kind)
    if entry is None:
        log.warning("message kind %r is not registered (app.notifications.kinds.register_kind); "
                    "it is treated as non-essential", kind)
    if dedup_key is not None:
        existing = find_by_dedup_key(dedup_key)
        if existing is not None:
            return existing
    essential = bool(entry and entry.essential)
    recipient = _recipient_user(to)
    if not (essential or preferences_checked) and recipient is not None and has_opted_out(recipient.id, kind):
        return None

    if render_later:
        stored = {**(context or {}), RENDER_LATER: True}
        subject = render_subject(kind, stored, essential=essential, kind_label=entry.label if entry else kind)
        return enqueue(kind, to=to, subject=subject, body_text="", body_html=None, attachments=attachments,
                       context=stored, dedup_key=dedup_key)
    context = dict(context or {})
    context.setdefault("recipient", recipient)
    subject, body_text, body_html = render_message(kind, context, essential=essential,
                                                   kind_label=entry.label if entry else kind)
    return enqueue(kind, to=to, subject=subject, body_text=body_text, body_html=body_html,
                   attachments=attachments, context=_jsonable(context), dedup_key=dedup_key)


def render_stored(message: OutboxMessage) -> bool:
    """Render the body of a row written with `render_later` (the sender calls it when it claims the row)
    and keep it on the row, so the outbox holds what was sent. False when there was nothing to render."""
    context = dict(message.context or {})
    if not context.pop(RENDER_LATER, False) or message.body_text:
        return False
    entry = get_kind(message.kind)
    recipient = db.session.get(User, message.recipient_user_id) if message.recipient_user_id else None
    context["recipient"] = recipient
    _subject, body_text, body_html = render_message(message.kind, context, essential=bool(entry and entry.essential),
                                                    kind_label=entry.label if entry else message.kind,
                                                    subject=message.subject)
    message.body_text, message.body_html = body_text, body_html
    return True


def render_subject(kind: str, context: dict, *, essential: bool, kind_label) -> str:
    """The subject alone (see `render_message`)."""
    return render_message(kind, context, essential=essential, kind_label=kind_label, body=False)[0]


def render_message(kind: str, context: dict, *, essential: bool, kind_label,
                   subject: str | None = None, body: bool = True) -> tuple[str, str | None, str | None]:
    """(subject, text, html) of `kind`, always in the default language (French); with `subject`,
    that subject is kept (a row written with `render_later` already has it); without `body`,
    (subject, None, None)."""
    from flask import current_app
    from flask_babel import force_locale

    from app.notifications.layout import compose_html
    from app.notifications.links import public_url

    context = dict(context)
    context.setdefault("kind", kind)
    context.setdefault("essential", essential)
    context.setdefault("preferences_url", public_url("notifications.preferences"))
    context.setdefault("base_url", current_app.config.get("PUBLIC_BASE_URL", "").rstrip("/"))
    base = "emails/" + kind.replace(".", "/")
    env = current_app.jinja_env

    def render_template(name: str, **values) -> str:
        # Straight from the environment, without the page context processors:
        # an e-mail must not depend on the request (daily jobs have none) nor
        # show the current user's data to the recipient.
        return env.get_template(name).render(**values)

    with force_locale(current_app.config.get("BABEL_DEFAULT_LOCALE", "fr")):
        context.setdefault("kind_label", str(kind_label))
        if subject is None:
            subject = render_template(f"{base}.subject.txt", **context).strip()
        if not body:
            return subject, None, None
        context["subject"] = subject
        body_text = render_template(f"{base}.txt", **context)
    return subject, body_text, compose_html(subject=subject, body_text=body_text, kind=kind)


def _jsonable(context: dict) -> dict:
    """Keep only the plain values of a template context (for audit and tests)."""
    return {k: v for k, v in context.items() if isinstance(v, (str, int, float, bool)) or v is None}
