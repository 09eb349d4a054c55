"""Staff scopes: which sites a director or animator works at, which relais a
Relais staff member belongs to.

The tables live in the domains that own sites (booking) and relais (ram);
they register a handler here so that the kernel (account creation, CLI)
can assign scopes without importing them.
"""
from __future__ import annotations

from collections.abc import Callable, Iterable

from app.accounts.models import User

ScopeAssigner = Callable[[User, list[int]], None]
_ASSIGNERS: dict[str, ScopeAssigner] = {}


def register_scope(kind: str, assigner: ScopeAssigner) -> None:
    _ASSIGNERS[kind] = assigner


def assign_scope(kind: str, user: User, ids: Iterable[int]) -> None:
    """Give `user` the `kind` scope ("site", "relais") on `ids`, in the caller's transaction."""
    try:
        assigner = _ASSIGNERS[kind]
    except KeyError:
        raise LookupError(f"no scope handler registered for {kind!r}") from None
    assigner(user, list(ids))
