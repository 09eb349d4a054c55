"""/api/v1 booking routes: sites, sessions, bookings. Thin adapters onto app.booking's services."""
from __future__ import annotations

from datetime import timedelta

from flask import g, jsonify, request
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from app.api import fields
from app.api.auth import current_api_user, token_required
from app.api.openapi import IDEMPOTENCY_KEY, TIME_SCHEMA, ApiDocument, date_schema, error_response
from app.api.views import bp, json_body
from app.booking import access, catalogue, services
from app.booking.day_plans import day_plans
from app.booking.errors import BookingRefused, InvalidSchedule
from app.booking.models import PARIS, AgeBand, Booking, Session
from app.booking.session_creation import MAX_CAPACITY, create_session_on
from app.errors import Conflict, Forbidden, NotFound, ValidationFailed
from app.extensions import db, read_phase, utcnow
from app.sites.models import Site

DOC = ApiDocument()  # this module's part of the OpenAPI document (registered by app/composition.py)

MAX_RANGE_DAYS = 366
DEFAULT_RANGE_DAYS = 31


def require_parent() -> None:
    if not access.books_as_family(current_api_user()):
        raise Forbidden(_("Cette opération est réservée aux comptes parents."), code="parent_only")


def _bands(session: Session, fn) -> dict:
    return {band.value: fn(band) for band in AgeBand}


def session_json(session: Session) -> dict:
    unit, activity = session.unit, session.unit.activity
    return {
        "id": session.id,
        "site_id": activity.site_id,
        "activity": {"id": activity.id, "name": activity.name, "kind": activity.kind.value},
        "date": session.day.isoformat(),
        "start": unit.start_time.strftime("%H:%M"),
        "end": unit.end_time.strftime("%H:%M"),
        "unit": {"id": unit.id, "label": unit.label, "kind": unit.kind.value},
        "capacity": _bands(session, session.capacity),
        "remaining": _bands(session, session.remaining),
        "opens_at": _iso(session.effective_opens_at()),
        "cancelled": session.cancelled,
    }


def _iso(moment) -> str | None:
    return moment.astimezone(PARIS).isoformat() if moment is not None else None


def site_json(site: Site) -> dict:
    return {
        "id": site.id,
        "name": site.name,
        "commune": {"insee": site.commune_insee, "name": site.commune.name if site.commune else ""},
        "activities": [{"id": a.id, "name": a.name, "kind": a.kind.value, "min_age": a.min_age,
                        "max_age": a.max_age} for a in site.activities],
    }


def booking_json(booking: Booking, positions: dict[int, int] | None = None) -> dict:
    session = booking.session
    return {
        "id": booking.id,
        "child_id": booking.child_id,
        "session_id": booking.session_id,
        "status": booking.status.value,
        "waitlist_position": (positions.get(booking.id) if positions is not None
                              else services.waitlist_position(booking)),
        "price": None if booking.price is None else f"{booking.price:.2f}",
        "date": session.day.isoformat(),
        "start": session.unit.start_time.strftime("%H:%M"),
        "end": session.unit.end_time.strftime("%H:%M"),
        "site_id": session.unit.activity.site_id,
        "activity": session.unit.activity.name,
    }


# ---------------------------------------------------------------- sites

@bp.get("/sites")
@token_required
def list_sites():
    sites = db.session.scalars(select(Site).options(selectinload(Site.activities), selectinload(Site.commune))
                               .order_by(Site.name))
    return jsonify({"sites": [site_json(s) for s in sites]})


# ---------------------------------------------------------------- sessions

@bp.get("/sessions")
@token_required
def list_sessions():
    site_id = fields.query_integer(request.args, "site_id")
    first = fields.query_day(request.args, "from") or utcnow().astimezone(PARIS).date()
    last = fields.query_day(request.args, "to") or first + timedelta(days=DEFAULT_RANGE_DAYS - 1)
    if last < first:
        raise ValidationFailed(_("La date « to » doit être postérieure ou égale à la date « from »."), field="to")
    if (last - first).days >= MAX_RANGE_DAYS:
        raise ValidationFailed(_("La période demandée est trop longue (%(n)d jours au plus).", n=MAX_RANGE_DAYS),
                               field="to")
    activity_ids = None
    if site_id is not None:
        site = db.session.get(Site, site_id)
        if site is None:
            raise NotFound(_("Cet accueil n'existe pas."), code="site_not_found")
        activity_ids = [a.id for a in site.activities]
    sessions = catalogue.open_sessions_between(first, last, activity_ids)
    return jsonify({"sessions": [session_json(s) for s in sessions]})


