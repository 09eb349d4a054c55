"""Bearer tokens for the JSON API.

A token is signed (itsdangerous) and carries the account id and its session
version: logging out everywhere or changing the password revokes every
token, exactly like the browser sessions.
"""
from __future__ import annotations

from functools import wraps

from flask import current_app, g, request
from flask_babel import gettext as _
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from app.accounts.models import User
from app.errors import DomainError
from app.extensions import db, read_phase


class Unauthorized(DomainError):
    code = "unauthorized"
    http_status = 401


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="api-token")


def issue_token(user: User) -> str:
    return _serializer().dumps({"uid": user.id, "v": user.session_version})


def user_from_token(token: str) -> User:
    try:
        data = _serializer().loads(token, max_age=current_app.config["API_TOKEN_MAX_AGE"])
    except SignatureExpired:
        raise Unauthorized(_("Le jeton a expiré : demandez-en un nouveau.")) from None
    except BadSignature:
        raise Unauthorized(_("Jeton d'authentification invalide.")) from None
    with read_phase():  # on SQLite, no write lock for a read
        user = db.session.get(User, data.get("uid")) if isinstance(data, dict) else None
    if user is None or not user.active or user.session_version != data.get("v"):
        raise Unauthorized(_("Jeton d'authentification révoqué : demandez-en un nouveau."))
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
