"""The OpenAPI document covers every /api/v1 route; every token route refuses requests without a token."""
from __future__ import annotations

import re

import pytest

from app.accounts.models import Role
from tests.api.support import bearer, error_of
from tests.factories import make_user

PUBLIC_ENDPOINTS = {"api.auth_token", "api.openapi"}


def _api_rules(app):
    return [r for r in app.url_map.iter_rules() if r.rule.startswith("/api/v1/")]


def _openapi_path(rule) -> str:
    return re.sub(r"<(?:\w+(?:\([^)]*\))?:)?(\w+)>", r"{\1}", rule.rule[len("/api/v1"):])


def test_every_api_route_is_documented(app, client):
    document = client.get("/api/v1/openapi.json").get_json()
    assert document["openapi"].startswith("3.1")
    documented = {(path, method) for path, operations in document["paths"].items() for method in operations}
    routes = {(_openapi_path(rule), method.lower()) for rule in _api_rules(app)
              for method in rule.methods - {"HEAD", "OPTIONS"}}
    assert routes - documented == set(), "routes missing from the OpenAPI document"
    assert documented - routes == set(), "documented operations without a route"


def test_every_documented_operation_has_responses_and_schemas(client):
    document = client.get("/api/v1/openapi.json").get_json()
    schemas = document["components"]["schemas"]
    text = str(document)
    for name in re.findall(r"#/components/schemas/(\w+)", text):
        assert name in schemas, name
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            assert operation.get("summary"), (path, method)
            responses = operation["responses"]
            if path == "/openapi.json":
                continue
            success = [code for code in responses if code.startswith("2")]
            assert success and all("content" in responses[code] for code in success), (path, method)
            errors = [code for code in responses if code[0] in "45"]
            assert errors and all(responses[c]["content"]["application/json"]["schema"]
                                  == {"$ref": "#/components/schemas/Error"} for c in errors)
            if method in ("post", "put", "patch"):
                assert operation["requestBody"]["content"]["application/json"]["schema"], (path, method)
            if operation.get("security"):
                assert "401" in responses, (path, method)


def _concrete(rule) -> str:
    return re.sub(r"<[^>]+>", "999999", rule.rule)


def test_every_token_route_answers_401_json_without_a_valid_token(app, client):
    problems = []
    for rule in _api_rules(app):
        if rule.endpoint in PUBLIC_ENDPOINTS:
            continue
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            for headers in ({}, {"Authorization": "Bearer faux"}):
                response = client.open(_concrete(rule), method=method, headers=headers, json={})
                if response.status_code != 401 or error_of(response)["code"] != "unauthorized":
                    problems.append(f"{method} {rule.rule} {headers}: {response.status_code}")
    assert not problems


def test_revoked_token_is_refused(client):
    user = make_user(Role.PARENT)
    headers = bearer(user)
    user.session_version += 1
    from app.extensions import db

    db.session.commit()
    response = client.get("/api/v1/children", headers=headers)
    assert response.status_code == 401 and "révoqué" in error_of(response)["message"]


@pytest.mark.parametrize("role", list(Role))
def test_every_token_route_answers_each_role_without_server_error(app, client, role):
    headers = bearer(make_user(role))
    for rule in _api_rules(app):
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            response = client.open(_concrete(rule), method=method, headers=headers, json={})
            assert response.status_code < 500, (method, rule.rule, role)
            if response.status_code >= 400:
                assert error_of(response)["message"]
