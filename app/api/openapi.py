"""The OpenAPI 3.1 document of /api/v1.

Each API module declares its paths and schemas in its own `DOC` (an ApiDocument), next
to the routes they describe, so that the document cannot drift far from the code; the
composition root (app/composition.py, API_MODULES) reads every module's DOC into the
application's ApiRegistry (app.extensions). A test checks that every /api/v1 route is documented.
"""
from __future__ import annotations

import copy
from dataclasses import dataclass, field

from app.registries import current


@dataclass
class ApiDocument:
    """The paths and schemas one API module documents."""

    paths: dict[str, dict] = field(default_factory=dict)
    schemas: dict[str, dict] = field(default_factory=dict)

    def path(self, path: str, method: str, operation: dict) -> None:
        self.paths.setdefault(path, {})[method.lower()] = operation

    def schema(self, name: str, schema: dict) -> None:
        self.schemas[name] = schema


@dataclass
class ApiRegistry:
    """The application's OpenAPI paths and schemas, from every API module's DOC."""

    paths: dict[str, dict] = field(default_factory=dict)
    schemas: dict[str, dict] = field(default_factory=dict)


def register_document(document: ApiDocument) -> None:
    """Add one module's paths and schemas to the current application's document; an operation or a
    schema documented twice is a programming error."""
    registry = current(ApiRegistry)
    for path, operations in document.paths.items():
        held = registry.paths.setdefault(path, {})
        for method, operation in operations.items():
            if method in held:
                raise RuntimeError(f"{method.upper()} {path} documented twice")
            held[method] = operation
    for name, schema in document.schemas.items():
        if name in registry.schemas:
            raise RuntimeError(f"schema {name} documented twice")
        registry.schemas[name] = schema

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


def openapi_document() -> dict:
    registry = current(ApiRegistry)
    return {
        "openapi": "3.1.0",
        "info": {"title": "Pitchoun API", "version": "1.0.0",
                 "description": "API des services aux familles du Grand Cahors. Messages d'erreur en français."},
        "servers": [{"url": "/api/v1"}],
        "paths": copy.deepcopy(registry.paths),
        "components": {
            "securitySchemes": {"bearerAuth": {"type": "http", "scheme": "bearer"}},
            "schemas": {"Error": ERROR_SCHEMA, **copy.deepcopy(registry.schemas)},
        },
    }

