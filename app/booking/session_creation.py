"""Creating one session on a date for an activity (the JSON API's POST /sessions).

Kept apart from catalogue.py so that the period generator and this one-off
creation can evolve separately; both refuse public holidays the same way
(catalogue.check_session_day).
"""
from __future__ import annotations

from datetime import date, datetime, time, timedelta

from flask_babel import gettext as _
from sqlalchemy import select

from app.accounts.models import User
from app.booking.access import Action
from app.booking.catalogue import check_not_past, check_session_day, get_site, public_holidays, school_holiday_periods
from app.booking.errors import InvalidSchedule
from app.booking.models import PARIS, Activity, ActivityKind, Session, Unit, UnitKind
from app.booking.staffing import check_capacity
from app.errors import Conflict, NotFound, ValidationFailed
from app.extensions import db, utcnow
from app.transactions import commit, use_case

SATURDAY, SUNDAY = 5, 6
MAX_CAPACITY = 300  # one band's field bound; both bands together: staffing.MAX_MINORS (CASF R227-1)


class SessionExists(Conflict):
    code = "session_exists"


def _school_holiday(zone: str, day: date) -> bool | None:
    """Whether `day` is in the zone's school holidays; None when the calendar is unknown for that date.

    The imported periods are authoritative; without any period imported
    around that date, the offline package vacances-scolaires-france answers.
    """
    around = school_holiday_periods(zone, day - timedelta(days=200), day + timedelta(days=200))
    if around:
        return any(p.first_day <= day <= p.last_day for p in around)
    try:
        from vacances_scolaires_france import SchoolHolidayDates

        return bool(SchoolHolidayDates().is_holiday_for_zone(day, zone))
    except Exception:  # unsupported year or package missing: the calendar is unknown
        return None


def check_activity_day(activity: Activity, day: date, today: date | None = None) -> None:
    """Raise InvalidSchedule (field "date", French reason) when `activity` cannot run on `day`.

    Refused: a past date, a public holiday, a Sunday; for périscolaire, a
    Saturday or a day of the school holidays (périscolaire runs on school
    days, Wednesday included); for extrascolaire, a school-week day other
    than Saturday (extrascolaire is the holidays and Saturdays).
    """
    shown = day.strftime("%d/%m/%Y")
    check_not_past(day, today)
    if public_holidays([day.year]).get(day):
        check_session_day(activity, day)  # says which public holiday
    if day.weekday() == SUNDAY:
        raise InvalidSchedule(_("Le %(day)s est un dimanche : l'accueil de loisirs est fermé.", day=shown),
                              field="date")
    zone = activity.site.school_zone
    if activity.kind is ActivityKind.PERISCOLAIRE:
        if day.weekday() == SATURDAY:
            raise InvalidSchedule(_("Le %(day)s est un samedi : le périscolaire n'a lieu que les jours d'école, "
                                    "du lundi au vendredi.", day=shown), field="date")
        holiday = _school_holiday(zone, day)
        if holiday is None:
            raise InvalidSchedule(_("Le calendrier des vacances scolaires de la zone %(zone)s n'est pas connu "
                                    "pour le %(day)s.", zone=zone, day=shown), field="date")
        if holiday:
            raise InvalidSchedule(_("Le %(day)s tombe pendant les vacances scolaires (zone %(zone)s) : "
                                    "le périscolaire n'a lieu que les jours d'école.", day=shown, zone=zone),
                                  field="date")
    elif day.weekday() != SATURDAY:
        holiday = _school_holiday(zone, day)
        if holiday is None:
            raise InvalidSchedule(_("Le calendrier des vacances scolaires de la zone %(zone)s n'est pas connu "
                                    "pour le %(day)s.", zone=zone, day=shown), field="date")
        if not holiday:
            raise InvalidSchedule(_("Le %(day)s est hors des vacances scolaires (zone %(zone)s) : "
                                    "l'extrascolaire a lieu pendant les vacances et le samedi.",
                                    day=shown, zone=zone), field="date")
    # Public holidays, and the imported school calendar when there is one.
    check_session_day(activity, day)


def _unit_kind(start: time, end: time) -> UnitKind:
    hours = (datetime.combine(date.min, end) - datetime.combine(date.min, start)).total_seconds() / 3600
    if hours >= 6:
        return UnitKind.WHOLE_DAY
    return UnitKind.MORNING if start < time(12) else UnitKind.AFTERNOON


@use_case
def create_session_on(user: User, site_id: int, activity_id: int, day: date, start: time, end: time, *,
                      capacity_under6: int, capacity_over6: int, opens_at: datetime | None = None,
                      now: datetime | None = None) -> Session:
    """Create one session of `activity_id` on `day` from `start` to `end`, in one transaction.

    The activity's unit with these times is used, or created. The session
    opens for booking at once (its opening is set to `now`) unless
    `opens_at` is given. Only the site's director or an administrator may
    do it. Raises NotFound (unknown site or not theirs; code
    "activity_not_found" for an activity that is not the site's),
    ValidationFailed (times, capacities), InvalidSchedule (a day the
    activity cannot run, with the reason), SessionExists (already one for
    these times on that day).
    """
    now = now or utcnow()
    site = get_site(user, site_id, Action.MANAGE_SITE)
    activity = db.session.get(Activity, activity_id)
    if activity is None or activity.site_id != site.id:
        raise NotFound(_("Cette activité n'existe pas dans cet accueil."), code="activity_not_found")
    if end <= start:
        raise ValidationFailed(_("L'heure de fin doit être après l'heure de début."), field="end")
    for name, value in (("capacity_under6", capacity_under6), ("capacity_over6", capacity_over6)):
        if not 0 <= value <= MAX_CAPACITY:
            raise ValidationFailed(_("La capacité est un nombre entier entre 0 et %(max)s.", max=MAX_CAPACITY),
                                   field=name)
    check_capacity(capacity_under6, capacity_over6, day)
    if capacity_under6 + capacity_over6 == 0:
        raise ValidationFailed(_("Indiquez au moins une place."), field="capacity_over6")
    check_activity_day(activity, day, now.astimezone(PARIS).date())
    unit = next((u for u in activity.units if u.start_time == start and u.end_time == end), None)
    if unit is None:
        unit = Unit(activity=activity, label=f"{start:%H:%M}–{end:%H:%M}", kind=_unit_kind(start, end),
                    start_time=start, end_time=end, with_meal=start < time(12) < end)
        db.session.add(unit)
        db.session.flush()
    elif db.session.scalar(select(Session.id).where(Session.unit_id == unit.id, Session.day == day)):
        raise SessionExists(_("Une séance existe déjà pour cette activité à cette date et à ces heures."))
    session = Session(unit=unit, day=day, capacity_under6=capacity_under6, capacity_over6=capacity_over6,
                      opens_at=opens_at or now)
    db.session.add(session)
    # created meanwhile by a concurrent request
    commit(_("Une séance existe déjà pour cette activité à cette date et à ces heures."), SessionExists)
    return session
