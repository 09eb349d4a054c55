"""Catalogue use cases: sites, activities, units, tariffs, sessions, prices.

Each public function is one transaction (commits once) unless its name
starts with an underscore. Directors act only on their own sites.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal

import holidays as holidays_lib
from flask_babel import gettext as _
from sqlalchemy import select

from app import clock
from app.accounts.access import require
from app.accounts.models import User
from app.booking.access import Action
from app.booking.errors import InvalidSchedule
from app.booking.models import (
    Activity,
    ActivityKind,
    SchoolHolidayPeriod,
    Session,
    StaffingRegime,
    Tariff,
    Unit,
    UnitKind,
)
from app.errors import NotFound, ValidationFailed
from app.extensions import db
from app.families.models import Household
from app.sites.models import Site
from app.transactions import commit, use_case

ACTIVITY_FIELDS = ("name", "kind", "min_age", "max_age", "min_age_months", "admits_from_school_entry", "regime", "opens_at",
                   "booking_deadline_days",
                   "booking_deadline_time", "cancel_deadline_days", "cancel_deadline_time",
                   "residents_first_until")
UNIT_FIELDS = ("label", "kind", "start_time", "end_time", "with_meal")
SESSION_FIELDS = ("capacity_under6", "capacity_over6", "opens_at", "animators_planned")


# ---------------------------------------------------------------- lookups

def get_site(user: User, site_id: int, action: str = Action.VIEW_SITE) -> Site:
    """The site, if `user` may act on it; NotFound otherwise."""
    site = db.session.get(Site, site_id)
    if site is None:
        raise NotFound()
    require(user, action, site)
    return site


def get_activity(user: User, activity_id: int, action: str = Action.VIEW_SITE) -> Activity:
    activity = db.session.get(Activity, activity_id)
    if activity is None:
        raise NotFound()
    require(user, action, activity.site_id)
    return activity


def get_unit(user: User, unit_id: int, action: str = Action.VIEW_SITE) -> Unit:
    unit = db.session.get(Unit, unit_id)
    if unit is None:
        raise NotFound()
    require(user, action, unit.activity.site_id)
    return unit


def get_session(user: User, session_id: int, action: str = Action.VIEW_SITE) -> Session:
    session = db.session.get(Session, session_id)
    if session is None:
        raise NotFound()
    require(user, action, session.unit.activity.site_id)
    return session


def sites_for(user: User) -> list[Site]:
    from app.sites.access import site_ids_of

    ids = site_ids_of(user)
    if not ids:
        return []
    return list(db.session.scalars(select(Site).where(Site.id.in_(ids)).order_by(Site.name)))


def all_sites() -> list[Site]:
    return list(db.session.scalars(select(Site).order_by(Site.name)))


# ---------------------------------------------------------------- sites

@use_case
def create_site(user: User, *, name: str, address: str, commune_insee: str, opening_hours: str = "",
                phone: str = "") -> Site:
    """Create a site (administrator only). Raises NotFound for anyone else, Conflict (field
    "name") when a site already has that name."""

    from app.booking.access import Action, require
    from app.errors import Conflict

    require(user, Action.CREATE_SITE)
    message = _("Un accueil porte déjà ce nom.")
    if db.session.scalar(select(Site.id).where(Site.name == name.strip())) is not None:
        raise Conflict(message, field="name")
    site = Site(name=name.strip(), address=address.strip(), commune_insee=commune_insee,
                opening_hours=opening_hours, phone=phone)
    db.session.add(site)
    commit(message, Conflict, field="name")  # the same name created at the same moment
    return site


@use_case
def update_site(user: User, site_id: int, **values) -> Site:
    """Edit a site's address, hours and phone (its director). Raises NotFound."""
    site = get_site(user, site_id, Action.MANAGE_SITE)
    for name in ("name", "address", "opening_hours", "phone", "commune_insee"):
        if name in values and values[name] is not None:
            setattr(site, name, values[name])
    return site


