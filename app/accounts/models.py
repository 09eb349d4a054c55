from __future__ import annotations

import enum
from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import Enum, ForeignKey, String, func
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db, utcnow


class Role(str, enum.Enum):
    PARENT = "parent"
    CHILDMINDER = "childminder"
    ANIMATOR = "animator"
    DIRECTOR = "director"
    RAM_STAFF = "ram_staff"
    ADMIN = "admin"

    @property
    def label(self) -> str:
        from flask_babel import gettext as _

        return {
            Role.PARENT: _("Parent"),
            Role.CHILDMINDER: _("Assistante maternelle"),
            Role.ANIMATOR: _("Animateur ou animatrice"),
            Role.DIRECTOR: _("Directeur ou directrice d'accueil de loisirs"),
            Role.RAM_STAFF: _("Relais Petite Enfance"),
            Role.ADMIN: _("Administrateur"),
        }[self]


class User(UserMixin, db.Model):
    __tablename__ = "user_account"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[Role] = mapped_column(Enum(Role, native_enum=False, length=20, validate_strings=True))
    first_name: Mapped[str] = mapped_column(String(100), default="")
    last_name: Mapped[str] = mapped_column(String(100), default="")
    phone: Mapped[str] = mapped_column(String(30), default="")
    active: Mapped[bool] = mapped_column(default=True)
    # Bumped on log-out and password change: every session cookie carrying an
    # older version is refused, so a stolen cookie dies with the log-out.
    session_version: Mapped[int] = mapped_column(default=1)
    # Bumped on "log out everywhere", deactivation and a new password, not on an ordinary log-out:
    # calendar feed URLs issued under an older generation stop working (phones keep subscribing
    # across ordinary log-outs).
    feed_generation: Mapped[int] = mapped_column(default=0, server_default="0")
    created_at: Mapped[datetime] = mapped_column(default=utcnow, server_default=func.now())
    last_login_at: Mapped[datetime | None]
    password_changed_at: Mapped[datetime | None]
    # When the owner proved the address is theirs (a link sent to it was opened).
    # Accounts created by an administrator, the CLI or the demo are vouched for
    # (the default); self-registered parents start unverified (None).
    email_verified_at: Mapped[datetime | None] = mapped_column(default=utcnow, server_default=func.now())

    @property
    def email_verified(self) -> bool:
        return self.email_verified_at is not None

    def get_id(self) -> str:
        return f"{self.id}:{self.session_version}"

    @property
    def is_active(self) -> bool:  # Flask-Login
        return self.active

    @property
    def display_name(self) -> str:
        name = f"{self.first_name} {self.last_name}".strip()
        return name or self.email

    def __repr__(self) -> str:
        return f"<User {self.id} {self.role.value}>"


class AccountToken(db.Model):
    """A single-use secret sent by e-mail: password reset, one-time sign-in, address check.

    Only the SHA-256 of the secret is stored, so a copy of the database opens
    nothing; the secret itself carries nothing about the account (no id, no
    part of the password hash). Used once (`used_at`, set by a conditional
    update), then dead; dead too after `expires_at`.
    """

    __tablename__ = "account_token"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    purpose: Mapped[str] = mapped_column(String(20))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow, server_default=func.now())
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]


class ApiToken(db.Model):
    """A bearer token of the JSON API, listed on the account page and revocable one by one.

    Only the SHA-256 of the token is stored. `session_version` ties it to the
    account's sessions: logging out everywhere or a new password revokes it.
    """

    __tablename__ = "api_token"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    label: Mapped[str] = mapped_column(String(100), default="")
    session_version: Mapped[int]
    created_at: Mapped[datetime] = mapped_column(default=utcnow, server_default=func.now())
    expires_at: Mapped[datetime]
    revoked_at: Mapped[datetime | None]


class AccountAuditEntry(db.Model):
    """What an administrator changed on an account (role, scopes, address, active, reset link sent).

    `details` is a short plain-text summary written by the service ("rôle : director → admin");
    it never holds a secret (no reset token, no password).
    """

    __tablename__ = "account_audit_entry"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    action: Mapped[str] = mapped_column(String(40))
    details: Mapped[str] = mapped_column(String(1000), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow, server_default=func.now())
