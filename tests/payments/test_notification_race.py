"""Two identical notifications of one payment at the same time: one payment recorded.

PostgreSQL, real concurrent sessions (two threads, two connections), both held after reading the
transaction and before claiming it, so that both have seen it pending. The control runs the same
race with the claim replaced by a read-then-write: it records two payments, which shows that
the race is real and that the guard (the conditional UPDATE) is what prevents it.
SQLite is not raced this way: its transactions hold the write lock from their start (BEGIN
IMMEDIATE), so the second notification waits for the first; the sequential repeats are tested in
test_online.py on both databases.
"""
from __future__ import annotations

import threading
from urllib.parse import urlencode

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.payments import online
from app.payments.models import InvoiceStatus, OnlineTransaction, Payment
from tests.payments.factories import close_march, family_with_march, invoice_of
from tests.payments.test_online import _start

pytestmark = pytest.mark.slow


def _postgresql() -> bool:
    return db.engine.dialect.name == "postgresql"


def _race(app, monkeypatch, query: str) -> list:
    barrier = threading.Barrier(2, timeout=20)
    monkeypatch.setattr(online, "_before_claim", lambda: barrier.wait())
    results, errors = [], []

    def notify():
        with app.app_context():
            try:
                results.append(online.handle_notification(query).result)
            except BaseException as error:  # noqa: BLE001 - reported by the test
                errors.append(error)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=notify) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert not errors, errors
    return sorted(results)


@pytest.fixture
def pending(app):
    if not _postgresql():
        pytest.skip("the race with both sessions inside their transactions needs PostgreSQL (SQLite queues writers)")
    parent, household, _kid, _unit = family_with_march()
    close_march()
    transaction, _url = _start(parent, invoice_of(household))
    db.session.commit()
    return household, urlencode({"transaction_id": transaction.bank_transaction_id, "signed": "1", "ok": "1"})


def _payments() -> int:
    db.session.expire_all()
    return db.session.scalar(select(func.count()).select_from(Payment))


def test_two_identical_notifications_at_once_record_one_payment(app, monkeypatch, pending):
    household, query = pending
    assert _race(app, monkeypatch, query) == ["already_paid", "paid"]
    assert _payments() == 1
    assert invoice_of(household).status is InvoiceStatus.PAID
    assert db.session.scalar(select(OnlineTransaction.notifications)) == 2


def test_control_without_the_guard_the_same_race_pays_twice(app, monkeypatch, pending):
    household, query = pending

    def unguarded_claim(transaction_id, from_states, to, bank_status):
        transaction = db.session.get(OnlineTransaction, transaction_id)  # as read before the wait
        if transaction.status not in from_states:
            return False
        transaction.status = to
        db.session.flush()
        return True

    monkeypatch.setattr(online, "_claim", unguarded_claim)
    assert _race(app, monkeypatch, query) == ["paid", "paid"]
    assert _payments() == 2
    assert invoice_of(household).overpaid > 0
