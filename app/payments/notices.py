"""What payments shows before booking (a template global registered by app/composition.py)."""
from __future__ import annotations


def unpaid_balance():
    """The logged-in parent's household's overdue balance (informative, shown before booking)."""
    from flask_login import current_user

    from app.booking.access import household_of
    from app.payments.access import sees_unpaid_notice
    from app.payments.services import household_unpaid_balance

    if not sees_unpaid_notice(current_user):
        return None
    household = household_of(current_user)
    if household is None:
        return None
    balance = household_unpaid_balance(household.id)
    return balance if balance > 0 else None
