"""The named days of PITCHOUN_TODAY are the next such days, at their Paris times."""
from __future__ import annotations

from datetime import UTC, date, datetime

from tests.clock_scenarios import instant


def test_scenarios_from_an_ordinary_day():
    today = date(2026, 12, 3)
    assert instant("month-end", today).date() == date(2027, 2, 28)
    assert instant("dec-31", today).date() == date(2026, 12, 31)
    # 00:30 in Paris on 1 January is still 31 December in UTC.
    night = instant("new-year-night", today)
    assert night.astimezone(UTC) == datetime(2026, 12, 31, 23, 30, tzinfo=UTC)
    assert instant("spring-forward", today).date() == date(2027, 3, 28)
    assert instant("fall-back", today).date() == date(2027, 10, 31)


def test_scenarios_on_the_day_itself_take_the_next_one():
    assert instant("month-end", date(2028, 2, 29)).date() == date(2029, 2, 28)
    assert instant("month-end", date(2027, 3, 1)).date() == date(2028, 2, 29)
    assert instant("dec-31", date(2026, 12, 31)).date() == date(2027, 12, 31)
    assert instant("fall-back", date(2026, 10, 25)).date() == date(2027, 10, 31)