# ---------------------------------------------------------------- activities, units, tariffs

def _check_activity(values: dict) -> None:
    if values.get("min_age", 0) < 0 or values.get("max_age", 0) < values.get("min_age", 0):
        raise ValidationFailed(_("La tranche d'âge n'est pas valide."), field="max_age")
    months = values.get("min_age_months")
    if months is not None and not 0 <= months < (values.get("max_age", 0) + 1) * 12:
        raise ValidationFailed(_("L'âge minimum en mois doit être inférieur à l'âge maximum."),
                               field="min_age_months")


@use_case
def create_activity(user: User, site_id: int, **values) -> Activity:
    """Create an activity on the director's site. Raises NotFound, ValidationFailed."""
    site = get_site(user, site_id, Action.MANAGE_SITE)
    values = {k: v for k, v in values.items() if k in ACTIVITY_FIELDS and v is not None}
    values["kind"] = ActivityKind(values["kind"])
    values.setdefault("regime", StaffingRegime.EXTRASCOLAIRE if values["kind"] is ActivityKind.EXTRASCOLAIRE
                      else StaffingRegime.PEDT_SHORT)
    values["regime"] = StaffingRegime(values["regime"])
    _check_activity({"min_age": values.get("min_age", 3), "max_age": values.get("max_age", 11),
                     "min_age_months": values.get("min_age_months")})
    activity = Activity(site=site, **values)
    db.session.add(activity)
    return activity


@use_case
def update_activity(user: User, activity_id: int, **values) -> Activity:
    """Edit an activity's age range, regime and booking rules. Raises NotFound, ValidationFailed."""
    activity = get_activity(user, activity_id, Action.MANAGE_SITE)
    _check_activity({"min_age": values.get("min_age", activity.min_age),
                     "max_age": values.get("max_age", activity.max_age),
                     "min_age_months": values.get("min_age_months", activity.min_age_months)})
    for name in ACTIVITY_FIELDS:
        if name in values:
            value = values[name]
            if name == "kind":
                value = ActivityKind(value)
            if name == "regime":
                value = StaffingRegime(value)
            setattr(activity, name, value)
    return activity


def _check_times(start: time, end: time) -> None:
    if end <= start:
        raise ValidationFailed(_("L'heure de fin doit être après l'heure de début."), field="end_time")


@use_case
def create_unit(user: User, activity_id: int, *, label: str, kind: UnitKind | str, start_time: time,
                end_time: time, with_meal: bool = False) -> Unit:
    """Add a booking unit to an activity. Raises NotFound, ValidationFailed."""
    activity = get_activity(user, activity_id, Action.MANAGE_SITE)
    _check_times(start_time, end_time)
    unit = Unit(activity=activity, label=label.strip(), kind=UnitKind(kind), start_time=start_time,
                end_time=end_time, with_meal=with_meal)
    db.session.add(unit)
    return unit


@use_case
def update_unit(user: User, unit_id: int, **values) -> Unit:
    unit = get_unit(user, unit_id, Action.MANAGE_SITE)
    for name in UNIT_FIELDS:
        if name in values:
            setattr(unit, name, UnitKind(values[name]) if name == "kind" else values[name])
    _check_times(unit.start_time, unit.end_time)
    return unit


@use_case
def unit_for_times(user: User, activity_id: int, start: time, end: time) -> Unit:
    """The activity's unit with these times, created if missing. Raises NotFound, ValidationFailed."""
    activity = get_activity(user, activity_id, Action.MANAGE_SITE)
    unit = _unit_for_times(activity, start, end)
    return unit


