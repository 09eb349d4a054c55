"""What billing shows beside the prices on the family's pages (a template global registered by
app/composition.py)."""
from __future__ import annotations

from app import clock


def qf_notice() -> dict | None:
    """The logged-in parent's quotient familial and its validity, shown with the prices."""

    from flask_login import current_user

    from app.billing.access import sees_quotient_notice
    from app.booking.access import household_of

    if not sees_quotient_notice(current_user):
        return None
    household = household_of(current_user)
    if household is None:
        return None
    valid_until = household.family_quotient_valid_until
    return {"family_quotient": household.family_quotient, "valid_until": valid_until,
            "expired": valid_until is not None and valid_until < clock.today(),
            "resident": household.is_resident}
