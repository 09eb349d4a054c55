"""Helpers for the API tests: bearer headers, dates that suit each kind of activity."""
from __future__ import annotations

from datetime import date, timedelta

import holidays

from app.api.auth import issue_token
from app.booking.models import PARIS, SchoolHolidayPeriod
from app.extensions import db, utcnow


def bearer(user) -> dict:
    return {"Authorization": f"Bearer {issue_token(user)}"}


def today() -> date:
    return utcnow().astimezone(PARIS).date()


def _public_holiday(day: date) -> bool:
    return day in holidays.country_holidays("FR", years=[day.year])


def next_day(start: date, weekdays: set[int], *, public_holiday: bool = False) -> date:
    """The first day from `start` on one of `weekdays` (0 = Monday) that is (or is not) a public holiday."""
    day = start
    while day.weekday() not in weekdays or _public_holiday(day) != public_holiday:
        day += timedelta(days=1)
    return day


def school_calendar() -> tuple[date, date]:
    """Write a zone C school-holiday period; return (a school-week Wednesday, a weekday of those holidays)."""
    school_day = next_day(today() + timedelta(days=14), {2})
    first, last = school_day + timedelta(days=7), school_day + timedelta(days=20)
    db.session.add(SchoolHolidayPeriod(zone="C", label="Vacances de test", first_day=first, last_day=last))
    db.session.commit()
    return school_day, next_day(first, {0, 1, 2, 3, 4})


def error_of(response) -> dict:
    assert response.is_json, response.get_data(as_text=True)[:300]
    body = response.get_json()
    assert set(body) == {"error"} and {"code", "message"} <= set(body["error"]), body
    return body["error"]
