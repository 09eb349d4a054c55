"""Schemathesis's command line with every check (`--checks all`), as a parent and as a director.

The CLI runs its phases (examples, coverage, fuzzing, stateful) on positive and
negative data against the application served on 127.0.0.1; every check must
pass: no server error, documented statuses, content types and bodies, no
schema-valid request refused (422), every schema-invalid request refused, the
token required everywhere, 405 with an Allow header, and so on. The rules JSON
Schema cannot carry (between two fields, relative to today, a new idempotency
key per request) are described in the document and taught to the generator by
tests/api/schemathesis_hooks.py.
"""
from __future__ import annotations

import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest

from app.accounts.models import Role
from app.extensions import db
from tests.api.support import school_calendar, today
from tests.booking.factories import (
    make_activity,
    make_parent_with_child,
    make_session,
    make_site,
    make_staff,
    make_unit,
)
from tests.conftest import api_token
from tests.occasional.factories import make_provider

pytestmark = pytest.mark.slow

SCHEMATHESIS = Path(sys.executable).with_name("schemathesis")
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def world():
    """A site with an activity and a session, its director, a parent with a child and a booking, a provider."""
    school_calendar()
    site = make_site()
    session = make_session(make_unit(make_activity(site)), day=today() + timedelta(days=20))
    parent, _household, child = make_parent_with_child()
    director = make_staff(site, Role.DIRECTOR)
    make_provider()
    from app.booking import services

    services.book(parent, [(child.id, session.id)])
    emails = {"parent": parent.email, "director": director.email}
    db.session.commit()  # release the test's transaction (on SQLite it holds the write lock)
    return emails


@pytest.mark.parametrize("role", ["parent", "director"])
def test_schemathesis_all_checks_pass(world, live_server, role, tmp_path):
    token = api_token(live_server, world[role])
    command = [str(SCHEMATHESIS), "run", f"{live_server}/api/v1/openapi.json", "--checks", "all",
               "-H", f"Authorization: Bearer {token}", "--max-examples", "20", "--seed", "18",
               "--workers", "1", "--generation-database", "none", "--no-color", "--warnings", "off",
               "--report-dir", str(tmp_path)]
    env = {**os.environ, "SCHEMATHESIS_HOOKS": "tests.api.schemathesis_hooks", "PYTHONPATH": str(ROOT)}
    result = subprocess.run(command, capture_output=True, text=True, timeout=900, env=env, cwd=tmp_path)
    assert result.returncode == 0, result.stdout[-20000:] + result.stderr[-3000:]
