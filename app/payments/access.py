"""Who may do what with invoices and payments: named actions checked by the services."""
from __future__ import annotations

from app.accounts.access import policy
from app.accounts.models import Role, User


class Action:
    VIEW_INVOICE = "payments.view_invoice"  # the household's guardians, the régie
    PAY_INVOICE = "payments.pay_invoice"  # the household's guardians, online
    MANAGE = "payments.manage"  # the régie (administrators, finance): every invoice, desk payments


def _member_of(user: User, household_id: int | None) -> bool:
    from app.billing.access import _member_of as billing_member_of

    return household_id is not None and billing_member_of(user, household_id)


def sees_unpaid_notice(user: User | None) -> bool:
    """The household's overdue balance is shown before booking to a logged-in parent only."""
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    return user.role == Role.PARENT


def may_revoke_mandate(user: User, mandate) -> bool:
    """A SEPA mandate is revoked by one of its household's members or by the régie (administrators)."""
    return user.role == Role.ADMIN or _member_of(user, mandate.household_id)


@policy(Action.VIEW_INVOICE)
def _can_view(user: User, invoice) -> bool:
    if invoice is None:
        return False
    if user.role == Role.ADMIN:
        return True
    return user.role == Role.PARENT and _member_of(user, invoice.household_id)


@policy(Action.PAY_INVOICE)
def _can_pay(user: User, invoice) -> bool:
    return invoice is not None and user.role == Role.PARENT and _member_of(user, invoice.household_id)


@policy(Action.MANAGE, hide=False)
def _can_manage(user: User, _obj=None) -> bool:
    return user.role == Role.ADMIN
