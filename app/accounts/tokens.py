"""Single-use secrets sent by e-mail (password reset, one-time sign-in, address check).

The secret is 256 random bits; the database keeps only its SHA-256 (a copy of
the table opens nothing) in an `AccountToken` row that says whose it is, what
it is for, until when it works and whether it was used. Nothing in the
secret is derived from the account (no id, no part of the password hash).
Nothing here commits: the caller's use case does.
"""
from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from sqlalchemy import select, update

from app import clock
from app.accounts.models import AccountToken, User
from app.extensions import db

RESET = "reset"
SIGN_IN = "sign_in"
VERIFY_EMAIL = "verify_email"
PURPOSES = (RESET, SIGN_IN, VERIFY_EMAIL)


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8", "surrogatepass")).hexdigest()


def issue(user: User, purpose: str, max_age_seconds: int) -> str:
    """A new secret for `user` and `purpose`, valid `max_age_seconds`; returns the secret."""
    if purpose not in PURPOSES:
        raise ValueError(purpose)
    if user.id is None:
        db.session.flush()
    secret = secrets.token_urlsafe(32)
    now = clock.now()
    db.session.add(AccountToken(user_id=user.id, purpose=purpose, token_hash=digest(secret), created_at=now,
                                expires_at=now + timedelta(seconds=max_age_seconds)))
    db.session.flush()
    return secret


class TokenProblem(Exception):
    """Why a secret does not open anything: "unknown", "expired" or "used"."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


def find(secret: str, purpose: str) -> tuple[AccountToken, User]:
    """The live row and account behind `secret`. Writes nothing. Raises TokenProblem."""
    if not isinstance(secret, str) or not secret or len(secret) > 200:
        raise TokenProblem("unknown")
    row = db.session.scalar(select(AccountToken).where(AccountToken.token_hash == digest(secret),
                                                       AccountToken.purpose == purpose))
    if row is None:
        raise TokenProblem("unknown")
    if row.used_at is not None:
        raise TokenProblem("used")
    if row.expires_at <= clock.now():
        raise TokenProblem("expired")
    user = db.session.get(User, row.user_id)
    if user is None or not user.active:
        raise TokenProblem("unknown")
    return row, user


def consume(secret: str, purpose: str) -> User:
    """Use up `secret` (conditional update: two simultaneous uses, one wins). Raises TokenProblem."""
    row, user = find(secret, purpose)
    taken = db.session.execute(
        update(AccountToken)
        .where(AccountToken.id == row.id, AccountToken.used_at.is_(None), AccountToken.expires_at > clock.now())
        .values(used_at=clock.now())
        .execution_options(synchronize_session=False))
    if taken.rowcount != 1:
        raise TokenProblem("used")
    return user


def retire_all(user: User, *purposes: str) -> None:
    """Mark every live secret of `user` for `purposes` as used (a new password kills older reset links)."""
    db.session.execute(
        update(AccountToken)
        .where(AccountToken.user_id == user.id, AccountToken.purpose.in_(purposes or PURPOSES),
               AccountToken.used_at.is_(None))
        .values(used_at=clock.now())
        .execution_options(synchronize_session=False))
