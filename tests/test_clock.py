"""The one clock: today is the Paris date whatever the server's zone."""
from __future__ import annotations

from datetime import UTC, date, datetime, time

import time_machine

from app import clock


def test_today_turns_at_midnight_in_paris_not_in_utc():
    # 23:30 UTC on 31 December is already 1 January in Paris (UTC+1 in winter).
    with time_machine.travel(datetime(2026, 12, 31, 23, 30, tzinfo=UTC), tick=False):
        assert clock.today() == date(2027, 1, 1)
    # 22:30 UTC on 30 June is 00:30 on 1 July in Paris (UTC+2 in summer).
    with time_machine.travel(datetime(2027, 6, 30, 22, 30, tzinfo=UTC), tick=False):
        assert clock.today() == date(2027, 7, 1)


def test_wall_clock_times_across_the_two_time_changes():
    # Last Sunday of March 2027 (28th): 08:30 in Paris is 06:30 UTC; the day before, 07:30 UTC.
    assert clock.at_paris(date(2027, 3, 27), time(8, 30)) == datetime(2027, 3, 27, 7, 30, tzinfo=UTC)
    assert clock.at_paris(date(2027, 3, 28), time(8, 30)) == datetime(2027, 3, 28, 6, 30, tzinfo=UTC)
    # Last Sunday of October 2027 (31st): back to UTC+1.
    assert clock.at_paris(date(2027, 10, 31), time(8, 30)) == datetime(2027, 10, 31, 7, 30, tzinfo=UTC)
    assert clock.local_date(datetime(2027, 10, 30, 22, 30, tzinfo=UTC)) == date(2027, 10, 31)
