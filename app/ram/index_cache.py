"""The territory's matching index kept in memory between requests, per process, never stale.

Every write that changes what `MatchIndex.load` reads (communes, relais, childminders, their
accounts' names and activity, licences, own children, contracts, availability declarations)
bumps the one row of `ram_index_version` in its own transaction: an ORM flush (`before_flush`)
or an ORM-enabled INSERT/UPDATE/DELETE (`do_orm_execute`). A page reads the version first (one query),
then rebuilds the cached index only if the version (or the day) changed. Reading the version
before loading means a cached index is never older than its version. While the session holds an
uncommitted bump, the page loads its own index and caches nothing (the bump may roll back).
"""
from __future__ import annotations

import threading
from datetime import date

from flask import current_app
from sqlalchemy import event, inspect, select, update
from sqlalchemy.orm import Session

from app.accounts.models import User
from app.extensions import db
from app.families.models import Commune
from app.ram.models import (
    AvailabilityDeclaration,
    CareContract,
    Childminder,
    Licence,
    OwnChild,
    RamIndexVersion,
    Relais,
)

TRACKED = (Commune, Relais, Childminder, Licence, OwnChild, CareContract, AvailabilityDeclaration)
USER_FIELDS = ("first_name", "last_name", "active")  # what the index reads of an account
PENDING = "ram_index_bumped"


def _changes_index(obj) -> bool:
    if isinstance(obj, User):
        state = inspect(obj)
        return any(state.attrs[name].history.has_changes() for name in USER_FIELDS)
    return isinstance(obj, TRACKED)


def _bump(session: Session) -> None:
    session.execute(update(RamIndexVersion).where(RamIndexVersion.id == 1)
                    .values(version=RamIndexVersion.version + 1))
    session.info[PENDING] = True


def _on_flush(session: Session, _context, _instances) -> None:
    changed = any(_changes_index(obj) for obj in session.new) or any(
        isinstance(obj, (User, *TRACKED)) for obj in session.deleted) or any(
        _changes_index(obj) and (isinstance(obj, User) or session.is_modified(obj)) for obj in session.dirty)
    if changed:
        _bump(session)


def _on_orm_execute(state) -> None:
    if not (state.is_insert or state.is_update or state.is_delete) or state.bind_mapper is None:
        return
    cls = state.bind_mapper.class_
    if cls is User and state.is_update:
        values = getattr(state.statement, "_values", None) or {}
        names = {getattr(key, "key", str(key)) for key in values}
        if values and not names & set(USER_FIELDS):
            return  # e.g. session_version: not read by the index
    if cls is User or cls in TRACKED:
        _bump(state.session)


def _on_end(session: Session) -> None:
    session.info.pop(PENDING, None)


_LISTENERS = (("before_flush", _on_flush), ("do_orm_execute", _on_orm_execute),
              ("after_commit", _on_end), ("after_rollback", _on_end))


def install_listeners() -> None:
    """Bump the version with every write the index reads, in every session: called by the composition
    root (app/composition.py); idempotent, as the listeners are the Session class's, for every app."""
    for name, listener in _LISTENERS:
        if not event.contains(Session, name, listener):
            event.listen(Session, name, listener)


class _Cache:
    def __init__(self):
        self.lock = threading.Lock()
        self.key: tuple[int, date] | None = None
        self.index = None


def current_version() -> int | None:
    return db.session.scalar(select(RamIndexVersion.version).where(RamIndexVersion.id == 1))


def territory_index(today: date):
    """The whole territory's `MatchIndex` for `today`, from this process's cache when still exact;
    None when it cannot be cached (no version row, or an uncommitted bump in this session)."""
    from app.ram.matching import MatchIndex

    if db.session.info.get(PENDING):
        return None
    version = current_version()
    if version is None:
        return None
    cache = current_app.extensions.setdefault("ram_index_cache", _Cache())
    key = (version, today)
    with cache.lock:
        if cache.key != key:
            cache.index = MatchIndex.load(today)
            cache.key = key
        return cache.index
