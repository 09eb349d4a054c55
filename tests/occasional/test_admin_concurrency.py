"""Administration racing with bookings, and administrators racing each other (the provider guard).

A booking takes the provider row FOR SHARE before it reads the openings to
create blocks; an administrator's change takes it FOR UPDATE before its
checks (app/occasional/blocks.py, app/occasional/admin.py). The threaded
tests pause one transaction while it holds its lock, start the other in a
thread of its own (own application context, own connection), check on
PostgreSQL that it is waiting for a lock, then let the first go on.

They run on PostgreSQL only: on SQLite every transaction is BEGIN IMMEDIATE,
so writers are serialised and the interleaving under test cannot happen
(the second transaction cannot even begin while the first is open). The
sequential tests at the end assert the same outcomes, in the order the
lock imposes, on both databases.
"""
from __future__ import annotations

import os
import threading
import time as clock
from datetime import time

import pytest
from sqlalchemy import select, text

from app.accounts.models import Role, User
from app.errors import Conflict, ValidationFailed
from app.extensions import db, read_phase
from app.occasional import admin, services
from app.occasional.models import CareBlock, OccasionalBooking, OccasionalProvider, ProviderOpening, RequestStatus
from tests.factories import make_user
from tests.occasional.factories import MONDAY, NOW, make_family, make_provider

pytestmark = pytest.mark.slow

WAIT_S = 30

# The database is chosen before collection (tests/conftest.py): PostgreSQL when TEST_DATABASE_URL says so.
ON_POSTGRESQL = os.environ.get("TEST_DATABASE_URL", "").startswith("postgresql")
postgresql_only = pytest.mark.skipif(
    not ON_POSTGRESQL,
    reason="PostgreSQL only: on SQLite every transaction is BEGIN IMMEDIATE, so writers are serialised and the "
           "second transaction cannot even begin while the first holds its lock; the sequential tests below "
           "assert the same outcomes on both databases")


def _periods(provider_id: int) -> list[tuple]:
    rows = db.session.scalars(select(ProviderOpening).where(ProviderOpening.provider_id == provider_id))
    return sorted((o.weekday, o.opens_at, o.closes_at, o.capacity_not_walking, o.capacity_walking) for o in rows)


def _blocks(provider_id: int) -> dict[time, CareBlock]:
    return {b.starts_at: b for b in db.session.scalars(select(CareBlock).where(
        CareBlock.provider_id == provider_id, CareBlock.day == MONDAY))}


class Pause:
    """Stops the thread named `who` right after `target` returned (its lock held), until released."""

    def __init__(self, monkeypatch, module, name: str, who: str):
        self.reached, self.go = threading.Event(), threading.Event()
        real = getattr(module, name)

        def paused(*args, **kwargs):
            result = real(*args, **kwargs)
            if threading.current_thread().name == who and not self.reached.is_set():
                self.reached.set()
                assert self.go.wait(WAIT_S), "never released"
            return result

        monkeypatch.setattr(module, name, paused)


def _start(app, name: str, work, results: dict) -> threading.Thread:
    """Run `work()` in a thread with its own application context (own session and connection)."""

    def run():
        with app.app_context():
            try:
                results[name] = work()
            except Exception as error:  # noqa: BLE001 - the test inspects it
                results[name] = error
            finally:
                db.session.remove()

    thread = threading.Thread(target=run, name=name, daemon=True)
    thread.start()
    return thread


def _wait_until_someone_waits_for_a_lock() -> None:
    """Poll pg_stat_activity (a new snapshot each time) until a backend of this database waits for a lock."""
    deadline = clock.monotonic() + WAIT_S
    with db.engine.connect() as conn:
        while True:
            waiting = conn.execute(text(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                "AND wait_event_type = 'Lock'")).scalar()
            conn.rollback()
            if waiting:
                return
            assert clock.monotonic() < deadline, "the second transaction never waited for the first one's lock"
            clock.sleep(0.02)


def _book_in_thread(parent_id: int, child_id: int, provider_id: int):
    def work():
        parent = db.session.get(User, parent_id)
        answer = services.request_care(parent, child_id, provider_id, MONDAY, "05:30", "07:00", now=NOW).answers[0]
        return answer

    return work


def _admin_in_thread(admin_id: int, change):
    def work():
        return change(db.session.get(User, admin_id))

    return work


