"""The navigation bar: each domain registers its own entry points per role."""
from __future__ import annotations

from dataclasses import dataclass

from flask import current_app, has_request_context, request, url_for
from flask_babel import get_locale

from app.accounts.models import Role


@dataclass(frozen=True)
class NavItem:
    label: object  # a lazy string
    endpoint: str
    roles: frozenset[Role]
    order: int


_ITEMS: list[NavItem] = []

# Each role's main tasks: first in the menu, and the only entries always shown on a phone
# (the others are behind the "Menu" button).
MAIN_TASKS: dict[Role, tuple[str, ...]] = {
    Role.PARENT: ("booking.calendar", "booking.my_bookings"),
    Role.ANIMATOR: ("booking.staff_sites",),
    Role.DIRECTOR: ("booking.staff_sites", "inclusion.queue"),
    Role.RAM_STAFF: ("ram.dashboard", "ram.demands"),
    Role.CHILDMINDER: ("ram.my_availability",),
    Role.ADMIN: ("accounts.admin_users", "billing.months"),
}


def register_nav(label, endpoint: str, roles, order: int = 50) -> None:
    item = NavItem(label, endpoint, frozenset(roles), order)
    if item not in _ITEMS:
        _ITEMS.append(item)


def main_tasks(user) -> tuple[str, ...]:
    """The endpoints of `user`'s main tasks (see MAIN_TASKS)."""
    if not getattr(user, "is_authenticated", False):
        return ()
    return MAIN_TASKS.get(user.role, ())


def navigation_for(user) -> list[tuple[str, str, str]]:
    """(label, url, endpoint) for the entries `user` may use: the role's main tasks first, then by order."""
    if not getattr(user, "is_authenticated", False):
        return []
    # The same for every user of a role, language and mount point: built once per application (every
    # page of every parent asks for it; the labels' translation and url_for were a few ms per page).
    key = (user.role, str(get_locale()), request.script_root if has_request_context() else "", len(_ITEMS))
    cache = current_app.extensions.setdefault("navigation_cache", {})
    if key not in cache:
        main = main_tasks(user)
        items = sorted((i for i in _ITEMS if user.role in i.roles),
                       key=lambda i: (i.endpoint not in main, main.index(i.endpoint) if i.endpoint in main else 0,
                                      i.order, str(i.label)))
        cache[key] = tuple((str(i.label), url_for(i.endpoint), i.endpoint) for i in items)
    return list(cache[key])
