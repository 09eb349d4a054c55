"""Site staff: attaching directors and animators to sites (the kernel's "site" staff scope).

app/composition.py registers these functions as the "site" scope of accounts/scopes.py.
"""
from __future__ import annotations

from flask_babel import gettext as _

from app.accounts.models import User
from app.accounts.scopes import StaffLinks
from app.errors import ValidationFailed
from app.sites.models import Site, SiteStaff

_SITES = StaffLinks(Site, SiteStaff, "site_id")


def _unknown(missing: list[int]) -> ValidationFailed:
    return ValidationFailed(_("Accueil inconnu : %(id)s.", id=missing[0]), field="site_ids")


def assign_sites(user: User, site_ids: list[int]) -> None:
    """Attach a director or animator to sites, in the caller's transaction."""
    _SITES.attach(user, site_ids, unknown=_unknown)


def site_options() -> list[tuple[int, str]]:
    return _SITES.options()


def sites_of(user: User) -> set[int]:
    """The sites `user` is attached to, whatever their role (see app.sites.access.site_ids_of)."""
    return _SITES.held_by(user)


def withdraw_sites(user: User, site_ids: set[int]) -> None:
    _SITES.withdraw(user, site_ids)
