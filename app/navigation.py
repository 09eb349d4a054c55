"""The navigation bar: the menu entries per role, listed by the composition root (app/composition.py).

The entries live in the current application's NavigationRegistry (app.extensions), never in a
module global: two applications never share a menu, and an application the root did not build has none.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from flask import has_request_context, request, url_for
from flask_babel import get_locale

from app.accounts.access import sees_menu_entry
from app.accounts.models import Role
from app.registries import current


@dataclass(frozen=True)
class NavItem:
    label: object  # a lazy string
    endpoint: str
    roles: frozenset[Role]
    order: int


@dataclass
class NavigationRegistry:
    """The menu's entries, in the order the composition root registers them."""

    items: list[NavItem] = field(default_factory=list)
    # The built menu per (role, language, mount point): the same for every user of a role, and asked
    # for by every page (the labels' translation and url_for were a few ms per page). Emptied when an
    # entry is registered.
    built: dict[tuple, tuple[tuple[str, str, str], ...]] = field(default_factory=dict, compare=False, repr=False)

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
    """Show the entry `label` (the page `endpoint`) to `roles` in the current application's menu."""
    items = current(NavigationRegistry).items
    if any(item.endpoint == endpoint for item in items):
        raise RuntimeError(f"menu entry {endpoint!r} registered twice")
    items.append(NavItem(label, endpoint, frozenset(roles), order))
    current(NavigationRegistry).built.clear()


def main_tasks(user) -> tuple[str, ...]:
    """The endpoints of `user`'s main tasks (see MAIN_TASKS)."""
    if not getattr(user, "is_authenticated", False):
        return ()
    return MAIN_TASKS.get(user.role, ())


def navigation_for(user) -> list[tuple[str, str, str]]:
    """(label, url, endpoint) for the entries `user` may use: the role's main tasks first, then by order."""
    if not getattr(user, "is_authenticated", False):
        return []
    registry = current(NavigationRegistry)
    key = (user.role, str(get_locale()), request.script_root if has_request_context() else "")
    if key not in registry.built:
        main = main_tasks(user)
        items = sorted((i for i in registry.items if sees_menu_entry(user, i.roles)),
                       key=lambda i: (i.endpoint not in main, main.index(i.endpoint) if i.endpoint in main else 0,
                                      i.order, str(i.label)))
        registry.built[key] = tuple((str(i.label), url_for(i.endpoint), i.endpoint) for i in items)
    return list(registry.built[key])
