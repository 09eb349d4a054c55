"""/api/v1: JSON adapters onto the domain services.

Errors are always {"error": {"code", "message"}} with a French message (see
app.errors). CSRF does not apply: the API authenticates with a bearer token
sent in a header, which a third-party site cannot make a browser send.
"""
from __future__ import annotations

from flask import Blueprint, current_app, g, jsonify, request
from flask_babel import gettext as _

from app.accounts import services as account_services
from app.api.auth import issue_token
from app.api.openapi import ApiDocument, error_response, openapi_document
from app.errors import ValidationFailed
from app.extensions import csrf, utcnow

bp = Blueprint("api", __name__, url_prefix="/api/v1")
csrf.exempt(bp)
DOC = ApiDocument()  # this module's part of the OpenAPI document (registered by app/composition.py)


@bp.before_request
def _record_arrival() -> None:
    """When the request reached the application, before any lock wait (stored on bookings)."""
    g.arrived_at = utcnow()


def json_body(*names: str) -> dict:
    """The request's JSON object holding only the fields `names`, or a 422 with a French message."""
    from app.api.fields import only

    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        raise ValidationFailed(_("Le corps de la requête doit être un objet JSON."))
    return only(data, names) if names else data


@bp.post("/auth/token")
def auth_token():
    """Exchange e-mail and password for a bearer token.

    The refused attempts count in the same counters as the web log-in form
    (accounts.services.log_in): after LOGIN_FAILURES_PER_ACCOUNT of them,
    the account answers 429 here too until the window passes or the owner
    signs in with the e-mailed link.
    """
    data = json_body("email", "password", "label")
    email, password = data.get("email"), data.get("password")
    if not isinstance(email, str) or not isinstance(password, str) or not email or not password:
        raise ValidationFailed(_("Indiquez « email » et « password » (chaînes de caractères)."))
    label = data.get("label") if isinstance(data.get("label"), str) else ""
    user = account_services.log_in(email, password, request.remote_addr or "unknown")
    return jsonify({"token": issue_token(user, label or request.headers.get("User-Agent", "")[:100]),
                    "token_type": "Bearer", "expires_in": current_app.config["API_TOKEN_MAX_AGE"]})


@bp.get("/openapi.json")
def openapi():
    return jsonify(openapi_document())


DOC.path("/auth/token", "post", {
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
DOC.path("/openapi.json", "get", {"summary": "Ce document", "responses": {"200": {"description": "OpenAPI"}}})


# Route modules register themselves on `bp` (and in the OpenAPI document) when imported.
from app.api import booking, children, occasional  # noqa: E402, F401
