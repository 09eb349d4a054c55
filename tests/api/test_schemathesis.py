"""Schemathesis over /api/v1/openapi.json, in-process on the WSGI app, with valid tokens.

Every documented operation is called with generated data (bounded:
a few examples each); the answers must never be server errors and must
conform to the documented status codes, content types and response schemas.
"""
from __future__ import annotations

from datetime import timedelta

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from app import create_app
from app.accounts.models import Role
from app.api.openapi import openapi_document
from config import TestConfig
from tests.api.support import bearer, school_calendar, today
from tests.booking.factories import make_activity, make_parent_with_child, make_session, make_unit
from tests.factories import make_user

pytestmark = pytest.mark.slow

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]


# The document of an application built by the composition root (the same for every application; the test
# below checks it against the test app's); requests go to the test app in-process.
# (schemathesis.pytest.from_fixture would fetch it from the app, but does not work with this pytest.)
with create_app(TestConfig).app_context():
    schema = schemathesis.openapi.from_dict(openapi_document())


@pytest.fixture
def tokens():
    """A parent with a child and a booking, an administrator, a site with an activity and a session."""
    school_calendar()
    session = make_session(make_unit(make_activity()), day=today() + timedelta(days=20))
    parent, _h, child = make_parent_with_child()
    from app.booking import services

    services.book(parent, [(child.id, session.id)])
    return {"parent": bearer(parent), "admin": bearer(make_user(Role.ADMIN))}



def test_the_tested_document_is_the_served_one(client):
    assert client.get("/api/v1/openapi.json").get_json() == schema.raw_schema


@schema.parametrize()
@settings(max_examples=12, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                                 HealthCheck.filter_too_much])
def test_api_conforms_to_its_openapi_document(app, case, tokens):
    staff_only = case.method.upper() == "POST" and case.path == "/sessions"
    headers = tokens["admin"] if staff_only else tokens["parent"]
    case.call_and_validate(app=app, headers=headers, checks=CHECKS)
