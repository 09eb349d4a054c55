"""Relais staff: attaching Relais staff accounts to relais (the "relais" staff scope, registered by
app/composition.py)."""
from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import select

from app.accounts.models import User
from app.errors import ValidationFailed
from app.extensions import db


def assign_relais(user: User, relais_ids: list[int]) -> None:
    """Attach a Relais staff account to relais, in the caller's transaction (no commit)."""
    from app.ram.models import Relais, RelaisStaff

    wanted = set(relais_ids)
    found = set(db.session.scalars(select(Relais.id).where(Relais.id.in_(wanted))))
    if found != wanted:
        raise ValidationFailed(_("Relais inconnu : %(ids)s.", ids=", ".join(map(str, sorted(wanted - found)))),
                               field="relais_ids")
    existing = set(db.session.scalars(select(RelaisStaff.relais_id).where(RelaisStaff.user_id == user.id)))
    for relais_id in sorted(wanted - existing):
        db.session.add(RelaisStaff(user_id=user.id, relais_id=relais_id))
    db.session.flush()


def relais_options() -> list[tuple[int, str]]:
    from app.ram.models import Relais

    return [(row.id, row.name) for row in db.session.execute(select(Relais.id, Relais.name).order_by(Relais.name))]


def relais_of(user: User) -> set[int]:
    from app.ram.models import RelaisStaff

    return set(db.session.scalars(select(RelaisStaff.relais_id).where(RelaisStaff.user_id == user.id)))


def withdraw_relais(user: User, relais_ids: set[int]) -> None:
    from sqlalchemy import delete

    from app.ram.models import RelaisStaff

    db.session.execute(delete(RelaisStaff).where(RelaisStaff.user_id == user.id,
                                                 RelaisStaff.relais_id.in_(relais_ids)))
