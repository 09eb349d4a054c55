"""Families' plug-ins into the kernel: its e-mail kinds."""
from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    from flask_babel import lazy_gettext as _l

    from app.accounts.models import Role
    from app.notifications.kinds import register_kind

    # Both concern who can act for the children: never switched off.
    register_kind("families.invitation", _l("Invitation à rejoindre un foyer"), essential=True)
    register_kind("families.guardian_joined", _l("Un second responsable a rejoint le foyer"), essential=True,
                  roles=[Role.PARENT])
