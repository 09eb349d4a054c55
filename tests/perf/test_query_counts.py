"""The main pages issue the same number of SQL queries whatever the size of the history (no N+1)."""
from __future__ import annotations

from datetime import UTC, datetime

import time_machine

from app.extensions import db
from tests.conftest import _empty_all_tables
from tests.perf.history import build_history, measure

# Pinned query counts (one request each, after login). A change here must be deliberate:
# a count that grows with the history is an N+1 to fix, not a number to update.
# Counted on SQLite, whose BEGIN IMMEDIATE is one statement more than PostgreSQL's implicit BEGIN.
PINNED = {
    # + issues 19 and 22 together (measured after merging, not yet broken down): the engine's own checks with
    # their preloaded bookings and draw periods, the waiting-list offers rule, the overdue-balance notice
    # - issue 20, fifth round: the household read once per transaction (was 5 times: the page, the planner
    # twice, the menu's billing and payment notices), the open sites once (was twice): 22 -> 16
    # - issue 20, sixth round: the sessions with unit, activity and site in one statement (was 4), only the
    # household's bookings loaded (the waiting positions by one query, when it has waitlisted ones): 16 -> 14
    "Parent: booking calendar (month)": 14,
    # + adaptation steps of the listed bookings (day plans: 4 queries, whatever the number of bookings)
    # - issue 20, fifth round: the household read once per transaction (was 3 times): 18 -> 16
    # - issue 20, sixth round: the bookings with child, session, unit, activity and site in one statement
    # (was 6), the day plans from the (child, site) pairs already loaded (was 4 statements, now 3): 16 -> 10
    "Parent: household's bookings": 10,
    # + the account's feed generation check and the adaptation steps of the events (day plans)
    "Household iCalendar feed": 15,
    # + day plans (4) and the dated staffing rules (one query per rule, cached for the request)
    # + issue 19: the guardians and emergency contacts (4), the contacts rule (1), the register cards and
    # health alerts (inclusion's providers and their audit), the waiting list's offers, history and rule
    "Director: session register": 33,
    "Director: day register": 17,
    # + the dated staffing rules (ratios by length, PEDT, framework, director counted: one query per rule)
    "Director: site's sessions (month)": 11,
    "Director: inclusion dashboard": 5,
    # + the Relais index's version, read first (app/ram/index_cache.py; this database, made by
    # create_all, has no version row, so the page loads its nearby candidates as before)
    "Relais: matching page": 13,
}


# The history's bookings start on FIRST_DAY (January 2027): the pages list them only while they are ahead.
@time_machine.travel(datetime(2026, 12, 1, 10, tzinfo=UTC), tick=True)
def test_query_counts_do_not_grow_with_history(app):
    small = measure(app, build_history(1))
    _empty_all_tables()
    large = measure(app, build_history(20))
    grown = {label: (small[label][0], large[label][0]) for label in small if large[label][0] != small[label][0]}
    assert not grown, f"query counts grow with the history (small, 20x): {grown}"
    begin = 0 if db.engine.dialect.name == "sqlite" else 1
    assert {label: q for label, (q, *_times) in large.items()} == {label: n - begin for label, n in PINNED.items()}
