"""Who may see a child's protected file, and the audit trail every access writes.

Readers: the child's guardians; the directors of a site where the child has a
confirmed or held booking, from that booking on until a period (a dated rule,
2 months by default) after the last such booked day: a waitlisted or cancelled
booking gives no access, and one visit does not open the file for years. The
animators of those sites see the short card of the day only. Never Relais
staff, other parents, other sites: those get a 404.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from dateutil.relativedelta import relativedelta
from sqlalchemy import func, select

from app import clock, rules
from app.accounts.access import policy
from app.accounts.models import Role, User
from app.booking.models import ACTIVE_STATUSES, PLACE_STATUSES, Activity, Booking, Session, Unit
from app.extensions import db
from app.families.models import Child, HouseholdMember
from app.inclusion.models import AuditEntry
from app.sites.models import Site, SiteStaff
from app.sites.scopes import sites_of


class Action:
    READ_FILE = "inclusion.read_file"            # obj: Child
    EDIT_NEEDS = "inclusion.edit_needs"          # obj: Child
    MANAGE_AT_SITE = "inclusion.manage_at_site"  # obj: (Child, site_id)
    READ_CARD = "inclusion.read_card"            # obj: (Child, Session)
    DIRECT_SITE = "inclusion.direct_site"        # obj: site_id
    EXPORT_AUDIT = "inclusion.export_audit"      # obj: None
    READ_HEALTH_FORM = "inclusion.read_health_form"  # obj: Child


def is_guardian(user: User, child: Child) -> bool:
    if user.role != Role.PARENT or child is None:
        return False
    return db.session.scalar(select(HouseholdMember.id).where(
        HouseholdMember.user_id == user.id, HouseholdMember.household_id == child.household_id)) is not None


def works_at_sites(user: User) -> bool:
    """Directors and animators, who meet the children at the sites they are attached to."""
    return user.role in (Role.ANIMATOR, Role.DIRECTOR)


def directs_sites(user: User) -> bool:
    return user.role == Role.DIRECTOR


def reports_on_every_site(user: User) -> bool:
    """The administrator's reports cover every site."""
    return user.role == Role.ADMIN


def staff_site_ids(user: User, role: Role) -> set[int]:
    if user.role != role:
        return set()
    return sites_of(user)


def booked_site_ids(child_id: int) -> set[int]:
    """Sites where the child has a booking that is not cancelled (past days included)."""
    return set(db.session.scalars(
        select(Activity.site_id).join(Unit, Unit.activity_id == Activity.id).join(Session, Session.unit_id == Unit.id)
        .join(Booking, Booking.session_id == Session.id)
        .where(Booking.child_id == child_id, Booking.status.in_(ACTIVE_STATUSES))))


ACCESS_MONTHS = rules.define(
    "inclusion.director_access_months", kind=int, default=2,
    label="Accès de la direction d'un accueil au dossier de santé d'un enfant : durée après le dernier jour "
          "réservé (réservation confirmée ou en préparation) sur ce site",
    source="RGPD art. 5 (1) c) et art. 9 (données nécessaires à l'accueil de l'enfant seulement) ; CNIL, "
           "accueil des mineurs",
    unit="mois", minimum=0, maximum=24)


def file_access_until(child_id: int, today: date | None = None) -> dict[int, date]:
    """Site id -> the last day its director may read the child's file, for the sites where access is open.

    Access comes from a confirmed or held booking (never a waitlisted or cancelled one) and lasts until
    ACCESS_MONTHS (the rule in force today) after the last such booked day, past or upcoming.
    """
    today = today or clock.today()
    months = ACCESS_MONTHS.value(on=today)
    rows = db.session.execute(
        select(Activity.site_id, func.max(Session.day))
        .join(Unit, Unit.activity_id == Activity.id).join(Session, Session.unit_id == Unit.id)
        .join(Booking, Booking.session_id == Session.id)
        .where(Booking.child_id == child_id, Booking.status.in_(PLACE_STATUSES))
        .group_by(Activity.site_id))
    until = {site_id: last + relativedelta(months=months) for site_id, last in rows}
    return {site_id: day for site_id, day in until.items() if day >= today}


def director_sites_for_child(user: User, child: Child, today: date | None = None) -> set[int]:
    """The sites of this director whose access to the child's file is open today."""
    return staff_site_ids(user, Role.DIRECTOR) & set(file_access_until(child.id, today))


def managed_sites(user: User, child: Child, today: date | None = None) -> list[Site]:
    """The director's sites where they may prepare this child's welcome (plan, meeting, steps), by name."""
    ids = director_sites_for_child(user, child, today)
    if not ids:
        return []
    return list(db.session.scalars(select(Site).where(Site.id.in_(ids)).order_by(Site.name)))


@dataclass(frozen=True)
class Reader:
    """Someone other than the family who can read the child's file today, and until when."""

    name: str
    site: str
    until: date


def readers_of(child: Child, today: date | None = None) -> list[Reader]:
    """The directors who can read the child's file today, with their site and the last day of access."""
    until = file_access_until(child.id, today)
    if not until:
        return []
    rows = db.session.execute(
        select(User, Site).join(SiteStaff, SiteStaff.user_id == User.id).join(Site, Site.id == SiteStaff.site_id)
        .where(SiteStaff.site_id.in_(until), User.role == Role.DIRECTOR, User.active.is_(True)))
    return sorted((Reader(user.display_name, site.name, until[site.id]) for user, site in rows),
                  key=lambda r: (r.site, r.name))


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
