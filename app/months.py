"""One parser for the months and days that pages read from their URLs (`?month=2026-03`, `?date=…`).

Every page moves from a month or a day to its neighbours (previous and next links, week grids):
near date.min or date.max that arithmetic overflows, so `month=9999-12` or `0001-01` used to
answer 500. The accepted calendar is bounded far from both ends, and every page parses through
here. tests/security/test_fuzz_urls.py asks every page with extreme months and days.
"""
from __future__ import annotations

import calendar as pycal
import re
from datetime import date

from flask_babel import gettext as _

from app.errors import ValidationFailed

MIN_YEAR, MAX_YEAR = 1900, 2100  # the same bounds as the API's dates (app/api/fields.py)
FIRST_DAY, LAST_DAY = date(MIN_YEAR, 1, 1), date(MAX_YEAR, 12, 31)
_MONTH = re.compile(r"^\s*(\d{4})-(\d{1,2})\s*$")
_DAY = re.compile(r"^\s*\d{4}-\d{2}-\d{2}\s*$")


def month_range(first: date) -> tuple[date, date]:
    """(first day, last day) of the month of `first`."""
    first = first.replace(day=1)
    return first, first.replace(day=pycal.monthrange(first.year, first.month)[1])


def parse_month(value: str | date, *, field: str = "month") -> tuple[date, date]:
    """(first day, last day) of "YYYY-MM" or of the month of a date, between 1900 and 2100.

    Raises ValidationFailed (French message naming the accepted format and range) otherwise."""
    if isinstance(value, date):
        first = value.replace(day=1)
    else:
        match = _MONTH.match(str(value or ""))
        first = None
        if match and 1 <= int(match.group(2)) <= 12:
            first = date(int(match.group(1)), int(match.group(2)), 1)
        if first is None:
            raise ValidationFailed(_("Mois non valide : utilisez le format AAAA-MM (par exemple 2026-03)."),
                                   field=field)
    if not FIRST_DAY <= first <= LAST_DAY:
        raise ValidationFailed(_("Mois non valide : choisissez un mois entre %(first)s et %(last)s.",
                                 first=f"{MIN_YEAR}-01", last=f"{MAX_YEAR}-12"), field=field)
    return month_range(first)


def month_or(value: str | date | None, default: date) -> tuple[date, date]:
    """Like parse_month, but a missing, malformed or out-of-range month gives the month of `default`."""
    if value:
        try:
            return parse_month(value)
        except ValidationFailed:
            pass
    return month_range(default)


def parse_day(value: str | date | None, *, field: str = "date") -> date:
    """A day "YYYY-MM-DD" between 1900 and 2100. Raises ValidationFailed otherwise."""
    if isinstance(value, date):
        day = value
    else:
        day = None
        if _DAY.match(str(value or "")):
            try:
                day = date.fromisoformat(str(value).strip())
            except ValueError:
                day = None
        if day is None:
            raise ValidationFailed(_("Date non valide : utilisez le format AAAA-MM-JJ."), field=field)
    if not FIRST_DAY <= day <= LAST_DAY:
        raise ValidationFailed(_("Date non valide : choisissez une date entre %(first)s et %(last)s.",
                                 first=FIRST_DAY.strftime("%d/%m/%Y"), last=LAST_DAY.strftime("%d/%m/%Y")),
                               field=field)
    return day


def day_or(value: str | None, default: date | None) -> date | None:
    """Like parse_day, but a missing, malformed or out-of-range day gives `default`."""
    if value:
        try:
            return parse_day(value)
        except ValidationFailed:
            pass
    return default
