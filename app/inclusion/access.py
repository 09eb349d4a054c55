"""Who may see a child's protected file, and the audit trail every access writes.

Readers: the child's guardians; directors of the sites where the child has a
(non-cancelled) booking; the animators of those sites see the short card
only. Never Relais staff, other parents, other sites: those get a 404.
"""
from __future__ import annotations

from sqlalchemy import select

from app.accounts.models import Role, User
from app.accounts.permissions import policy
from app.booking.models import ACTIVE_STATUSES, PLACE_STATUSES, Activity, Booking, Session, SiteStaff, Unit
from app.extensions import db
from app.families.models import Child, HouseholdMember
from app.inclusion.models import AuditEntry


class Action:
    READ_FILE = "inclusion.read_file"            # obj: Child
    EDIT_NEEDS = "inclusion.edit_needs"          # obj: Child
    MANAGE_AT_SITE = "inclusion.manage_at_site"  # obj: (Child, site_id)
    READ_CARD = "inclusion.read_card"            # obj: (Child, Session)
    DIRECT_SITE = "inclusion.direct_site"        # obj: site_id
    EXPORT_AUDIT = "inclusion.export_audit"      # obj: None


def is_guardian(user: User, child: Child) -> bool:
    if user.role != Role.PARENT or child is None:
        return False
    return db.session.scalar(select(HouseholdMember.id).where(
        HouseholdMember.user_id == user.id, HouseholdMember.household_id == child.household_id)) is not None


def staff_site_ids(user: User, role: Role) -> set[int]:
    if user.role != role:
        return set()
    return set(db.session.scalars(select(SiteStaff.site_id).where(SiteStaff.user_id == user.id)))


def booked_site_ids(child_id: int) -> set[int]:
    """Sites where the child has a booking that is not cancelled (past days included)."""
    return set(db.session.scalars(
        select(Activity.site_id).join(Unit, Unit.activity_id == Activity.id).join(Session, Session.unit_id == Unit.id)
        .join(Booking, Booking.session_id == Session.id)
        .where(Booking.child_id == child_id, Booking.status.in_(ACTIVE_STATUSES))))


def director_sites_for_child(user: User, child: Child) -> set[int]:
    return staff_site_ids(user, Role.DIRECTOR) & booked_site_ids(child.id)


@policy(Action.READ_FILE)
def _can_read_file(user: User, child: Child) -> bool:
    return is_guardian(user, child) or bool(director_sites_for_child(user, child))


@policy(Action.EDIT_NEEDS)
def _can_edit_needs(user: User, child: Child) -> bool:
    return is_guardian(user, child)


@policy(Action.MANAGE_AT_SITE)
def _can_manage_at_site(user: User, obj) -> bool:
    child, site_id = obj
    return site_id in director_sites_for_child(user, child)


@policy(Action.READ_CARD)
def _can_read_card(user: User, obj) -> bool:
    child, session = obj
    site_id = session.unit.activity.site_id
    if user.role not in (Role.ANIMATOR, Role.DIRECTOR) or site_id not in staff_site_ids(user, user.role):
        return False
    return db.session.scalar(select(Booking.id).where(
        Booking.child_id == child.id, Booking.session_id == session.id,
        Booking.status.in_(PLACE_STATUSES))) is not None


@policy(Action.DIRECT_SITE)
def _can_direct_site(user: User, site_id) -> bool:
    return site_id in staff_site_ids(user, Role.DIRECTOR)


@policy(Action.EXPORT_AUDIT, hide=False)
def _can_export_audit(user: User, _obj) -> bool:
    return user.role == Role.ADMIN


def audit(user: User | None, child_id: int | None, action: str, target: str, detail: str = "") -> None:
    """Write one trail entry in the caller's transaction."""
    label = ""
    role = ""
    if user is not None:
        role = user.role.value
        label = f"{user.display_name} ({user.role.label})"
    db.session.add(AuditEntry(actor_id=user.id if user else None, actor_label=label[:300], actor_role=role,
                              child_id=child_id, action=action, target=target[:60], detail=detail[:300]))
