"""Many families asking at once for overlapping ranges on the last places, through HTTP.

Runs on SQLite and PostgreSQL (TEST_DATABASE_URL). No block may ever go over
its capacity, every answer must match what is stored (nothing lost, nothing
doubled). The control swaps the lock for a plain read and shows the harness
does see overbooking without the guard.
"""
from __future__ import annotations

import contextlib
import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import date, timedelta

import pytest
import requests
from sqlalchemy import select

from app import clock
from app.api.auth import issue_token
from app.extensions import db
from app.occasional import blocks as blocks_module
from app.occasional import services
from app.occasional.models import CareBlock, OccasionalBooking, RequestStatus
from tests.occasional.factories import make_family, make_provider

pytestmark = pytest.mark.slow

RANGES = [("06:00", "07:00"), ("06:30", "07:30"), ("07:00", "08:00"), ("06:00", "08:00"), ("05:30", "06:30")]


def _monday() -> date:
    today = clock.today()
    return today + timedelta(days=14 - today.weekday())


def _race(base: str, racers: list[tuple[str, int, str, str]], provider_id: int, day: date):
    start = threading.Barrier(len(racers))

    def post(args):
        token, child_id, first, last = args
        http = requests.Session()
        start.wait(timeout=60)
        response = http.post(f"{base}/api/v1/occasional/bookings", timeout=120,
                             headers={"Authorization": f"Bearer {token}", "Idempotency-Key": f"race-{child_id}"},
                             json={"child_id": child_id, "provider_id": provider_id, "date": day.isoformat(),
                                   "start": first, "end": last})
        return response.status_code, response.json()

    with ThreadPoolExecutor(max_workers=len(racers)) as pool:
        return list(pool.map(post, racers))


def _families(n: int):
    out = []
    for i in range(n):
        parent, _h, child = make_family()
        first, last = RANGES[i % len(RANGES)]
        out.append((issue_token(parent), child.id, first, last))
    return out


@pytest.mark.slow
@pytest.mark.parametrize("already", [4, 0], ids=["last-places", "blocks-created-during-the-race"])
def test_fifty_five_overlapping_requests_never_overbook_a_block(live_server, already):
    capacity = 6
    provider = make_provider(walking=capacity)
    day = _monday()
    # Most places already taken: the racers fight for the last ones (or the block rows do not exist yet).
    for _ in range(already):
        parent, _h, child = make_family()
        services.request_care(parent, child.id, provider.id, day, "05:00", "08:00")
    racers = _families(55)
    provider_id = provider.id
    db.session.commit()

    results = _race(live_server, racers, provider_id, day)

    statuses = Counter(status for status, _body in results)
    assert set(statuses) <= {201, 409}, statuses
    assert statuses[201] >= 2
    assert all(body["error"]["code"] == "blocks_full" for status, body in results if status == 409)
    db.session.expire_all()
    bookings = db.session.scalars(select(OccasionalBooking).where(OccasionalBooking.provider_id == provider_id)).all()
    confirmed = [b for b in bookings if b.status is RequestStatus.CONFIRMED]
    # Nothing lost, nothing doubled: one stored booking per 201 answer.
    assert len(bookings) == already + statuses[201] == len(confirmed)
    assert {b.id for b in confirmed} >= {body["id"] for status, body in results if status == 201}
    for block in db.session.scalars(select(CareBlock).where(CareBlock.provider_id == provider_id)):
        holders = sum(1 for b in confirmed if b.starts_at <= block.starts_at < b.ends_at)
        assert block.taken_walking == holders <= block.capacity_walking == capacity
    # Every block the racers wanted is full or they all got in.
    assert any(block.taken_walking == capacity
               for block in db.session.scalars(select(CareBlock).where(CareBlock.provider_id == provider_id)))


@pytest.mark.slow
def test_control_without_the_lock_the_harness_sees_overbooking(live_server, monkeypatch):
    provider = make_provider(walking=2)
    day = _monday()
    racers = [(t, c, "06:00", "07:00") for t, c, _f, _l in _families(12)]
    provider_id = provider.id
    db.session.commit()
    everyone_has_read = threading.Barrier(len(racers))
    real = blocks_module.ensure_and_lock

    def unlocked(provider_, wanted):
        locked = real(provider_, wanted)  # creates the rows; then read them without keeping a lock
        values = {key: (b.taken_walking, b) for key, b in locked.items()}
        db.session.commit()
        with contextlib.suppress(threading.BrokenBarrierError):
            everyone_has_read.wait(timeout=30)
        for _key, (taken, block) in values.items():
            block.taken_walking = taken  # stale value: the read-then-write the lock prevents
        return locked

    monkeypatch.setattr(services, "ensure_and_lock", unlocked)
    results = _race(live_server, racers, provider_id, day)
    monkeypatch.undo()
    assert all(status in (201, 409) for status, _body in results)
    db.session.expire_all()
    confirmed = db.session.scalars(select(OccasionalBooking).where(
        OccasionalBooking.provider_id == provider_id, OccasionalBooking.status == RequestStatus.CONFIRMED)).all()
    assert len(confirmed) > 2  # the harness does see the race
