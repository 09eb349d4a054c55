"""Many families booking the last places of one session at the same moment, through HTTP.

Runs on SQLite and on PostgreSQL (TEST_DATABASE_URL). The control test swaps
the capacity guard for a naive read-then-write and checks that the same
harness then sees overbooking: without it, a passing race test proves nothing.
"""
from __future__ import annotations

import contextlib
import re
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests
from sqlalchemy import select, update

from app.booking import engine, services
from app.booking.models import AgeBand, Booking, BookingStatus, Session
from app.extensions import db
from tests.booking.factories import future_wednesday, make_parent_with_child, make_session, make_unit
from tests.conftest import csrf_token_from
from tests.factories import DEFAULT_PASSWORD

pytestmark = pytest.mark.slow

KEY_RE = re.compile(r'name="submission_key" value="([^"]+)"')
POSITION_RE = re.compile(r"Liste d'attente, position (\d+)")


def _logged_in_client(base: str, email: str, month: str, item: str) -> tuple[requests.Session, str, str]:
    """Log in, open the month's calendar, put `item` in the basket: the review page carries the key."""
    http = requests.Session()
    token = csrf_token_from(http.get(f"{base}/connexion", timeout=60).text)
    response = http.post(f"{base}/connexion", data={"email": email, "password": DEFAULT_PASSWORD,
                                                     "csrf_token": token}, allow_redirects=False, timeout=60)
    assert response.status_code == 302, response.text[:300]
    calendar = http.get(f"{base}/accueils/reserver?month={month}", timeout=60).text
    review = http.post(f"{base}/accueils/reserver/panier", timeout=60,
                       data={"csrf_token": csrf_token_from(calendar), "item": item}).text
    return http, csrf_token_from(review), KEY_RE.search(review).group(1)


def _race(base: str, families, session: Session) -> list[tuple[int, str]]:
    """Every family posts its booking at the same moment; returns (status, page) per family."""
    month = session.day.strftime("%Y-%m")
    session_id = session.id
    # Plain values only: the threads have no application context.
    families = [(parent.email, child.id) for parent, child in families]
    db.session.commit()  # reading them opened a transaction: on SQLite it holds the write lock
    with ThreadPoolExecutor(max_workers=16) as pool:
        clients = list(pool.map(lambda f: _logged_in_client(base, f[0], month, f"{f[1]}:{session_id}"), families))
    start = threading.Barrier(len(families))

    def post(args):
        (http, csrf, key), (_email, child_id) = args
        start.wait(timeout=60)  # release every request together
        response = http.post(f"{base}/accueils/reserver", timeout=120, data={
            "csrf_token": csrf, "submission_key": key, "item": f"{child_id}:{session_id}"})
        return response.status_code, response.text

    with ThreadPoolExecutor(max_workers=len(families)) as pool:
        return list(pool.map(post, zip(clients, families, strict=False)))


def _families(n: int):
    families = []
    for _ in range(n):
        parent, _household, child = make_parent_with_child()
        families.append((parent, child))
    return families


@pytest.mark.slow
def test_fifty_five_families_race_for_the_last_places(live_server):
    capacity, already, racers = 30, 22, 55
    session = make_session(make_unit(), day=future_wednesday(), under6=0, over6=capacity)
    for parent, child in _families(already):
        services.book(parent, [(child.id, session.id)])
    families = _families(racers)
    db.session.commit()

    results = _race(live_server, families, session)

    assert [status for status, _page in results] == [200] * racers
    confirmed_pages = [page for _s, page in results if "Confirmée" in page]
    positions = sorted(int(POSITION_RE.search(page).group(1)) for _s, page in results if POSITION_RE.search(page))
    free = capacity - already
    assert len(confirmed_pages) == free
    assert positions == list(range(1, racers - free + 1))  # each position handed out once
    db.session.expire_all()
    bookings = db.session.scalars(select(Booking).where(Booking.session_id == session.id)).all()
    assert len(bookings) == already + racers  # nothing lost, nothing doubled
    assert len({b.child_id for b in bookings}) == len(bookings)
    confirmed = [b for b in bookings if b.status is BookingStatus.CONFIRMED]
    waiting = sorted((b for b in bookings if b.status is BookingStatus.WAITLISTED), key=lambda b: b.waitlist_order)
    assert len(confirmed) == capacity and len(waiting) == racers - free
    assert db.session.get(Session, session.id).taken(AgeBand.OVER6) == capacity
    # Arrival order: the waiting list follows the order the requests got the place check.
    assert [b.waitlist_order for b in waiting] == list(range(1, len(waiting) + 1))
    assert [b.id for b in waiting] == sorted(b.id for b in waiting)
    assert max(b.id for b in confirmed) < min(b.id for b in waiting)


