"""One transaction style: a use case is one transaction, committed by app.transactions.use_case.

- The decorator commits on return and rolls back on any exception; a use case called from another
  one joins the caller's transaction; `commit()` turns a unique-constraint refusal into a French
  conflict.
- No module calls `db.session.commit(` itself except app/transactions.py and app/extensions.py
  (which ends read_phase() transactions); a function that must commit at a precise point (before a
  file is removed, an external call, or between the outbox sender's short transactions) calls
  app.transactions.commit().
"""
from __future__ import annotations

import re
from pathlib import Path

import pytest
from sqlalchemy import select

from app.accounts.models import User
from app.errors import Conflict, ValidationFailed
from app.extensions import db
from app.transactions import commit, use_case
from tests.factories import make_user

APP = Path(__file__).resolve().parent.parent / "app"
COMMIT = re.compile(r"\bsession\.commit\(")

ALLOWED = {"transactions.py", "extensions.py"}

def _committing_modules() -> set[str]:
    return {path.relative_to(APP).as_posix() for path in APP.rglob("*.py")
            if COMMIT.search(path.read_text(encoding="utf-8"))}


def test_no_module_commits_by_hand_outside_the_transaction_module():
    offenders = _committing_modules() - ALLOWED
    assert not offenders, (f"db.session.commit() outside app/transactions.py in {sorted(offenders)}: "
                           "decorate the use case with app.transactions.use_case instead")


def test_no_module_rolls_back_by_hand_around_a_use_case():
    """The decorator rolls back on any error: no hand-written `try: ... except: db.session.rollback()`."""
    for path in APP.rglob("*.py"):
        name = path.relative_to(APP).as_posix()
        if name not in ALLOWED:
            text = path.read_text(encoding="utf-8")
            assert not re.search(r"except (Base)?Exception:\n\s+db\.session\.rollback\(\)\n\s+raise", text), name


def test_the_scan_sees_a_hand_commit():
    """The scan's pattern matches the calls it must refuse (so the tests above can fail)."""
    assert COMMIT.search("    db.session.commit()\n")
    assert not COMMIT.search("    commit()\n")


@use_case
def _rename(user_id: int, name: str, fail: bool = False) -> None:
    db.session.get(User, user_id).first_name = name
    if fail:
        raise ValidationFailed("refusé")


@use_case
def _rename_twice(user_id: int) -> None:
    _rename(user_id, "Dedans")
    raise ValidationFailed("refusé après un cas d'usage imbriqué")


def _name(user_id: int) -> str:
    db.session.expire_all()
    return db.session.scalar(select(User.first_name).where(User.id == user_id))


def test_a_use_case_commits_on_return(app):
    user = make_user()
    db.session.commit()
    _rename(user.id, "Validé")
    db.session.rollback()  # nothing left to roll back: it was committed
    assert _name(user.id) == "Validé"


def test_a_use_case_rolls_everything_back_on_a_refusal(app):
    user = make_user(first_name="Avant")
    db.session.commit()
    with pytest.raises(ValidationFailed):
        _rename(user.id, "Jamais", fail=True)
    assert _name(user.id) == "Avant"


def test_a_nested_use_case_joins_its_callers_transaction(app):
    user = make_user(first_name="Avant")
    db.session.commit()
    with pytest.raises(ValidationFailed):
        _rename_twice(user.id)
    assert _name(user.id) == "Avant"  # the inner use case did not commit on its own


def test_commit_turns_a_unique_refusal_into_a_french_conflict(app):
    first = make_user()
    db.session.commit()
    make_user(email=first.email, commit=False)
    with pytest.raises(Conflict, match="conflit"):
        commit()
    with pytest.raises(ValidationFailed) as refused:
        make_user(email=first.email, commit=False)
        commit("Adresse déjà prise.", ValidationFailed, field="email", code="email_taken")
    assert (refused.value.field, refused.value.code, refused.value.message) == ("email", "email_taken",
                                                                                 "Adresse déjà prise.")
