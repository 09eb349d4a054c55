"""A history of `n` units for measuring the cost of the main pages (bench/page_costs.py and
test_query_counts.py): the same pages with n = 1 and n = 20 must issue the same number of queries.

With n, the parent's child has n upcoming bookings (the month shown in the calendar and the
household's bookings page) and n past ones, and its second child is waitlisted on the same n
sessions; the register session holds n other children confirmed and n waitlisted; the
Relais demand has n candidate childminders (each minding one child).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from app.accounts.models import Role
from app.booking import feeds
from app.booking.models import AgeBand, Booking, BookingStatus, Session
from app.extensions import db
from tests.booking.factories import make_activity, make_site, make_staff, make_unit
from tests.factories import make_child, make_household, make_user
from tests.ram import factories as ram

MONTH = "2027-01"
FIRST_DAY = date(2027, 1, 4)
PAST_DAY = date(2025, 1, 6)
CREATED = datetime(2026, 1, 5, 9, tzinfo=UTC)


@dataclass
class History:
    parent: object
    director: object
    ram_staff: object
    site_id: int
    register_session_id: int
    register_day: date
    feed_token: str
    demand_id: int


def _book(child, session, parent, waitlist_order: int | None = None) -> None:
    db.session.add(Booking(child_id=child.id, session_id=session.id,
                           status=BookingStatus.WAITLISTED if waitlist_order else BookingStatus.CONFIRMED,
                           waitlist_order=waitlist_order, age_band=AgeBand.OVER6, submission_id="history",
                           booked_by_id=parent.id, price=Decimal("7.50"), created_at=CREATED, updated_at=CREATED))
    if not waitlist_order:
        session.taken_over6 += 1


def build_history(n: int) -> History:
    site = make_site()
    director = make_staff(site, Role.DIRECTOR)
    unit = make_unit(make_activity(site, min_age=3, max_age=13), price=Decimal("7.50"))
    parent = make_user(Role.PARENT)
    household = make_household(parent)
    child = make_child(household, birth_date=date(2016, 5, 14))
    sibling = make_child(household, first_name="Jade", birth_date=date(2017, 9, 1))
    sessions = [Session(unit=unit, day=FIRST_DAY + timedelta(days=i), capacity_under6=10, capacity_over6=n + 10)
                for i in range(n)]
    past = [Session(unit=unit, day=PAST_DAY + timedelta(days=i), capacity_under6=10, capacity_over6=10)
            for i in range(n)]
    db.session.add_all(sessions + past)
    db.session.flush()
    for session in sessions + past:
        _book(child, session, parent)
    for session in sessions:
        _book(sibling, session, parent, waitlist_order=1)
    register = sessions[0]
    for i in range(2 * n):
        other = make_user(Role.PARENT, commit=False)
        other_household = make_household(other, commit=False)
        other_child = make_child(other_household, first_name=f"Enfant{i}", birth_date=date(2016, 1, 1),
                                 commit=False)
        db.session.flush()
        _book(other_child, register, other, waitlist_order=(i + 2) if i >= n else None)
    db.session.commit()
    token = feeds.renew_household_feed(parent).token

    relais = ram.make_relais()
    ram_staff = ram.make_staff(relais)
    for i in range(n):
        cm = ram.make_childminder(insee="46088", relais=relais, first_name="Anne", last_name=f"Pradel{i}")
        ram.add_child(cm, date(2025, 1, 1), name=f"Lou{i}")
    demand = ram.make_demand(insee="46088")
    return History(parent=parent, director=director, ram_staff=ram_staff, site_id=site.id,
                   register_session_id=register.id, register_day=register.day, feed_token=token,
                   demand_id=demand.id)


def pages(h: History) -> list[tuple[str, str, str]]:
    """(label, who, url) of the pages measured."""
    return [
        ("Parent: booking calendar (month)", "parent", f"/accueils/reserver?month={MONTH}"),
        ("Parent: household's bookings", "parent", "/accueils/mes-reservations"),
        ("Household iCalendar feed", "anonymous", f"/accueils/calendrier/{h.feed_token}.ics"),
        ("Director: session register", "director", f"/accueils/seances/{h.register_session_id}"),
        ("Director: day register", "director",
         f"/accueils/sites/{h.site_id}/registre?date={h.register_day.isoformat()}"),
        ("Director: site's sessions (month)", "director", f"/accueils/sites/{h.site_id}/seances?month={MONTH}"),
        ("Director: inclusion dashboard", "director", "/inclusion/encadrement"),
        ("Relais: matching page", "ram_staff", f"/relais/demandes/{h.demand_id}/correspondances"),
    ]


def measure(app, h: History, repeats: int = 1, on_statement=None) -> dict[str, tuple[int, float, float]]:
    """{label: (SQL queries of one request, median time in ms, median CPU time of the process in ms)};
    each page must answer 200. `on_statement(label, statement)`, if given, sees every statement."""
    import statistics
    import time

    from sqlalchemy import event

    from tests.conftest import login

    clients = {"anonymous": app.test_client()}
    for who in ("parent", "director", "ram_staff"):
        clients[who] = app.test_client()
        response = login(clients[who], getattr(h, who))
        assert response.status_code == 302, response.get_data(as_text=True)[:300]
    db.session.commit()  # release SQLite's write lock before the requests
    counter = [0]

    current = [""]

    def count(_conn, _cursor, statement, *_args):
        counter[0] += 1
        if on_statement is not None:
            on_statement(current[0], statement)

    engine = db.engine
    event.listen(engine, "before_cursor_execute", count)
    results = {}
    try:
        for label, who, url in pages(h):
            counts, times, cpu = [], [], []
            current[0] = label
            for _ in range(repeats):
                counter[0] = 0
                start, start_cpu = time.perf_counter(), time.process_time()
                response = clients[who].get(url)
                times.append((time.perf_counter() - start) * 1000)
                cpu.append((time.process_time() - start_cpu) * 1000)
                assert response.status_code == 200, (label, response.status_code,
                                                     response.get_data(as_text=True)[:300])
                counts.append(counter[0])
            results[label] = (max(counts), statistics.median(times), statistics.median(cpu))
    finally:
        event.remove(engine, "before_cursor_execute", count)
    return results
