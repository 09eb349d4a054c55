"""Occasional care's plug-ins: the "occasional_provider" staff scope, message kinds,
and its bookings in the household calendar feed."""
from __future__ import annotations

from flask import Flask
from flask_babel import lazy_gettext as _l


def assign_providers(user, provider_ids: list[int]) -> None:
    """Attach a coordinator (director role) or staff member (animator role) to providers, in the
    caller's transaction: the one rule used by `flask occasional assign-staff` and the admin page.
    Raises ValidationFailed (another role, inactive account, unknown provider)."""
    from flask_babel import gettext as _
    from sqlalchemy import select

    from app.errors import ValidationFailed
    from app.extensions import db
    from app.occasional.access import PROVIDER_STAFF_ROLES
    from app.occasional.models import OccasionalProvider, ProviderStaff

    if user.role not in PROVIDER_STAFF_ROLES or not user.active:
        raise ValidationFailed(_("Seul un compte actif de directeur ou directrice (coordination) ou "
                                 "d'animateur ou animatrice peut être rattaché à une structure."), field="user_id")
    for provider_id in provider_ids:
        if db.session.get(OccasionalProvider, provider_id) is None:
            raise ValidationFailed(_("Structure inconnue : %(id)s.", id=provider_id), field="provider_ids")
        exists = db.session.scalar(select(ProviderStaff.id).where(ProviderStaff.user_id == user.id,
                                                                   ProviderStaff.provider_id == provider_id))
        if exists is None:
            db.session.add(ProviderStaff(user_id=user.id, provider_id=provider_id))
    db.session.flush()


def init_app(app: Flask) -> None:
    import app.occasional.access  # noqa: F401  (registers the policies)
    from app.accounts.models import Role
    from app.accounts.scopes import register_scope
    from app.booking.feeds import register_household_feed_source
    from app.notifications.kinds import register_kind
    from app.occasional.feeds import household_events

    register_scope("occasional_provider", assign_providers)
    register_household_feed_source(household_events)
    from app.billing.registry import register_psu_hours_source, register_statement_source
    from app.occasional.billing import occasional_statement_lines, psu_lines

    register_statement_source(occasional_statement_lines)
    register_psu_hours_source(psu_lines)
    register_kind("occasional.submitted", _l("Réponse à une demande de garde ponctuelle"), essential=True,
                  roles=[Role.PARENT])
    register_kind("occasional.promoted", _l("Place de garde ponctuelle obtenue sur liste d'attente"),
                  essential=True, roles=[Role.PARENT])
    register_kind("occasional.urgent_accepted", _l("Demande de garde urgente acceptée"), essential=True,
                  roles=[Role.PARENT])
    register_kind("occasional.urgent_declined", _l("Demande de garde urgente refusée"), essential=True,
                  roles=[Role.PARENT])
    register_kind("occasional.urgent_requested", _l("Demande de garde urgente à traiter"), essential=True,
                  roles=[Role.DIRECTOR])
