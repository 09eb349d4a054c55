"""Issue #17 item 11: session hardening (ASVS 5.0 chapter 7)."""
from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
import time_machine

from config import ProductionConfig
from tests.conftest import get_csrf, login
from tests.factories import DEFAULT_PASSWORD, make_user

COOKIE_KEYS = ("SESSION_COOKIE_NAME", "REMEMBER_COOKIE_NAME", "SESSION_COOKIE_SECURE", "REMEMBER_COOKIE_SECURE",
               "SESSION_COOKIE_PATH", "REMEMBER_COOKIE_PATH", "SESSION_COOKIE_DOMAIN", "REMEMBER_COOKIE_DOMAIN")


@pytest.fixture
def production_cookies(app):
    saved = {key: app.config.get(key) for key in COOKIE_KEYS}
    app.config.update({key: getattr(ProductionConfig, key) for key in COOKIE_KEYS})
    yield
    app.config.update(saved)


def test_production_cookies_carry_the_host_prefix(production_cookies, make_client):
    assert ProductionConfig.SESSION_COOKIE_NAME.startswith("__Host-")
    assert ProductionConfig.REMEMBER_COOKIE_NAME.startswith("__Host-")
    client = make_client()
    user = make_user()
    token = get_csrf(client, "https://localhost/connexion")
    response = client.post("https://localhost/connexion", data={"email": user.email, "password": DEFAULT_PASSWORD,
                                                               "csrf_token": token},
                           headers={"Referer": "https://localhost/connexion"})
    assert response.status_code == 302
    cookies = response.headers.getlist("Set-Cookie")
    session_cookie = next(c for c in cookies if c.startswith("__Host-session="))
    # What a browser demands of a __Host- cookie: Secure, Path=/, no Domain.
    assert "Secure" in session_cookie and "Path=/" in session_cookie and "Domain" not in session_cookie
    assert client.get("https://localhost/accueil").status_code == 200


def _log_in_at(client, user, moment):
    with time_machine.travel(moment, tick=False):
        assert login(client, user).status_code == 302


def test_a_session_ends_after_its_absolute_lifetime_however_active(app, make_client):
    assert app.config["SESSION_ABSOLUTE_LIFETIME"] == 12 * 3600
    user = make_user()
    client = make_client()
    start = datetime(2026, 10, 24, 20, 0, tzinfo=UTC)  # across the October time change
    _log_in_at(client, user, start)
    moment = start
    while moment < start + timedelta(hours=12):
        with time_machine.travel(moment, tick=False):
            assert client.get("/accueil").status_code == 200, moment  # active every hour: never idle
        moment += timedelta(hours=1)
    with time_machine.travel(start + timedelta(hours=12, seconds=1), tick=False):
        response = client.get("/accueil")
        assert response.status_code == 302 and "/connexion" in response.headers["Location"]


def test_a_session_ends_after_the_idle_lifetime(app, make_client):
    user = make_user()
    start = datetime(2026, 3, 28, 22, 0, tzinfo=UTC)  # across the March time change
    idle = make_client()
    _log_in_at(idle, user, start)
    with time_machine.travel(start + timedelta(hours=8, seconds=1), tick=False):
        assert idle.get("/accueil").status_code == 302
    active = make_client()
    _log_in_at(active, user, start)
    with time_machine.travel(start + timedelta(hours=4), tick=False):
        assert active.get("/accueil").status_code == 200
    with time_machine.travel(start + timedelta(hours=11, minutes=59), tick=False):
        assert active.get("/accueil").status_code == 200  # 8 h after the last request, not after the log-in


def test_absolute_lifetime_is_read_from_the_environment(monkeypatch):
    import importlib

    import config

    monkeypatch.setenv("SESSION_ABSOLUTE_LIFETIME", "3600")
    try:
        assert importlib.reload(config).Config.SESSION_ABSOLUTE_LIFETIME == 3600
    finally:
        monkeypatch.undo()
        importlib.reload(config)


def _api_token(client, user, label):
    response = client.post("/api/v1/auth/token", json={"email": user.email, "password": DEFAULT_PASSWORD,
                                                       "label": label})
    assert response.status_code == 200
    return response.get_json()["token"]


def test_api_tokens_are_listed_on_the_account_page_and_revoked_one_by_one(login_as, make_client):
    user = make_user()
    api = make_client()
    agenda = _api_token(api, user, "Agenda du téléphone")
    script = _api_token(api, user, "Script de la tablette")
    browser = login_as(user)
    page = browser.get("/mon-compte").get_data(as_text=True)
    assert "Agenda du téléphone" in page and "Script de la tablette" in page
    assert agenda not in page and script not in page  # the secrets are never shown again
    rows = [row for row in page.split("<tr>") if "/revoquer" in row]
    assert len(rows) == 2
    agenda_row = next(row for row in rows if "Agenda du téléphone" in row)
    agenda_form = re.search(r'action="(/mon-compte/jetons/\d+/revoquer)"', agenda_row).group(1)
    response = browser.post(agenda_form, data={"csrf_token": get_csrf(browser, "/mon-compte")})
    assert response.status_code == 302
    assert api.get("/api/v1/children", headers={"Authorization": f"Bearer {agenda}"}).status_code == 401
    assert api.get("/api/v1/children", headers={"Authorization": f"Bearer {script}"}).status_code == 200
    page = browser.get("/mon-compte").get_data(as_text=True)
    assert "Agenda du téléphone" not in page and "Script de la tablette" in page


def test_a_token_of_another_account_cannot_be_revoked(login_as, make_client):
    owner, other = make_user(), make_user()
    token = _api_token(make_client(), owner, "Agenda")
    from app.accounts.api_tokens import tokens_of

    token_id = tokens_of(owner)[0].id
    browser = login_as(other)
    response = browser.post(f"/mon-compte/jetons/{token_id}/revoquer",
                            data={"csrf_token": get_csrf(browser, "/mon-compte")})
    assert response.status_code == 404
    assert make_client().get("/api/v1/children", headers={"Authorization": f"Bearer {token}"}).status_code == 200


def test_only_a_digest_of_the_token_is_stored(make_client):
    from sqlalchemy import select

    from app.accounts.models import ApiToken
    from app.extensions import db

    user = make_user()
    token = _api_token(make_client(), user, "x")
    stored = db.session.scalars(select(ApiToken.token_hash)).all()
    assert stored and token not in stored and all(token not in s for s in stored)
