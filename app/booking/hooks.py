"""Booking's plug-ins into the kernel: the "site" staff scope."""
from __future__ import annotations

from flask import Flask


def assign_sites(user, site_ids: list[int]) -> None:
    """Attach a director or animator to sites, in the caller's transaction."""
    from flask_babel import gettext as _
    from sqlalchemy import select

    from app.booking.models import Site, SiteStaff
    from app.errors import ValidationFailed
    from app.extensions import db

    for site_id in site_ids:
        if db.session.get(Site, site_id) is None:
            raise ValidationFailed(_("Accueil inconnu : %(id)s.", id=site_id), field="site_ids")
        exists = db.session.scalar(select(SiteStaff.id).where(SiteStaff.user_id == user.id,
                                                               SiteStaff.site_id == site_id))
        if exists is None:
            db.session.add(SiteStaff(user_id=user.id, site_id=site_id))
    db.session.flush()


def init_app(app: Flask) -> None:
    import app.booking.access  # noqa: F401  (registers the booking policies)
    from app.accounts.scopes import register_scope

    register_scope("site", assign_sites)

    from flask_babel import lazy_gettext as _l

    from app.accounts.models import Role
    from app.booking.reminders import JOB_NAME, send_day_before_reminders
    from app.notifications.jobs import register_daily_job
    from app.notifications.kinds import register_kind

    register_daily_job(JOB_NAME, send_day_before_reminders)
    parent = [Role.PARENT]
    register_kind("booking.submitted", _l("Réponse à une demande de réservation"), roles=parent)
    register_kind("booking.reminder", _l("Rappel la veille d'un accueil réservé"), roles=parent)
    # Essential: a place obtained or lost must reach the family whatever its preferences.
    register_kind("booking.promoted", _l("Place obtenue depuis la liste d'attente"), essential=True, roles=parent)
    register_kind("booking.cancelled", _l("Réservation annulée par l'accueil"), essential=True, roles=parent)
    register_kind("booking.allocation_result", _l("Résultat d'un tirage au sort"), essential=True, roles=parent)
