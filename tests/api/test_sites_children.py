"""GET /sites, GET and POST /children."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from app.accounts.models import Role
from app.extensions import db
from app.families.models import Child, Household, HouseholdMember
from tests.api.support import bearer, error_of, today
from tests.booking.factories import make_activity, make_parent_with_child, make_site
from tests.factories import make_household, make_user


def test_sites_list_their_activities(client):
    site = make_site()
    make_activity(site, name="Mercredis", min_age=3, max_age=11)
    make_site(name="Accueil de Pradines")
    response = client.get("/api/v1/sites", headers=bearer(make_user(Role.PARENT)))
    assert response.status_code == 200
    sites = response.get_json()["sites"]
    assert [s["name"] for s in sites] == ["Accueil de Pradines", "Accueil de loisirs de la Croix-de-Fer"]
    croix = sites[1]
    assert croix["id"] == site.id and croix["commune"] == {"insee": "46042", "name": "Cahors"}
    assert croix["activities"] == [{"id": site.activities[0].id, "name": "Mercredis", "kind": "periscolaire",
                                    "min_age": 3, "max_age": 11}]
    assert sites[0]["activities"] == []


@pytest.mark.parametrize("headers, message", [
    ({}, "Authentification requise"),
    ({"Authorization": "Bearer nimportequoi"}, "Jeton d'authentification invalide"),
    ({"Authorization": "Basic dXNlcjpwYXNz"}, "Authentification requise"),
])
def test_token_required_gives_401_json(client, headers, message):
    response = client.get("/api/v1/sites", headers=headers)
    assert response.status_code == 401
    error = error_of(response)
    assert error["code"] == "unauthorized" and message in error["message"]


def test_children_of_the_callers_household_only(client):
    parent, household, child = make_parent_with_child(first_name="Léa")
    make_parent_with_child(first_name="Autre")
    response = client.get("/api/v1/children", headers=bearer(parent))
    assert response.status_code == 200
    assert response.get_json() == {"children": [{"id": child.id, "first_name": "Léa", "last_name": "Martin",
                                                 "birth_date": "2018-05-14"}]}


def test_children_empty_without_household(client):
    response = client.get("/api/v1/children", headers=bearer(make_user(Role.PARENT)))
    assert response.status_code == 200 and response.get_json() == {"children": []}


def test_post_child_adds_to_existing_household(client):
    parent = make_user(Role.PARENT)
    household = make_household(parent)
    response = client.post("/api/v1/children", headers=bearer(parent),
                           json={"first_name": "  Zoé ", "last_name": "Lacoste", "birth_date": "2019-02-03"})
    assert response.status_code == 201
    body = response.get_json()
    assert body["first_name"] == "Zoé" and body["birth_date"] == "2019-02-03"
    child = db.session.get(Child, body["id"])
    assert child.household_id == household.id


def test_post_child_creates_the_household_when_none(client):
    parent = make_user(Role.PARENT, last_name="Delmas")
    headers = bearer(parent)
    for name in ("Jules", "Inès"):
        response = client.post("/api/v1/children", headers=headers,
                               json={"first_name": name, "last_name": "Delmas", "birth_date": "2017-09-30"})
        assert response.status_code == 201
    assert db.session.scalar(select(func.count(Household.id))) == 1
    household = db.session.scalar(select(Household))
    assert household.name == "Foyer Delmas" and household.commune_insee is None
    assert [m.user_id for m in household.members] == [parent.id]
    assert sorted(c.first_name for c in household.children) == ["Inès", "Jules"]
    listed = client.get("/api/v1/children", headers=headers).get_json()["children"]
    assert sorted(c["first_name"] for c in listed) == ["Inès", "Jules"]


VALID = {"first_name": "Zoé", "last_name": "Lacoste", "birth_date": "2019-02-03"}


@pytest.mark.parametrize("change, field, message", [
    ({"first_name": None}, "first_name", "Le champ « first_name » est obligatoire."),
    ({"first_name": "   "}, "first_name", "Le champ « first_name » est obligatoire."),
    ({"last_name": 12}, "last_name", "Le champ « last_name » doit être une chaîne de caractères."),
    ({"last_name": "x" * 101}, "last_name", "trop long (100 caractères au plus)"),
    ({"first_name": "Zo\u0000é"}, "first_name", "caractères non autorisés"),
    ({"birth_date": "03/02/2019"}, "birth_date", "au format AAAA-MM-JJ"),
    ({"birth_date": "2019-02-30"}, "birth_date", "au format AAAA-MM-JJ"),
    ({"birth_date": 20190203}, "birth_date", "au format AAAA-MM-JJ"),
    ({"birth_date": "2000-01-01"}, "birth_date", "semble erronée"),
    ({"birth_date": "future"}, "birth_date", "ne peut pas être dans le futur"),
])
def test_post_child_invalid_field_gives_422_in_french(client, change, field, message):
    parent = make_user(Role.PARENT)
    body = {**VALID, **change}
    if body.get("birth_date") == "future":
        body["birth_date"] = (today() + timedelta(days=3)).isoformat()
    if change.get("first_name", "") is None:
        del body["first_name"]
    response = client.post("/api/v1/children", headers=bearer(parent), json=body)
    assert response.status_code == 422
    error = error_of(response)
    assert error["code"] == "invalid" and error["field"] == field and message in error["message"]
    assert db.session.scalar(select(func.count(Child.id))) == 0
    assert db.session.scalar(select(func.count(HouseholdMember.id))) == 0


@pytest.mark.parametrize("data, content_type", [
    ("pas du json", "application/json"),
    ('["liste"]', "application/json"),
    ('{"first_name": "Zoé"', "application/json"),
    ('{"first_name": "Zoé"}', "text/plain"),
])
def test_post_child_malformed_body_gives_422(client, data, content_type):
    response = client.post("/api/v1/children", headers=bearer(make_user(Role.PARENT)), data=data,
                           content_type=content_type)
    assert response.status_code == 422
    assert error_of(response)["message"] == "Le corps de la requête doit être un objet JSON."


@pytest.mark.parametrize("role", [Role.DIRECTOR, Role.ANIMATOR, Role.ADMIN, Role.CHILDMINDER, Role.RAM_STAFF])
def test_children_are_for_parents_only(client, role):
    headers = bearer(make_user(role))
    for response in (client.get("/api/v1/children", headers=headers),
                     client.post("/api/v1/children", headers=headers, json=VALID)):
        assert response.status_code == 403
        error = error_of(response)
        assert error["code"] == "parent_only" and "réservée aux comptes parents" in error["message"]
    assert db.session.scalar(select(func.count(Child.id))) == 0


def _queries(client, url, headers) -> int:
    from sqlalchemy import event

    statements = []

    def count(*_args):
        statements.append(1)

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        assert client.get(url, headers=headers).status_code == 200
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
    return len(statements)


def test_sites_and_sessions_load_in_a_fixed_number_of_queries(client):
    from tests.booking.factories import make_session, make_unit

    headers = bearer(make_user(Role.PARENT))
    start = today() + timedelta(days=5)

    def add_site(n):
        site = make_site(name=f"Accueil {n}")
        unit = make_unit(make_activity(site))
        make_session(unit, day=start + timedelta(days=n))

    add_site(1)
    one = (_queries(client, "/api/v1/sites", headers), _queries(client, "/api/v1/sessions", headers))
    for n in range(2, 6):
        add_site(n)
    assert (_queries(client, "/api/v1/sites", headers), _queries(client, "/api/v1/sessions", headers)) == one
