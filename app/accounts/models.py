from __future__ import annotations

import enum
from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import Enum, String, func
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


STAFF_ROLES = frozenset({Role.ANIMATOR, Role.DIRECTOR, Role.RAM_STAFF, Role.ADMIN})


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

    def get_id(self) -> str:
        return f"{self.id}:{self.session_version}"

    @property
    def is_active(self) -> bool:  # Flask-Login
        return self.active

    @property
    def display_name(self) -> str:
        name = f"{self.first_name} {self.last_name}".strip()
        return name or self.email

    def has_role(self, *roles: Role) -> bool:
        return self.role in roles

    @property
    def is_staff(self) -> bool:
        return self.role in STAFF_ROLES

    def __repr__(self) -> str:
        return f"<User {self.id} {self.role.value}>"
