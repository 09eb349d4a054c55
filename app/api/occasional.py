"""/api/v1/occasional: free places per block and hourly bookings. Thin adapters onto app.occasional.

Same conventions as /api/v1/bookings: bearer token, typed fields with French
422s (app.api.fields), parents only (403 parent_only), another household's
child is a 404, refusals are 409 with a stable code, the Idempotency-Key
header replays the first answer (same status, same body). A full range is a
409 "blocks_full" whose error also lists the full blocks and the nearest free
ranges; send "join_waitlist": true to wait for the exact range instead.
"""
from __future__ import annotations

from flask import jsonify, make_response, request
from flask_babel import gettext as _

from app.api import fields
from app.api.auth import current_api_user, token_required
from app.api.booking import require_parent
from app.api.openapi import IDEMPOTENCY_KEY, ApiDocument, date_schema, error_response
from app.api.views import bp, json_body
from app.errors import Conflict, ValidationFailed
from app.occasional import services
from app.occasional.blocks import availability as block_availability
from app.occasional.errors import OutsideOpeningHours

DOC = ApiDocument()  # this module's part of the OpenAPI document (registered by app/composition.py)


@bp.get("/occasional/availability")
@token_required
def occasional_availability():
    provider_id = fields.query_integer(request.args, "provider_id")
    day = fields.query_day(request.args, "date")
    if provider_id is None:
        raise ValidationFailed(_("Le paramètre « provider_id » est obligatoire."), field="provider_id")
    if day is None:
        raise ValidationFailed(_("Le paramètre « date » est obligatoire."), field="date")
    provider = services.get_provider(provider_id)
    blocks = block_availability(provider, day)
    return jsonify({"provider_id": provider.id, "provider_name": provider.name, "date": day.isoformat(),
                    "walking_age_months": provider.walking_age_months,
                    "blocks": [{"start": b.start.strftime("%H:%M"), "end": b.end.strftime("%H:%M"),
                                "capacity": b.capacity, "free": b.free} for b in blocks]})


@bp.post("/occasional/bookings")
@token_required
def occasional_book():
    require_parent()
    key = fields.idempotency_key(request.headers)
    data = json_body("child_id", "provider_id", "date", "start", "end", "join_waitlist")
    child_id, provider_id = fields.identifier(data, "child_id"), fields.identifier(data, "provider_id")
    day, start, end = fields.day(data, "date"), fields.clock(data, "start"), fields.clock(data, "end")
    join = data.get("join_waitlist", False)
    if not isinstance(join, bool):
        raise ValidationFailed(_("Le champ « join_waitlist » doit valoir true ou false."), field="join_waitlist")
    try:
        submission = services.request_care(current_api_user(), child_id, provider_id, day, start, end,
                                           join_waitlist=join, idempotency_key=key)
    except OutsideOpeningHours as error:
        # The provider's hours on that day, not the request's form, refuse it: a 409 like provider_closed.
        raise Conflict(error.message, code=error.code, field=error.field) from None
    answer = submission.answers[0]
    fields.same_request((submission.child_id, submission.provider_id, answer.day, answer.start, answer.end),
                        (child_id, provider_id, day.isoformat(), start.strftime("%H:%M"), end.strftime("%H:%M")))
    if answer.status in ("full", "refused"):
        error = {"code": answer.code, "message": answer.reason}
        if answer.status == "full":
            error.update({"full_blocks": answer.full_blocks, "alternatives": answer.alternatives})
        return make_response(jsonify({"error": error}), 409)
    return jsonify({"id": answer.booking_id, "child_id": submission.child_id, "provider_id": submission.provider_id,
                    "date": answer.day, "start": answer.start, "end": answer.end, "status": answer.status,
                    "waitlist_position": answer.waitlist_position, "price": answer.price}), 201


# ---------------------------------------------------------------- OpenAPI

_DATE = date_schema("2026-12-15")
_TIME = {"type": "string", "pattern": "^[0-9]{2}:[0-9]{2}$", "example": "05:30"}
# Requests fall on the half-hour (range_not_aligned otherwise).
_HALF_HOUR = {"type": "string", "pattern": "^([01][0-9]|2[0-3]):(00|30)(:00)?$", "example": "05:30"}
_ID = {"type": "integer", "minimum": 1, "maximum": fields.MAX_ID}
_SECURITY = [{"bearerAuth": []}]
_BANDS = {"type": "object", "required": ["not_walking", "walking"],
          "properties": {"not_walking": {"type": "integer", "minimum": 0}, "walking": {"type": "integer", "minimum": 0}}}