def _setup():
    provider = make_provider(walking=4)  # Monday 05:00–08:00 and 18:00–22:00, 4 places for walkers
    opening = next(o for o in provider.openings if o.weekday == 0 and o.opens_at == time(5))
    parent, _h, child = make_family()  # walks: 3 years old
    administrator = make_user(Role.ADMIN)
    ids = provider.id, opening.id, parent.id, child.id, administrator.id
    db.session.commit()
    return ids


# What the administrator does to the Monday 05:00–08:00 period while a first booking creates its blocks.
CHANGES = {
    "raise": lambda pid, oid: lambda a: admin.update_opening(a, pid, oid, 0, time(5), time(8), 2, 6, now=NOW),
    "below-taken": lambda pid, oid: lambda a: admin.update_opening(a, pid, oid, 0, time(5), time(8), 2, 0, now=NOW),
    "remove": lambda pid, oid: lambda a: admin.remove_opening(a, pid, oid, now=NOW),
}


def _assert_outcome(kind: str, result, provider_id: int) -> None:
    blocks = _blocks(provider_id)
    assert sorted(blocks) == [time(5, 30), time(6), time(6, 30)]  # the booking's blocks, none lost
    assert all(b.taken_walking == 1 for b in blocks.values())
    if kind == "raise":
        assert isinstance(result, ProviderOpening), result
        # The block the booking created with the old capacity got the new one.
        assert {b.capacity_walking for b in blocks.values()} == {6}
        assert (0, time(5), time(8), 2, 6) in _periods(provider_id)
    else:
        code = "capacity_below_taken" if kind == "below-taken" else "period_in_use"
        assert isinstance(result, Conflict) and result.code == code, result
        assert "lundi 16 mars 2026" in result.message
        assert {b.capacity_walking for b in blocks.values()} == {4}
        assert (0, time(5), time(8), 2, 4) in _periods(provider_id)


@postgresql_only
@pytest.mark.parametrize("kind", sorted(CHANGES))
def test_a_change_waits_for_the_booking_creating_blocks_then_sees_them(app, monkeypatch, kind):
    provider_id, opening_id, parent_id, child_id, admin_id = _setup()
    booking_holds = Pause(monkeypatch, services, "lock_provider", who="booking")  # its FOR SHARE, no block yet
    results = {}
    booking = _start(app, "booking", _book_in_thread(parent_id, child_id, provider_id), results)
    assert booking_holds.reached.wait(WAIT_S)
    change = _start(app, "admin", _admin_in_thread(admin_id, CHANGES[kind](provider_id, opening_id)), results)
    _wait_until_someone_waits_for_a_lock()
    assert change.is_alive() and "admin" not in results  # the change waits for the booking in flight
    booking_holds.go.set()
    booking.join(WAIT_S)
    change.join(WAIT_S)
    assert not booking.is_alive() and not change.is_alive()

    assert results["booking"].status == "confirmed", results["booking"]
    db.session.expire_all()
    _assert_outcome(kind, results["admin"], provider_id)


@postgresql_only
def test_a_booking_waits_for_the_change_then_copies_the_new_capacity(app, monkeypatch):
    provider_id, opening_id, parent_id, child_id, admin_id = _setup()
    change_holds = Pause(monkeypatch, admin, "_apply_period_change", who="admin")  # provider FOR UPDATE held
    results = {}
    change = _start(app, "admin", _admin_in_thread(admin_id, CHANGES["raise"](provider_id, opening_id)), results)
    assert change_holds.reached.wait(WAIT_S)
    # The booking reads the provider and its (old) openings first, then waits at FOR SHARE.
    booking = _start(app, "booking", _book_in_thread(parent_id, child_id, provider_id), results)
    _wait_until_someone_waits_for_a_lock()
    assert booking.is_alive() and "booking" not in results
    change_holds.go.set()
    change.join(WAIT_S)
    booking.join(WAIT_S)
    assert not booking.is_alive() and not change.is_alive()

    assert isinstance(results["admin"], ProviderOpening), results["admin"]
    assert results["booking"].status == "confirmed", results["booking"]
    db.session.expire_all()
    _assert_outcome("raise", results["admin"], provider_id)  # the openings were read again under the lock


