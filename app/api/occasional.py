"""/api/v1/occasional: availability per block and hourly bookings (same conventions as the rest of /api/v1).

Errors: {"error": {"code", "message", "field"?}} with 401/403/404/409/422.
A full range answers 409 "blocks_full" with the full blocks and the nearest
free ranges beside the error; send "join_waitlist": true to wait for it.
The Idempotency-Key header makes a retry return the first answer.
"""
from __future__ import annotations

from flask import jsonify, make_response, request
from flask_babel import gettext as _

from app.api.auth import current_api_user, token_required
from app.api.openapi import document_path, error_response
from app.api.views import bp, json_body
from app.errors import ValidationFailed
from app.occasional import services
from app.occasional.blocks import availability as block_availability
from app.occasional.blocks import parse_day


@bp.get("/occasional/availability")
@token_required
def occasional_availability():
    provider = services.get_provider(request.args.get("provider_id"))
    day = parse_day(request.args.get("date", ""))
    blocks = block_availability(provider, day)
    return jsonify({"provider_id": provider.id, "provider_name": provider.name, "date": day.isoformat(),
                    "bands": {"not_walking": _("moins de %(m)s mois", m=provider.walking_age_months),
                              "walking": _("%(m)s mois et plus", m=provider.walking_age_months)},
                    "blocks": [{"start": b.start.strftime("%H:%M"), "end": b.end.strftime("%H:%M"),
                                "capacity": b.capacity, "free": b.free} for b in blocks]})


@bp.post("/occasional/bookings")
@token_required
def occasional_book():
    data = json_body()
    missing = [name for name in ("child_id", "provider_id", "date", "start", "end") if data.get(name) in (None, "")]
    if missing:
        raise ValidationFailed(_("Champ obligatoire manquant : %(f)s.", f=missing[0]), field=missing[0])
    key = request.headers.get("Idempotency-Key") or None
    submission = services.request_care(current_api_user(), data["child_id"], data["provider_id"], data["date"],
                                       data["start"], data["end"], join_waitlist=bool(data.get("join_waitlist")),
                                       idempotency_key=key)
    answer = submission.answers[0]
    body = {"submission_id": submission.submission_id, "replayed": submission.replayed, "status": answer.status,
            "booking_id": answer.booking_id, "date": answer.day, "start": answer.start, "end": answer.end,
            "price": answer.price, "waitlist_position": answer.waitlist_position,
            "status_label": services.status_label(answer.status)}
    if answer.status in ("full", "refused"):
        error = {"error": {"code": answer.code, "message": answer.reason}}
        if answer.status == "full":
            error.update({"full_blocks": answer.full_blocks, "alternatives": answer.alternatives})
        return make_response(jsonify(error), 409)
    return make_response(jsonify(body), 200 if submission.replayed else 201)


_BLOCK = {"type": "object", "properties": {"start": {"type": "string"}, "end": {"type": "string"},
                                          "capacity": {"type": "object"}, "free": {"type": "object"}}}
document_path("/occasional/availability", "get", {
    "summary": "Places libres par demi-heure et par tranche d'âge (garde ponctuelle)",
    "security": [{"bearerAuth": []}],
    "parameters": [{"name": "provider_id", "in": "query", "required": True, "schema": {"type": "integer"}},
                   {"name": "date", "in": "query", "required": True, "schema": {"type": "string", "format": "date"}}],
    "responses": {"200": {"description": "Disponibilités", "content": {"application/json": {"schema": {
        "type": "object", "properties": {"provider_id": {"type": "integer"}, "date": {"type": "string"},
                                         "blocks": {"type": "array", "items": _BLOCK}}}}}},
                  "401": error_response("Jeton absent ou invalide"),
                  "404": error_response("Structure inconnue"),
                  "422": error_response("Date non valide")},
})
document_path("/occasional/bookings", "post", {
    "summary": "Demander une plage horaire de garde ponctuelle",
    "security": [{"bearerAuth": []}],
    "parameters": [{"name": "Idempotency-Key", "in": "header", "required": False, "schema": {"type": "string"}}],
    "requestBody": {"required": True, "content": {"application/json": {"schema": {
        "type": "object", "required": ["child_id", "provider_id", "date", "start", "end"],
        "properties": {"child_id": {"type": "integer"}, "provider_id": {"type": "integer"},
                       "date": {"type": "string", "format": "date"}, "start": {"type": "string", "example": "05:30"},
                       "end": {"type": "string", "example": "08:00"}, "join_waitlist": {"type": "boolean"}}}}}},
    "responses": {
        "201": {"description": "Confirmée, urgente en attente de la coordinatrice, ou en liste d'attente"},
        "200": {"description": "Réponse rejouée (même Idempotency-Key)"},
        "401": error_response("Jeton absent ou invalide"),
        "403": error_response("Rôle non autorisé (parents seulement)"),
        "404": error_response("Enfant ou structure inconnus"),
        "409": error_response("Complet (blocks_full, avec full_blocks et alternatives) ou refusée"),
        "422": error_response("Plage non valide (range_not_aligned, invalid_range, outside_opening_hours)"),
    },
})
