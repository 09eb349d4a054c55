"""API bearer tokens of an account: issued at POST /api/v1/auth/token, listed on the account page,
revocable one by one.

A token is 256 random bits; the database keeps its SHA-256 in an `ApiToken`
row (who, when, until when, revoked or not). The row also keeps the account's
session version: logging out everywhere or changing the password revokes
every token, exactly like the browser sessions.
"""
from __future__ import annotations

import secrets
from datetime import timedelta

from flask import current_app
from sqlalchemy import select, update

from app import clock
from app.accounts.models import ApiToken, User
from app.accounts.tokens import digest
from app.errors import NotFound
from app.extensions import db, read_phase
from app.transactions import use_case

TOKEN_PREFIX = "pit_"


@use_case
def issue_token(user: User, label: str = "") -> str:
    """A new token for `user` (API_TOKEN_MAX_AGE); commits. Returns the token, shown once."""
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    now = clock.now()
    db.session.add(ApiToken(user_id=user.id, token_hash=digest(token), label=" ".join((label or "").split())[:100],
                            session_version=user.session_version, created_at=now,
                            expires_at=now + timedelta(seconds=current_app.config["API_TOKEN_MAX_AGE"])))
    return token


def check_token(token: str) -> tuple[str, User | None]:
    """("ok", user), or ("invalid" | "expired" | "revoked", None). Takes no write lock."""
    if not isinstance(token, str) or not token.startswith(TOKEN_PREFIX) or len(token) > 200:
        return "invalid", None
    with read_phase():  # on SQLite, no write lock for a read
        # The token and its account in one statement (every API request starts here).
        found = db.session.execute(select(ApiToken, User).outerjoin(User, User.id == ApiToken.user_id)
                                   .where(ApiToken.token_hash == digest(token))).first()
    if found is None:
        return "invalid", None
    row, user = found
    if row.expires_at <= clock.now():
        return "expired", None
    if (row.revoked_at is not None or user is None or not user.active
            or user.session_version != row.session_version):
        return "revoked", None
    return "ok", user


def tokens_of(user: User) -> list[ApiToken]:
    """The account's tokens that still work, newest first."""
    return list(db.session.scalars(
        select(ApiToken).where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None),
                               ApiToken.expires_at > clock.now(),
                               ApiToken.session_version == user.session_version)
        .order_by(ApiToken.created_at.desc(), ApiToken.id.desc())))


@use_case
def revoke_token(user: User, token_id) -> None:
    """Revoke one of `user`'s tokens. Raises NotFound (unknown, or another account's)."""
    try:
        token_id = int(token_id)
    except (TypeError, ValueError):
        raise NotFound() from None
    row = db.session.get(ApiToken, token_id) if 0 < token_id < 2**63 else None
    if row is None or row.user_id != user.id:
        raise NotFound()
    db.session.execute(update(ApiToken).where(ApiToken.id == row.id, ApiToken.revoked_at.is_(None))
                       .values(revoked_at=clock.now()).execution_options(synchronize_session=False))
