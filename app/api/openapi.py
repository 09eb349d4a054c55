"""The OpenAPI 3.1 document of /api/v1.

Each API module registers its paths and schemas here at import time, next
to the routes they describe, so that the document cannot drift far from
the code; a test checks that every /api/v1 route is documented.
"""
from __future__ import annotations

import copy

_PATHS: dict[str, dict] = {}
_SCHEMAS: dict[str, dict] = {}

ERROR_SCHEMA = {
    "type": "object",
    "required": ["error"],
    "properties": {"error": {"type": "object", "required": ["code", "message"], "properties": {
        "code": {"type": "string"}, "message": {"type": "string"}, "field": {"type": "string"}}}},
}


def error_response(description: str) -> dict:
    return {"description": description,
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}


def document_path(path: str, method: str, operation: dict) -> None:
    _PATHS.setdefault(path, {})[method.lower()] = operation


def document_schema(name: str, schema: dict) -> None:
    _SCHEMAS[name] = schema


def openapi_document() -> dict:
    return {
        "openapi": "3.1.0",
        "info": {"title": "Pitchoun API", "version": "1.0.0",
                 "description": "API des services aux familles du Grand Cahors. Messages d'erreur en français."},
        "servers": [{"url": "/api/v1"}],
        "paths": copy.deepcopy(_PATHS),
        "components": {
            "securitySchemes": {"bearerAuth": {"type": "http", "scheme": "bearer"}},
            "schemas": {"Error": ERROR_SCHEMA, **copy.deepcopy(_SCHEMAS)},
        },
    }


document_path("/auth/token", "post", {
    "summary": "Obtenir un jeton d'accès",
    "requestBody": {"required": True, "content": {"application/json": {"schema": {
        "type": "object", "required": ["email", "password"],
        "properties": {"email": {"type": "string"}, "password": {"type": "string"}}}}}},
    "responses": {
        "200": {"description": "Jeton", "content": {"application/json": {"schema": {
            "type": "object", "required": ["token"], "properties": {
                "token": {"type": "string"}, "token_type": {"type": "string"}, "expires_in": {"type": "integer"}}}}}},
        "401": error_response("Identifiants incorrects"),
        "422": error_response("Requête mal formée"),
        "429": error_response("Trop de tentatives"),
    },
})
document_path("/openapi.json", "get", {"summary": "Ce document", "responses": {"200": {"description": "OpenAPI"}}})
