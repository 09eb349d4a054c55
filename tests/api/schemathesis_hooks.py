"""What JSON Schema cannot carry, taught to Schemathesis's generator (SCHEMATHESIS_HOOKS).

The OpenAPI document states every rule the API enforces: ranges, patterns and
lengths in the schemas; rules between two fields or relative to today in the
descriptions (JSON Schema has no way to compare two values, or a date with
today). These hooks make the generated requests follow those described rules,
so that "no schema-valid request is refused" means "no request following the
document is refused". Each repair only touches values that are already valid on
their own, so schema-invalid requests (negative testing) stay invalid.
"""
from __future__ import annotations

import itertools
import os
import uuid
from datetime import date, datetime, time, timedelta

import schemathesis

from app import clock
from app.api import views as _views  # noqa: F401  (imports the route modules in order)
from app.api.booking import MAX_RANGE_DAYS
from app.api.fields import MAX_YEAR
from app.booking.staffing import MAX_MINORS
from app.families.services import MAX_CHILD_AGE

_keys = itertools.count(1)
_RUN = uuid.uuid4().hex[:8]
LAST_DAY = date(MAX_YEAR, 12, 31)


def today() -> date:
    """The server's today: with PITCHOUN_TODAY (`make test-dates`) the server runs on that day, while
    this process (Schemathesis's command line) runs on the real clock."""
    wanted = os.environ.get("PITCHOUN_TODAY")
    if wanted:
        from tests.clock_scenarios import instant

        return clock.local(instant(wanted, clock.today())).date()
    return clock.today()


def _day(value) -> date | None:
    try:
        return date.fromisoformat(value) if isinstance(value, str) and len(value) == 10 else None
    except ValueError:
        return None


def _clock(value) -> time | None:
    try:
        return time.fromisoformat(value) if isinstance(value, str) and len(value) in (5, 8) else None
    except ValueError:
        return None


def _whole(value) -> bool:
    """A JSON integer as the API reads it (7 and 7.0 alike, never a boolean)."""
    return isinstance(value, (int, float)) and not isinstance(value, bool) and float(value).is_integer()


@schemathesis.hook
def map_case(context, case):
    operation = (case.method.upper(), case.path)
    query = case.query if isinstance(case.query, dict) else None
    body = case.body if isinstance(case.body, dict) else None
    if operation == ("GET", "/sessions") and query:
        # from ≤ to, and at most MAX_RANGE_DAYS days from `from` (today when absent) to `to`.
        first = _day(query.get("from")) if "from" in query else today()
        last = _day(query.get("to"))
        if first is not None and last is not None and not 0 <= (last - first).days < MAX_RANGE_DAYS:
            query["to"] = min(first + timedelta(days=last.toordinal() % MAX_RANGE_DAYS), LAST_DAY).isoformat()
    if operation == ("POST", "/sessions") and body:
        # Both bands together: at most the legal maximum of minors (CASF R227-1, a dated rule).
        under, over = body.get("capacity_under6"), body.get("capacity_over6")
        if (_whole(under) and _whole(over) and 0 <= under <= MAX_MINORS.default
                and over >= 0 and under + over > MAX_MINORS.default):
            body["capacity_over6"] = MAX_MINORS.default - int(under)
    if operation in (("POST", "/occasional/bookings"), ("POST", "/sessions")) and body:
        # start before end.
        start, end = _clock(body.get("start")), _clock(body.get("end"))
        if start is not None and end is not None and start >= end:
            if start == end:
                later = (datetime.combine(date(2000, 1, 1), start) + timedelta(minutes=30)).time()
                if later > start:
                    body["end"] = later.strftime("%H:%M")
                else:
                    body["start"] = "00:00"
            else:
                body["start"], body["end"] = body["end"], body["start"]
    if operation == ("POST", "/children") and body:
        # Born neither in the future nor more than MAX_CHILD_AGE years ago.
        born = _day(body.get("birth_date"))
        if born is not None:
            body["birth_date"] = (today() - timedelta(days=born.toordinal() % (365 * MAX_CHILD_AGE))).isoformat()
    if case.headers and isinstance(case.headers.get("Idempotency-Key"), str):
        # A new key for each new request (a key reused for another request is refused, by design).
        key = case.headers["Idempotency-Key"]
        if key and all("\x21" <= c <= "\x7e" for c in key) and len(key) <= 100:
            case.headers["Idempotency-Key"] = f"{key[:80]}-{_RUN}-{next(_keys)}"
    return case
