"""Site staff: attaching directors and animators to sites (the kernel's "site" staff scope).

app/composition.py registers these functions as the "site" scope of accounts/scopes.py.
"""
from __future__ import annotations


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


def site_options() -> list[tuple[int, str]]:
    from sqlalchemy import select

    from app.booking.models import Site
    from app.extensions import db

    return [(row.id, row.name) for row in db.session.execute(select(Site.id, Site.name).order_by(Site.name))]


def sites_of(user) -> set[int]:
    from sqlalchemy import select

    from app.booking.models import SiteStaff
    from app.extensions import db

    return set(db.session.scalars(select(SiteStaff.site_id).where(SiteStaff.user_id == user.id)))


def withdraw_sites(user, site_ids: set[int]) -> None:
    from sqlalchemy import delete

    from app.booking.models import SiteStaff
    from app.extensions import db

    db.session.execute(delete(SiteStaff).where(SiteStaff.user_id == user.id, SiteStaff.site_id.in_(site_ids)))
