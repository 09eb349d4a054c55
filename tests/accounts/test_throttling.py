"""Issue #17 item 2: nobody can lock everyone out, and a known parent is never locked out.

Behind one reverse proxy (TRUSTED_PROXIES=1) every client arrives from the proxy's
address; the client's own address is read from X-Forwarded-For (werkzeug ProxyFix).
"""
from __future__ import annotations

import re
import secrets
from datetime import UTC

import pytest
from sqlalchemy import select

from app.extensions import db
from app.notifications.models import OutboxMessage
from tests.conftest import csrf_token_from, get_csrf, login
from tests.factories import DEFAULT_PASSWORD, make_user

PROXY = "10.0.0.1"


@pytest.fixture
def behind_proxy(app):
    app.config["TRUSTED_PROXIES"] = 1
    yield
    app.config["TRUSTED_PROXIES"] = 0


def _via_proxy(client, client_address):
    """Every request of `client` comes from the proxy, which names `client_address`."""
    client.environ_base.update({"REMOTE_ADDR": PROXY, "HTTP_X_FORWARDED_FOR": client_address})
    return client


def test_thirty_failures_from_one_client_behind_the_proxy_do_not_lock_the_others(behind_proxy, make_client):
    attacker = _via_proxy(make_client(), "203.0.113.9")
    for _ in range(30):
        assert login(attacker, f"{secrets.token_hex(4)}@example.fr", "wrong-password-xx").status_code == 401
    assert login(attacker, make_user()).status_code == 429  # the attacker's own address is stopped
    # Every other family, through the same proxy, still logs in.
    for n in range(3):
        assert login(_via_proxy(make_client(), f"198.51.100.{n + 1}"), make_user()).status_code == 302


def test_a_client_cannot_pass_for_another_by_sending_the_header(behind_proxy, make_client):
    """The proxy appends the real address; only the last value (written by our proxy) counts."""
    attacker = make_client()
    for n in range(30):
        attacker.environ_base.update({"REMOTE_ADDR": PROXY,
                                      "HTTP_X_FORWARDED_FOR": f"192.0.2.{n}, 203.0.113.9"})
        login(attacker, f"{secrets.token_hex(4)}@example.fr", "wrong-password-xx")
    assert login(attacker, make_user()).status_code == 429


def test_without_trusted_proxies_the_headers_are_ignored(make_client):
    """TRUSTED_PROXIES=0 (no proxy): X-Forwarded-For is the client's own claim and counts for nothing."""
    attacker = make_client()
    for n in range(30):
        attacker.environ_base.update({"REMOTE_ADDR": "192.0.2.50", "HTTP_X_FORWARDED_FOR": f"198.51.100.{n}"})
        login(attacker, f"{secrets.token_hex(4)}@example.fr", "wrong-password-xx")
    attacker.environ_base.update({"HTTP_X_FORWARDED_FOR": "198.51.100.200"})
    assert login(attacker, make_user()).status_code == 429


def _sign_in_link(to: str) -> str:
    message = db.session.scalars(select(OutboxMessage).where(OutboxMessage.kind == "account.sign_in_link",
                                                             OutboxMessage.to_address == to)
                                 .order_by(OutboxMessage.id.desc())).first()
    assert message is not None, "no sign-in link was sent"
    return re.search(r"https?://\S+?(/connexion/lien/\S+)", message.body_text).group(1)


def test_five_wrong_passwords_then_the_owner_gets_in_through_the_emailed_link(behind_proxy, make_client):
    owner = make_user(email="maman@example.fr")
    attacker = _via_proxy(make_client(), "203.0.113.9")
    for _ in range(5):
        login(attacker, owner, "wrong-password-xx")
    # The owner, from another address, with the right password: the password is not checked now...
    phone = _via_proxy(make_client(), "198.51.100.7")
    refused = login(phone, owner)
    assert refused.status_code == 429
    page = refused.get_data(as_text=True)
    assert "M'envoyer un lien de connexion" in page
    # ... but the page offers the one-time link, which works while the account is throttled.
    phone.post("/connexion/lien", data={"email": owner.email, "csrf_token": csrf_token_from(page)})
    path = _sign_in_link(owner.email)
    assert phone.get(path).status_code == 200  # GET shows a button; an e-mail scanner uses nothing up
    assert phone.post(path, data={"csrf_token": get_csrf(phone, path)}).status_code == 302
    assert phone.get("/accueil").status_code == 200
    # Single use.
    other = _via_proxy(make_client(), "198.51.100.8")
    assert other.get(path).status_code == 302
    assert other.get("/accueil").status_code == 302
    # Once the owner got in, her counter starts again: her password works at once.
    assert login(_via_proxy(make_client(), "198.51.100.9"), owner).status_code == 302


