"""Password hashing (argon2id) and the password policy."""
from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app
from flask_babel import gettext as _
from zxcvbn import zxcvbn

MAX_PASSWORD_LENGTH = 256  # hashing a megabyte-long "password" is a denial of service


def _hasher() -> PasswordHasher:
    config = current_app.config
    return PasswordHasher(
        time_cost=config["ARGON2_TIME_COST"],
        memory_cost=config["ARGON2_MEMORY_COST"],
        parallelism=config["ARGON2_PARALLELISM"],
    )


def hash_password(password: str) -> str:
    return _hasher().hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    try:
        return _hasher().verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    return _hasher().check_needs_rehash(password_hash)


# A dummy hash to spend the same time on unknown e-mails as on known ones.
_DUMMY_HASH: dict[tuple, str] = {}


def burn_verification_time(password: str) -> None:
    key = (current_app.config["ARGON2_TIME_COST"], current_app.config["ARGON2_MEMORY_COST"])
    if key not in _DUMMY_HASH:
        _DUMMY_HASH[key] = hash_password("not-a-real-password-at-all")
    verify_password(_DUMMY_HASH[key], password)


def password_problems(password: str, user_inputs: list[str] | None = None) -> list[str]:
    """French reasons why `password` is refused (empty list: accepted).

    CNIL's recommendation for a password alone: at least 12 characters.
    zxcvbn recognises common passwords, keyboard patterns, dates, names and
    leaked-password dictionaries, offline.
    """
    problems: list[str] = []
    minimum = current_app.config["PASSWORD_MIN_LENGTH"]
    if len(password) < minimum:
        problems.append(_("Le mot de passe doit contenir au moins %(n)d caractères.", n=minimum))
    if len(password) > MAX_PASSWORD_LENGTH:
        problems.append(_("Le mot de passe ne doit pas dépasser %(n)d caractères.", n=MAX_PASSWORD_LENGTH))
        return problems
    if problems:
        return problems
    inputs = [value for value in (user_inputs or []) if value]
    for value in inputs:
        if len(value) >= 4 and value.lower() in password.lower():
            problems.append(_("Le mot de passe ne doit pas contenir votre nom ni votre adresse e-mail."))
            return problems
    result = zxcvbn(password[:100], user_inputs=inputs)
    if result["score"] < 3:
        problems.append(_("Ce mot de passe est trop courant ou trop facile à deviner. "
                          "Essayez une phrase de plusieurs mots sans rapport entre eux."))
    return problems
