"""Workshop capacity holds when many childminders register at the same moment (real server, threads)."""
from __future__ import annotations

import threading

import pytest
import requests
from sqlalchemy import select

from app.extensions import db
from app.ram.models import WorkshopRegistration
from tests.conftest import csrf_token_from
from tests.factories import DEFAULT_PASSWORD
from tests.ram.factories import make_childminder, make_relais, make_workshop

pytestmark = pytest.mark.slow


def test_simultaneous_registrations_never_exceed_capacity(live_server):
    relais = make_relais()
    workshop = make_workshop(relais, capacity=5)  # room for two childminders with one child each
    emails = [make_childminder(relais=relais, first_name=f"AM{n}").user.email for n in range(8)]
    workshop_id = workshop.id
    db.session.commit()  # and touch no model below: on SQLite a read would take the write lock

    sessions = []
    for email in emails:
        s = requests.Session()
        token = csrf_token_from(s.get(f"{live_server}/connexion", timeout=30).text)
        r = s.post(f"{live_server}/connexion", data={"email": email, "password": DEFAULT_PASSWORD,
                                                     "csrf_token": token}, allow_redirects=False, timeout=30)
        assert r.status_code == 302
        page = s.get(f"{live_server}/relais/ateliers/{workshop_id}", timeout=30).text
        sessions.append((s, csrf_token_from(page)))

    barrier = threading.Barrier(len(sessions))
    statuses = []

    def register(s, token):
        barrier.wait()
        r = s.post(f"{live_server}/relais/ateliers/{workshop_id}/inscription",
                   data={"csrf_token": token, "child_1": "Lou"}, allow_redirects=False, timeout=60)
        statuses.append(r.status_code)

    threads = [threading.Thread(target=register, args=pair) for pair in sessions]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert statuses == [302] * len(sessions)  # refusals are flashed on the workshop page
    db.session.expire_all()
    registrations = db.session.scalars(select(WorkshopRegistration)).all()
    assert len(registrations) == 2
    assert sum(r.persons for r in registrations) <= 5
