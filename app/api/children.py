"""/api/v1/children: the caller's children. Thin adapters onto app.families.services."""
from __future__ import annotations

from flask import jsonify

from app.api import fields
from app.api.auth import current_api_user, token_required
from app.api.booking import require_parent
from app.api.openapi import ApiDocument, date_schema, error_response, text_schema
from app.api.views import bp, json_body
from app.families import services as families
from app.families.models import Child

DOC = ApiDocument()  # this module's part of the OpenAPI document (registered by app/composition.py)


def child_json(child: Child) -> dict:
    return {"id": child.id, "first_name": child.first_name, "last_name": child.last_name,
            "birth_date": child.birth_date.isoformat()}


@bp.get("/children")
@token_required
def list_children():
    require_parent()
    return jsonify({"children": [child_json(c) for c in families.children_of(current_api_user())]})


@bp.post("/children")
@token_required
def create_child():
    require_parent()
    data = json_body("first_name", "last_name", "birth_date")
    child = families.add_child_creating_household(current_api_user(), families.ChildData(
        first_name=fields.text(data, "first_name", max_length=100),
        last_name=fields.text(data, "last_name", max_length=100),
        birth_date=fields.day(data, "birth_date")))
    return jsonify(child_json(child)), 201


_CHILD_PROPERTIES = {
    "first_name": text_schema(100),
    "last_name": text_schema(100),
    "birth_date": date_schema("2018-05-14", "Ni dans le futur, ni il y a plus de 18 ans (sinon 422)."),
}
DOC.schema("Child", {"type": "object", "required": ["id", "first_name", "last_name", "birth_date"],
                     "properties": {"id": {"type": "integer"}, **_CHILD_PROPERTIES}})
DOC.schema("ChildInput", {"type": "object", "required": ["first_name", "last_name", "birth_date"],
                          "additionalProperties": False,
                          "properties": _CHILD_PROPERTIES})
_SECURITY = [{"bearerAuth": []}]
_PARENTS_ONLY = error_response("Réservé aux comptes parents (parent_only)")
_UNAUTHORIZED = error_response("Jeton absent, invalide ou expiré (code unauthorized)")

DOC.path("/children", "get", {
    "summary": "Les enfants du foyer de l'appelant", "security": _SECURITY,
    "responses": {
        "200": {"description": "Enfants", "content": {"application/json": {"schema": {
            "type": "object", "required": ["children"],
            "properties": {"children": {"type": "array", "items": {"$ref": "#/components/schemas/Child"}}}}}}},
        "401": _UNAUTHORIZED, "403": _PARENTS_ONLY},
})
DOC.path("/children", "post", {
    "summary": "Ajouter un enfant au foyer (le foyer est créé s'il n'existe pas encore)", "security": _SECURITY,
    "requestBody": {"required": True, "content": {"application/json": {
        "schema": {"$ref": "#/components/schemas/ChildInput"}}}},
    "responses": {
        "201": {"description": "Enfant ajouté", "content": {"application/json": {
            "schema": {"$ref": "#/components/schemas/Child"}}}},
        "401": _UNAUTHORIZED, "403": _PARENTS_ONLY,
        "422": error_response("Champ manquant ou non valide (error.field le nomme) ; date de naissance "
                              "future ou invraisemblable"),
    },
})