@bp.post("/sessions")
@token_required
def create_session():
    user = current_api_user()
    if not access.creates_sessions(user):
        raise Forbidden(_("Seuls la direction de l'accueil et les administrateurs peuvent créer des séances."),
                        code="forbidden")
    data = json_body("site_id", "activity_id", "date", "start", "end", "capacity_under6", "capacity_over6",
                     "opens_at")
    try:
        session = create_session_on(
            user, fields.identifier(data, "site_id"), fields.identifier(data, "activity_id"),
            fields.day(data, "date"), fields.clock(data, "start"), fields.clock(data, "end"),
            capacity_under6=fields.integer(data, "capacity_under6", maximum=MAX_CAPACITY),
            capacity_over6=fields.integer(data, "capacity_over6", maximum=MAX_CAPACITY),
            opens_at=fields.moment(data, "opens_at"))
    except InvalidSchedule as error:
        # Today's date and the school calendar, not the request's form, refuse that day: a 409 like booking_closed.
        raise Conflict(error.message, code=error.code, field=error.field) from None
    return jsonify(session_json(session)), 201


# ---------------------------------------------------------------- bookings

@bp.get("/bookings")
@token_required
def list_bookings():
    require_parent()
    bookings = services.household_bookings(current_api_user(), today=utcnow().astimezone(PARIS).date())
    positions = services.waitlist_positions(bookings)
    return jsonify({"bookings": [booking_json(b, positions) for b in bookings]})


@bp.post("/bookings")
@token_required
def create_booking():
    require_parent()
    key = fields.idempotency_key(request.headers)
    data = json_body("child_id", "session_id")
    child_id, session_id = fields.identifier(data, "child_id"), fields.identifier(data, "session_id")
    result = services.book(current_api_user(), [(child_id, session_id)], idempotency_key=key,
                           requested_at=g.get("arrived_at"))
    fields.same_request(tuple((i.child_id, i.session_id) for i in result.items), ((child_id, session_id),))
    item = result.items[0]
    if item.status == "refused":
        raise BookingRefused(item.reason, code=item.code)
    plan = None
    if item.booking_id:
        with read_phase():  # reads only: on SQLite, no write lock after the booking's commit
            plan = day_plans([item.booking_id], pairs=result.pairs).get(item.booking_id)
    return jsonify({"id": item.booking_id, "child_id": item.child_id, "session_id": item.session_id,
                    "status": item.status, "waitlist_position": item.waitlist_position,
                    "price": item.price, "adaptation_step": _plan_json(plan)}), 201


def _plan_json(plan) -> dict | None:
    if plan is None:
        return None
    return {"title": plan.title, "arrival": plan.arrival.strftime("%H:%M"), "pickup": plan.pickup.strftime("%H:%M"),
            "with_parent": plan.with_parent, "with_meal": plan.with_meal}


@bp.delete("/bookings/<int:booking_id>")
@token_required
def cancel_booking(booking_id: int):
    require_parent()
    booking = services.cancel_booking(current_api_user(), fields.path_id(booking_id))
    return jsonify(booking_json(booking))


# ---------------------------------------------------------------- OpenAPI

_BANDS = {"type": "object", "required": ["under6", "over6"], "additionalProperties": False,
          "properties": {"under6": {"type": "integer", "minimum": 0}, "over6": {"type": "integer", "minimum": 0}}}
_DATE = date_schema("2026-12-16")
_TIME = TIME_SCHEMA
_ID = {"type": "integer", "minimum": 1, "maximum": fields.MAX_ID}
_SECURITY = [{"bearerAuth": []}]


def _json(schema: dict, description: str) -> dict:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


def _list_of(key: str, name: str) -> dict:
    return {"type": "object", "required": [key], "properties": {key: {"type": "array", "items": _ref(name)}}}


