"""Plugs the Relais module into the kernel: the "relais" staff scope."""
from __future__ import annotations

from flask import Flask
from flask_babel import gettext as _
from sqlalchemy import select

from app.accounts.models import User
from app.accounts.scopes import register_scope
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


def _relais_options() -> list[tuple[int, str]]:
    from app.ram.models import Relais

    return [(row.id, row.name) for row in db.session.execute(select(Relais.id, Relais.name).order_by(Relais.name))]


def _relais_of(user: User) -> set[int]:
    from app.ram.models import RelaisStaff

    return set(db.session.scalars(select(RelaisStaff.relais_id).where(RelaisStaff.user_id == user.id)))


def _withdraw_relais(user: User, relais_ids: set[int]) -> None:
    from sqlalchemy import delete

    from app.ram.models import RelaisStaff

    db.session.execute(delete(RelaisStaff).where(RelaisStaff.user_id == user.id,
                                                 RelaisStaff.relais_id.in_(relais_ids)))


def init_app(app: Flask) -> None:
    register_scope("relais", assign_relais, options=_relais_options, current=_relais_of, withdraw=_withdraw_relais)
    from app.notifications.jobs import register_daily_job
    from app.ram.services import send_stale_reminders

    register_daily_job("ram.stale_reminders", send_stale_reminders)

    from flask_babel import lazy_gettext as _l

    from app.accounts.models import Role
    from app.notifications.kinds import register_kind

    register_kind("ram.availability_stale", _l("Rappel : disponibilités à confirmer"), roles=[Role.CHILDMINDER])
    register_kind("ram.childminder_invited", _l("Invitation à créer son compte d'assistante maternelle"),
                  essential=True, roles=[Role.CHILDMINDER])
    register_kind("ram.demand_met", _l("Demande d'accueil satisfaite"), roles=[Role.PARENT])
    register_kind("ram.introduction", _l("Mise en relation avec une assistante maternelle"), essential=True,
                  roles=[Role.PARENT])
    register_kind("ram.workshop_reminder", _l("Rappel la veille d'un atelier"), roles=[Role.CHILDMINDER])

    from app.ram.reminders import JOB_NAME, send_workshop_reminders

    register_daily_job(JOB_NAME, send_workshop_reminders)
    from app.ram import access  # noqa: F401  (registers the policies)
