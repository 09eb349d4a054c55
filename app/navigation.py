"""The navigation bar: each domain registers its own entry points per role."""
from __future__ import annotations

from dataclasses import dataclass

from flask import url_for

from app.accounts.models import Role


@dataclass(frozen=True)
class NavItem:
    label: object  # a lazy string
    endpoint: str
    roles: frozenset[Role]
    order: int


_ITEMS: list[NavItem] = []


def register_nav(label, endpoint: str, roles, order: int = 50) -> None:
    item = NavItem(label, endpoint, frozenset(roles), order)
    if item not in _ITEMS:
        _ITEMS.append(item)


def navigation_for(user) -> list[tuple[str, str, str]]:
    """(label, url, endpoint) for the entries `user` may use, in order."""
    if not getattr(user, "is_authenticated", False):
        return []
    items = sorted((i for i in _ITEMS if user.role in i.roles), key=lambda i: (i.order, str(i.label)))
    return [(str(i.label), url_for(i.endpoint), i.endpoint) for i in items]
