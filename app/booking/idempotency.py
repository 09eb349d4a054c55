"""Idempotency keys shared by every booking-like submission (the IdempotencyKey table).

Look for a stored answer first; otherwise insert the key row in the
caller's transaction (the unique constraint on (user, key) makes a
concurrent twin fail), and store the answer in that row before committing
(`claim_key`, used by occasional care). booking.services.book() reads
before it writes, so it inserts the row with its answer just before its
commit instead, and replays the twin's answer when that commit meets the
unique constraint; both use `stored_response`.
"""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from app.booking.models import IdempotencyKey
from app.extensions import db

KEY_MAX = 100


class Replay(Exception):
    """The key was already answered: `response` is the first answer."""

    def __init__(self, response: dict):
        super().__init__("idempotent replay")
        self.response = response


def stored_response(user_id: int, key: str) -> dict | None:
    row = db.session.scalar(select(IdempotencyKey).where(IdempotencyKey.user_id == user_id,
                                                         IdempotencyKey.key == key[:KEY_MAX]))
    if row is None or not row.response:
        return None
    return row.response


def claim_key(user_id: int, key: str) -> IdempotencyKey:
    """Insert the key in the caller's transaction, or raise Replay with the stored answer.

    On a concurrent twin the caller's transaction is rolled back before
    Replay is raised (the unique constraint refused our row).
    """
    stored = stored_response(user_id, key)
    if stored is not None:
        raise Replay(stored)
    row = IdempotencyKey(user_id=user_id, key=key[:KEY_MAX], response={})
    db.session.add(row)
    try:
        db.session.flush()
    except IntegrityError:
        db.session.rollback()
        stored = stored_response(user_id, key)
        if stored is None:
            raise
        raise Replay(stored) from None
    return row
