"""GET and POST /sessions."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from app.accounts.models import Role
from app.booking.models import ActivityKind, Session
from app.extensions import db
from tests.api.support import bearer, error_of, next_day, school_calendar, today
from tests.booking.factories import (
    make_activity,
    make_parent_with_child,
    make_session,
    make_site,
    make_staff,
    make_unit,
)
from tests.factories import make_user


def test_sessions_of_a_site_between_two_dates_with_remaining_places(client):
    site, other = make_site(), make_site(name="Accueil de Pradines")
    unit = make_unit(make_activity(site))
    start = today() + timedelta(days=10)
    inside = make_session(unit, day=start, under6=8, over6=12)
    make_session(unit, day=start + timedelta(days=40))
    make_session(make_unit(make_activity(other)), day=start)
    parent, _h, child = make_parent_with_child()  # 6 and over
    inside.taken_over6 = 5
    db.session.commit()
    response = client.get(f"/api/v1/sessions?site_id={site.id}&from={start}&to={start + timedelta(days=7)}",
                          headers=bearer(parent))
    assert response.status_code == 200
    sessions = response.get_json()["sessions"]
    assert len(sessions) == 1
    item = sessions[0]
    assert item["id"] == inside.id and item["site_id"] == site.id and item["date"] == start.isoformat()
    assert item["activity"] == {"id": unit.activity_id, "name": "Mercredis", "kind": "periscolaire"}
    assert (item["start"], item["end"]) == ("08:30", "17:30")
    assert item["unit"] == {"id": unit.id, "label": "Journée avec repas", "kind": "whole_day"}
    assert item["capacity"] == {"under6": 8, "over6": 12}
    assert item["remaining"] == {"under6": 8, "over6": 7}
    assert item["cancelled"] is False and item["opens_at"] is None


def test_sessions_default_to_the_coming_month_of_every_site(client):
    unit = make_unit()
    soon = make_session(unit, day=today() + timedelta(days=3))
    make_session(unit, day=today() + timedelta(days=45))
    make_session(unit, day=today() - timedelta(days=1))
    response = client.get("/api/v1/sessions", headers=bearer(make_user(Role.PARENT)))
    assert response.status_code == 200
    assert [s["id"] for s in response.get_json()["sessions"]] == [soon.id]


@pytest.mark.parametrize("query, field, message", [
    ("from=2026-13-01", "from", "au format AAAA-MM-JJ"),
    ("to=demain", "to", "au format AAAA-MM-JJ"),
    ("from=2026-06-10&to=2026-06-01", "to", "postérieure ou égale"),
    ("from=2026-01-01&to=2027-01-02", "to", "trop longue (366 jours au plus)"),
    ("from=9999-12-31", "from", "doit être une date entre 1900 et 2100"),
    ("to=0001-01-01", "to", "doit être une date entre 1900 et 2100"),
    ("site_id=abc", "site_id", "identifiant"),
    ("site_id=99999999999", "site_id", "identifiant"),
])
def test_sessions_bad_query_gives_422(client, query, field, message):
    response = client.get(f"/api/v1/sessions?{query}", headers=bearer(make_user(Role.PARENT)))
    assert response.status_code == 422
    error = error_of(response)
    assert error["field"] == field and message in error["message"]


def test_sessions_a_full_year_is_allowed(client):
    response = client.get("/api/v1/sessions?from=2026-01-01&to=2027-01-01", headers=bearer(make_user()))
    assert response.status_code == 200


def test_sessions_unknown_site_gives_404(client):
    response = client.get("/api/v1/sessions?site_id=424242", headers=bearer(make_user(Role.PARENT)))
    assert response.status_code == 404
    error = error_of(response)
    assert error["code"] == "site_not_found" and error["message"] == "Cet accueil n'existe pas."


# ---------------------------------------------------------------- POST /sessions

def _payload(activity, day, **changes) -> dict:
    return {"site_id": activity.site_id, "activity_id": activity.id, "date": day.isoformat(), "start": "08:30",
            "end": "17:30", "capacity_under6": 8, "capacity_over6": 12, **changes}


def test_director_creates_a_session_open_at_once(client):
    school_day, _holiday = school_calendar()
    site = make_site()
    activity = make_activity(site)
    director = make_staff(site, Role.DIRECTOR)
    response = client.post("/api/v1/sessions", headers=bearer(director), json=_payload(activity, school_day))
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    session = db.session.get(Session, body["id"])
    assert session.day == school_day and session.capacity_over6 == 12
    assert body["capacity"] == {"under6": 8, "over6": 12} and body["remaining"] == body["capacity"]
    assert (body["start"], body["end"], body["unit"]["kind"]) == ("08:30", "17:30", "whole_day")
    # Open for booking at once (once the new unit has a tariff: without one a booking is refused).
    from decimal import Decimal

    from app.booking.models import Tariff

    db.session.add(Tariff(unit_id=session.unit_id, qf_min=0, qf_max=None, resident=True, price=Decimal("8.50"),
                          valid_from=school_day))
    db.session.commit()
    parent, _h, child = make_parent_with_child()
    booked = client.post("/api/v1/bookings", headers=bearer(parent),
                         json={"child_id": child.id, "session_id": body["id"]})
    assert booked.status_code == 201 and booked.get_json()["status"] == "confirmed"
    # A second session with the same times reuses the unit.
    again = client.post("/api/v1/sessions", headers=bearer(director),
                        json=_payload(activity, school_day + timedelta(days=1)))
    assert again.status_code == 201 and again.get_json()["unit"]["id"] == body["unit"]["id"]


def test_session_with_opens_at_refuses_bookings_until_then(client):
    school_day, _holiday = school_calendar()
    activity = make_activity()
    opens = (today() + timedelta(days=5)).isoformat() + "T08:00:00"
    response = client.post("/api/v1/sessions", headers=bearer(make_user(Role.ADMIN)),
                           json=_payload(activity, school_day, opens_at=opens))
    assert response.status_code == 201
    assert response.get_json()["opens_at"].startswith(opens)
    parent, _h, child = make_parent_with_child()
    booked = client.post("/api/v1/bookings", headers=bearer(parent),
                         json={"child_id": child.id, "session_id": response.get_json()["id"]})
    assert booked.status_code == 409
    error = error_of(booked)
    assert error["code"] == "booking_not_open" and "Les réservations ouvrent le" in error["message"]


def test_extrascolaire_runs_in_the_holidays(client):
    _school_day, holiday = school_calendar()
    activity = make_activity(kind=ActivityKind.EXTRASCOLAIRE, name="Vacances")
    response = client.post("/api/v1/sessions", headers=bearer(make_user(Role.ADMIN)),
                           json=_payload(activity, holiday))
    assert response.status_code == 201


@pytest.mark.parametrize("kind, which, message", [
    (ActivityKind.PERISCOLAIRE, "public_holiday", "est un jour férié"),
    (ActivityKind.PERISCOLAIRE, "past", "est déjà passé"),
    (ActivityKind.EXTRASCOLAIRE, "sunday", "est un dimanche"),
    (ActivityKind.PERISCOLAIRE, "saturday", "le périscolaire n'a lieu que les jours d'école"),
    (ActivityKind.PERISCOLAIRE, "holiday", "tombe pendant les vacances scolaires"),
    (ActivityKind.EXTRASCOLAIRE, "school_day", "est hors des vacances scolaires"),
])
def test_a_day_the_activity_cannot_run_gives_409_with_the_reason(client, kind, which, message):
    school_day, holiday = school_calendar()
    day = {"public_holiday": next_day(today() + timedelta(days=1), set(range(7)), public_holiday=True),
           "past": today() - timedelta(days=1),
           "sunday": next_day(today() + timedelta(days=1), {6}),
           "saturday": next_day(today() + timedelta(days=1), {5}),
           "holiday": holiday, "school_day": school_day}[which]
    activity = make_activity(kind=kind)
    response = client.post("/api/v1/sessions", headers=bearer(make_user(Role.ADMIN)), json=_payload(activity, day))
    assert response.status_code == 409
    error = error_of(response)
    assert error["code"] == "invalid_schedule" and error["field"] == "date" and message in error["message"]
    assert day.strftime("%d/%m/%Y") in error["message"]
    assert db.session.scalar(select(func.count(Session.id))) == 0


def test_unknown_school_calendar_gives_409(client):
    activity = make_activity()
    day = next_day(today().replace(year=today().year + 40), {2})  # beyond the offline calendar
    response = client.post("/api/v1/sessions", headers=bearer(make_user(Role.ADMIN)), json=_payload(activity, day))
    assert response.status_code == 409
    assert "n'est pas connu" in error_of(response)["message"]


def test_same_session_twice_gives_409(client):
    school_day, _holiday = school_calendar()
    activity = make_activity()
    headers = bearer(make_user(Role.ADMIN))
    assert client.post("/api/v1/sessions", headers=headers, json=_payload(activity, school_day)).status_code == 201
    response = client.post("/api/v1/sessions", headers=headers, json=_payload(activity, school_day))
    assert response.status_code == 409
    assert error_of(response)["code"] == "session_exists"


@pytest.mark.parametrize("change, field, message", [
    ({"site_id": "1"}, "site_id", "doit être un nombre entier"),
    ({"activity_id": None}, "activity_id", "est obligatoire"),
    ({"date": "16/12/2026"}, "date", "AAAA-MM-JJ"),
    ({"date": "9999-12-31"}, "date", "entre 1900 et 2100"),
    ({"start": "8h30"}, "start", "HH:MM"),
    ({"end": "25:00"}, "end", "HH:MM"),
    ({"end": "08:00"}, "end", "L'heure de fin doit être après l'heure de début."),
    ({"capacity_under6": -1}, "capacity_under6", "entre 0 et"),
    ({"capacity_over6": 1.5}, "capacity_over6", "nombre entier"),
    ({"capacity_over6": True}, "capacity_over6", "nombre entier"),
    ({"capacity_over6": 301}, "capacity_over6", "entre 0 et 300"),
    ({"capacity_under6": 0, "capacity_over6": 0}, "capacity_over6", "au moins une place"),
    ({"opens_at": "demain matin"}, "opens_at", "ISO 8601"),
])
def test_post_session_invalid_field_gives_422(client, change, field, message):
    school_day, _holiday = school_calendar()
    activity = make_activity()
    body = _payload(activity, school_day, **change)
    if change.get("activity_id", 0) is None:
        del body["activity_id"]
    response = client.post("/api/v1/sessions", headers=bearer(make_user(Role.ADMIN)), json=body)
    assert response.status_code == 422
    error = error_of(response)
    assert error["field"] == field and message in error["message"], error


@pytest.mark.parametrize("role", [Role.PARENT, Role.ANIMATOR, Role.CHILDMINDER, Role.RAM_STAFF])
def test_only_directors_and_admins_create_sessions(client, role):
    school_day, _holiday = school_calendar()
    site = make_site()
    activity = make_activity(site)
    user = make_staff(site, role) if role is Role.ANIMATOR else make_user(role)
    response = client.post("/api/v1/sessions", headers=bearer(user), json=_payload(activity, school_day))
    assert response.status_code == 403
    error = error_of(response)
    assert error["code"] == "forbidden" and "Seuls la direction" in error["message"]
    assert db.session.scalar(select(func.count(Session.id))) == 0


def test_another_sites_director_gets_404(client):
    school_day, _holiday = school_calendar()
    mine, theirs = make_site(), make_site(name="Accueil de Pradines")
    director = make_staff(mine)
    their_activity = make_activity(theirs)
    response = client.post("/api/v1/sessions", headers=bearer(director), json=_payload(their_activity, school_day))
    assert response.status_code == 404 and error_of(response)["code"] == "not_found"
    # Their activity under my site id: not an activity of my site.
    response = client.post("/api/v1/sessions", headers=bearer(director),
                           json=_payload(their_activity, school_day, site_id=mine.id))
    assert response.status_code == 404
    error = error_of(response)
    assert error["code"] == "activity_not_found" and error["message"] == "Cette activité n'existe pas dans cet accueil."
    assert db.session.scalar(select(func.count(Session.id))) == 0


@pytest.mark.parametrize("query", ["to=", "from=", "site_id=", "from=2026-12-01&to="])
def test_an_empty_query_parameter_is_refused_not_read_as_absent(client, query):
    response = client.get(f"/api/v1/sessions?{query}", headers=bearer(make_user(Role.PARENT)))
    assert response.status_code == 422
    name = query.rsplit("&", 1)[-1].rstrip("=")
    assert error_of(response)["field"] == name and "vide" in error_of(response)["message"]


def test_a_field_the_operation_does_not_know_is_refused_and_nothing_is_created(client):
    school_day, _holiday = school_calendar()
    activity = make_activity()
    payload = {**_payload(activity, school_day), "capacity_over_6": 12}
    response = client.post("/api/v1/sessions", headers=bearer(make_user(Role.ADMIN)), json=payload)
    assert response.status_code == 422
    assert error_of(response)["field"] == "capacity_over_6"
    assert db.session.scalar(select(func.count(Session.id))) == 0
