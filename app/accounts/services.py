"""Account use cases. Each public function is one transaction."""
from __future__ import annotations

import secrets

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import func, select, update

from app.accounts import throttle, tokens
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
from app.notifications.links import public_url
from app.notifications.outbox import notify
from app.transactions import commit, use_case


class InvalidCredentials(DomainError):
    code = "invalid_credentials"
    http_status = 401

    offer_link = False

    def __init__(self) -> None:
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
              phone: str = "", *, verified: bool = True) -> User:
    email = normalise_email(email)
    _check_password(password, [email, email.split("@")[0], first_name, last_name])
    if find_user_by_email(email) is not None:
        raise EmailTaken(_("Un compte existe déjà avec cette adresse e-mail."), field="email")
    user = User(email=email, password_hash=hash_password(password), role=role, first_name=first_name.strip(),
                last_name=last_name.strip(), phone=phone.strip(), password_changed_at=utcnow())
    db.session.add(user)
    db.session.flush()
    if not verified:
        # After the insert: a None given to the constructor would let the column default fire.
        user.email_verified_at = None
        db.session.flush()
    return user


@use_case
def register_parent(email: str, password: str, first_name: str, last_name: str, phone: str = "") -> User | None:
    """Self-registration of a parent. The answer does not tell whether the address had an account.

    A new address gets an unverified account and an e-mail with the link that
    confirms it (and signs in); until then the account cannot log in. An
    address that already has an account gets an e-mail saying so, with a
    password-reset link; nothing else changes. Both e-mails are limited per
    address (REGISTRATION_EMAILS_PER_ADDRESS). Returns the new account, or
    None. Raises WeakPassword (which does not depend on the address).
    """
    email = normalise_email(email)
    existing = find_user_by_email(email)
    if existing is not None:
        _check_password(password, [email, email.split("@")[0], first_name, last_name])
        burn_verification_time(password)  # as long as hashing a new password
        if existing.active and throttle.allowed(current_app.config["REGISTRATION_EMAILS_PER_ADDRESS"],
                                                "registration-email", email):
            secret = tokens.issue(existing, tokens.RESET, current_app.config["PASSWORD_RESET_MAX_AGE"])
            notify("account.already_registered", existing, {
                "user": existing, "reset_url": public_url("accounts.reset_password", token=secret),
                "login_url": public_url("accounts.login"),
                "minutes": current_app.config["PASSWORD_RESET_MAX_AGE"] // 60})
        return None
    user = _new_user(email, password, Role.PARENT, first_name, last_name, phone, verified=False)
    throttle.allowed(current_app.config["REGISTRATION_EMAILS_PER_ADDRESS"], "registration-email", email)
    _queue_verification(user)
    return user


def queue_email_verification(user: User) -> None:
    """Queue the link that proves `user`'s address (registration, an address changed by an administrator),
    in the caller's transaction."""
    _queue_verification(user)


def _queue_verification(user: User) -> None:
    max_age = current_app.config["EMAIL_VERIFICATION_MAX_AGE"]
    secret = tokens.issue(user, tokens.VERIFY_EMAIL, max_age)
    notify("account.verify_email", user, {"user": user, "verify_url": public_url("accounts.verify_email",
                                                                                token=secret),
                                          "hours": max_age // 3600})


class InvalidVerificationLink(DomainError):
    code = "invalid_verification_link"
    http_status = 400


@use_case
def verify_email(secret: str) -> User:
    """Confirm the address of the account the link was sent to; the link signs in. Single use.

    Raises InvalidVerificationLink.
    """
    try:
        user = tokens.consume(secret, tokens.VERIFY_EMAIL)
    except tokens.TokenProblem as problem:
        raise InvalidVerificationLink(_("Ce lien de confirmation n'est pas valide ou a expiré. Connectez-vous "
                                        "avec votre adresse et votre mot de passe : un nouveau lien vous sera "
                                        "envoyé.") if problem.reason != "used" else
                                      _("Ce lien de confirmation a déjà servi. Connectez-vous avec votre mot "
                                        "de passe.")) from None
    if user.email_verified_at is None:
        user.email_verified_at = utcnow()
        notify("account.welcome", user, {"user": user})
    user.last_login_at = utcnow()
    return user


@use_case
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
        raise ValidationFailed(str(error)) from error
    return user


def new_family_account(email: str, first_name: str, last_name: str, phone: str = "") -> User:
    """A parent account opened for a family at a desk (app.desk), in the caller's transaction.

    Its password is random and known to nobody; the address is unproved until the family opens
    the link e-mailed here (kind "account.desk_welcome"), which lets it choose a password and
    proves the address. Raises EmailTaken, ValidationFailed (address not valid).
    """
    from email_validator import EmailNotValidError, validate_email

    try:
        email = normalise_email(validate_email((email or "").strip(), check_deliverability=False).normalized)
    except EmailNotValidError:
        raise ValidationFailed(_("Saisissez une adresse e-mail valide, par exemple nom@exemple.fr."),
                               field="email") from None
    user = _new_user(email, secrets.token_urlsafe(32), Role.PARENT, first_name, last_name, phone, verified=False)
    secret = make_reset_token(user)
    notify("account.desk_welcome", user, {"user": user, "reset_url": reset_link(secret),
                                          "minutes": current_app.config["PASSWORD_RESET_MAX_AGE"] // 60})
    return user


class AccountThrottled(DomainError):
    """Too many refused log-ins on this account: the password is not checked; a one-time link is offered."""

    code = "rate_limited"
    http_status = 429

    def __init__(self) -> None:
        super().__init__(_("Trop de tentatives de connexion ont échoué pour ce compte. Par sécurité, le mot de "
                           "passe ne peut pas être essayé pendant quelques minutes. Vous pouvez vous connecter "
                           "tout de suite avec un lien à usage unique envoyé à l'adresse du compte."))


class AddressThrottled(DomainError):
    code = "rate_limited"
    http_status = 429

    def __init__(self) -> None:
        super().__init__(_("Trop de tentatives de connexion ont échoué depuis votre connexion Internet. "
                           "Réessayez dans quelques minutes, ou demandez un lien de connexion par e-mail."))


@use_case
def authenticate(email: str, password: str) -> User:
    """Return the active, verified account matching the credentials, or raise InvalidCredentials.

    The same time is spent whether or not the e-mail exists, and the message
    does not say which part was wrong. An account whose address is not yet
    confirmed is refused with the same message, and its confirmation link is
    sent again (at most REGISTRATION_EMAILS_PER_ADDRESS), so that a
    registration cannot be told apart from an existing account.
    """
    user = find_user_by_email(email)
    if user is None or not user.active:
        burn_verification_time(password)
        raise InvalidCredentials()
    if not verify_password(user.password_hash, password):
        raise InvalidCredentials()
    if user.email_verified_at is None:
        if throttle.allowed(current_app.config["REGISTRATION_EMAILS_PER_ADDRESS"], "registration-email",
                            user.email):
            _queue_verification(user)
            commit()  # the link is sent again although the log-in is refused
        raise InvalidCredentials()
    if needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    user.last_login_at = utcnow()
    return user


def log_in(email: str, password: str, client_address: str) -> User:
    """One log-in attempt by password, from the web form or the API (one shared counter).

    After LOGIN_FAILURES_PER_ACCOUNT refused attempts the account's password
    is not checked any more for a while (AccountThrottled): an attacker is
    slowed down, and the owner signs in with a one-time link by e-mail
    (`send_sign_in_link`), which the throttle does not stop. After
    LOGIN_FAILURES_PER_ADDRESS refused attempts from one client address,
    that address is refused (AddressThrottled). Raises InvalidCredentials too.
    """
    key = normalise_email(email)
    if throttle.address_blocked(client_address):
        raise AddressThrottled()
    if throttle.account_throttled(key):
        raise AccountThrottled()
    try:
        return authenticate(email, password)
    except InvalidCredentials as error:
        throttle.record_failure(key, client_address)
        # The refusal that reaches the limit offers the one-time link already.
        error.offer_link = throttle.account_throttled(key)
        raise


class InvalidSignInLink(DomainError):
    code = "invalid_sign_in_link"
    http_status = 400


@use_case
def send_sign_in_link(email: str) -> None:
    """Queue a one-time sign-in link for the account, if there is an active one; say nothing either way.

    At most SIGN_IN_LINKS_PER_ACCOUNT e-mails per account; the link works once,
    for SIGN_IN_LINK_MAX_AGE seconds, even while the password is throttled.
    """
    user = find_user_by_email(email)
    if user is None or not user.active:
        return
    if not throttle.allowed(current_app.config["SIGN_IN_LINKS_PER_ACCOUNT"], "sign-in-link", user.email):
        return
    max_age = current_app.config["SIGN_IN_LINK_MAX_AGE"]
    secret = tokens.issue(user, tokens.SIGN_IN, max_age)
    notify("account.sign_in_link", user, {"user": user, "sign_in_url": public_url("accounts.sign_in_with_link",
                                                                                  token=secret),
                                          "minutes": max_age // 60})


def check_sign_in_link(secret: str) -> User:
    """The account a sign-in link opens, without using it. Raises InvalidSignInLink."""
    try:
        return tokens.find(secret, tokens.SIGN_IN)[1]
    except tokens.TokenProblem as problem:
        raise _sign_in_problem(problem) from None


def _sign_in_problem(problem: tokens.TokenProblem) -> InvalidSignInLink:
    if problem.reason == "used":
        return InvalidSignInLink(_("Ce lien de connexion a déjà servi : il ne fonctionne qu'une fois. "
                                   "Demandez-en un nouveau."))
    if problem.reason == "expired":
        return InvalidSignInLink(_("Ce lien de connexion a expiré. Demandez-en un nouveau."))
    return InvalidSignInLink(_("Ce lien de connexion n'est pas valide. Demandez-en un nouveau."))


@use_case
def sign_in_with_link(secret: str) -> User:
    """Use up a one-time sign-in link and return its account (the address is proved too).

    The account's refused log-ins are forgotten. Raises InvalidSignInLink.
    """
    try:
        user = tokens.consume(secret, tokens.SIGN_IN)
    except tokens.TokenProblem as problem:
        raise _sign_in_problem(problem) from None
    if user.email_verified_at is None:
        user.email_verified_at = utcnow()
    user.last_login_at = utcnow()
    commit()
    throttle.clear_account(user.email)
    return user


@use_case
def end_all_sessions(user: User, *, everywhere: bool = False) -> None:
    """Invalidate every session of `user` (any log-out). `everywhere` (the "log out everywhere"
    action) also revokes the account's calendar feed URLs."""
    values = {"session_version": User.session_version + 1}
    if everywhere:
        values["feed_generation"] = User.feed_generation + 1
    db.session.execute(update(User).where(User.id == user.id).values(**values))
    db.session.refresh(user)


@use_case
def change_password(user: User, current_password: str, new_password: str) -> None:
    """Change the password after checking the current one; ends every other session.

    Raises InvalidCredentials (wrong current password), WeakPassword.
    """
    if not verify_password(user.password_hash, current_password):
        raise ValidationFailed(_("Le mot de passe actuel est incorrect."), field="current_password")
    _set_password(user, new_password)


def _set_password(user: User, new_password: str) -> None:
    _check_password(new_password, [user.email, user.email.split("@")[0], user.first_name, user.last_name])
    user.password_hash = hash_password(new_password)
    user.password_changed_at = utcnow()
    user.session_version = user.session_version + 1
    tokens.retire_all(user, tokens.RESET, tokens.SIGN_IN)  # links sent before the change stop working
    user.feed_generation = (user.feed_generation or 0) + 1  # calendar feed URLs too


def make_reset_token(user: User) -> str:
    """A new password-reset secret for `user` (PASSWORD_RESET_MAX_AGE, single use), in the caller's transaction.

    Random: it carries nothing of the account (no id, no part of the password hash).
    """
    return tokens.issue(user, tokens.RESET, current_app.config["PASSWORD_RESET_MAX_AGE"])


def reset_link(secret: str) -> str:
    """The address of the reset page for `secret`, always built from PUBLIC_BASE_URL."""
    return public_url("accounts.reset_password", token=secret)


@use_case
def request_password_reset(email: str) -> None:
    """Queue a reset link for the account, if there is one; say nothing either way."""
    user = find_user_by_email(email)
    if user is None or not user.active:
        return
    queue_reset_link(user)


def queue_reset_link(user: User) -> None:
    """Queue a password-reset e-mail to `user` in the caller's transaction; the secret goes only in the e-mail."""
    secret = make_reset_token(user)
    notify("account.password_reset", user, {"user": user, "reset_url": reset_link(secret),
                                             "minutes": current_app.config["PASSWORD_RESET_MAX_AGE"] // 60})


def user_for_reset_token(token: str) -> User:
    """The account a reset link is for. Raises InvalidResetLink when expired, used or forged. Writes nothing."""
    try:
        return tokens.find(token, tokens.RESET)[1]
    except tokens.TokenProblem as problem:
        raise _reset_problem(problem) from None


def _reset_problem(problem: tokens.TokenProblem) -> InvalidResetLink:
    if problem.reason == "expired":
        return InvalidResetLink(_("Ce lien a expiré. Demandez un nouveau lien de réinitialisation."))
    if problem.reason == "used":
        return InvalidResetLink(_("Ce lien a déjà été utilisé. Demandez un nouveau lien de réinitialisation."))
    return InvalidResetLink(_("Ce lien n'est pas valide. Demandez un nouveau lien de réinitialisation."))


@use_case
def reset_password(token: str, new_password: str) -> User:
    """Set a new password from a reset link (used up); ends every session; the address is proved.

    Raises InvalidResetLink, WeakPassword.
    """
    user = user_for_reset_token(token)
    _check_password(new_password, [user.email, user.email.split("@")[0], user.first_name, user.last_name])
    try:
        tokens.consume(token, tokens.RESET)
    except tokens.TokenProblem as problem:
        raise _reset_problem(problem) from None
    _set_password(user, new_password)
    if user.email_verified_at is None:
        user.email_verified_at = utcnow()
    commit()
    throttle.clear_account(user.email)
    return user


@use_case
def set_active(user: User, active: bool) -> None:
    """Enable or disable an account (administrator). Disabling ends its sessions."""
    user.active = active
    if not active:
        user.session_version = user.session_version + 1
        user.feed_generation = (user.feed_generation or 0) + 1  # calendar feed URLs too