DOC.schema("Site", {
    "type": "object", "required": ["id", "name", "commune", "activities"],
    "properties": {
        "id": {"type": "integer"}, "name": {"type": "string"},
        "commune": {"type": "object", "required": ["insee", "name"],
                    "properties": {"insee": {"type": "string"}, "name": {"type": "string"}}},
        "activities": {"type": "array", "items": {
            "type": "object", "required": ["id", "name", "kind", "min_age", "max_age"],
            "properties": {"id": {"type": "integer"}, "name": {"type": "string"},
                           "kind": {"type": "string", "enum": ["periscolaire", "extrascolaire"]},
                           "min_age": {"type": "integer"}, "max_age": {"type": "integer"}}}},
    },
})
DOC.schema("Session", {
    "type": "object",
    "required": ["id", "site_id", "activity", "date", "start", "end", "unit", "capacity", "remaining",
                 "opens_at", "cancelled"],
    "properties": {
        "id": {"type": "integer"}, "site_id": {"type": "integer"},
        "activity": {"type": "object", "required": ["id", "name", "kind"], "properties": {
            "id": {"type": "integer"}, "name": {"type": "string"},
            "kind": {"type": "string", "enum": ["periscolaire", "extrascolaire"]}}},
        "date": _DATE, "start": _TIME, "end": _TIME,
        "unit": {"type": "object", "required": ["id", "label", "kind"], "properties": {
            "id": {"type": "integer"}, "label": {"type": "string"}, "kind": {"type": "string"}}},
        "capacity": _BANDS, "remaining": _BANDS,
        "opens_at": {"type": ["string", "null"], "format": "date-time",
                     "description": "Ouverture des réservations (heure de Paris) ; null : ouvertes."},
        "cancelled": {"type": "boolean"},
    },
})
DOC.schema("SessionInput", {
    "type": "object", "additionalProperties": False,
    "required": ["site_id", "activity_id", "date", "start", "end", "capacity_under6", "capacity_over6"],
    "description": "Règles entre champs et selon le jour : end après start (sinon 422) ; au moins une place "
                   "(capacity_under6 + capacity_over6 ≥ 1) et au plus le maximum légal de mineurs, 300 (CASF R227-1 ; sinon "
                   "422 capacity_over_legal_maximum) ; date à venir, ni dimanche ni jour férié, en période "
                   "scolaire pour le périscolaire et en vacances pour l'extrascolaire (sinon 409 "
                   "invalid_schedule).",
    "not": {"required": ["capacity_under6", "capacity_over6"],
            "properties": {"capacity_under6": {"const": 0}, "capacity_over6": {"const": 0}}},
    "properties": {
        "site_id": _ID, "activity_id": _ID, "date": _DATE, "start": _TIME, "end": {**_TIME, "example": "17:30"},
        "capacity_under6": {"type": "integer", "minimum": 0, "maximum": MAX_CAPACITY, "example": 8},
        "capacity_over6": {"type": "integer", "minimum": 0, "maximum": MAX_CAPACITY, "example": 12},
        "opens_at": {"type": ["string", "null"], "format": "date-time", "maxLength": 40,
                     "pattern": "^(19[0-9]{2}|20[0-9]{2}|2100)-",
                     "description": "Ouverture des réservations ; sans elle, la séance est ouverte aussitôt. "
                                    "Sans fuseau : heure de Paris."},
    },
})
_STATUSES = ["confirmed", "waitlisted", "pending_preparation"]
DOC.schema("BookingResult", {
    "type": "object", "required": ["id", "status", "waitlist_position"],
    "properties": {
        "id": {"type": "integer"}, "child_id": {"type": "integer"}, "session_id": {"type": "integer"},
        "status": {"type": "string", "enum": _STATUSES},
        "waitlist_position": {"type": ["integer", "null"], "minimum": 1,
                              "description": "Rang sur la liste d'attente (1 = le prochain) ; null sinon."},
        "price": {"type": ["string", "null"], "description": "Prix en euros, par exemple \"7.50\"."},
        "adaptation_step": {
            "type": ["object", "null"],
            "description": "Étape d'adaptation de ce jour (premiers jours de l'enfant dans l'accueil) ; "
                           "null sinon. La réservation reste celle demandée ; l'étape dit quand arriver, "
                           "quand repartir, si un parent reste et si l'enfant prend le repas.",
            "required": ["title", "arrival", "pickup", "with_parent", "with_meal"],
            "properties": {"title": {"type": "string"}, "arrival": _TIME, "pickup": _TIME,
                           "with_parent": {"type": "boolean"}, "with_meal": {"type": "boolean"}},
        },
    },
})
DOC.schema("Booking", {
    "type": "object",
    "required": ["id", "child_id", "session_id", "status", "waitlist_position", "date", "start", "end",
                 "site_id", "activity"],
    "properties": {
        "id": {"type": "integer"}, "child_id": {"type": "integer"}, "session_id": {"type": "integer"},
        "status": {"type": "string", "enum": _STATUSES + ["cancelled", "late_cancelled", "offered"],
                   "description": "offered : une place libérée est proposée à la famille, à accepter sur le site "
                                  "avant la date limite."},
        "waitlist_position": {"type": ["integer", "null"], "minimum": 1},
        "price": {"type": ["string", "null"]},
        "date": _DATE, "start": _TIME, "end": _TIME, "site_id": {"type": "integer"},
        "activity": {"type": "string"},
    },
})
DOC.schema("BookingInput", {
    "type": "object", "required": ["child_id", "session_id"], "additionalProperties": False,
    "properties": {"child_id": _ID, "session_id": _ID},
})

