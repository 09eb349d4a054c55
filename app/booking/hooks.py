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
