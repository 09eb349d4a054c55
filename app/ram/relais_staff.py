"""Relais staff: attaching Relais staff accounts to relais (the "relais" staff scope, registered by
app/composition.py)."""
from __future__ import annotations

from flask_babel import gettext as _

from app.accounts.models import User
from app.accounts.scopes import StaffLinks
from app.errors import ValidationFailed
from app.ram.models import Relais, RelaisStaff

_RELAIS = StaffLinks(Relais, RelaisStaff, "relais_id")


def _unknown(missing: list[int]) -> ValidationFailed:
    return ValidationFailed(_("Relais inconnu : %(ids)s.", ids=", ".join(map(str, sorted(missing)))),
                            field="relais_ids")


def assign_relais(user: User, relais_ids: list[int]) -> None:
    """Attach a Relais staff account to relais, in the caller's transaction (no commit)."""
    _RELAIS.attach(user, sorted(set(relais_ids)), unknown=_unknown)


def relais_options() -> list[tuple[int, str]]:
    return _RELAIS.options()


def relais_of(user: User) -> set[int]:
    return _RELAIS.held_by(user)


def withdraw_relais(user: User, relais_ids: set[int]) -> None:
    _RELAIS.withdraw(user, relais_ids)