def _unit_for_times(activity: Activity, start: time, end: time) -> Unit:
    for unit in activity.units:
        if unit.start_time == start and unit.end_time == end:
            return unit
    _check_times(start, end)
    hours = (datetime.combine(date.min, end) - datetime.combine(date.min, start)).total_seconds() / 3600
    kind = UnitKind.WHOLE_DAY if hours >= 6 else (UnitKind.MORNING if start < time(12) else UnitKind.AFTERNOON)
    unit = Unit(activity=activity, label=f"{start:%H:%M}–{end:%H:%M}", kind=kind, start_time=start,
                end_time=end, with_meal=start < time(12) < end)
    db.session.add(unit)
    db.session.flush()
    return unit


@use_case
def add_tariff(user: User, unit_id: int, *, qf_min: int, qf_max: int | None, resident: bool, price: Decimal,
               valid_from: date, valid_until: date | None = None) -> Tariff:
    """Add a price for a QF band. New prices get a new row with its own validity, so
    bookings already made keep their price. Raises NotFound, ValidationFailed."""
    unit = get_unit(user, unit_id, Action.MANAGE_SITE)
    if price < 0 or (qf_max is not None and qf_max < qf_min):
        raise ValidationFailed(_("Le tarif n'est pas valide."), field="price")
    if valid_until is not None and valid_until < valid_from:
        raise ValidationFailed(_("La fin de validité précède son début."), field="valid_until")
    tariff = Tariff(unit=unit, qf_min=qf_min, qf_max=qf_max, resident=resident, price=Decimal(price),
                    valid_from=valid_from, valid_until=valid_until)
    db.session.add(tariff)
    return tariff


def price_for(unit: Unit | int, household: Household, day: date) -> Decimal | None:
    """The price of `unit` on `day` for `household` (QF band, residency); None when no tariff applies.

    A household without a known quotient familial pays the highest band.
    """
    unit_id = unit if isinstance(unit, int) else unit.id
    tariffs = list(db.session.scalars(select(Tariff).where(Tariff.unit_id == unit_id)))
    return pick_price(tariffs, household, day)


def pick_price(tariffs, household: Household, day: date) -> Decimal | None:
    """The price among already loaded `tariffs` of one unit (see price_for).

    The validated quotient familial counts only until its validity date."""
    qf = household.family_quotient_on(day)
    valid = sorted((t for t in tariffs if t.resident == household.is_resident and t.valid_from <= day
                    and (t.valid_until is None or t.valid_until >= day)), key=lambda t: t.qf_min)
    if not valid:
        return None
    if qf is None:
        return valid[-1].price
    for tariff in valid:
        if tariff.qf_min <= qf and (tariff.qf_max is None or qf <= tariff.qf_max):
            return tariff.price
    return valid[-1].price


# ---------------------------------------------------------------- school calendar and sessions

def public_holidays(years) -> holidays_lib.HolidayBase:
    return holidays_lib.country_holidays("FR", years=sorted(set(years)))


def school_holiday_periods(zone: str, start: date, end: date) -> list[SchoolHolidayPeriod]:
    return list(db.session.scalars(select(SchoolHolidayPeriod).where(
        SchoolHolidayPeriod.zone == zone, SchoolHolidayPeriod.first_day <= end,
        SchoolHolidayPeriod.last_day >= start).order_by(SchoolHolidayPeriod.first_day)))


def _in_periods(day: date, periods) -> bool:
    return any(p.first_day <= day <= p.last_day for p in periods)


def check_session_day(activity: Activity, day: date) -> None:
    """Raise InvalidSchedule when the activity cannot run on `day`.

    Public holidays are closed. When the school calendar of the site's zone
    is known for that date, périscolaire runs outside school holidays and
    extrascolaire during them (or on Saturdays).
    """
    closed = public_holidays([day.year]).get(day)
    if closed:
        raise InvalidSchedule(_("Le %(day)s est un jour férié (%(name)s) : l'accueil est fermé.",
                                day=day.strftime("%d/%m/%Y"), name=closed), field="date")
    zone = activity.site.school_zone
    known = school_holiday_periods(zone, day - timedelta(days=200), day + timedelta(days=200))
    if not known:
        return
    in_holidays = _in_periods(day, known)
    if activity.kind is ActivityKind.PERISCOLAIRE and in_holidays:
        raise InvalidSchedule(_("Le %(day)s tombe pendant les vacances scolaires : une activité périscolaire "
                                "n'a pas lieu ce jour-là.", day=day.strftime("%d/%m/%Y")), field="date")
    if activity.kind is ActivityKind.EXTRASCOLAIRE and not in_holidays and day.weekday() != 5:
        raise InvalidSchedule(_("Le %(day)s n'est ni un jour de vacances scolaires ni un samedi : une activité "
                                "extrascolaire n'a pas lieu ce jour-là.", day=day.strftime("%d/%m/%Y")),
                              field="date")


