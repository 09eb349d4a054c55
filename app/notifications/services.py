"""Notification use cases: a person's preferences, the administrator's view of failures.

Each public function is one transaction.
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy import delete, func, select, update

from app.accounts.access import administers
from app.accounts.models import User
from app.errors import Conflict, Forbidden, NotFound
from app.extensions import db, utcnow
from app.notifications.kinds import MessageKind, kinds_for
from app.notifications.models import NotificationOptOut, OutboxMessage, OutboxStatus
from app.transactions import use_case


@dataclass(frozen=True)
class KindChoice:
    kind: MessageKind
    receives: bool


def preference_choices(user: User) -> list[KindChoice]:
    """Every kind that may be sent to `user` and whether they receive it (essential ones always)."""
    opted_out = opted_out_kinds(user)
    return [KindChoice(k, k.essential or k.kind not in opted_out) for k in kinds_for(user.role)]


def opted_out_kinds(user: User) -> set[str]:
    return set(db.session.scalars(select(NotificationOptOut.kind).where(NotificationOptOut.user_id == user.id)))


@use_case
def set_preferences(user: User, received_kinds: Iterable[str]) -> set[str]:
    """Record which non-essential kinds `user` receives; every other one of their kinds is switched off.

    Essential kinds cannot be switched off (they are ignored here), nor can
    kinds that do not concern the user's role. Returns the kinds switched off.
    """
    received = set(received_kinds)
    choosable = {k.kind for k in kinds_for(user.role) if not k.essential}
    wanted_off = choosable - received
    current = opted_out_kinds(user)
    stale = (current & choosable) - wanted_off
    if stale:
        db.session.execute(delete(NotificationOptOut).where(
            NotificationOptOut.user_id == user.id, NotificationOptOut.kind.in_(stale)))
    for kind in sorted(wanted_off - current):
        db.session.add(NotificationOptOut(user_id=user.id, kind=kind))
    return wanted_off


def _require_admin(user: User) -> None:
    if not administers(user):
        raise Forbidden()


def failed_messages(actor: User, limit: int = 200) -> list[OutboxMessage]:
    """The messages the sender gave up on, newest first (administrator only; raises Forbidden)."""
    _require_admin(actor)
    return list(db.session.scalars(
        select(OutboxMessage).where(OutboxMessage.status == OutboxStatus.FAILED)
        .order_by(OutboxMessage.last_attempt_at.desc().nulls_last(), OutboxMessage.id.desc()).limit(limit)))


def outbox_counts() -> dict[OutboxStatus, int]:
    rows = db.session.execute(select(OutboxMessage.status, func.count()).group_by(OutboxMessage.status))
    counts = {status: 0 for status in OutboxStatus}
    counts.update({status: n for status, n in rows})
    return counts


@use_case
def retry_failed_message(actor: User, message_id: int) -> OutboxMessage:
    """Put a failed message back in the queue, due now, with a fresh count of attempts.

    Administrator only. Raises Forbidden, NotFound, Conflict (the message is
    not in the failed state, e.g. already retried).
    """
    _require_admin(actor)
    message = db.session.get(OutboxMessage, message_id)
    if message is None:
        raise NotFound()
    if message.status != OutboxStatus.FAILED:
        raise Conflict(_("Ce message n'est plus en échec : il a déjà été remis en file d'envoi."))
    message.status = OutboxStatus.PENDING
    message.attempts = 0
    message.next_attempt_at = utcnow()
    message.claimed_at = None
    message.claim_token = None
    return message


@use_case
def retry_all_failed_messages(actor: User) -> int:
    """Put every failed message back in the queue (after a long outage of the mail server).

    Administrator only (raises Forbidden). Returns how many were put back.
    """
    _require_admin(actor)
    result = db.session.execute(
        update(OutboxMessage).where(OutboxMessage.status == OutboxStatus.FAILED)
        .values(status=OutboxStatus.PENDING, attempts=0, next_attempt_at=utcnow(), claimed_at=None,
                claim_token=None)
        .execution_options(synchronize_session=False))
    return int(getattr(result, "rowcount", 0) or 0)  # an UPDATE's CursorResult
