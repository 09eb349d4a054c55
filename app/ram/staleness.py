"""Legal declaration deadlines of a childminder's availability (CASF R421-39): 1 June and 1 December."""
from __future__ import annotations

from datetime import date


def last_deadline(day: date) -> date:
    """The latest legal declaration deadline (1 June or 1 December, R421-39) on or before `day`."""
    if day >= date(day.year, 12, 1):
        return date(day.year, 12, 1)
    if day >= date(day.year, 6, 1):
        return date(day.year, 6, 1)
    return date(day.year - 1, 12, 1)


def previous_deadline(deadline: date) -> date:
    return date(deadline.year, 6, 1) if deadline.month == 12 else date(deadline.year - 1, 12, 1)


def next_deadline(day: date) -> date:
    if day < date(day.year, 6, 1):
        return date(day.year, 6, 1)
    if day < date(day.year, 12, 1):
        return date(day.year, 12, 1)
    return date(day.year + 1, 6, 1)


def is_stale(declared_on: date | None, today: date) -> bool:
    """An availability is stale when the latest deadline passed was not met.

    The deadline D asks for a declaration made during the six months before
    it, i.e. on or after the deadline before D. On 1 December, a declaration
    of 20 May (made for 1 June) is stale; one of 2 June or 30 November holds.
    """
    if declared_on is None:
        return True
    return declared_on < previous_deadline(last_deadline(today))
