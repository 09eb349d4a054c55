"""Who may do what in billing: named actions checked by the services."""
from __future__ import annotations

from sqlalchemy import select

from app.accounts.access import policy
from app.accounts.models import Role, User
from app.extensions import db
from app.families.models import HouseholdMember


class Action:
    VIEW_STATEMENT = "billing.view_statement"
    MANAGE_BILLING = "billing.manage"  # tariffs, settings, closing months: the administrator (finance)
    VIEW_CAF_REPORT = "billing.view_caf_report"
    JUSTIFY_ABSENCE = "billing.justify_absence"
    VIEW_CERTIFICATE = "billing.view_certificate"
    # The medical certificates received for one's sites (every site for the administrator).
    LIST_SITE_CERTIFICATES = "billing.list_site_certificates"
    # The CAF reports are a director's billing home (the administrator's is the months).
    CAF_REPORTS_HOME = "billing.caf_reports_home"


def _member_of(user: User, household_id: int) -> bool:
    return db.session.scalar(select(HouseholdMember.id).where(
        HouseholdMember.user_id == user.id, HouseholdMember.household_id == household_id)) is not None


def sees_quotient_notice(user: User | None) -> bool:
    """The quotient familial and its validity are shown with the prices to a logged-in parent only."""
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    return user.role == Role.PARENT


def _site_id(obj) -> int | None:
    return obj if isinstance(obj, int) else getattr(obj, "id", None)


@policy(Action.VIEW_STATEMENT)
def _can_view_statement(user: User, statement) -> bool:
    if user.role == Role.ADMIN:
        return True
    return (user.role == Role.PARENT and statement is not None and statement.household_id is not None
            and _member_of(user, statement.household_id))


@policy(Action.MANAGE_BILLING, hide=False)
def _can_manage(user: User, _obj=None) -> bool:
    return user.role == Role.ADMIN


@policy(Action.VIEW_CAF_REPORT)
def _can_view_caf(user: User, site) -> bool:
    from app.sites.access import site_ids_of

    if user.role == Role.ADMIN:
        return True
    return user.role == Role.DIRECTOR and _site_id(site) in site_ids_of(user)


@policy(Action.JUSTIFY_ABSENCE)
def _can_justify(user: User, booking) -> bool:
    return user.role == Role.PARENT and booking is not None and _member_of(user, booking.child.household_id)


@policy(Action.VIEW_CERTIFICATE)
def _can_view_certificate(user: User, certificate) -> bool:
    """The household that sent it, the directors of the booking's site, the administrator."""
    from app.sites.access import site_ids_of

    if certificate is None:
        return False
    if user.role == Role.ADMIN:
        return True
    if user.role == Role.PARENT:
        return _member_of(user, certificate.household_id)
    if user.role == Role.DIRECTOR:
        from app.booking.models import Booking

        booking = db.session.get(Booking, certificate.booking_id)
        return booking is not None and booking.session.unit.activity.site_id in site_ids_of(user)
    return False


@policy(Action.LIST_SITE_CERTIFICATES)
def _can_list_site_certificates(user: User, _obj=None) -> bool:
    return user.role in (Role.DIRECTOR, Role.ADMIN)


@policy(Action.CAF_REPORTS_HOME, hide=False)
def _caf_reports_home(user: User, _obj=None) -> bool:
    return user.role == Role.DIRECTOR
