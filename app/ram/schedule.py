"""Weekly schedules as bit masks of 30-minute slots.

A schedule is {"0": [["07:30", "17:30"]], "2": [["08:00", "12:00"]]}: weekday
(0 = Monday) -> list of [start, end) intervals. A slot counts as used when any
part of it is used, so a child arriving at 7:45 occupies the 7:30 slot.
Slot index = weekday * 48 + minutes // 30; a week is 336 slots, one int mask.
"""
from __future__ import annotations

import re
from datetime import time

SLOT_MINUTES = 30
SLOTS_PER_DAY = 24 * 60 // SLOT_MINUTES
WEEK_SLOTS = 7 * SLOTS_PER_DAY
ALL = (1 << WEEK_SLOTS) - 1

WEEKDAY_KEYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_HHMM = re.compile(r"^([01]\d|2[0-4]):([0-5]\d)$")


def weekday_names() -> list[str]:
    from flask_babel import gettext as _

    return [_("lundi"), _("mardi"), _("mercredi"), _("jeudi"), _("vendredi"), _("samedi"), _("dimanche")]


def _minutes(text: str) -> int:
    match = _HHMM.match(text or "")
    if not match:
        raise ValueError(f"bad time {text!r}")
    minutes = int(match.group(1)) * 60 + int(match.group(2))
    if minutes > 24 * 60:
        raise ValueError(f"bad time {text!r}")
    return minutes


def hhmm(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def normalise(schedule: dict) -> dict:
    """Validate and return a clean schedule (sorted keys, "HH:MM" strings). Raises ValueError."""
    clean: dict[str, list[list[str]]] = {}
    for key, intervals in (schedule or {}).items():
        day = int(key)
        if not 0 <= day <= 6:
            raise ValueError(f"bad weekday {key!r}")
        for start, end in intervals or []:
            a, b = _minutes(start), _minutes(end)
            if a >= b:
                raise ValueError("an interval must end after it starts")
            clean.setdefault(str(day), []).append([hhmm(a), hhmm(b)])
    return {k: sorted(clean[k]) for k in sorted(clean, key=int)}


def from_times(days: dict[int, tuple[time | None, time | None]]) -> dict:
    """Build a schedule from form values {weekday: (start, end)}; empty days are skipped."""
    schedule = {}
    for day, (start, end) in days.items():
        if start and end:
            schedule[str(day)] = [[start.strftime("%H:%M"), end.strftime("%H:%M")]]
    return normalise(schedule)


def to_mask(schedule: dict) -> int:
    mask = 0
    for key, intervals in (schedule or {}).items():
        base = int(key) * SLOTS_PER_DAY
        for start, end in intervals:
            first = _minutes(start) // SLOT_MINUTES
            last = -(-_minutes(end) // SLOT_MINUTES)  # ceiling: a partly used slot counts
            for slot in range(first, last):
                mask |= 1 << (base + slot)
    return mask


def day_mask(day: int) -> int:
    return ((1 << SLOTS_PER_DAY) - 1) << (day * SLOTS_PER_DAY)


def hours_mask(start_minutes: int, end_minutes: int, days=range(7)) -> int:
    mask = 0
    for day in days:
        for slot in range(start_minutes // SLOT_MINUTES, -(-end_minutes // SLOT_MINUTES)):
            mask |= 1 << (day * SLOTS_PER_DAY + slot)
    return mask


BEFORE_8 = hours_mask(0, 8 * 60, range(5))
AFTER_18 = hours_mask(18 * 60, 24 * 60, range(5))
SATURDAY = day_mask(5)
SUNDAY = day_mask(6)
NIGHTS = hours_mask(0, 6 * 60) | hours_mask(22 * 60, 24 * 60)
ATYPICAL = BEFORE_8 | AFTER_18 | SATURDAY | SUNDAY
# The "standard week" used to count full-time places in the observatory.
STANDARD_WEEK = hours_mask(8 * 60, 18 * 60, range(5))


def popcount(mask: int) -> int:
    return bin(mask).count("1")


def slots(mask: int):
    """Yield the slot indexes set in `mask`, ascending."""
    index = 0
    while mask:
        if mask & 1:
            yield index
        mask >>= 1
        index += 1


def describe(mask: int) -> list[tuple[int, str, str]]:
    """Merge a mask into (weekday, "HH:MM", "HH:MM") intervals, for messages."""
    out: list[tuple[int, str, str]] = []
    for slot in slots(mask):
        day, part = divmod(slot, SLOTS_PER_DAY)
        start = part * SLOT_MINUTES
        if out and out[-1][0] == day and out[-1][2] == hhmm(start):
            out[-1] = (day, out[-1][1], hhmm(start + SLOT_MINUTES))
        else:
            out.append((day, hhmm(start), hhmm(start + SLOT_MINUTES)))
    return out


def describe_text(mask: int) -> str:
    names = weekday_names()
    return ", ".join(f"{names[day]} {a}–{b}" for day, a, b in describe(mask))


def schedule_text(schedule: dict) -> str:
    names = weekday_names()
    parts = []
    for key, intervals in normalise(schedule).items():
        parts.append(names[int(key)] + " " + ", ".join(f"{a}–{b}" for a, b in intervals))
    return " ; ".join(parts)


def weekly_hours(schedule: dict) -> float:
    total = 0
    for intervals in (schedule or {}).values():
        for start, end in intervals:
            total += _minutes(end) - _minutes(start)
    return total / 60


def restrict(schedule: dict, mask: int) -> dict:
    """The schedule restricted to `mask`, expressed back as intervals of slots."""
    out: dict[str, list[list[str]]] = {}
    for day, a, b in describe(to_mask(schedule) & mask):
        out.setdefault(str(day), []).append([a, b])
    return out
