"""Counters of refused log-ins and of e-mails sent on request, in the rate-limit storage.

One storage for every worker (`RATELIMIT_STORAGE_URI`, Redis in production),
switched off with `RATELIMIT_ENABLED=0`. The counters are keyed by account
(normalised e-mail address) and by client address; the client address is the
one the reverse proxy saw (`TRUSTED_PROXIES`, see app/__init__.py), never the
proxy's own. The web form and the API's `POST /api/v1/auth/token` share them.
"""
from __future__ import annotations

from flask import current_app
from limits import parse

from app.extensions import limiter

ACCOUNT = "login-failures-account"
ADDRESS = "login-failures-address"


def _enabled() -> bool:
    return bool(limiter.enabled and limiter.initialized)


def _limit(setting: str):
    return parse(current_app.config[setting])


def allowed(limit: str, namespace: str, key: str) -> bool:
    """Whether one more event fits in `limit` ("3 per hour"); counts it when it does."""
    if not _enabled():
        return True
    return limiter.limiter.hit(parse(limit), namespace, key)


def account_throttled(email: str) -> bool:
    """Too many refused log-ins on this account lately: passwords are no longer checked."""
    return _enabled() and not limiter.limiter.test(_limit("LOGIN_FAILURES_PER_ACCOUNT"), ACCOUNT, email)


def address_blocked(address: str) -> bool:
    """Too many refused log-ins from this client address lately (whatever the accounts)."""
    return _enabled() and not limiter.limiter.test(_limit("LOGIN_FAILURES_PER_ADDRESS"), ADDRESS, address)


def record_failure(email: str, address: str) -> None:
    if not _enabled():
        return
    limiter.limiter.hit(_limit("LOGIN_FAILURES_PER_ACCOUNT"), ACCOUNT, email)
    limiter.limiter.hit(_limit("LOGIN_FAILURES_PER_ADDRESS"), ADDRESS, address)


def clear_account(email: str) -> None:
    """The owner got in (one-time link): the account's counter starts again from zero."""
    if _enabled():
        limiter.limiter.clear(_limit("LOGIN_FAILURES_PER_ACCOUNT"), ACCOUNT, email)
