"""Which sites an account may act on: the site-staff scope read by every domain."""
from __future__ import annotations

from sqlalchemy import select

from app.accounts.models import Role, User
from app.extensions import db
from app.sites.models import Site
from app.sites.scopes import sites_of


def site_ids_of(user: User) -> set[int]:
    """The sites a director or animator works at (every site for an administrator)."""
    if user.role == Role.ADMIN:
        return set(db.session.scalars(select(Site.id)))
    if user.role not in (Role.DIRECTOR, Role.ANIMATOR):
        return set()
    return sites_of(user)
