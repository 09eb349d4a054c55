"""The one clock of the application.

Instants are stored and compared in UTC; days (a session's date, "today",
a month) are civil dates in Europe/Paris, whatever the server's own zone.
Nothing else in `app/` calls `date.today()`, `datetime.now()` or builds a
time zone: tests freeze this module's source of time (time-machine), and a
UTC server still turns the page at midnight in Paris, not at 01:00 or 02:00.
"""
from __future__ import annotations

from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

PARIS = ZoneInfo("Europe/Paris")
UTC = UTC


def now() -> datetime:
    """The current instant, aware, in UTC."""
    return datetime.now(UTC)


def today() -> date:
    """Today's date in Europe/Paris."""
    return now().astimezone(PARIS).date()


def local(moment: datetime) -> datetime:
    """An aware instant seen in Europe/Paris (naive values are taken as UTC)."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(PARIS)


def local_date(moment: datetime) -> date:
    """The Paris date of an instant."""
    return local(moment).date()


def to_utc(moment: datetime) -> datetime:
    """An instant in UTC; a naive value is a wall-clock time in Europe/Paris."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=PARIS)
    return moment.astimezone(UTC)


def at_paris(day: date, at: time) -> datetime:
    """The instant (UTC) of a wall-clock time on a day in Europe/Paris."""
    return datetime.combine(day, at, tzinfo=PARIS).astimezone(UTC)


def local_now() -> datetime:
    """The current instant as a Europe/Paris wall clock (aware)."""
    return now().astimezone(PARIS)
