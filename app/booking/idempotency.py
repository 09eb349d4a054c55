"""Idempotency keys shared by every booking-like submission (the IdempotencyKey table).

One protocol for the web form's submission key and the API's Idempotency-Key,
used by booking.services.book() and occasional care's requests:

1. `stored_response` first: a retry gets the first answer (replayed), and nothing is written;
2. the use case does its work, then `store_response` writes the key *with* its
   answer in the same transaction, so the answer and what it describes are
   committed together or not at all;
3. when a concurrent twin stored its answer first, the unique constraint on
   (user, key) refuses ours: the caller's transaction is rolled back and the
   twin's answer is given instead.

The same key sent with another request is told apart by the caller, which
compares the answer with what was asked (the API's `fields.same_request`).
"""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from app.booking.models import IdempotencyKey
from app.extensions import db

KEY_MAX = 100


def stored_response(user_id: int, key: str) -> dict | None:
    row = db.session.scalar(select(IdempotencyKey).where(IdempotencyKey.user_id == user_id,
                                                         IdempotencyKey.key == key[:KEY_MAX]))
    if row is None or not row.response:
        return None
    return row.response


def store_response(user_id: int, key: str, response: dict) -> dict | None:
    """Store `response` as the key's answer in the caller's transaction (committed with it).

    Returns None, or, when a concurrent twin stored its answer first (the
    unique constraint on (user, key) refuses our row), rolls the caller's
    transaction back and returns that answer, to be given instead.
    """
    db.session.add(IdempotencyKey(user_id=user_id, key=key[:KEY_MAX], response=response))
    try:
        db.session.flush()
    except IntegrityError:
        db.session.rollback()
        stored = stored_response(user_id, key)
        if stored is None:
            raise
        return stored
    return None
