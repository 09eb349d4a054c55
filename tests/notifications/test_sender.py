"""The sender against a real SMTP server on 127.0.0.1 (aiosmtpd)."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta

import icalendar
import pytest
from sqlalchemy import select

from app.accounts.models import Role
from app.extensions import db, utcnow
from app.notifications.ical import calendar_attachment
from app.notifications.models import OutboxMessage, OutboxStatus
from app.notifications.outbox import notify
from app.notifications.sender import retry_delay, send_due
from tests.factories import make_user
from tests.notifications.factories import make_invitation, make_message


def _only(server):
    assert len(server.received) == 1, [m["Subject"] for m in server.messages()]
    return server.received[0], server.received[0].message


def test_message_arrives_with_recipients_subject_text_html_and_attachment(app, smtp_server, test_kinds):
    parent = make_user(Role.PARENT, first_name="Nadia", last_name="Roux", email="nadia.roux@example.fr")
    message = notify("test.meeting", parent, {"title": "Bilan de mars", "plan_id": 42},
                     attachments=[{"filename": "ordre-du-jour.txt", "content_type": "text/plain",
                                   "content": "1. Bilan\n2. Suite"}])
    db.session.commit()

    report = send_due()

    assert (report.sent, report.retried, report.failed) == (1, 0, 0)
    received, email = _only(smtp_server)
    assert received.rcpt_tos == ["nadia.roux@example.fr"]
    assert received.mail_from == "pitchoun@grandcahors.fr"
    assert email["To"] == "nadia.roux@example.fr"
    assert email["Subject"] == "Réunion : Bilan de mars"
    assert email["Auto-Submitted"] == "auto-generated"
    assert email["Message-ID"].startswith(f"<outbox.{message.id}.")
    text = email.get_body(("plain",)).get_content()
    html = email.get_body(("html",)).get_content()
    assert "Bonjour Nadia Roux," in text and "« Bilan de mars »" in text
    assert "« Bilan de mars »" in html
    # Why it was sent, the page concerned, the preferences.
    assert "Pourquoi ce message : vous êtes un parent" in text
    assert "Page concernée : http://127.0.0.1:5000/inclusion/plans/42" in text
    assert "http://127.0.0.1:5000/notifications/preferences" in text
    assert 'href="http://127.0.0.1:5000/notifications/preferences"' in html
    assert 'href="http://127.0.0.1:5000/inclusion/plans/42"' in html
    attachments = list(email.iter_attachments())
    assert [a.get_filename() for a in attachments] == ["ordre-du-jour.txt"]
    assert attachments[0].get_content().splitlines() == ["1. Bilan", "2. Suite"]
    row = db.session.get(OutboxMessage, message.id)
    db.session.refresh(row)
    assert row.status == OutboxStatus.SENT and row.sent_at is not None and row.attempts == 1


def test_icalendar_invitation_parses_back_with_organiser_attendees_times_and_uid(app, smtp_server, test_kinds):
    ics = make_invitation(uid="meeting-7@pitchoun.grandcahors.fr")
    notify("test.meeting", "nadia.roux@example.fr", {"title": "Rencontre", "plan_id": 7},
           attachments=[calendar_attachment(ics)])
    db.session.commit()

    assert send_due().sent == 1

    _, email = _only(smtp_server)
    invitations = [a for a in email.iter_attachments() if a.get_content_type() == "text/calendar"]
    assert len(invitations) == 1
    part = invitations[0]
    assert part.get_filename() == "invitation.ics"
    assert part.get_param("method") == "REQUEST"
    assert part.get_content_charset() == "utf-8"
    # The same calendar is also an alternative of the body, as Outlook and Gmail expect.
    alternatives = [p for p in email.walk() if p.get_content_type() == "text/calendar"
                    and p.get_content_disposition() is None]
    assert len(alternatives) == 1 and alternatives[0].get_param("method") == "REQUEST"

    calendar = icalendar.Calendar.from_ical(part.get_content())
    assert str(calendar["METHOD"]) == "REQUEST"
    (event,) = calendar.walk("VEVENT")
    assert str(event["UID"]) == "meeting-7@pitchoun.grandcahors.fr"
    assert str(event["ORGANIZER"]) == "mailto:directrice@example.fr"
    assert event["ORGANIZER"].params["CN"] == "Claire Directrice"
    attendees = event["ATTENDEE"]
    assert sorted(str(a) for a in attendees) == ["mailto:parent@example.fr", "mailto:referent@example.fr"]
    assert {a.params["CN"] for a in attendees} == {"Nadia Roux", "Paul Référent"}
    start, end = event.decoded("DTSTART"), event.decoded("DTEND")
    assert start.astimezone(UTC) == datetime(2026, 3, 4, 13, 0, tzinfo=UTC)
    assert end - start == timedelta(hours=1)
    assert str(event["SUMMARY"]) == "Rencontre projet d'accueil de Léo"


def test_credentials_are_used_to_log_in(app, smtp_server_with_auth, monkeypatch):
    monkeypatch.setitem(app.config, "MAIL_USERNAME", "pitchoun")
    monkeypatch.setitem(app.config, "MAIL_PASSWORD", "smtp-secret")
    make_message()

    assert send_due().sent == 1
    assert smtp_server_with_auth.handler.logins == [("pitchoun", "smtp-secret")]
    assert len(smtp_server_with_auth.received) == 1


def test_wrong_credentials_are_a_retry_not_a_loss(app, smtp_server_with_auth, monkeypatch):
    monkeypatch.setitem(app.config, "MAIL_USERNAME", "pitchoun")
    monkeypatch.setitem(app.config, "MAIL_PASSWORD", "wrong")
    message = make_message()

    report = send_due()

    assert (report.sent, report.retried) == (0, 1)
    assert smtp_server_with_auth.received == []
    row = db.session.get(OutboxMessage, message.id)
    assert row.status == OutboxStatus.PENDING and "535" in row.last_error


def test_refusing_server_leads_to_a_later_retry_then_failure(app, refusing_smtp_server, monkeypatch):
    monkeypatch.setitem(app.config, "MAIL_MAX_ATTEMPTS", 3)
    message = make_message()
    now = utcnow()

    report = send_due(now=now)

    assert (report.sent, report.retried, report.failed) == (0, 1, 0)
    assert refusing_smtp_server.handler.refused == 1
    row = db.session.get(OutboxMessage, message.id)
    db.session.refresh(row)
    assert row.status == OutboxStatus.PENDING
    assert row.attempts == 1
    assert row.next_attempt_at == now + retry_delay(1) > now
    assert row.last_error.split()[1] in ("451", "550") or row.last_error.startswith("recipient refused")
    # Not due yet: nothing is tried again.
    assert send_due(now=now + timedelta(seconds=1)).attempted == 0
    # Second try, later: the delay grows.
    second = now + retry_delay(1)
    assert send_due(now=second).retried == 1
    db.session.refresh(row)
    assert row.attempts == 2 and row.next_attempt_at == second + retry_delay(2)
    assert retry_delay(2) > retry_delay(1)
    # Third and last try: failed, kept for the administrator.
    report = send_due(now=row.next_attempt_at)
    assert (report.retried, report.failed) == (0, 1)
    db.session.refresh(row)
    assert row.status == OutboxStatus.FAILED and row.attempts == 3
    assert send_due(now=now + timedelta(days=30)).attempted == 0
    assert refusing_smtp_server.handler.refused == 3


def test_server_down_is_retried_then_failed_after_max_attempts(app, smtp_down, monkeypatch):
    monkeypatch.setitem(app.config, "MAIL_MAX_ATTEMPTS", 2)
    first = make_message("a@example.fr")
    second = make_message("b@example.fr")
    now = utcnow()

    report = send_due(now=now)

    # The run stops at the first connection failure: the second message keeps its turn.
    assert (report.sent, report.retried, report.failed) == (0, 1, 0)
    rows = {m.to_address: m for m in db.session.scalars(select(OutboxMessage))}
    assert rows["a@example.fr"].status == OutboxStatus.PENDING and rows["a@example.fr"].attempts == 1
    assert rows["a@example.fr"].next_attempt_at > now
    assert "Connection" in rows["a@example.fr"].last_error or "refused" in rows["a@example.fr"].last_error
    assert rows["b@example.fr"].attempts == 0
    later = now
    for _ in range(10):  # each run stops at its first failure; runs go on until both gave up
        later += timedelta(days=1)
        if send_due(now=later).attempted == 0:
            break
    db.session.expire_all()
    assert {m.status for m in db.session.scalars(select(OutboxMessage))} == {OutboxStatus.FAILED}
    assert db.session.get(OutboxMessage, first.id).attempts == 2
    assert db.session.get(OutboxMessage, second.id).attempts == 2


def test_message_survives_a_server_outage(app, smtp_down, monkeypatch, smtp_server):
    """Down, then up again: the message is delivered on the next run."""
    real_port = smtp_server.port
    monkeypatch.setitem(app.config, "MAIL_PORT", smtp_down)
    make_message()
    now = utcnow()
    assert send_due(now=now).retried == 1
    monkeypatch.setitem(app.config, "MAIL_PORT", real_port)
    assert send_due(now=now + timedelta(hours=1)).sent == 1
    assert len(smtp_server.received) == 1


def test_abandoned_claim_is_taken_again_after_the_timeout(app, smtp_server):
    now = utcnow()
    message = make_message(status=OutboxStatus.SENDING, claimed_at=now - timedelta(minutes=5),
                           claim_token="dead-sender", attempts=1)
    assert send_due(now=now).attempted == 0  # still within MAIL_CLAIM_TIMEOUT (10 min)
    report = send_due(now=now + timedelta(minutes=6))
    assert report.sent == 1
    row = db.session.get(OutboxMessage, message.id)
    db.session.refresh(row)
    assert row.status == OutboxStatus.SENT and row.attempts == 2
    assert len(smtp_server.received) == 1


def test_sent_and_failed_messages_are_not_sent_again(app, smtp_server):
    make_message(status=OutboxStatus.SENT, sent_at=utcnow())
    make_message(status=OutboxStatus.FAILED)
    make_message(next_attempt_at=utcnow() + timedelta(hours=1))
    assert send_due().attempted == 0
    assert smtp_server.received == []


def test_rolled_back_transaction_that_called_notify_sends_nothing(app, smtp_server, test_kinds):
    parent = make_user(Role.PARENT)
    notify("test.meeting", parent, {"title": "Annulée", "plan_id": 1})
    db.session.rollback()
    assert db.session.scalars(select(OutboxMessage)).all() == []
    assert send_due().attempted == 0
    assert smtp_server.received == []

    notify("test.meeting", parent, {"title": "Confirmée", "plan_id": 1})
    db.session.commit()
    assert send_due().sent == 1
    assert [m["Subject"] for m in smtp_server.messages()] == ["Réunion : Confirmée"]


def test_limit_sends_at_most_that_many(app, smtp_server):
    for n in range(5):
        make_message(f"p{n}@example.fr")
    assert send_due(limit=2).sent == 2
    assert send_due().sent == 3
    assert len(smtp_server.received) == 5


def test_cli_outbox_send(app, smtp_server):
    make_message()
    result = app.test_cli_runner().invoke(args=["outbox", "send"])
    assert result.exit_code == 0, result.output
    assert "1 sent, 0 to retry later, 0 failed." in result.output
    assert len(smtp_server.received) == 1
    status = app.test_cli_runner().invoke(args=["outbox", "status"])
    assert "sent: 1" in status.output


@pytest.mark.parametrize("kind", ["account.welcome", "account.password_reset"])
def test_account_messages_use_the_base_template(app, smtp_server, kind):
    from app.accounts import services, tokens

    user = make_user(Role.PARENT, email="lea.durand@example.fr", first_name="Léa", last_name="Durand")
    if kind == "account.welcome":  # sent once the address is confirmed
        user.email_verified_at = None
        secret = tokens.issue(user, tokens.VERIFY_EMAIL, 3600)
        db.session.commit()
        services.verify_email(secret)
    else:
        services.request_password_reset(user.email)
    assert send_due().sent == 1
    _, email = _only(smtp_server)
    text = email.get_body(("plain",)).get_content()
    assert "Bonjour Léa Durand," in text
    assert "Pourquoi ce message :" in text
    assert "Ce message est essentiel" in text
    assert email.get_body(("html",)) is not None


def test_starttls_then_login(app, starttls_smtp_server, monkeypatch):
    monkeypatch.setitem(app.config, "MAIL_USE_STARTTLS", True)
    monkeypatch.setitem(app.config, "MAIL_USERNAME", "pitchoun")
    monkeypatch.setitem(app.config, "MAIL_PASSWORD", "smtp-secret")
    make_message()

    assert send_due().sent == 1
    assert starttls_smtp_server.handler.tls_sessions == [True]
    assert starttls_smtp_server.handler.logins == [("pitchoun", "smtp-secret")]


def test_without_starttls_a_server_requiring_it_is_a_retry(app, starttls_smtp_server):
    message = make_message()
    assert send_due().retried == 1
    assert starttls_smtp_server.received == []
    row = db.session.get(OutboxMessage, message.id)
    assert row.status == OutboxStatus.PENDING and "530" in row.last_error


def test_cli_outbox_kinds_lists_the_registry(app):
    result = app.test_cli_runner().invoke(args=["outbox", "kinds"])
    assert result.exit_code == 0
    assert "account.password_reset\tessential" in result.output


def test_a_row_that_cannot_be_built_fails_at_once_and_does_not_block_the_others(app, smtp_server):
    broken = make_message("a@example.fr", attachments=[{"filename": "x.bin", "content_type": "application/pdf",
                                                        "content_base64": "not base64!!"}])
    make_message("b@example.fr")
    send_due()
    row = db.session.get(OutboxMessage, broken.id)
    db.session.refresh(row)
    assert row.status == OutboxStatus.FAILED and "cannot build" in row.last_error
    assert [r.rcpt_tos for r in smtp_server.received] == [["b@example.fr"]]


def test_forever_loop_keeps_sending_until_stopped(app, smtp_server, monkeypatch):
    import threading

    from app.notifications import sender

    stop = threading.Event()
    runs = []
    original = sender.send_due

    def one_run(**kwargs):
        runs.append(1)
        if len(runs) == 1:
            raise RuntimeError("database restarting")  # the loop survives a failed run
        if len(runs) == 2:
            make_message("later@example.fr")  # arrives while the loop runs
        report = original(**kwargs)
        if len(runs) == 3:
            stop.set()
        return report

    make_message("first@example.fr")
    db.session.commit()
    monkeypatch.setattr(sender, "send_due", one_run)
    sender.run_forever(interval=0, stop=stop)

    assert len(runs) == 3
    assert sorted(r.rcpt_tos[0] for r in smtp_server.received) == ["first@example.fr", "later@example.fr"]


HOSTILE_NAME = "Léa\r\nBcc: intrus@example.com\u2028X-Evil: 1\x00\x0b\u200e"


def test_a_name_with_line_breaks_never_adds_a_header(app):
    """Issue 17, item 10: CR/LF in a child's name broke the e-mails whose subject carried it.
    Every header goes through one function; even a row stored before the fix (or by hand) is sent
    as one line, and a control character never reaches the MIME headers."""
    from app.notifications.outbox import header_text
    from app.notifications.sender import build_email

    message = make_message(subject=f"Place confirmée pour {HOSTILE_NAME}", kind="test.meeting")
    assert "\n" not in message.subject and "\r" not in message.subject and "\x00" not in message.subject
    legacy = make_message()
    legacy.subject = f"Place confirmée pour {HOSTILE_NAME}".replace("\x00", "")  # as an old row could hold it
    legacy.to_address = "parent@example.fr\r\nBcc: intrus@example.com"
    for row in (message, legacy):
        email = build_email(row)
        raw = email.as_bytes()
        assert b"\nBcc:" not in raw and b"\nX-Evil" not in raw and b"\x00" not in raw
        assert email["Bcc"] is None and email["X-Evil"] is None
        assert email["Subject"] == "Place confirmée pour Léa Bcc: intrus@example.com X-Evil: 1"
    assert header_text("a" * 300, 250) == "a" * 250


def test_names_with_control_characters_are_refused(app):
    from app.errors import ValidationFailed
    from app.families import services as family_services
    from tests.factories import make_household

    parent = make_user(Role.PARENT)
    make_household(parent)
    for name in ("Léa\nBcc: x@example.com", "Léa\rX", "Léa\tX", "Léa\u2028X", "Lé\x1ba"):
        with pytest.raises(ValidationFailed) as refused:
            family_services.add_child(parent, family_services.ChildData(first_name=name, last_name="Dupont",
                                                                        birth_date=datetime(2019, 5, 1).date()))
        assert refused.value.field == "first_name" and "une seule ligne" in refused.value.message
