"""The API under simultaneous requests, through a real HTTP server and the real database."""
from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
import requests
from sqlalchemy import func, select

from app.accounts.models import Role
from app.booking.models import Booking, BookingStatus
from app.extensions import db
from app.families.models import Child, Household
from tests.api.support import bearer, today
from tests.booking.factories import make_parent_with_child, make_session
from tests.factories import make_user

pytestmark = pytest.mark.slow


def _together(n: int, send) -> list[requests.Response]:
    """Run `send(i)` in n threads released at the same instant."""
    barrier = threading.Barrier(n)

    def run(i):
        barrier.wait(timeout=30)
        return send(i)

    with ThreadPoolExecutor(max_workers=n) as pool:
        return list(pool.map(run, range(n)))


def test_simultaneous_retries_with_one_idempotency_key_book_once(live_server):
    session = make_session(day=today() + timedelta(days=20))
    parent, _h, child = make_parent_with_child()
    headers = {**bearer(parent), "Idempotency-Key": "double-clic"}
    body = {"child_id": child.id, "session_id": session.id}
    db.session.commit()
    responses = _together(12, lambda i: requests.post(f"{live_server}/api/v1/bookings", json=body,
                                                      headers=headers, timeout=60))
    assert {r.status_code for r in responses} == {201}
    assert len({r.content for r in responses}) == 1
    db.session.rollback()
    assert db.session.scalar(select(func.count(Booking.id))) == 1


def test_families_racing_for_the_last_places_through_the_api(live_server):
    session = make_session(day=today() + timedelta(days=20), under6=0, over6=5)
    families = [make_parent_with_child(first_name=f"Enfant{i}") for i in range(30)]
    requests_data = [(bearer(parent), {"child_id": child.id, "session_id": session.id})
                     for parent, _h, child in families]
    db.session.commit()
    responses = _together(len(requests_data), lambda i: requests.post(
        f"{live_server}/api/v1/bookings", json=requests_data[i][1], headers=requests_data[i][0], timeout=60))
    assert all(r.status_code == 201 for r in responses), [r.text for r in responses if r.status_code != 201]
    answers = [r.json() for r in responses]
    assert sum(a["status"] == "confirmed" for a in answers) == 5
    positions = sorted(a["waitlist_position"] for a in answers if a["status"] == "waitlisted")
    assert positions == list(range(1, 26))
    db.session.rollback()
    confirmed = db.session.scalar(select(func.count(Booking.id)).where(Booking.status == BookingStatus.CONFIRMED))
    assert confirmed == 5


def test_simultaneous_first_children_create_one_household(live_server):
    parent = make_user(Role.PARENT, last_name="Bru")
    headers = bearer(parent)
    db.session.commit()
    responses = _together(8, lambda i: requests.post(
        f"{live_server}/api/v1/children", headers=headers, timeout=60,
        json={"first_name": f"Enfant{i}", "last_name": "Bru", "birth_date": "2018-04-01"}))
    assert [r.status_code for r in responses] == [201] * 8, [r.text for r in responses]
    db.session.rollback()
    assert db.session.scalar(select(func.count(Household.id))) == 1
    assert db.session.scalar(select(func.count(Child.id))) == 8