SCHOOL_WEEKS, HOLIDAYS, ALL_DAYS = "school_weeks", "holidays", "all"


def check_not_past(day: date, today: date | None = None, *, field: str = "date") -> None:
    """The one rule for every way of creating sessions (one by one, by period, from the API):
    no session on a day already past in Europe/Paris. Raises InvalidSchedule."""
    today = today or clock.today()
    if day < today:
        raise InvalidSchedule(_("Le %(day)s est déjà passé.", day=day.strftime("%d/%m/%Y")), field=field)


@dataclass
class GenerationResult:
    created: list[Session] = field(default_factory=list)
    skipped: list[tuple[date, str]] = field(default_factory=list)  # (day, French reason)


@use_case
def generate_sessions(user: User, activity_id: int, *, unit_ids: list[int] | None, weekdays: set[int],
                      first_day: date, last_day: date, mode: str, capacity_under6: int, capacity_over6: int,
                      animators_planned: int = 0, opens_at: datetime | None = None,
                      today: date | None = None) -> GenerationResult:
    """Create the sessions of a period: every chosen weekday (0 = Monday) between the two dates.

    Public holidays are always skipped; mode "school_weeks" skips the school
    holidays of the site's zone, "holidays" keeps only them. Existing
    sessions are left as they are. Raises NotFound, ValidationFailed, InvalidSchedule (a period that
    starts before today).
    """
    activity = get_activity(user, activity_id, Action.MANAGE_SITE)
    check_not_past(first_day, today, field="first_day")
    if last_day < first_day or (last_day - first_day).days > 400:
        raise ValidationFailed(_("La période n'est pas valide (au plus un an)."), field="last_day")
    if not weekdays:
        raise ValidationFailed(_("Choisissez au moins un jour de la semaine."), field="weekdays")
    from app.booking.staffing import check_capacity

    check_capacity(capacity_under6, capacity_over6, first_day)
    check_capacity(capacity_under6, capacity_over6, last_day)
    if mode not in (SCHOOL_WEEKS, HOLIDAYS, ALL_DAYS):
        raise ValidationFailed(_("Type de période inconnu."), field="mode")
    units = [u for u in activity.units if unit_ids is None or u.id in unit_ids]
    if not units:
        raise ValidationFailed(_("Choisissez au moins une unité."), field="unit_ids")
    closed_days = public_holidays(range(first_day.year, last_day.year + 1))
    periods = school_holiday_periods(activity.site.school_zone, first_day, last_day)
    if mode != ALL_DAYS and not periods:
        raise ValidationFailed(_("Le calendrier des vacances scolaires de la zone %(zone)s n'est pas importé "
                                 "pour cette période.", zone=activity.site.school_zone), field="mode")
    existing = set(db.session.execute(select(Session.unit_id, Session.day).where(
        Session.unit_id.in_([u.id for u in units]), Session.day.between(first_day, last_day))).all())
    result = GenerationResult()
    day = first_day
    while day <= last_day:
        if day.weekday() in weekdays:
            reason = None
            if day in closed_days:
                reason = _("jour férié (%(name)s)", name=closed_days.get(day))
            elif mode == SCHOOL_WEEKS and _in_periods(day, periods):
                reason = _("vacances scolaires")
            elif mode == HOLIDAYS and not _in_periods(day, periods):
                reason = _("hors vacances scolaires")
            if reason:
                result.skipped.append((day, reason))
            else:
                for unit in units:
                    if (unit.id, day) in existing:
                        result.skipped.append((day, _("séance déjà créée (%(unit)s)", unit=unit.label)))
                        continue
                    session = Session(unit=unit, day=day, capacity_under6=capacity_under6,
                                      capacity_over6=capacity_over6, animators_planned=animators_planned,
                                      opens_at=opens_at)
                    db.session.add(session)
                    result.created.append(session)
        day += timedelta(days=1)
    return result


