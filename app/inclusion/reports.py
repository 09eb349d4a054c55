"""The director's staffing dashboard and the monthly AEEH report (CAF inclusion supplement)."""
from __future__ import annotations

import csv
import io
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from app import months
from app.accounts.models import Role, User
from app.booking.models import (Activity, Attendance, AttendanceStatus, Booking, Session, Site, Unit)
from app.booking.staffing import FullStaffing, full_staffing_for
from app.errors import Forbidden
from app.extensions import db
from app.inclusion.access import staff_site_ids
from app.inclusion.models import ChildNeeds
from app.inclusion.cards import children_with_plan

# CAF counts Wednesdays at most 9 h a day with a meal, 4 h without (shared/domain.md).
WEDNESDAY_CAP_WITH_MEAL = Decimal("9")
WEDNESDAY_CAP_WITHOUT_MEAL = Decimal("4")


@dataclass
class DashboardRow:
    session: Session
    staffing: FullStaffing
    with_plan: int

    @property
    def warning(self) -> str:
        if self.staffing.shortfall:
            return _("Il manque %(n)s animateur(s).", n=self.staffing.shortfall)
        return ""


def staffing_dashboard(user: User, today: date, days: int = 14) -> list[tuple[Site, list[DashboardRow]]]:
    """The next `days` days of the director's sites, session by session. Raises Forbidden."""
    if user.role != Role.DIRECTOR:
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
    attended in the month, their hours actually attended (a slot counts whole if attended; Wednesdays
    capped at 9 h a day with a meal, 4 h without) and the CAF supplement (CAF_INCLUSION_RATE_PER_HOUR).
    Raises Forbidden, ValidationFailed.
    """
    if user.role == Role.ADMIN:
        site_ids = set(db.session.scalars(select(Site.id)))
    elif user.role == Role.DIRECTOR:
        site_ids = staff_site_ids(user, Role.DIRECTOR)
    else:
        raise Forbidden()
    first, end = _month_bounds(month)
    rate = Decimal(str(current_app.config["CAF_INCLUSION_RATE_PER_HOUR"]))
    rows = db.session.execute(
        select(Activity.site_id, Booking.child_id, Session.day, Unit.start_time, Unit.end_time, Unit.with_meal)
        .join(Session, Booking.session_id == Session.id).join(Unit, Session.unit_id == Unit.id)
        .join(Activity, Unit.activity_id == Activity.id).join(Attendance, Attendance.booking_id == Booking.id)
        .join(ChildNeeds, ChildNeeds.child_id == Booking.child_id)
        .where(ChildNeeds.has_aeeh.is_(True), Attendance.status == AttendanceStatus.PRESENT,
               Session.day >= first, Session.day < end, Activity.site_id.in_(site_ids))).all()
    per_day: dict[tuple[int, int, date], list[Decimal, bool]] = defaultdict(lambda: [Decimal("0"), False])
    for site_id, child_id, day, start, stop, with_meal in rows:
        minutes = (stop.hour * 60 + stop.minute) - (start.hour * 60 + start.minute)
        entry = per_day[(site_id, child_id, day)]
        entry[0] += Decimal(minutes) / Decimal(60)
        entry[1] = entry[1] or with_meal
    hours: dict[int, Decimal] = defaultdict(lambda: Decimal("0"))
    children: dict[int, set[int]] = defaultdict(set)
    for (site_id, child_id, day), (total, meal) in per_day.items():
        if day.weekday() == 2:
            total = min(total, WEDNESDAY_CAP_WITH_MEAL if meal else WEDNESDAY_CAP_WITHOUT_MEAL)
        hours[site_id] += total
        children[site_id].add(child_id)
    lines = []
    for site in db.session.scalars(select(Site).where(Site.id.in_(site_ids)).order_by(Site.name)):
        h = hours[site.id].quantize(Decimal("0.01"))
        lines.append(AeehLine(site, len(children[site.id]), h, (h * rate).quantize(Decimal("0.01"))))
    return lines


def aeeh_csv(lines: list[AeehLine], month: str) -> str:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";")
    writer.writerow(["mois", "accueil", "enfants_aeeh", "heures_realisees", "complement_inclusif_eur"])
    for line in lines:
        writer.writerow([month, line.site.name, line.children, f"{line.hours:.2f}".replace(".", ","),
                         f"{line.supplement:.2f}".replace(".", ",")])
    return out.getvalue()


def aeeh_children(child_ids, first: date, last: date) -> set[int]:
    """Which of `child_ids` receive AEEH (billing's CAF report asks; it learns nothing else).

    The declaration is current, not dated: the answer holds for any month.
    """
    ids = list(child_ids)
    if not ids:
        return set()
    return set(db.session.scalars(select(ChildNeeds.child_id).where(
        ChildNeeds.child_id.in_(ids), ChildNeeds.has_aeeh.is_(True))))
