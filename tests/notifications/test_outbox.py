"""notify(): preferences, registry of kinds, deduplication keys, templates."""
from __future__ import annotations

import logging
import threading

import pytest
from sqlalchemy import func, select

from app.accounts.models import Role
from app.extensions import db
from app.notifications.kinds import get_kind, is_essential, kinds_for, register_kind, unregister_kind
from app.notifications.models import NotificationOptOut, OutboxMessage
from app.notifications.outbox import enqueue, notify, recipients
from app.notifications.sender import send_due
from tests.factories import make_user


def _count() -> int:
    return db.session.scalar(select(func.count()).select_from(OutboxMessage))


def _opt_out(user, kind):
    db.session.add(NotificationOptOut(user_id=user.id, kind=kind))
    db.session.commit()


def test_account_kinds_are_registered_as_essential(app):
    assert is_essential("account.password_reset")
    assert is_essential("account.welcome")
    assert str(get_kind("account.password_reset").label)


def test_opted_out_non_essential_kind_is_skipped_silently(app, test_kinds, smtp_server):
    parent = make_user(Role.PARENT)
    other = make_user(Role.PARENT)
    _opt_out(parent, "test.meeting")

    assert notify("test.meeting", parent, {"title": "Réunion", "plan_id": 1}) is None
    # Also when the address is given instead of the account.
    assert notify("test.meeting", parent.email.upper(), {"title": "Réunion", "plan_id": 1}) is None
    kept = notify("test.meeting", other, {"title": "Réunion", "plan_id": 1})
    db.session.commit()

    assert kept is not None and _count() == 1
    send_due()
    assert [r.rcpt_tos for r in smtp_server.received] == [[other.email]]


def test_essential_kind_is_always_sent_even_with_an_opt_out_row(app, test_kinds, smtp_server):
    parent = make_user(Role.PARENT)
    _opt_out(parent, "test.urgent")
    _opt_out(parent, "account.password_reset")

    assert notify("test.urgent", parent, {"title": "Place obtenue"}) is not None
    assert notify("account.password_reset", parent, {"user": parent, "reset_url": "http://x/r", "minutes": 60})
    db.session.commit()
    assert send_due().sent == 2
    assert sorted(m["Subject"] for m in smtp_server.messages()) == [
        "Réinitialisation de votre mot de passe", "Urgent : Place obtenue"]


def test_recipients_drops_those_who_opted_out_of_a_non_essential_kind_only(app, test_kinds):
    parent, other = make_user(Role.PARENT), make_user(Role.PARENT)
    _opt_out(parent, "test.meeting")
    _opt_out(parent, "test.urgent")
    assert recipients("test.meeting", [parent, other]) == [other]
    assert recipients("test.urgent", [parent, other]) == [parent, other]  # essential
    assert recipients("test.meeting", []) == []


def test_unregistered_kind_is_sent_as_non_essential_with_a_warning(app, test_kinds, caplog):
    unregister_kind("test.meeting")
    parent = make_user(Role.PARENT)
    with caplog.at_level(logging.WARNING, logger="app.notifications.outbox"):
        message = notify("test.meeting", parent, {"title": "T", "plan_id": 1})
    assert message is not None
    assert "not registered" in caplog.text
    _opt_out(parent, "test.meeting")
    assert notify("test.meeting", parent, {"title": "T2", "plan_id": 1}) is None


def test_kinds_can_be_limited_to_roles(app):
    register_kind("test.ram_only", "Seulement Relais", roles=[Role.RAM_STAFF])
    try:
        assert "test.ram_only" in {k.kind for k in kinds_for(Role.RAM_STAFF)}
        assert "test.ram_only" not in {k.kind for k in kinds_for(Role.PARENT)}
    finally:
        unregister_kind("test.ram_only")


def test_dedup_key_returns_the_existing_message_without_breaking_the_transaction(app, test_kinds):
    parent = make_user(Role.PARENT)
    first = notify("test.meeting", parent, {"title": "Rappel", "plan_id": 1}, dedup_key="reminder:1")
    # Same transaction, not flushed yet.
    again = notify("test.meeting", parent, {"title": "Rappel", "plan_id": 1}, dedup_key="reminder:1")
    assert again is first
    db.session.commit()

    # A later transaction: the caller's other changes still commit.
    other = make_user(Role.PARENT, commit=False)
    third = notify("test.meeting", parent, {"title": "Rappel", "plan_id": 1}, dedup_key="reminder:1")
    assert third.id == first.id
    db.session.commit()
    assert other.id is not None
    assert _count() == 1


def test_dedup_key_race_returns_the_winner_inside_a_savepoint(app, test_kinds, monkeypatch):
    """The check misses a row committed meanwhile: the unique constraint refuses
    the insert, the savepoint keeps the caller's transaction, the winner comes back."""
    from app.notifications import outbox

    parent = make_user(Role.PARENT)
    winner = enqueue("test.meeting", to=parent, subject="S", body_text="B", dedup_key="race:1")
    db.session.commit()
    winner_id = winner.id
    calls = []
    real_find = outbox.find_by_dedup_key

    def blind_first_check(key):
        calls.append(key)
        return None if len(calls) == 1 else real_find(key)

    monkeypatch.setattr(outbox, "find_by_dedup_key", blind_first_check)
    other = make_user(Role.PARENT, commit=False)
    got = enqueue("test.meeting", to=parent, subject="S", body_text="B", dedup_key="race:1")
    assert got.id == winner_id
    db.session.commit()  # the transaction survived the refused insert
    assert other.id is not None
    assert _count() == 1


@pytest.mark.slow
def test_concurrent_dedup_keys_on_two_connections(app, test_kinds):
    """Two transactions enqueue the same key at once: one row, both callers commit."""
    db.session.commit()
    barrier = threading.Barrier(2, timeout=20)
    results, errors = [], []

    def worker():
        try:
            with app.app_context():
                barrier.wait()  # before any query: on SQLite a transaction holds the write lock
                message = enqueue("test.meeting", to="parent@example.fr", subject="S", body_text="B", dedup_key="both:1")
                db.session.commit()
                results.append(message.id)
                db.session.remove()
        except Exception as error:
            errors.append(error)

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert not errors, errors
    assert len(results) == 2 and len(set(results)) == 1
    assert _count() == 1


def test_subject_is_one_line(app):
    message = enqueue("test.meeting", to="a@example.fr", subject="Ligne 1\nBcc: intrus@example.fr",
                      body_text="B")
    assert message.subject == "Ligne 1 Bcc: intrus@example.fr"


def test_context_keeps_plain_values_only(app, test_kinds):
    parent = make_user(Role.PARENT)
    message = notify("test.meeting", parent, {"title": "T", "plan_id": 3, "user": parent})
    assert message.context["title"] == "T" and message.context["plan_id"] == 3
    assert "user" not in message.context and "recipient" not in message.context
    assert message.recipient_user_id == parent.id


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_e_mails_are_in_french_whatever_the_page_language(app, test_kinds, lang):
    parent = make_user(Role.PARENT, first_name="Nadia", last_name="Roux")
    with app.test_request_context("/"):
        from flask import session

        session["lang"] = lang
        message = notify("account.welcome", parent, {"user": parent})
    assert "Pourquoi ce message" in message.body_text
