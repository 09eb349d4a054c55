"""Named days on which the whole suite must pass: `make test PITCHOUN_TODAY=dec-31`.

Each scenario is the next such day after the real date (never a fixed year, so the
browser's cookies, computed from the frozen clock, are never already expired), at a
wall-clock time in Europe/Paris:

- `month-end`: the last day of February (the shortest month), 16:00;
- `dec-31`: 31 December, 16:00;
- `new-year-night`: 1 January at 00:30 in Paris, still 31 December in UTC;
- `spring-forward`: the last Sunday of March (02:00 → 03:00), 10:00;
- `fall-back`: the last Sunday of October (03:00 → 02:00), 10:00.

An ISO date-time (`2027-02-28T23:30+01:00`) is accepted too.
"""
from __future__ import annotations

import calendar
from datetime import date, datetime, time, timedelta

from app.clock import PARIS

SCENARIOS = ("month-end", "dec-31", "new-year-night", "spring-forward", "fall-back")


def _last_sunday(year: int, month: int) -> date:
    last = date(year, month, calendar.monthrange(year, month)[1])
    return last - timedelta(days=(last.weekday() - 6) % 7)


def _next(real_today: date, candidate) -> date:
    """The first day given by candidate(year) that is after real_today."""
    day = candidate(real_today.year)
    return day if day > real_today else candidate(real_today.year + 1)


def instant(name: str, real_today: date) -> datetime:
    """The aware instant the clock is set to for a scenario (or an ISO date-time)."""
    if name == "month-end":
        end_of_february = _next(real_today, lambda y: date(y, 2, calendar.monthrange(y, 2)[1]))
        return datetime.combine(end_of_february, time(16), tzinfo=PARIS)
    if name == "dec-31":
        return datetime.combine(_next(real_today, lambda y: date(y, 12, 31)), time(16), tzinfo=PARIS)
    if name == "new-year-night":
        return datetime.combine(_next(real_today, lambda y: date(y, 1, 1)), time(0, 30), tzinfo=PARIS)
    if name == "spring-forward":
        return datetime.combine(_next(real_today, lambda y: _last_sunday(y, 3)), time(10), tzinfo=PARIS)
    if name == "fall-back":
        return datetime.combine(_next(real_today, lambda y: _last_sunday(y, 10)), time(10), tzinfo=PARIS)
    moment = datetime.fromisoformat(name)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=PARIS)
    return moment
