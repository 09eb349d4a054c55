"""Account use cases. Each public function is one transaction."""
from __future__ import annotations

from flask import current_app
from flask_babel import gettext as _
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import func, select, update

from app.accounts.models import Role, User
from app.accounts.passwords import (
    burn_verification_time,
    hash_password,
    needs_rehash,
    password_problems,
    verify_password,
)
from app.accounts.scopes import assign_scope
from app.errors import Conflict, DomainError, ValidationFailed
from app.extensions import db, utcnow
from app.notifications.outbox import notify


class InvalidCredentials(DomainError):
    code = "invalid_credentials"
    http_status = 401

    def __init__(self):
        super().__init__(_("Adresse e-mail ou mot de passe incorrect."))


class WeakPassword(ValidationFailed):
    code = "weak_password"


class EmailTaken(Conflict):
    code = "email_taken"


class InvalidResetLink(DomainError):
    code = "invalid_reset_link"
    http_status = 400


def normalise_email(email: str) -> str:
    return (email or "").strip().lower()


def find_user_by_email(email: str) -> User | None:
    email = normalise_email(email)
    if not email or len(email) > 254 or any(ord(c) < 32 for c in email):
        return None  # no account has such an address (and PostgreSQL refuses NUL bytes)
    return db.session.scalar(select(User).where(func.lower(User.email) == normalise_email(email)))


def _check_password(password: str, user_inputs: list[str]) -> None:
    problems = password_problems(password, user_inputs)
    if problems:
        raise WeakPassword(" ".join(problems), field="password")


def _new_user(email: str, password: str, role: Role, first_name: str = "", last_name: str = "",
              phone: str = "") -> User:
    email = normalise_email(email)
    if find_user_by_email(email) is not None:
        raise EmailTaken(_("Un compte existe déjà avec cette adresse e-mail."), field="email")
    _check_password(password, [email, email.split("@")[0], first_name, last_name])
    user = User(email=email, password_hash=hash_password(password), role=role, first_name=first_name.strip(),
                last_name=last_name.strip(), phone=phone.strip(), password_changed_at=utcnow())
    db.session.add(user)
    db.session.flush()
    return user


def register_parent(email: str, password: str, first_name: str, last_name: str, phone: str = "") -> User:
    """Create a parent account (self-registration) and queue a welcome e-mail.

    Raises EmailTaken, WeakPassword.
    """
    user = _new_user(email, password, Role.PARENT, first_name, last_name, phone)
    notify("account.welcome", user, {"user": user})
    db.session.commit()
    return user


def create_user(email: str, password: str, role: Role, *, first_name: str = "", last_name: str = "",
                phone: str = "", site_ids: list[int] | None = None, relais_ids: list[int] | None = None) -> User:
    """Create any account (administrator, CLI), with its site or relais scopes.

    Directors and animators must have at least one site, Relais staff at
    least one relais. Raises EmailTaken, WeakPassword, ValidationFailed.
    """
    site_ids = list(site_ids or [])
    relais_ids = list(relais_ids or [])
    if role in (Role.DIRECTOR, Role.ANIMATOR) and not site_ids:
        raise ValidationFailed(_("Un directeur ou un animateur doit être rattaché à au moins un accueil."),
                               field="site_ids")
    if role == Role.RAM_STAFF and not relais_ids:
        raise ValidationFailed(_("Un compte du Relais doit être rattaché à au moins un relais."),
                               field="relais_ids")
    user = _new_user(email, password, role, first_name, last_name, phone)
    try:
        if site_ids:
            assign_scope("site", user, site_ids)
        if relais_ids:
            assign_scope("relais", user, relais_ids)
    except LookupError as error:
        db.session.rollback()
        raise ValidationFailed(str(error)) from error
    db.session.commit()
    return user


def authenticate(email: str, password: str) -> User:
    """Return the active account matching the credentials, or raise InvalidCredentials.

    The same time is spent whether or not the e-mail exists, and the message
    does not say which part was wrong.
    """
    user = find_user_by_email(email)
    if user is None or not user.active:
        burn_verification_time(password)
        raise InvalidCredentials()
    if not verify_password(user.password_hash, password):
        raise InvalidCredentials()
    if needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    user.last_login_at = utcnow()
    db.session.commit()
    return user


def end_all_sessions(user: User, *, everywhere: bool = False) -> None:
    """Invalidate every session of `user` (any log-out). `everywhere` (the "log out everywhere"
    action) also revokes the account's calendar feed URLs."""
    values = {"session_version": User.session_version + 1}
    if everywhere:
        values["feed_generation"] = User.feed_generation + 1
    db.session.execute(update(User).where(User.id == user.id).values(**values))
    db.session.commit()
    db.session.refresh(user)


def change_password(user: User, current_password: str, new_password: str) -> None:
    """Change the password after checking the current one; ends every other session.

    Raises InvalidCredentials (wrong current password), WeakPassword.
    """
    if not verify_password(user.password_hash, current_password):
        raise ValidationFailed(_("Le mot de passe actuel est incorrect."), field="current_password")
    _set_password(user, new_password)
    db.session.commit()


def _set_password(user: User, new_password: str) -> None:
    _check_password(new_password, [user.email, user.email.split("@")[0], user.first_name, user.last_name])
    user.password_hash = hash_password(new_password)
    user.password_changed_at = utcnow()
    user.session_version = user.session_version + 1
    user.feed_generation = (user.feed_generation or 0) + 1  # calendar feed URLs too


def _reset_serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="password-reset")


def make_reset_token(user: User) -> str:
    # The token carries a fragment of the current hash: once the password
    # changes, every earlier link stops working (single use).
    return _reset_serializer().dumps({"uid": user.id, "h": user.password_hash[-16:]})


def request_password_reset(email: str, reset_url_for) -> None:
    """Queue a reset link for the account, if there is one; say nothing either way."""
    user = find_user_by_email(email)
    if user is None or not user.active:
        return
    token = make_reset_token(user)
    notify("account.password_reset", user, {"user": user, "reset_url": reset_url_for(token),
                                             "minutes": current_app.config["PASSWORD_RESET_MAX_AGE"] // 60})
    db.session.commit()


def user_for_reset_token(token: str) -> User:
    """The account a reset link is for. Raises InvalidResetLink when expired, used or forged."""
    try:
        data = _reset_serializer().loads(token, max_age=current_app.config["PASSWORD_RESET_MAX_AGE"])
    except SignatureExpired:
        raise InvalidResetLink(_("Ce lien a expiré. Demandez un nouveau lien de réinitialisation.")) from None
    except BadSignature:
        raise InvalidResetLink(_("Ce lien n'est pas valide. Demandez un nouveau lien de réinitialisation.")) from None
    user = db.session.get(User, data.get("uid")) if isinstance(data, dict) else None
    if user is None or not user.active or user.password_hash[-16:] != data.get("h"):
        raise InvalidResetLink(_("Ce lien a déjà été utilisé. Demandez un nouveau lien de réinitialisation."))
    return user


def reset_password(token: str, new_password: str) -> User:
    """Set a new password from a reset link; ends every session. Raises InvalidResetLink, WeakPassword."""
    user = user_for_reset_token(token)
    _set_password(user, new_password)
    db.session.commit()
    return user


def set_active(user: User, active: bool) -> None:
    """Enable or disable an account (administrator). Disabling ends its sessions."""
    user.active = active
    if not active:
        user.session_version = user.session_version + 1
        user.feed_generation = (user.feed_generation or 0) + 1  # calendar feed URLs too
    db.session.commit()
