"""Families' plug-ins into the kernel: its e-mail kinds, the QF expiry reminders (daily job)."""
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
    # The price the family pays depends on them: never switched off.
    register_kind("families.declaration_decided", _l("Décision sur une déclaration de commune ou de quotient familial"),
                  essential=True, roles=[Role.PARENT])
    register_kind("families.quotient_expiring", _l("Quotient familial bientôt expiré"), essential=True,
                  roles=[Role.PARENT])

    from app.families.declarations import JOB_NAME, send_quotient_reminders
    from app.notifications.jobs import register_daily_job

    register_daily_job(JOB_NAME, send_quotient_reminders)
