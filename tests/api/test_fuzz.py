"""Property test: whatever JSON a client posts, the API answers 2xx or a 4xx JSON error, never a 500."""
from __future__ import annotations

from datetime import timedelta

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from app.accounts.models import Role
from tests.api.support import bearer, error_of, today
from tests.booking.factories import make_activity, make_parent_with_child, make_session, make_site, make_unit
from tests.factories import make_user

pytestmark = pytest.mark.slow

FIELDS = ["first_name", "last_name", "birth_date", "child_id", "session_id", "site_id", "activity_id", "date",
          "start", "end", "capacity_under6", "capacity_over6", "opens_at"]

scalars = st.one_of(
    st.none(), st.booleans(), st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=20), st.text(alphabet=st.characters(codec="utf-8"), min_size=150, max_size=400),
    st.sampled_from(["2026-12-16", "2019-02-29", "0000-01-01", "9999-12-31", "2100-12-31", "1900-01-01", "08:30", "24:00",
                    "\u0000",
                     "2026-12-16T08:00:00+01:00", "𝔷𝔬𝔢́", "Zoé\u202e", "1", "-1", ""]),
    st.integers(min_value=1, max_value=5),
)
values = st.recursive(scalars, lambda inner: st.lists(inner, max_size=3) | st.dictionaries(
    st.text(max_size=5), inner, max_size=3), max_leaves=6)
# Mostly valid bodies with some values replaced, so that the services are reached too.
VALID = {"first_name": "Zoé", "last_name": "Lacoste", "birth_date": "2019-02-03", "child_id": 1, "session_id": 1,
         "site_id": 1, "activity_id": 1, "date": "2026-12-16", "start": "08:30", "end": "17:30",
         "capacity_under6": 8, "capacity_over6": 12, "opens_at": None}


@st.composite
def near_valid(draw) -> dict:
    body = dict(VALID)
    for name in draw(st.sets(st.sampled_from(FIELDS), max_size=2)):
        body[name] = draw(values)
    return body


bodies = st.one_of(
    near_valid(),
    st.dictionaries(st.sampled_from(FIELDS), values, max_size=len(FIELDS)),
    values,
)

ALLOWED = {200, 201, 403, 404, 409, 422}


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                  HealthCheck.too_slow])
@given(path=st.sampled_from(["/api/v1/children", "/api/v1/sessions", "/api/v1/bookings"]),
       body=bodies)
def test_post_bodies_never_cause_a_server_error(client, path, body):
    # Sessions are created by staff, children and bookings by parents.
    headers = _fixture()["admin" if path.endswith("/sessions") else "parent"]
    response = client.post(path, headers=headers, json=body)
    event(f"{path} {response.status_code}")
    assert response.status_code in ALLOWED, (response.status_code, response.get_data(as_text=True)[:300])
    if response.status_code >= 400:
        error = error_of(response)
        assert error["message"] and error["code"]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(path=st.sampled_from(["/api/v1/children", "/api/v1/sessions", "/api/v1/bookings"]),
       raw=st.binary(max_size=200) | st.text(max_size=200).map(lambda t: t.encode("utf-8")))
def test_raw_bodies_give_422(client, path, raw):
    response = client.post(path, headers=_fixture()["parent"], data=raw, content_type="application/json")
    assert response.status_code in ALLOWED, response.status_code
    if response.status_code >= 400:
        assert error_of(response)["code"]


_CACHE: dict = {}


@pytest.fixture(autouse=True)
def _fresh_cache():
    _CACHE.clear()
    yield
    _CACHE.clear()


def _fixture() -> dict:
    """A site, an activity, a session and a parent's child, made once per test (the tables are emptied after it)."""
    if _CACHE:
        return _CACHE
    site = make_site()
    make_session(make_unit(make_activity(site)), day=today() + timedelta(days=20))
    parent, _h, _child = make_parent_with_child()
    _CACHE.update(site_id=site.id, parent=bearer(parent), admin=bearer(make_user(Role.ADMIN)))
    return _CACHE
