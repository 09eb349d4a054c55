"""School holidays: imported from the Ministry's iCalendar file, or built offline.

The Ministry's file (dataset fr-en-calendrier-scolaire) has one VEVENT per
period; DTEND is exclusive (the day classes resume) and some events concern
teachers only (their pre-term days): those are ignored.
"""
from __future__ import annotations

import re
from datetime import date, datetime, timedelta

from icalendar import Calendar
from sqlalchemy import select

from app import clock
from app.booking.models import SchoolHolidayPeriod
from app.extensions import db
from app.transactions import use_case

TEACHERS_ONLY = re.compile(r"enseignant", re.IGNORECASE)
HOLIDAYS = re.compile(r"vacances|pont", re.IGNORECASE)
ZONE_IN_TEXT = re.compile(r"zones?\s+([A-C](?:\s*(?:,|et)\s*[A-C])*)", re.IGNORECASE)


def _as_date(value) -> date:
    """The day in Paris: DTSTART:20251017T220000Z is midnight on 18 October in Paris, not the 17th.
    A floating time (no zone) is already a Paris wall-clock time."""
    if isinstance(value, datetime):
        return clock.local(value).date() if value.tzinfo else value.date()
    return value


def _zones_of(text: str) -> set[str] | None:
    match = ZONE_IN_TEXT.search(text or "")
    if not match:
        return None
    return set(re.findall(r"[A-C]", match.group(1).upper()))


def parse_ics(content: bytes | str, zone: str) -> list[tuple[str, date, date]]:
    """(label, first_day, last_day) of the holiday periods of `zone` in the file, last_day inclusive."""
    calendar = Calendar.from_ical(content)
    periods = {}
    for event in calendar.walk("VEVENT"):
        summary = str(event.get("SUMMARY", "")).strip()
        description = str(event.get("DESCRIPTION", ""))
        location = str(event.get("LOCATION", ""))
        if not HOLIDAYS.search(summary) or TEACHERS_ONLY.search(summary + " " + description):
            continue
        zones = _zones_of(location) or _zones_of(summary)
        if zones is not None and zone.upper() not in zones:
            continue
        first = _as_date(event.decoded("DTSTART"))
        if "DTEND" in event:
            last = _as_date(event.decoded("DTEND")) - timedelta(days=1)  # DTEND is exclusive
        else:
            # "Début des vacances d'été" has no end: classes resume in September.
            last = date(first.year, 8, 31)
        if last < first:
            continue
        label = re.sub(r"\s*-\s*zones?.*$", "", summary, flags=re.IGNORECASE).strip()
        label = re.sub(r"^début des\s+", "", label, flags=re.IGNORECASE).strip()
        periods[(first, last)] = label[:1].upper() + label[1:]
    return [(label, first, last) for (first, last), label in sorted(periods.items())]


@use_case
def _store(zone: str, periods: list[tuple[str, date, date]]) -> tuple[int, int]:
    created = updated = 0
    for label, first, last in periods:
        row = db.session.scalar(select(SchoolHolidayPeriod).where(SchoolHolidayPeriod.zone == zone,
                                                                  SchoolHolidayPeriod.first_day == first))
        if row is None:
            db.session.add(SchoolHolidayPeriod(zone=zone, label=label, first_day=first, last_day=last))
            created += 1
        elif (row.label, row.last_day) != (label, last):
            row.label, row.last_day = label, last
            updated += 1
    return created, updated


def import_ics(content: bytes | str, zone: str = "C") -> tuple[int, int]:
    """Store the zone's holiday periods from the Ministry's file; idempotent. Returns (created, updated)."""
    zone = zone.upper()
    return _store(zone, parse_ics(content, zone))


def build_offline(zone: str, year: int) -> tuple[int, int]:
    """Store the zone's periods touching `year` from vacances-scolaires-france (no network)."""
    from vacances_scolaires_france import SchoolHolidayDates

    zone = zone.upper()
    source = SchoolHolidayDates()
    days = {}
    for y in (year - 1, year, year + 1):
        if source.min_year <= y <= source.max_year:
            for day, info in source.holidays_for_year_and_zone(y, zone).items():
                days[day] = info["nom_vacances"]
    periods: list[tuple[str, date, date]] = []
    for day in sorted(days):
        name = days[day]
        if periods and periods[-1][0] == name and periods[-1][2] == day - timedelta(days=1):
            periods[-1] = (name, periods[-1][1], day)
        else:
            periods.append((name, day, day))
    periods = [p for p in periods if p[1].year == year or p[2].year == year]
    return _store(zone, periods)
