"""Provider staff: attaching coordinators and staff members to occasional-care providers
(the "occasional_provider" staff scope, registered by app/composition.py)."""
from __future__ import annotations


def assign_providers(user, provider_ids: list[int]) -> None:
    """Attach a coordinator (director role) or staff member (animator role) to providers, in the
    caller's transaction: the one rule used by `flask occasional assign-staff` and the admin page.
    Raises ValidationFailed (another role, inactive account, unknown provider)."""
    from flask_babel import gettext as _

    from app.accounts.scopes import StaffLinks
    from app.errors import ValidationFailed
    from app.occasional.access import may_join_provider
    from app.occasional.models import OccasionalProvider, ProviderStaff

    if not may_join_provider(user):
        raise ValidationFailed(_("Seul un compte actif de directeur ou directrice (coordination) ou "
                                 "d'animateur ou animatrice peut être rattaché à une structure."), field="user_id")
    StaffLinks(OccasionalProvider, ProviderStaff, "provider_id").attach(
        user, provider_ids, unknown=lambda missing: ValidationFailed(
            _("Structure inconnue : %(id)s.", id=missing[0]), field="provider_ids"))
