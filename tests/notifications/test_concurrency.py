"""Two senders at once (threads, each with its own app context and session) deliver each message once."""
from __future__ import annotations

import threading
from collections import Counter

import pytest
from sqlalchemy import select, update

from app.extensions import db
from app.notifications import sender
from app.notifications.models import OutboxMessage, OutboxStatus
from tests.notifications.factories import make_message

pytestmark = pytest.mark.slow

N = 12


def _race(app, monkeypatch):
    """Both senders pick the same candidates before either claims one (a barrier
    after the first selection of each), which is the worst case for the claim."""
    barrier = threading.Barrier(2, timeout=20)
    local = threading.local()
    original = sender._select_candidates

    def select_then_wait(now, limit):
        ids = original(now, limit)
        if not getattr(local, "waited", False):
            local.waited = True
            barrier.wait()
        return ids

    monkeypatch.setattr(sender, "_select_candidates", select_then_wait)
    reports, errors = [], []

    def run():
        try:
            with app.app_context():
                reports.append(sender.send_due())
                db.session.remove()
        except Exception as error:  # surfaced below
            errors.append(error)

    db.session.commit()  # release the test's own transaction (SQLite write lock)
    threads = [threading.Thread(target=run) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert not errors, errors
    assert all(not t.is_alive() for t in threads)
    return reports


def test_two_concurrent_senders_deliver_each_message_exactly_once(app, smtp_server, monkeypatch):
    ids = [make_message(f"parent{n}@example.fr", subject=f"Message {n}").id for n in range(N)]

    reports = _race(app, monkeypatch)

    subjects = Counter(m["Subject"] for m in smtp_server.messages())
    assert subjects == Counter({f"Message {n}": 1 for n in range(N)})
    assert sum(r.sent for r in reports) == N
    statuses = db.session.scalars(select(OutboxMessage.status).where(OutboxMessage.id.in_(ids))).all()
    assert statuses == [OutboxStatus.SENT] * N
    assert set(db.session.scalars(select(OutboxMessage.attempts))) == {1}


def test_control_without_the_conditional_claim_the_harness_sees_duplicates(app, smtp_server, monkeypatch):
    """Same race with a claim that does not check the status: messages go out twice.
    This shows the test above would catch a broken claim."""

    def unguarded_claim(message_id, now):
        token = "unguarded"
        db.session.execute(update(OutboxMessage).where(OutboxMessage.id == message_id)
                           .values(status=OutboxStatus.SENDING, claimed_at=now, claim_token=token,
                                   attempts=OutboxMessage.attempts + 1))
        message = db.session.execute(select(OutboxMessage).where(OutboxMessage.id == message_id)
                                     .execution_options(populate_existing=True)).scalar_one()
        claim = sender.Claim(message.id, token, message.attempts, sender.build_email(message))
        db.session.commit()
        return claim

    monkeypatch.setattr(sender, "_claim", unguarded_claim)
    for n in range(N):
        make_message(f"parent{n}@example.fr", subject=f"Message {n}")

    _race(app, monkeypatch)

    subjects = Counter(m["Subject"] for m in smtp_server.messages())
    assert max(subjects.values()) == 2
    assert sum(subjects.values()) > N