_UNAUTHORIZED = error_response("Jeton absent, invalide ou expiré (code unauthorized)")
_MALFORMED = error_response("Requête mal formée : le message dit quel champ (error.field) est en cause")

DOC.path("/sites", "get", {
    "summary": "Les accueils de loisirs et leurs activités", "security": _SECURITY,
    "responses": {"200": _json(_list_of("sites", "Site"), "Accueils"), "401": _UNAUTHORIZED},
})
DOC.path("/sessions", "get", {
    "summary": "Les séances d'une période (places restantes par tranche d'âge)", "security": _SECURITY,
    "parameters": [
        {"name": "site_id", "in": "query", "required": False, "schema": _ID},
        {"name": "from", "in": "query", "required": False, "schema": _DATE,
         "description": "Premier jour (par défaut aujourd'hui). Jamais vide : `?from=` est refusé (422)."},
        {"name": "to", "in": "query", "required": False, "schema": _DATE,
         "description": f"Dernier jour inclus, from ≤ to (par défaut from + {DEFAULT_RANGE_DAYS - 1} jours ; "
                        f"au plus {MAX_RANGE_DAYS} jours de from à to inclus, sinon 422). Jamais vide : "
                        "`?to=` est refusé (422)."},
    ],
    "responses": {"200": _json(_list_of("sessions", "Session"), "Séances"), "401": _UNAUTHORIZED,
                  "404": error_response("Accueil inconnu (site_not_found)"),
                  "422": error_response("Paramètre mal formé ou période trop longue")},
})
DOC.path("/sessions", "post", {
    "summary": "Créer une séance (direction de l'accueil ou administrateur)", "security": _SECURITY,
    "requestBody": {"required": True, "content": {"application/json": {"schema": _ref("SessionInput")}}},
    "responses": {
        "201": _json(_ref("Session"), "Séance créée"), "401": _UNAUTHORIZED,
        "403": error_response("Réservé à la direction et aux administrateurs (forbidden)"),
        "404": error_response("Accueil inconnu ou d'un autre directeur (not_found), activité d'un autre "
                              "accueil (activity_not_found)"),
        "409": error_response("Une séance existe déjà à ces heures (session_exists), ou date impossible pour "
                              "l'activité (invalid_schedule : date passée, jour férié, dimanche, vacances ou non "
                              "selon le type d'activité, calendrier scolaire inconnu)"),
        "422": error_response("Requête mal formée (error.field le nomme), fin avant début, aucune place"),
    },
})
DOC.path("/bookings", "get", {
    "summary": "Les réservations du foyer (séances à venir)", "security": _SECURITY,
    "responses": {"200": _json(_list_of("bookings", "Booking"), "Réservations"), "401": _UNAUTHORIZED,
                  "403": error_response("Réservé aux comptes parents (parent_only)")},
})
DOC.path("/bookings", "post", {
    "summary": "Réserver une séance pour un enfant du foyer", "security": _SECURITY,
    "parameters": [IDEMPOTENCY_KEY],
    "requestBody": {"required": True, "content": {"application/json": {"schema": _ref("BookingInput")}}},
    "responses": {
        "201": _json(_ref("BookingResult"), "Réservation confirmée, en liste d'attente ou en préparation"),
        "401": _UNAUTHORIZED,
        "403": error_response("Réservé aux comptes parents (parent_only)"),
        "404": error_response("Enfant d'un autre foyer ou inconnu (not_found), séance inconnue "
                              "(session_not_found)"),
        "409": error_response("Réservation refusée : booking_not_open, booking_closed, already_booked, "
                              "session_cancelled, residents_first, age_out_of_range, admission_refused, "
                              "no_applicable_tariff"),
        "422": error_response("Requête mal formée, ou clé d'idempotence déjà utilisée pour une autre demande "
                              "(idempotency_key_reused)"),
    },
})
DOC.path("/bookings/{booking_id}", "delete", {
    "summary": "Annuler une réservation (la place libérée va à la liste d'attente)", "security": _SECURITY,
    "parameters": [{"name": "booking_id", "in": "path", "required": True, "schema": {"type": "integer"}}],
    "responses": {
        "200": _json(_ref("Booking"), "Réservation annulée (cancelled, ou late_cancelled après le délai)"),
        "401": _UNAUTHORIZED,
        "403": error_response("Réservé aux comptes parents (parent_only)"),
        "404": error_response("Réservation inconnue ou d'un autre foyer (not_found)"),
        "409": error_response("Déjà annulée (not_cancellable) ou séance terminée (cancellation_closed)"),
    },
})
