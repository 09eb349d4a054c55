"""The director's staffing dashboard and the monthly AEEH report (CAF inclusion supplement)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from app import months
from app.accounts.models import Role, User
from app.booking.models import Activity, Session, Unit
from app.booking.staffing import FullStaffing, full_staffing_for
from app.errors import Forbidden
from app.exports import Table
from app.extensions import db
from app.inclusion.access import directs_sites, reports_on_every_site, staff_site_ids
from app.inclusion.cards import children_with_plan
from app.inclusion.models import ChildNeeds
from app.sites.models import Site


@dataclass
class DashboardRow:
    session: Session
    staffing: FullStaffing
    with_plan: int

    @property
    def warning(self) -> str:
        if self.staffing.shortfall:
            return ngettext("Il manque %(num)d membre de l'équipe d'animation.",
                            "Il manque %(num)d membres de l'équipe d'animation.", self.staffing.shortfall)
        return ""


def staffing_dashboard(user: User, today: date, days: int = 14) -> list[tuple[Site, list[DashboardRow]]]:
    """The next `days` days of the director's sites, session by session. Raises Forbidden."""
    if not directs_sites(user):
        raise Forbidden()
    site_ids = staff_site_ids(user, Role.DIRECTOR)
    sites = list(db.session.scalars(select(Site).where(Site.id.in_(site_ids)).order_by(Site.name)))
    result = []
    for site in sites:
        sessions = db.session.scalars(
            select(Session).join(Unit, Session.unit_id == Unit.id).join(Activity, Unit.activity_id == Activity.id)
            .where(Activity.site_id == site.id, Session.day >= today, Session.day < today + timedelta(days=days),
                   Session.cancelled.is_(False))
            .options(selectinload(Session.unit).selectinload(Unit.activity))
            .order_by(Session.day, Unit.start_time, Session.id)).all()
        result.append((site, [DashboardRow(s, full_staffing_for(s), children_with_plan(s)) for s in sessions]))
    return result


@dataclass
class AeehLine:
    site: Site
    children: int
    hours: Decimal
    supplement: Decimal


def _month_bounds(month: str) -> tuple[date, date]:
    """(first day of the month, first day of the next month)."""
    first, last = months.parse_month(month)
    return first, last + timedelta(days=1)


def aeeh_report(user: User, month: str) -> list[AeehLine]:
    """Per site (the director's; every site for the administrator): the children receiving AEEH who
    attended in the month, their hours actually attended and the CAF supplement (rule
    caf.inclusion_rate_per_hour).

    The hours are billing's CAF count (`billing.caf.site_hours`), computed once for both reports: a
    slot counts whole if attended; school-period (périscolaire) Wednesdays are capped at 9 h a day
    with a meal, else 4 h per half-day attended; holiday Wednesdays are not capped.
    Raises Forbidden, ValidationFailed.
    """
    from app.billing.caf import site_hours

    if reports_on_every_site(user):
        site_ids = set(db.session.scalars(select(Site.id)))
    elif directs_sites(user):
        site_ids = staff_site_ids(user, Role.DIRECTOR)
    else:
        raise Forbidden()
    first, _end = _month_bounds(month)
    lines = []
    for site in db.session.scalars(select(Site).where(Site.id.in_(site_ids)).order_by(Site.name)):
        report = site_hours(site, first)
        lines.append(AeehLine(site, report.aeeh.count, report.aeeh.hours, report.aeeh_amount))
    return lines


def aeeh_table(lines: list[AeehLine], month: str) -> Table:
    table = Table("complement-inclusif", _("Complément inclusif"),
                  [_("Mois"), _("Accueil"), _("Enfants bénéficiaires de l'AEEH"), _("Heures réalisées"),
                   _("Complément inclusif (€)")])
    for line in lines:
        table.add(month, line.site.name, line.children, line.hours, line.supplement)
    return table


def aeeh_children(child_ids, first: date, last: date) -> set[int]:
    """Which of `child_ids` receive AEEH (billing's CAF report asks; it learns nothing else).

    The declaration is current, not dated: the answer holds for any month.
    """
    ids = list(child_ids)
    if not ids:
        return set()
    return set(db.session.scalars(select(ChildNeeds.child_id).where(
        ChildNeeds.child_id.in_(ids), ChildNeeds.has_aeeh.is_(True))))
