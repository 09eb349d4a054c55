"""Staff scopes: which sites a director or animator works at, which relais a
Relais staff member belongs to.

The tables live in the domains that own sites (booking) and relais (ram);
they register handlers here so that the kernel (account creation and editing,
CLI) can assign, read, list and withdraw scopes without importing them.
"""
from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from app import registries
from app.accounts.models import User

ScopeAssigner = Callable[[User, list[int]], None]


@dataclass(frozen=True)
class _Handlers:
    assign: ScopeAssigner
    # (id, name) of every site or relais, for the administrators' choice lists.
    options: Callable[[], list[tuple[int, str]]] | None = None
    # The ids `user` holds now.
    current: Callable[[User], set[int]] | None = None
    # Withdraw `user` from these ids (caller's transaction).
    withdraw: Callable[[User, set[int]], None] | None = None


@dataclass
class ScopeRegistry:
    """The scope handlers of one application, by kind (installed and filled by app/composition.py)."""

    handlers: dict[str, _Handlers] = field(default_factory=dict)


def _registered() -> dict[str, _Handlers]:
    return registries.current(ScopeRegistry).handlers


def register_scope(kind: str, assigner: ScopeAssigner, *, options=None, current=None, withdraw=None) -> None:
    _registered()[kind] = _Handlers(assigner, options, current, withdraw)


def _handlers(kind: str) -> _Handlers:
    try:
        return _registered()[kind]
    except KeyError:
        raise LookupError(f"no scope handler registered for {kind!r}") from None


def assign_scope(kind: str, user: User, ids: Iterable[int]) -> None:
    """Give `user` the `kind` scope ("site", "relais") on `ids`, in the caller's transaction."""
    _handlers(kind).assign(user, list(ids))


def scope_options(kind: str) -> list[tuple[int, str]]:
    """(id, name) of everything `kind` can point at, by name; empty when the domain lists none."""
    handlers = _registered().get(kind)
    return handlers.options() if handlers and handlers.options else []


def scope_ids(kind: str, user: User) -> set[int]:
    """The ids of `user`'s `kind` scope."""
    handlers = _registered().get(kind)
    return handlers.current(user) if handlers and handlers.current else set()


def set_scope(kind: str, user: User, ids: Iterable[int]) -> None:
    """Make `user`'s `kind` scope exactly `ids` (adds and withdraws), in the caller's transaction."""
    handlers = _handlers(kind)
    wanted = set(ids)
    held = scope_ids(kind, user)
    if wanted - held:
        handlers.assign(user, sorted(wanted - held))
    if held - wanted:
        if handlers.withdraw is None:
            raise LookupError(f"scope {kind!r} cannot be withdrawn")
        handlers.withdraw(user, held - wanted)