@postgresql_only
def test_two_administrators_adding_overlapping_periods_one_wins(app, monkeypatch):
    provider_id, _o, _p, _c, admin_id = _setup()
    other_admin_id = make_user(Role.ADMIN).id
    db.session.commit()
    first_checked = Pause(monkeypatch, admin, "_check_period", who="first")  # passed its overlap check
    results = {}
    first = _start(app, "first", _admin_in_thread(
        admin_id, lambda a: admin.add_opening(a, provider_id, 6, time(9), time(12), 2, 4, now=NOW)), results)
    assert first_checked.reached.wait(WAIT_S)
    second = _start(app, "second", _admin_in_thread(
        other_admin_id, lambda a: admin.add_opening(a, provider_id, 6, time(11), time(13), 1, 1, now=NOW)),
        results)
    _wait_until_someone_waits_for_a_lock()
    assert second.is_alive() and "second" not in results
    first_checked.go.set()
    first.join(WAIT_S)
    second.join(WAIT_S)
    assert not first.is_alive() and not second.is_alive()

    assert isinstance(results["first"], ProviderOpening), results["first"]
    refused = results["second"]
    assert isinstance(refused, ValidationFailed) and refused.code == "period_overlap", refused
    assert "Cette période chevauche celle du dimanche de 09:00 à 12:00" in refused.message
    db.session.expire_all()
    assert [p for p in _periods(provider_id) if p[0] == 6] == [(6, time(9), time(12), 2, 4)]


@postgresql_only
def test_deleting_a_provider_waits_for_the_first_request_then_refuses(app, monkeypatch):
    provider_id, _o, parent_id, child_id, admin_id = _setup()
    booking_holds = Pause(monkeypatch, services, "lock_provider", who="booking")
    results = {}
    booking = _start(app, "booking", _book_in_thread(parent_id, child_id, provider_id), results)
    assert booking_holds.reached.wait(WAIT_S)
    delete = _start(app, "admin", _admin_in_thread(admin_id, lambda a: admin.delete_provider(a, provider_id)),
                    results)
    _wait_until_someone_waits_for_a_lock()
    booking_holds.go.set()
    booking.join(WAIT_S)
    delete.join(WAIT_S)

    assert results["booking"].status == "confirmed"
    assert isinstance(results["admin"], Conflict) and results["admin"].code == "provider_in_use"
    db.session.expire_all()
    assert db.session.get(OccasionalProvider, provider_id) is not None


# ---------------------------------------------------------------- the same outcomes, in sequence (both databases)

@pytest.mark.parametrize("kind", sorted(CHANGES))
def test_sequential_booking_creates_the_blocks_then_the_change(kind):
    provider_id, opening_id, parent_id, child_id, admin_id = _setup()
    answer = _book_in_thread(parent_id, child_id, provider_id)()
    assert answer.status == "confirmed"
    try:
        result = CHANGES[kind](provider_id, opening_id)(db.session.get(User, admin_id))
    except Conflict as refused:
        result = refused
    db.session.expire_all()
    _assert_outcome(kind, result, provider_id)


def test_sequential_a_booking_reads_the_openings_again_under_its_lock():
    """The booking's session already holds the provider and its openings, read before another
    transaction (an administrator's) changed the period: the blocks get the new capacity."""
    provider_id, opening_id, parent_id, child_id, _a = _setup()
    with read_phase():  # ends without expiring what it read (and, on SQLite, without the write lock)
        stale = db.session.get(OccasionalProvider, provider_id)
        assert {o.capacity_walking for o in stale.openings} == {4}
    with db.engine.begin() as conn:  # another connection
        conn.execute(ProviderOpening.__table__.update().where(ProviderOpening.id == opening_id)
                     .values(capacity_walking=6))
    assert {o.capacity_walking for o in stale.openings} == {4}  # still the old values in this session
    answer = _book_in_thread(parent_id, child_id, provider_id)()
    assert answer.status == "confirmed"
    db.session.expire_all()
    assert {b.capacity_walking for b in _blocks(provider_id).values()} == {6}
    booking = db.session.scalar(select(OccasionalBooking).where(OccasionalBooking.provider_id == provider_id))
    assert booking.status is RequestStatus.CONFIRMED


def test_sequential_overlapping_periods_the_second_is_refused():
    provider_id, _o, _p, _c, admin_id = _setup()
    user = db.session.get(User, admin_id)
    admin.add_opening(user, provider_id, 6, time(9), time(12), 2, 4, now=NOW)
    with pytest.raises(ValidationFailed) as refused:
        admin.add_opening(user, provider_id, 6, time(11), time(13), 1, 1, now=NOW)
    assert refused.value.code == "period_overlap"
    assert "Cette période chevauche celle du dimanche de 09:00 à 12:00" in refused.value.message
