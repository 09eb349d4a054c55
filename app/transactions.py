"""One transaction style for every domain: a use case is one transaction.

A service function decorated with `@use_case` validates, writes, and on
return its transaction is committed; any exception rolls everything back
and is raised again, so nothing is ever half written. A use case called
from another one joins the caller's transaction: only the outermost one
commits. A use case that must commit at a precise point (for example to
turn a unique-constraint failure into a French conflict message) calls
`commit(message, ConflictClass)` itself; the decorator then has nothing
left to commit.

A function that runs several transactions on purpose (the outbox sender's
claims, the online payment around the bank's call, a purge
that removes files once their rows are gone, the demo loaders before the
booking engine runs) calls `commit()` at each step instead.

This module (with app.extensions, which ends `read_phase()` transactions)
is the only place that calls `db.session.commit()`: tests/test_transactions.py
scans the code for it, and for hand-written rollbacks around a use case.
"""
from __future__ import annotations

from collections.abc import Callable
from contextvars import ContextVar
from functools import wraps
from typing import Any, ParamSpec, TypeVar

from flask_babel import gettext as _
from sqlalchemy.exc import IntegrityError

from app.errors import Conflict, DomainError
from app.extensions import db

P = ParamSpec("P")
T = TypeVar("T")

_depth: ContextVar[int] = ContextVar("pitchoun_use_case_depth", default=0)


def commit(conflict_message: str | None = None, conflict_cls: type[DomainError] = Conflict, **details: Any) -> None:
    """Commit the current transaction.

    A unique or foreign-key refusal rolls back and becomes `conflict_cls`
    (409 by default) with `conflict_message` (else the class's own message) and
    `details` (field, code).
    """
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        if conflict_message is None and conflict_cls is Conflict:
            conflict_message = _("Cette modification entre en conflit avec une autre. "
                                 "Rechargez la page et recommencez.")
        raise (conflict_cls(conflict_message, **details) if conflict_message is not None
               else conflict_cls(**details)) from None


def rollback() -> None:
    """Roll the current transaction back (a use case's own refusal after a failed write)."""
    db.session.rollback()


def _pending() -> bool:
    session = db.session()
    return bool(session.in_transaction() or session.new or session.dirty or session.deleted)


def use_case(fn: Callable[P, T]) -> Callable[P, T]:
    """Run `fn` as one transaction: committed on return, rolled back on any exception."""

    @wraps(fn)
    def wrapped(*args: P.args, **kwargs: P.kwargs) -> T:
        token = _depth.set(_depth.get() + 1)
        try:
            result = fn(*args, **kwargs)
            if _depth.get() == 1 and _pending():
                commit()
            return result
        except BaseException:
            db.session.rollback()
            raise
        finally:
            _depth.reset(token)

    return wrapped
