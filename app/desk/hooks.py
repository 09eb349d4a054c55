"""Desk mode's plug-ins: the e-mail a family gets when a desk opens its account."""
from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    from flask_babel import lazy_gettext as _l

    from app.accounts.models import Role
    from app.notifications.kinds import register_kind

    # The only way in for the family: never switched off.
    register_kind("account.desk_welcome", _l("Compte ouvert pour vous à un accueil"), essential=True,
                  roles=[Role.PARENT])
