"""Schemathesis (tests/api/test_schemathesis.py) tests what /api/v1/openapi.json documents:
every API route of the URL map must be in that document, so none escapes the fuzzing."""
from __future__ import annotations

import re


def test_every_api_route_is_in_the_openapi_document(app, client):
    document = client.get("/api/v1/openapi.json").get_json()
    documented = {(path, method.upper()) for path, item in document["paths"].items() for method in item
                  if method.lower() in ("get", "post", "put", "patch", "delete")}
    prefix = "/api/v1"
    missing = []
    for rule in app.url_map.iter_rules():
        if not rule.endpoint.startswith("api.") or rule.endpoint in ("api.openapi",):
            continue
        path = re.sub(r"<(?:\w+(?:\([^)]*\))?:)?(\w+)>", r"{\1}", rule.rule)[len(prefix):]
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            if (path, method) not in documented:
                missing.append(f"{method} {path}")
    assert not missing, f"API routes missing from the OpenAPI document (so from schemathesis): {missing}"
