"""Who may do what in families: the "families.*" actions and the role rules behind them.

The actions are named here (`Action`) and registered (with `policy`) next to the use cases in
app.families.services and app.families.declarations; the decisions that depend on the account's role
are taken here.
"""
from __future__ import annotations

from typing import TypeGuard

from app.accounts.models import Role, User


class Action:
    # Desk mode: creates a household and books or cancels for a family present, with its consent.
    ACT_AT_DESK = "families.act_at_desk"
    CREATE_HOUSEHOLD = "families.create_household"
    VIEW_HOUSEHOLD = "families.view_household"
    EDIT_HOUSEHOLD = "families.edit_household"
    VIEW_CHILD = "families.view_child"
    EDIT_CHILD = "families.edit_child"
    ADD_CHILD = "families.add_child"
    MANAGE_CONTACTS = "families.manage_contacts"
    INVITE_GUARDIAN = "families.invite_guardian"
    JOIN_HOUSEHOLD = "families.join_household"
    CHECK_DECLARATIONS = "families.check_declarations"  # the commune and quotient familial declared


def is_parent(user: User | None) -> TypeGuard[User]:
    """A logged-in parent account: the only one that has (or creates, or joins) a household."""
    return user is not None and getattr(user, "is_authenticated", False) and user.role == Role.PARENT


def acts_at_desk(user: User) -> bool:
    """Desk mode: administrators and Relais staff act for a family present; directors and animators do not."""
    return user.role in (Role.ADMIN, Role.RAM_STAFF)


def checks_declarations(user: User) -> bool:
    """The commune and quotient familial declared by families are checked by the administrator."""
    return user.role == Role.ADMIN
