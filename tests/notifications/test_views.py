"""The preferences page (every account) and the failed e-mails page (administrator)."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from app.accounts.models import Role
from app.extensions import db
from app.notifications.models import NotificationOptOut, OutboxMessage, OutboxStatus
from app.notifications.outbox import notify
from app.notifications.sender import send_due
from tests.conftest import csrf_token_from
from tests.factories import make_user
from tests.notifications.factories import make_message

PREFS = "/notifications/preferences"
FAILURES = "/notifications/admin/echecs"


def _opt_outs(user) -> set[str]:
    return set(db.session.scalars(select(NotificationOptOut.kind).where(NotificationOptOut.user_id == user.id)))


def test_preferences_page_lists_choices_and_essential_messages(app, login_as, test_kinds):
    parent = make_user(Role.PARENT)
    client = login_as(parent)
    page = client.get(PREFS).get_data(as_text=True)
    assert "<h1>Mes notifications</h1>" in page
    assert 'type="checkbox"' in page and 'id="kind-test-meeting"' in page
    assert '<label for="kind-test-meeting">' in page
    assert "checked" in page  # everything is received by default
    assert "Lien de réinitialisation du mot de passe" in page and "toujours envoyé" in page
    assert 'id="kind-account-password-reset"' not in page  # essential: no checkbox
    assert 'name="csrf_token"' in page


def test_unchecking_a_kind_skips_it_and_checking_it_again_restores_it(app, login_as, test_kinds):
    parent = make_user(Role.PARENT)
    client = login_as(parent)
    token = csrf_token_from(client.get(PREFS).get_data(as_text=True))

    response = client.post(PREFS, data={"csrf_token": token})  # every box unchecked
    assert response.status_code == 302
    # Every optional kind a parent may receive is switched off, no essential one.
    assert "test.meeting" in _opt_outs(parent) and not _opt_outs(parent) & _essential_kinds()
    page = client.get(PREFS).get_data(as_text=True)
    assert "Vos préférences de notifications sont enregistrées." in page
    assert notify("test.meeting", parent, {"title": "T", "plan_id": 1}) is None
    assert notify("test.urgent", parent, {"title": "T"}) is not None  # essential still goes
    db.session.commit()

    token = csrf_token_from(page)
    client.post(PREFS, data={"csrf_token": token, "kind-test-meeting": "y"})
    assert "test.meeting" not in _opt_outs(parent)
    assert notify("test.meeting", parent, {"title": "T", "plan_id": 1}) is not None


def test_preferences_cannot_switch_off_an_essential_kind(app, login_as, test_kinds):
    parent = make_user(Role.PARENT)
    client = login_as(parent)
    token = csrf_token_from(client.get(PREFS).get_data(as_text=True))
    client.post(PREFS, data={"csrf_token": token, "kind-test-meeting": "y",
                             "kind-account-password-reset": ""})
    assert "test.meeting" not in _opt_outs(parent) and not _opt_outs(parent) & _essential_kinds()


def _essential_kinds() -> set[str]:
    from app.notifications.kinds import registered_kinds

    return {kind.kind for kind in registered_kinds() if kind.essential}


def test_preferences_post_without_csrf_is_refused(app, login_as, test_kinds):
    parent = make_user(Role.PARENT)
    client = login_as(parent)
    assert client.post(PREFS, data={}).status_code == 400
    assert _opt_outs(parent) == set()


def test_preferences_need_a_log_in(client):
    response = client.get(PREFS)
    assert response.status_code == 302 and "/connexion" in response.headers["Location"]


@pytest.mark.parametrize("role", [Role.PARENT, Role.CHILDMINDER, Role.ANIMATOR, Role.DIRECTOR, Role.RAM_STAFF])
def test_failures_page_is_admin_only(app, login_as, role):
    failed = make_message(status=OutboxStatus.FAILED)
    client = login_as(make_user(role))
    assert client.get(FAILURES).status_code == 403
    token = csrf_token_from(client.get(PREFS).get_data(as_text=True))
    assert client.post(f"{FAILURES}/{failed.id}/reessayer", data={"csrf_token": token}).status_code == 403
    db.session.expire_all()
    assert db.session.get(OutboxMessage, failed.id).status == OutboxStatus.FAILED


def test_failures_page_anonymous_is_sent_to_log_in(client):
    response = client.get(FAILURES)
    assert response.status_code == 302 and "/connexion" in response.headers["Location"]


def test_admin_sees_failures_and_retries_one(app, login_as, smtp_server):
    failed = make_message("perdu@example.fr", subject="Place confirmée", status=OutboxStatus.FAILED,
                          attempts=8, last_error="SMTP 550 5.1.1 Mailbox unavailable")
    make_message("ok@example.fr", subject="Déjà envoyé", status=OutboxStatus.SENT)
    admin = make_user(Role.ADMIN)
    client = login_as(admin)

    page = client.get(FAILURES).get_data(as_text=True)
    assert "<h1>E-mails en échec</h1>" in page
    assert "perdu@example.fr" in page and "550 5.1.1 Mailbox unavailable" in page
    assert "Déjà envoyé" not in page
    assert "<caption>" in page and 'scope="col"' in page

    token = csrf_token_from(page)
    assert client.post(f"{FAILURES}/{failed.id}/reessayer").status_code == 400  # no CSRF token
    response = client.post(f"{FAILURES}/{failed.id}/reessayer", data={"csrf_token": token})
    assert response.status_code == 302
    db.session.expire_all()
    row = db.session.get(OutboxMessage, failed.id)
    assert row.status == OutboxStatus.PENDING and row.attempts == 0
    page = client.get(FAILURES).get_data(as_text=True)
    assert "remis en file d&#39;envoi" in page or "remis en file d'envoi" in page
    assert "Aucun message en échec." in page

    # Retrying twice is refused politely; the message goes out once.
    again = client.post(f"{FAILURES}/{failed.id}/reessayer", data={"csrf_token": token})
    assert again.status_code == 302
    assert send_due().sent == 1
    assert [r.rcpt_tos for r in smtp_server.received] == [["perdu@example.fr"]]
    assert client.post(f"{FAILURES}/999999/reessayer", data={"csrf_token": token}).status_code == 404


def test_get_never_retries(app, login_as):
    failed = make_message(status=OutboxStatus.FAILED)
    client = login_as(make_user(Role.ADMIN))
    assert client.get(f"{FAILURES}/{failed.id}/reessayer").status_code == 405


def test_admin_retries_every_failed_message_at_once(app, login_as, smtp_server):
    for n in range(3):
        make_message(f"p{n}@example.fr", status=OutboxStatus.FAILED, attempts=8)
    make_message("sent@example.fr", status=OutboxStatus.SENT)
    client = login_as(make_user(Role.ADMIN))
    token = csrf_token_from(client.get(FAILURES).get_data(as_text=True))
    response = client.post(f"{FAILURES}/reessayer-tout", data={"csrf_token": token})
    assert response.status_code == 302
    assert "3 messages remis en file d" in client.get(FAILURES).get_data(as_text=True)
    assert send_due().sent == 3
    assert sorted(r.rcpt_tos[0] for r in smtp_server.received) == ["p0@example.fr", "p1@example.fr", "p2@example.fr"]
    parent_client = login_as(make_user(Role.PARENT))
    token = csrf_token_from(parent_client.get(PREFS).get_data(as_text=True))
    assert parent_client.post(f"{FAILURES}/reessayer-tout", data={"csrf_token": token}).status_code == 403