_UNAUTHORIZED = error_response("Jeton absent, invalide ou expiré (code unauthorized)")


def _json(schema: dict, description: str) -> dict:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


DOC.schema("OccasionalAvailability", {
    "type": "object", "required": ["provider_id", "date", "blocks"],
    "properties": {
        "provider_id": {"type": "integer"}, "provider_name": {"type": "string"}, "date": _DATE,
        "walking_age_months": {"type": "integer", "description": "En dessous de cet âge (en mois), un enfant "
                               "compte dans la tranche not_walking (ne marche pas)."},
        "blocks": {"type": "array", "items": {
            "type": "object", "required": ["start", "end", "capacity", "free"],
            "properties": {"start": _TIME, "end": _TIME, "capacity": _BANDS, "free": _BANDS}}},
    },
})
DOC.schema("OccasionalBookingInput", {
    "type": "object", "required": ["child_id", "provider_id", "date", "start", "end"], "additionalProperties": False,
    "description": "start avant end (sinon 422 invalid_range) ; la plage doit tenir dans les horaires d'ouverture "
                   "de la structure ce jour-là (sinon 409 outside_opening_hours).",
    "properties": {"child_id": _ID, "provider_id": _ID, "date": _DATE, "start": _HALF_HOUR,
                   "end": {**_HALF_HOUR, "example": "07:30"},
                   "join_waitlist": {"type": "boolean", "default": False,
                                     "description": "Si la plage est complète, rejoindre la liste d'attente."}},
})
DOC.schema("OccasionalBookingResult", {
    "type": "object", "required": ["id", "status", "waitlist_position"],
    "properties": {
        "id": {"type": "integer"}, "child_id": {"type": "integer"}, "provider_id": {"type": "integer"},
        "date": _DATE, "start": _TIME, "end": _TIME,
        "status": {"type": "string", "enum": ["confirmed", "urgent_pending", "waitlisted"],
                   "description": "urgent_pending : dans le délai de prévenance, places réservées en attendant "
                                  "la réponse de la coordinatrice."},
        "waitlist_position": {"type": ["integer", "null"], "minimum": 1},
        "price": {"type": ["string", "null"], "description": "Prix en euros (tarif horaire selon le QF)."},
    },
})
DOC.path("/occasional/availability", "get", {
    "summary": "Garde ponctuelle : places libres par demi-heure et par tranche d'âge", "security": _SECURITY,
    "parameters": [{"name": "provider_id", "in": "query", "required": True, "schema": _ID},
                   {"name": "date", "in": "query", "required": True, "schema": _DATE}],
    "responses": {"200": _json({"$ref": "#/components/schemas/OccasionalAvailability"}, "Disponibilités"),
                  "401": _UNAUTHORIZED,
                  "404": error_response("Structure inconnue (provider_not_found)"),
                  "422": error_response("Paramètre absent ou mal formé")},
})
DOC.path("/occasional/bookings", "post", {
    "summary": "Garde ponctuelle : demander une plage horaire pour un enfant du foyer", "security": _SECURITY,
    "parameters": [IDEMPOTENCY_KEY],
    "requestBody": {"required": True, "content": {"application/json": {
        "schema": {"$ref": "#/components/schemas/OccasionalBookingInput"}}}},
    "responses": {
        "201": _json({"$ref": "#/components/schemas/OccasionalBookingResult"},
                     "Confirmée, urgente (en attente de la coordinatrice) ou en liste d'attente"),
        "401": _UNAUTHORIZED,
        "403": error_response("Réservé aux comptes parents (parent_only)"),
        "404": error_response("Enfant d'un autre foyer ou inconnu (child_not_found), structure inconnue "
                              "(provider_not_found)"),
        "409": error_response("Complet (blocks_full, avec error.full_blocks et error.alternatives), ou refusée : "
                              "age_out_of_range, provider_closed, outside_opening_hours (hors des horaires de "
                              "ce jour-là), day_in_past, already_requested"),
        "422": error_response("Requête mal formée ; plage non alignée sur la demi-heure (range_not_aligned), "
                              "fin avant début (invalid_range) ; clé d'idempotence réutilisée "
                              "(idempotency_key_reused)"),
    },
})