@pytest.mark.slow
def test_control_naive_read_then_write_overbooks(live_server, monkeypatch):
    """The same harness, with the guard replaced by a read-then-write: it must overbook."""
    capacity, racers = 3, 12
    session = make_session(make_unit(), day=future_wednesday(), under6=0, over6=capacity)
    families = _families(racers)
    db.session.commit()
    everyone_has_read = threading.Barrier(racers)

    def naive_lock(session_ids):  # no row lock
        ids = sorted(set(session_ids))
        return {s.id: engine.Counters(s.id, s.day, s.cancelled, s.capacity_under6, s.capacity_over6,
                                      s.taken_under6, s.taken_over6)
                for s in db.session.scalars(select(Session).where(Session.id.in_(ids)))}

    def naive_claim(counters, band):
        taken, capacity_ = counters.taken(band), counters.capacity(band)
        db.session.commit()  # the read and the write are no longer one transaction
        with contextlib.suppress(threading.BrokenBarrierError):
            everyone_has_read.wait(timeout=30)
        if taken >= capacity_:
            return False
        db.session.execute(update(Session).where(Session.id == counters.id).values(taken_over6=taken + 1))
        return True

    # The booking path's lock and claim (engine.lock_counters, engine.claim_counted) replaced.
    monkeypatch.setattr(engine, "lock_counters", naive_lock)
    monkeypatch.setattr(engine, "claim_counted", naive_claim)
    results = _race(live_server, families, session)
    monkeypatch.undo()

    assert all(status == 200 for status, _page in results)
    db.session.expire_all()
    confirmed = db.session.scalars(select(Booking).where(Booking.session_id == session.id,
                                                         Booking.status == BookingStatus.CONFIRMED)).all()
    assert len(confirmed) > capacity  # the harness does see the race


@pytest.mark.slow
def test_simultaneous_double_submits_create_one_booking(live_server):
    """Ten copies of one submission (same key) at once: one booking, the same answer for all."""
    session = make_session(make_unit(), day=future_wednesday(), under6=0, over6=5)
    parent, _household, child = make_parent_with_child()
    email, child_id, session_id, month = parent.email, child.id, session.id, session.day.strftime("%Y-%m")
    db.session.commit()
    http, csrf, key = _logged_in_client(live_server, email, month, f"{child_id}:{session_id}")
    start = threading.Barrier(10)

    def post(_n):
        start.wait(timeout=60)
        return http.post(f"{live_server}/accueils/reserver", timeout=120, data={
            "csrf_token": csrf, "submission_key": key, "item": f"{child_id}:{session_id}"})

    with ThreadPoolExecutor(max_workers=10) as pool:
        responses = list(pool.map(post, range(10)))
    assert [r.status_code for r in responses] == [200] * 10
    assert all("Confirmée" in r.text for r in responses)
    assert sum("déjà été envoyée" in r.text for r in responses) == 9
    db.session.expire_all()
    bookings = db.session.scalars(select(Booking).where(Booking.session_id == session_id)).all()
    assert len(bookings) == 1 and bookings[0].status is BookingStatus.CONFIRMED
