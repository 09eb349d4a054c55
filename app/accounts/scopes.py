"""Staff scopes: which sites a director or animator works at, which occasional-care providers a
coordinator belongs to, which relais a Relais staff member belongs to.

The tables live with what owns them (the kernel's app/sites, occasional care, ram); their
modules register handlers here so that the kernel (account creation and editing, CLI) can
assign, read, list and withdraw scopes without importing them. `StaffLinks` is the one way
those handlers attach staff to their owners, read and withdraw them.
"""
from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import delete, select

from app import registries
from app.accounts.models import User
from app.extensions import db

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


@dataclass(frozen=True)
class StaffLinks:
    """How staff accounts are attached to one kind of owner (a site, an occasional-care provider, a relais):
    `owner` is the owner's model (with `id` and `name`), `link` the model of the link rows (with `user_id`
    and the column named `owner_key`). Every method works in the caller's transaction."""

    owner: Any
    link: Any
    owner_key: str

    def attach(self, user: User, owner_ids: Iterable[int], *, unknown: Callable[[list[int]], Exception]) -> None:
        """Attach `user` to every owner of `owner_ids` it is not attached to yet, then flush. If an id names
        no owner, `unknown(the missing ids, in the order given)` is raised and nothing is attached."""
        wanted = list(dict.fromkeys(owner_ids))
        found = set(db.session.scalars(select(self.owner.id).where(self.owner.id.in_(wanted))))
        missing = [owner_id for owner_id in wanted if owner_id not in found]
        if missing:
            raise unknown(missing)
        held = self.held_by(user)
        for owner_id in wanted:
            if owner_id not in held:
                db.session.add(self.link(user_id=user.id, **{self.owner_key: owner_id}))
        db.session.flush()

    def held_by(self, user: User) -> set[int]:
        """The ids of the owners `user` is attached to."""
        column = getattr(self.link, self.owner_key)
        return set(db.session.scalars(select(column).where(self.link.user_id == user.id)))

    def withdraw(self, user: User, owner_ids: set[int]) -> None:
        """Detach `user` from these owners."""
        column = getattr(self.link, self.owner_key)
        db.session.execute(delete(self.link).where(self.link.user_id == user.id, column.in_(owner_ids)))

    def options(self) -> list[tuple[int, str]]:
        """(id, name) of every owner, by name: the administrators' choice lists."""
        rows = db.session.execute(select(self.owner.id, self.owner.name).order_by(self.owner.name))
        return [(row.id, row.name) for row in rows]
