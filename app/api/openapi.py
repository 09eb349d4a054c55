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


# Building blocks stating what app.api.fields enforces, so that a schema-valid value is never refused
# for its form (rules between fields or relative to today are written in the descriptions).
def date_schema(example: str, description: str | None = None) -> dict:
    """YYYY-MM-DD, a real day of a year from MIN_YEAR to MAX_YEAR (app.api.fields.day)."""
    from app.api.fields import MAX_YEAR, MIN_YEAR

    assert (MIN_YEAR, MAX_YEAR) == (1900, 2100), "update the pattern below"
    schema = {"type": "string", "format": "date", "pattern": "^(19[0-9]{2}|20[0-9]{2}|2100)-[0-9]{2}-[0-9]{2}$",
              "example": example}
    return {**schema, "description": description} if description else schema


# A text field: at most `max_length` characters as sent, no control or format character, not only
# spaces (app.api.fields.text trims it with str.strip and refuses it empty).
# Control and format characters the services refuse in a line of text (families.services.
# has_control_characters: categories Cc, Cf, Zl, Zp except the zero-width joiner of emoji sequences);
# the format characters of the Basic Multilingual Plane are listed here.
_CONTROL = ("\\u0000-\\u001f\\u007f-\\u009f\\u00ad\\u0600-\\u0605\\u061c\\u06dd\\u070f\\u0890\\u0891"
            "\\u08e2\\u180e\\u200b\\u200c\\u200e\\u200f\\u2028-\\u202e\\u2060-\\u2064\\u2066-\\u206f"
            "\\ufeff\\ufff9-\\ufffb")
_SPACE = " \\u00a0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000"


def text_schema(max_length: int) -> dict:
    return {"type": "string", "minLength": 1, "maxLength": max_length,
            "pattern": f"^[^{_CONTROL}]*[^{_SPACE}{_CONTROL}][^{_CONTROL}]*$"}


TIME_SCHEMA = {"type": "string", "pattern": "^([01][0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9])?$", "example": "08:30"}
IDEMPOTENCY_KEY = {
    "name": "Idempotency-Key", "in": "header", "required": False,
    "schema": {"type": "string", "pattern": "^[\\x21-\\x7e]{1,100}$"},
    "description": "Clé choisie par le client (1 à 100 caractères ASCII visibles), nouvelle pour chaque demande. "
                   "La même demande renvoyée avec la même clé reçoit la première réponse (même statut, même corps) "
                   "sans rien réserver de plus ; une clé déjà utilisée pour une autre demande (autre enfant, "
                   "autre séance ou plage) est refusée : 422 idempotency_key_reused.",
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
        "type": "object", "required": ["email", "password"], "additionalProperties": False,
        "properties": {"email": {"type": "string", "minLength": 1}, "password": {"type": "string", "minLength": 1},
                       "label": {"type": "string", "maxLength": 100,
                                 "description": "Nom du jeton sur la page « Mon compte » "
                                                "(par défaut : l'application qui le demande)."}}}}}},
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