def test_the_attacker_gains_nothing_from_the_link_offer(make_client):
    owner = make_user(email="papa@example.fr")
    attacker = make_client()
    for _ in range(5):
        login(attacker, owner, "wrong-password-xx")
    page = login(attacker, owner).get_data(as_text=True)
    attacker.post("/connexion/lien", data={"email": owner.email, "csrf_token": csrf_token_from(page)},
                  follow_redirects=True)
    # The link goes to the owner's mailbox, not to the page.
    assert "/connexion/lien/" not in page
    assert db.session.scalar(select(OutboxMessage.to_address).where(OutboxMessage.kind == "account.sign_in_link")) \
        == owner.email


def test_sign_in_link_expires(app, make_client):
    from datetime import datetime

    import time_machine

    owner = make_user()
    c = make_client()
    with time_machine.travel(datetime(2026, 10, 25, 0, 50, tzinfo=UTC), tick=False):  # time change night
        c.post("/connexion/lien", data={"email": owner.email, "csrf_token": get_csrf(c, "/connexion/lien")})
    path = _sign_in_link(owner.email)
    with time_machine.travel(datetime(2026, 10, 25, 1, 6, tzinfo=UTC), tick=False):
        response = c.get(path)
        assert response.status_code == 302
        assert "expiré" in c.get(response.headers["Location"]).get_data(as_text=True)


def test_sign_in_link_request_answers_the_same_for_unknown_addresses(make_client):
    c = make_client()
    known = make_user()
    a = c.post("/connexion/lien", data={"email": known.email, "csrf_token": get_csrf(c, "/connexion/lien")})
    b = c.post("/connexion/lien", data={"email": "personne@example.fr", "csrf_token": get_csrf(c, "/connexion/lien")})
    assert (a.status_code, a.headers["Location"]) == (b.status_code, b.headers["Location"])
    assert db.session.scalar(select(OutboxMessage.to_address)) == known.email


def test_web_form_and_api_share_one_counter(client, make_client):
    user = make_user()
    for _ in range(3):
        assert login(make_client(), user, "wrong-password-xx").status_code == 401
    for _ in range(2):
        response = client.post("/api/v1/auth/token", json={"email": user.email, "password": "wrong-password"})
    assert response.status_code == 401
    # 5 refusals in all: both doors are now throttled for this account.
    api = client.post("/api/v1/auth/token", json={"email": user.email, "password": DEFAULT_PASSWORD})
    assert api.status_code == 429 and api.get_json()["error"]["code"] == "rate_limited"
    assert login(make_client(), user).status_code == 429


def test_api_failures_throttle_the_web_form_too(client, make_client):
    user = make_user()
    for _ in range(5):
        client.post("/api/v1/auth/token", json={"email": user.email.upper(), "password": "wrong-password"})
    assert login(make_client(), user).status_code == 429


def test_rate_limits_can_be_switched_off_from_the_environment(monkeypatch):
    import importlib

    import config

    monkeypatch.setenv("RATELIMIT_ENABLED", "0")
    try:
        assert importlib.reload(config).Config.RATELIMIT_ENABLED is False
        monkeypatch.setenv("RATELIMIT_ENABLED", "true")
        assert importlib.reload(config).Config.RATELIMIT_ENABLED is True
        monkeypatch.setenv("TRUSTED_PROXIES", "2")
        assert importlib.reload(config).Config.TRUSTED_PROXIES == 2
    finally:
        monkeypatch.undo()
        importlib.reload(config)