@use_case
def create_session(user: User, unit_id: int, day: date, *, capacity_under6: int, capacity_over6: int,
                   opens_at: datetime | None = None, animators_planned: int = 0) -> Session:
    """Create one session of a unit. Open for booking at once unless `opens_at` is given.

    Raises NotFound, InvalidSchedule (public holiday, outside the activity's
    period), ValidationFailed, Conflict (already exists).
    """
    unit = get_unit(user, unit_id, Action.MANAGE_SITE)
    session = _new_session(unit, day, capacity_under6, capacity_over6, opens_at, animators_planned)
    return session


@use_case
def create_session_for_times(user: User, activity_id: int, day: date, start: time, end: time, *,
                             capacity_under6: int, capacity_over6: int, opens_at: datetime | None = None,
                             animators_planned: int = 0) -> Session:
    """Create one session from its times (the activity's unit with those times, created if needed).

    One transaction: nothing is created when the date is refused. Same errors as create_session.
    """
    activity = get_activity(user, activity_id, Action.MANAGE_SITE)
    unit = _unit_for_times(activity, start, end)
    session = _new_session(unit, day, capacity_under6, capacity_over6, opens_at, animators_planned)
    return session


def _new_session(unit: Unit, day: date, capacity_under6: int, capacity_over6: int, opens_at, animators_planned):
    from app.booking.staffing import check_capacity
    from app.errors import Conflict

    check_session_day(unit.activity, day)
    check_capacity(capacity_under6, capacity_over6, day)
    if unit.id and db.session.scalar(select(Session.id).where(Session.unit_id == unit.id, Session.day == day)):
        raise Conflict(_("Une séance existe déjà pour cette unité à cette date."), code="session_exists")
    session = Session(unit=unit, day=day, capacity_under6=capacity_under6, capacity_over6=capacity_over6,
                      opens_at=opens_at, animators_planned=animators_planned)
    db.session.add(session)
    db.session.flush()
    return session


def sessions_of_site(site_id: int, first_day: date, last_day: date) -> list[Session]:
    from sqlalchemy.orm import selectinload

    return list(db.session.scalars(
        select(Session).join(Unit).join(Activity)
        .where(Activity.site_id == site_id, Session.day.between(first_day, last_day))
        .options(selectinload(Session.unit).selectinload(Unit.activity))
        .order_by(Session.day, Unit.start_time, Session.id)))


def next_session_day(site_id: int | None, today: date) -> date | None:
    """The first session day from `today` on (at one site, or anywhere)."""
    from sqlalchemy import func

    query = select(func.min(Session.day)).join(Unit).join(Activity).where(Session.day >= today)
    if site_id is not None:
        query = query.where(Activity.site_id == site_id)
    return db.session.scalar(query)


def open_sessions_between(first_day: date, last_day: date, activity_ids=None) -> list[Session]:
    from sqlalchemy.orm import selectinload

    query = (select(Session).join(Unit).where(Session.day.between(first_day, last_day))
             .options(selectinload(Session.unit).selectinload(Unit.activity).selectinload(Activity.site))
             .order_by(Session.day, Unit.start_time, Session.id))
    if activity_ids is not None:
        query = query.where(Unit.activity_id.in_(activity_ids))
    return list(db.session.scalars(query))


