"""Every page of the Relais module as every role; CSRF; import boundaries."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from app.accounts.models import Role
from app.extensions import db
from app.ram.models import FamilyDemand
from tests.conftest import csrf_token_from
from tests.factories import make_user
from tests.ram.factories import make_childminder, make_demand, make_relais, make_staff, make_workshop

ROLES = ("anonymous", "parent", "other_parent", "childminder", "other_childminder", "ram_staff", "admin",
         "animator")


@pytest.fixture
def world(app):
    relais = make_relais()
    parent = make_user(Role.PARENT)
    world = {
        "relais": relais,
        "parent": parent,
        "other_parent": make_user(Role.PARENT),
        "childminder": make_childminder(relais=relais).user,
        "other_childminder": make_childminder(relais=relais, first_name="Autre").user,
        "ram_staff": make_staff(relais),
        "admin": make_user(Role.ADMIN),
        "animator": make_user(Role.ANIMATOR),
    }
    from app.ram.models import Childminder

    world["cm"] = db.session.scalar(db.select(Childminder).where(Childminder.user_id == world["childminder"].id))
    world["demand"] = make_demand(parent=parent)
    world["workshop"] = make_workshop(relais)
    return world


def expected_table(w):
    cm, demand, workshop, relais = w["cm"].id, w["demand"].id, w["workshop"].id, w["relais"].id
    staff_only = {"anonymous": 302, "ram_staff": 200, "admin": 200}
    # (url, expectations; roles not listed get 403)
    return [
        ("/relais/", {"anonymous": 302, "parent": 302, "other_parent": 302, "childminder": 302,
                      "other_childminder": 302, "ram_staff": 200, "admin": 200}),
        ("/relais/assistantes-maternelles", staff_only),
        ("/relais/assistantes-maternelles/nouvelle", staff_only),
        ("/relais/mon-profil", {"anonymous": 302, "childminder": 302, "other_childminder": 302}),
        ("/relais/mes-disponibilites", {"anonymous": 302, "childminder": 302, "other_childminder": 302}),
        (f"/relais/assistantes-maternelles/{cm}", {"anonymous": 302, "parent": 404, "other_parent": 404,
                                                   "childminder": 200, "other_childminder": 404, "ram_staff": 200,
                                                   "admin": 200, "animator": 404}),
        (f"/relais/assistantes-maternelles/{cm}/disponibilites", {
            "anonymous": 302, "parent": 404, "other_parent": 404, "childminder": 200, "other_childminder": 404,
            "ram_staff": 200, "admin": 200, "animator": 404}),
        (f"/relais/assistantes-maternelles/{cm}/horaires", {
            "anonymous": 302, "parent": 404, "other_parent": 404, "childminder": 200, "other_childminder": 404,
            "ram_staff": 200, "admin": 200, "animator": 404}),
        ("/relais/trouver-une-assistante-maternelle", {"anonymous": 302, "parent": 200, "other_parent": 200,
                                                       "ram_staff": 200, "admin": 200}),
        ("/relais/demandes", {"anonymous": 302, "parent": 200, "other_parent": 200, "ram_staff": 200,
                              "admin": 200}),
        ("/relais/demandes/nouvelle", {"anonymous": 302, "parent": 200, "other_parent": 200, "ram_staff": 200,
                                       "admin": 200}),
        (f"/relais/demandes/{demand}", {"anonymous": 302, "parent": 200, "other_parent": 404, "childminder": 404,
                                        "other_childminder": 404, "ram_staff": 200, "admin": 200,
                                        "animator": 404}),
        (f"/relais/demandes/{demand}/modifier", {"anonymous": 302, "parent": 200, "other_parent": 404,
                                                 "childminder": 404, "other_childminder": 404, "ram_staff": 200,
                                                 "admin": 200, "animator": 404}),
        (f"/relais/demandes/{demand}/correspondances", staff_only),
        ("/relais/demandes/sans-solution", staff_only),
        ("/relais/observatoire", staff_only),
        ("/relais/observatoire.csv", staff_only),
        ("/relais/observatoire/graphique-1.svg", staff_only),
        ("/relais/ateliers", {"anonymous": 302, "childminder": 200, "other_childminder": 200, "ram_staff": 200,
                              "admin": 200}),
        ("/relais/ateliers/nouveau", staff_only),
        (f"/relais/ateliers/{workshop}", {"anonymous": 302, "childminder": 200, "other_childminder": 200,
                                          "ram_staff": 200, "admin": 200}),
        (f"/relais/{relais}/ateliers.ics", dict.fromkeys(ROLES, 200)),
        ("/relais/simulateur-salaire", dict.fromkeys(ROLES, 200)),
    ]


def test_every_page_as_every_role(world, app, make_client, login_as):
    table = expected_table(world)
    # The sweep must cover every GET route of the blueprint.
    covered = set()
    adapter = app.url_map.bind("localhost")
    for url, _exp in table:
        covered.add(adapter.match(url, method="GET")[0])
    ram_gets = {r.endpoint for r in app.url_map.iter_rules() if r.endpoint.startswith("ram.") and "GET" in r.methods}
    assert ram_gets == covered, ram_gets ^ covered
    clients = {role: (make_client() if role == "anonymous" else login_as(world[role])) for role in ROLES}
    failures = []
    for url, expectations in table:
        for role in ROLES:
            status = clients[role].get(url).status_code
            want = expectations.get(role, 403)
            if status != want:
                failures.append(f"{role} GET {url}: {status}, expected {want}")
    assert not failures, "\n".join(failures)


def test_pages_hold_no_inline_style_and_one_h1(world, login_as):
    client = login_as(world["ram_staff"])
    for url, _exp in expected_table(world):
        response = client.get(url, follow_redirects=True)
        if response.mimetype != "text/html":
            continue
        html = response.get_data(as_text=True)
        assert " style=" not in html, url
        assert html.count("<h1") == 1, url
        assert "<script>" not in html, url


def test_parent_cannot_cancel_or_edit_another_familys_demand(world, login_as):
    intruder = login_as(world["other_parent"])
    token = csrf_token_from(intruder.get("/relais/demandes").get_data(as_text=True))
    demand = world["demand"]
    assert intruder.post(f"/relais/demandes/{demand.id}/annuler", data={"csrf_token": token}).status_code == 404
    assert intruder.post(f"/relais/demandes/{demand.id}/modifier", data={"csrf_token": token}).status_code == 404
    db.session.expire_all()
    assert db.session.get(FamilyDemand, demand.id).status.value == "open"


def test_childminder_cannot_edit_licence_or_another_profile(world, login_as):
    client = login_as(world["childminder"])
    own = world["cm"].id
    token = csrf_token_from(client.get(f"/relais/assistantes-maternelles/{own}").get_data(as_text=True))
    licence = {"csrf_token": token, "max_children": "6", "max_under_3": "4", "valid_from": "2026-01-01",
               "valid_until": "2036-01-01"}
    assert client.post(f"/relais/assistantes-maternelles/{own}/agrement", data=licence).status_code == 403
    from app.ram.models import Childminder

    other = db.session.scalar(db.select(Childminder).where(Childminder.user_id == world["other_childminder"].id))
    response = client.post(f"/relais/assistantes-maternelles/{other.id}",
                           data={"csrf_token": token, "commune_insee": "46042", "address": "x"})
    assert response.status_code == 404
    # Their own profile: offers saved, the relais not changeable by them.
    response = client.post(f"/relais/assistantes-maternelles/{own}",
                           data={"csrf_token": token, "commune_insee": "46088", "relais_id": "0",
                                 "offers_meals": "y", "address": "2 place de l'Église"})
    assert response.status_code == 302
    db.session.expire_all()
    cm = db.session.get(Childminder, own)
    assert cm.offers_meals and cm.commune_insee == "46088" and cm.relais_id == world["relais"].id


def test_posts_without_csrf_are_refused(world, login_as):
    staff = login_as(world["ram_staff"])
    demand = world["demand"]
    assert staff.post(f"/relais/demandes/{demand.id}/annuler").status_code == 400
    assert staff.post(f"/relais/demandes/{demand.id}/mises-en-relation",
                      data={"childminder_id": str(world["cm"].id)}).status_code == 400
    childminder = login_as(world["childminder"])
    assert childminder.post(f"/relais/ateliers/{world['workshop'].id}/inscription",
                            data={"child_1": "Lou"}).status_code == 400
    db.session.expire_all()
    assert db.session.get(FamilyDemand, demand.id).status.value == "open"


def test_parent_records_a_demand_online_and_follows_it(world, login_as):
    client = login_as(world["parent"])
    page = client.get("/relais/demandes/nouvelle")
    data = {"csrf_token": csrf_token_from(page.get_data(as_text=True)), "child_birth_date": "2026-08-01",
            "start_date": "2027-04-01", "commune_insee": "46224", "max_distance_km": "8",
            "day0_start": "08:00", "day0_end": "17:00", "day2_start": "08:00", "day2_end": "12:00"}
    bad = client.post("/relais/demandes/nouvelle", data={**data, "day2_end": "07:00"})
    assert bad.status_code == 422 and "L'heure de départ doit suivre" in bad.get_data(as_text=True)
    response = client.post("/relais/demandes/nouvelle", data=data)
    assert response.status_code == 302
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "En attente" in page and "lundi 08:00–17:00 ; mercredi 08:00–12:00" in page
    listing = client.get("/relais/demandes").get_data(as_text=True)
    assert listing.count("/relais/demandes/") >= 2  # their two demands (fixture + new), nobody else's


def test_relais_module_imports_only_the_kernel():
    root = Path(__file__).resolve().parents[2] / "app" / "ram"
    for path in root.glob("*.py"):
        source = path.read_text(encoding="utf-8")
        assert not re.search(r"\bapp\.(booking|inclusion)\b", source), path.name
