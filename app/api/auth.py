"""Bearer tokens for the JSON API (stored tokens: app.accounts.api_tokens)."""
from __future__ import annotations

from functools import wraps

from flask import g, request
from flask_babel import gettext as _

from app.accounts.api_tokens import check_token, issue_token  # noqa: F401  (issue_token: re-exported)
from app.accounts.models import User
from app.errors import DomainError


class Unauthorized(DomainError):
    code = "unauthorized"
    http_status = 401


def user_from_token(token: str) -> User:
    status, user = check_token(token)
    if status == "expired":
        raise Unauthorized(_("Le jeton a expiré : demandez-en un nouveau."))
    if status == "revoked":
        raise Unauthorized(_("Jeton d'authentification révoqué : demandez-en un nouveau."))
    if user is None:
        raise Unauthorized(_("Jeton d'authentification invalide."))
    return user


def current_api_user() -> User:
    return g.api_user


def token_required(view):
    """The request must carry `Authorization: Bearer <token>`; sets g.api_user."""

    @wraps(view)
    def wrapped(*args, **kwargs):
        header = request.headers.get("Authorization", "")
        scheme, _sep, token = header.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise Unauthorized(_("Authentification requise : envoyez l'en-tête Authorization: Bearer <jeton>."))
        g.api_user = user_from_token(token.strip())
        return view(*args, **kwargs)

    return wrapped
