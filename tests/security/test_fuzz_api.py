"""Hostile JSON on every API write, against the access-matrix world (real ids of A and X):
never a 500; a refusal is a JSON error with a French message (and the field when one
field is at fault); a refusal writes nothing (row counts of every table unchanged)."""
from __future__ import annotations

import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conftest import api_token
from tests.security.test_fuzz_forms import HOSTILE, _row_counts
from tests.security.world import build_world

pytestmark = pytest.mark.slow

ENGLISH = re.compile(r"\b(must be|is required|Invalid|Not a valid|expected)\b")
NAMES = ["first_name", "last_name", "birth_date", "child_id", "session_id", "unit_id", "day", "items",
         "capacity_under6", "capacity_over6", "email", "password"]
JSON_VALUES = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(min_value=-2**64, max_value=2**64), st.floats(), HOSTILE,
              st.text(alphabet=st.characters(min_codepoint=0x80), max_size=500)),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.sampled_from(NAMES), inner, max_size=3),
    max_leaves=8)


def test_api_writes_survive_hostile_json(client):
    world = build_world()
    tokens = {role: api_token(client, world.users[role].email) for role in ("parent_a", "parent_b", "admin")}
    ids = world.ids
    writes = [("POST", "/api/v1/bookings"), ("POST", "/api/v1/children"), ("POST", "/api/v1/sessions"),
              ("POST", "/api/v1/auth/token"), ("DELETE", f"/api/v1/bookings/{ids['booking_id']}")]

    @settings(max_examples=80, deadline=None, database=None, derandomize=True,
              suppress_health_check=list(HealthCheck))
    @given(route=st.sampled_from(writes), role=st.sampled_from(sorted(tokens)),
           body=st.one_of(JSON_VALUES, st.fixed_dictionaries({}, optional={n: JSON_VALUES for n in NAMES})),
           real=st.booleans())
    def fuzz(route, role, body, real):
        method, path = route
        if real and isinstance(body, dict):  # real identifiers of A and X, to reach the services
            body.setdefault("child_id", ids["child_id"])
            body.setdefault("session_id", ids["session_id"])
        before = _row_counts()
        response = client.open(path, method=method, json=body,
                               headers={"Authorization": f"Bearer {tokens[role]}"})
        where = f"{method} {path} as {role}: {str(body)[:200]}"
        assert response.status_code < 500, where
        if response.status_code >= 400:
            error = response.get_json()["error"]
            assert error["message"] and not ENGLISH.search(error["message"]), (where, error)
            if response.status_code != 429:
                assert _row_counts() == before, f"{where}: written on refusal"

    fuzz()
