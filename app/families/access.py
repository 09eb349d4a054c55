"""Who may do what in families: the role rules behind the "families.*" actions.

The actions are registered (with `policy`) next to the use cases in app.families.services and
app.families.declarations; the decisions that depend on the account's role are taken here.
"""
from __future__ import annotations

from typing import TypeGuard

from app.accounts.models import Role, User


def is_parent(user: User | None) -> TypeGuard[User]:
    """A logged-in parent account: the only one that has (or creates, or joins) a household."""
    return user is not None and getattr(user, "is_authenticated", False) and user.role == Role.PARENT


def acts_at_desk(user: User) -> bool:
    """Desk mode: administrators and Relais staff act for a family present; directors and animators do not."""
    return user.role in (Role.ADMIN, Role.RAM_STAFF)


def checks_declarations(user: User) -> bool:
    """The commune and quotient familial declared by families are checked by the administrator."""
    return user.role == Role.ADMIN
