"""Named actions of the Relais module, decided here once for pages, services and templates.

- Relais staff (of any relais) and administrators work on every demand and
  childminder of the territory; workshops are managed by the staff of their
  own relais.
- A childminder sees and edits only their own profile.
- A parent sees only the demands they made (another family's demand: 404).
"""
from __future__ import annotations

from sqlalchemy import select

from app.accounts.access import policy
from app.accounts.models import Role
from app.extensions import db


class Action:
    MANAGE_TERRITORY = "ram.manage_territory"
    EDIT_CHILDMINDER = "ram.edit_childminder"
    EDIT_LICENCE = "ram.edit_licence"
    CREATE_DEMAND = "ram.create_demand"
    VIEW_DEMAND = "ram.view_demand"
    EDIT_DEMAND = "ram.edit_demand"
    MANAGE_WORKSHOP = "ram.manage_workshop"
    REGISTER_WORKSHOP = "ram.register_workshop"
    SEARCH_CHILDMINDERS = "ram.search_childminders"


def is_relais_staff(user) -> bool:
    return user.role in (Role.RAM_STAFF, Role.ADMIN)


def sees_every_relais(user) -> bool:
    """The administrator works for every relais without being attached to one."""
    return user.role == Role.ADMIN


def files_demands_as_family(user) -> bool:
    """A parent files and follows their own demands (the relais chosen by the commune)."""
    return user.role == Role.PARENT


def has_childminder_profile(user) -> bool:
    """A childminder account manages its own profile and workshop registrations."""
    return user.role == Role.CHILDMINDER


def relais_ids_of(user) -> list[int]:
    from app.ram.models import RelaisStaff

    return list(db.session.scalars(select(RelaisStaff.relais_id).where(RelaisStaff.user_id == user.id)))


@policy(Action.MANAGE_TERRITORY, hide=False)
def _manage_territory(user, _obj) -> bool:
    return is_relais_staff(user)


@policy(Action.EDIT_CHILDMINDER)
def _edit_childminder(user, childminder) -> bool:
    if is_relais_staff(user):
        return True
    return user.role == Role.CHILDMINDER and childminder is not None and childminder.user_id == user.id


@policy(Action.EDIT_LICENCE, hide=False)
def _edit_licence(user, _childminder) -> bool:
    return is_relais_staff(user)


@policy(Action.CREATE_DEMAND, hide=False)
def _create_demand(user, _obj) -> bool:
    return user.role == Role.PARENT or is_relais_staff(user)


@policy(Action.VIEW_DEMAND)
def _view_demand(user, demand) -> bool:
    if is_relais_staff(user):
        return True
    return user.role == Role.PARENT and demand is not None and demand.parent_user_id == user.id


@policy(Action.EDIT_DEMAND)
def _edit_demand(user, demand) -> bool:
    return _view_demand(user, demand)


@policy(Action.MANAGE_WORKSHOP, hide=False)
def _manage_workshop(user, relais_id) -> bool:
    if user.role == Role.ADMIN:
        return True
    if user.role != Role.RAM_STAFF:
        return False
    if relais_id is None:  # "may manage workshops of some relais"
        return bool(relais_ids_of(user))
    return relais_id in relais_ids_of(user)


@policy(Action.REGISTER_WORKSHOP, hide=False)
def _register_workshop(user, _obj) -> bool:
    return user.role == Role.CHILDMINDER


@policy(Action.SEARCH_CHILDMINDERS, hide=False)
def _search_childminders(user, _obj) -> bool:
    """Families search the published childminders; Relais staff search as families do to help them."""
    return user.role == Role.PARENT or is_relais_staff(user)
