"""Two app servers on one database (the deployment of README.md "Deploying on two machines"): a session,
an API token and an idempotency key mean the same on both.

Two application instances built from the same configuration, each with its own engine, stand in for the
two hosts; a person's browser goes from one to the other with its cookies (the same SECRET_KEY signs
them). bench/two_servers.py checks the same across two gunicorn servers behind HAProxy, with the rate
limits in Redis (which these tests cannot share: the test configuration counts in memory).
"""
from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from sqlalchemy import func, select

from app import create_app
from app.booking.models import Booking
from app.extensions import db
from tests.booking.factories import make_parent_with_child, make_session
from tests.conftest import IsolatedClient, api_token, csrf_token_from, get_csrf, login
from tests.factories import DEFAULT_PASSWORD

NEW_PASSWORD = "Autre-Matin-Neigeux-2027"
NOW = datetime(2026, 3, 2, 8, 30, tzinfo=UTC)


@pytest.fixture(autouse=True)
def _frozen_clock():
    with time_machine.travel(NOW, tick=True):
        yield


@pytest.fixture(scope="module")
def server_b(app):
    """A second application on the same database and configuration: the other host."""
    other = create_app(dict(app.config))
    other.test_client_class = IsolatedClient
    yield other
    with other.app_context():
        db.session.remove()
        db.engine.dispose()


def on(server, browser):
    """A client of `server` holding `browser`'s cookies: the same person's next request, balanced there."""
    client = server.test_client()
    for cookie in browser._cookies.values():
        client.set_cookie(cookie.key, cookie.value, domain=cookie.domain, path=cookie.path)
    return client


def _status(client, path, token=None):
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return client.get(path, headers=headers).status_code


def test_log_out_everywhere_on_one_server_ends_session_and_token_on_the_other(app, server_b):
    parent, _household, _child = make_parent_with_child()
    on_a = app.test_client()
    assert login(on_a, parent).status_code == 302
    token = api_token(on_a, parent.email)
    other_device = server_b.test_client()
    assert login(other_device, parent).status_code == 302
    assert _status(on(server_b, on_a), "/accueils/mes-reservations") == 200
    assert _status(server_b.test_client(), "/api/v1/bookings", token) == 200

    response = other_device.post("/mon-compte/deconnexion-partout",
                                 data={"csrf_token": get_csrf(other_device, "/mon-compte")})

    assert response.status_code == 302
    assert _status(on_a, "/accueils/mes-reservations") == 302
    assert _status(on(server_b, on_a), "/accueils/mes-reservations") == 302
    assert _status(app.test_client(), "/api/v1/bookings", token) == 401
    assert _status(server_b.test_client(), "/api/v1/bookings", token) == 401


def test_new_password_on_one_server_ends_the_sessions_and_tokens_used_on_the_other(app, server_b):
    parent, _household, _child = make_parent_with_child()
    on_a = app.test_client()
    assert login(on_a, parent).status_code == 302
    token = api_token(on_a, parent.email)
    on_b = server_b.test_client()
    assert login(on_b, parent).status_code == 302

    response = on_b.post("/mon-compte/mot-de-passe", data={
        "csrf_token": get_csrf(on_b, "/mon-compte/mot-de-passe"), "current_password": DEFAULT_PASSWORD,
        "password": NEW_PASSWORD, "password_confirm": NEW_PASSWORD})

    assert response.status_code == 302
    assert _status(on_a, "/accueils/mes-reservations") == 302
    assert _status(app.test_client(), "/api/v1/bookings", token) == 401
    # The session that set the password goes on, on either server.
    assert _status(on_b, "/accueils/mes-reservations") == 200
    assert _status(on(app, on_b), "/accueils/mes-reservations") == 200


def test_api_retry_landing_on_the_other_server_is_replayed_not_booked_twice(app, server_b):
    session = make_session(day=NOW.date() + timedelta(days=20), under6=0, over6=12)
    parent, _household, child = make_parent_with_child()
    db.session.commit()
    token = api_token(app.test_client(), parent.email)
    request = {"json": {"child_id": child.id, "session_id": session.id},
               "headers": {"Authorization": f"Bearer {token}", "Idempotency-Key": "retry-1"}}

    first = app.test_client().post("/api/v1/bookings", **request)
    retry = server_b.test_client().post("/api/v1/bookings", **request)

    assert first.status_code == retry.status_code == 201
    assert first.get_data() == retry.get_data()
    assert db.session.scalar(select(func.count(Booking.id)).where(Booking.child_id == child.id)) == 1


def test_web_submission_sent_again_to_the_other_server_is_replayed_not_booked_twice(app, server_b):
    sessions = [make_session(day=NOW.date() + timedelta(days=20 + k), under6=0, over6=12) for k in range(2)]
    parent, _household, child = make_parent_with_child()
    db.session.commit()
    on_a = app.test_client()
    assert login(on_a, parent).status_code == 302
    items = [f"{child.id}:{s.id}" for s in sessions]
    basket = on_a.post("/accueils/reserver/panier", data={
        "csrf_token": get_csrf(on_a, "/accueils/mes-reservations"), "item": items}).get_data(as_text=True)
    key = re.search(r'name="submission_key" value="([^"]+)"', basket).group(1)
    form = {"csrf_token": csrf_token_from(basket), "submission_key": key, "item": items}

    first = on_a.post("/accueils/reserver", data=form)
    again = on(server_b, on_a).post("/accueils/reserver", data=form)

    assert first.status_code == again.status_code == 200
    stored = db.session.scalars(select(Booking.session_id).where(Booking.child_id == child.id)).all()
    assert sorted(stored) == sorted(s.id for s in sessions)
