"""Every role against every inclusion route, with the expected status written down.

Roles: guardian, other parent, director of the site, director of another site,
animator of the session, animator elsewhere, ram_staff, childminder, admin, anonymous.
"""
from __future__ import annotations

import pytest
from flask import current_app

from app.accounts.models import Role
from app.booking import services as booking_services
from app.inclusion import adaptation, plans, services
from tests.booking.factories import NOW, make_parent_with_child, make_session, make_site, make_staff
from tests.conftest import get_csrf, login
from tests.factories import make_user
from tests.inclusion.factories import PDF, book, make_morning_unit, make_template

ROLES = ("guardian", "other_parent", "director", "director_elsewhere", "animator", "animator_elsewhere",
         "ram_staff", "childminder", "admin", "anonymous")


@pytest.fixture
def world():
    site = make_site()
    other_site = make_site("Accueil de loisirs de Pradines")
    make_template(site)
    users = {"director": make_staff(site, Role.DIRECTOR), "director_elsewhere": make_staff(other_site, Role.DIRECTOR),
             "animator": make_staff(site, Role.ANIMATOR), "animator_elsewhere": make_staff(other_site, Role.ANIMATOR),
             "ram_staff": make_user(Role.RAM_STAFF), "childminder": make_user(Role.CHILDMINDER),
             "admin": make_user(Role.ADMIN)}
    parent, _household, child = make_parent_with_child()
    other_parent, _h2, _c2 = make_parent_with_child()
    users.update(guardian=parent, other_parent=other_parent)
    session = make_session(make_morning_unit(site))
    services.declare_needs(parent, child.id, needs_particular_care=True, allergies="Arachide",
                           emergency_protocol="Adrénaline")
    booking = book(parent, child, session)
    document = services.upload_document(parent, child.id, filename="pai.pdf", content=PDF)
    version = plans.save_draft(users["director"], child.id, site.id, referent="Inès")
    plans.share(users["director"], version.id)
    period = adaptation.set_child_steps(users["director"], child.id, site.id,
                                        [{"label": "Une heure", "arrival": "09:30", "pickup": "10:30",
                                          "with_parent": True}])
    ids = {"c": child.id, "s": site.id, "d": document.id, "v": version.id, "b": booking.id,
           "se": session.id, "st": period.steps[0].id, "p": period.steps[0].position}
    return users, ids


def _client(make_client, users, role):
    client = make_client()
    if role != "anonymous":
        assert login(client, users[role]).status_code == 302
    return client


def _row(default, **overrides):
    row = {role: default for role in ROLES}
    row["anonymous"] = 302
    row.update(overrides)
    return row


CHILD_DATA = _row(404, guardian=200, director=200)
GUARDIAN_ONLY = _row(404, guardian=200)
DIRECTOR_PAGE = _row(403, director=200, director_elsewhere=404)

GET_ROUTES = {
    "/inclusion/": _row(403, guardian=200, other_parent=200),
    "/inclusion/enfants/{c}": CHILD_DATA,
    "/inclusion/enfants/{c}/besoins": GUARDIAN_ONLY,
    "/inclusion/documents/{d}": CHILD_DATA,
    "/inclusion/enfants/{c}/consultations": GUARDIAN_ONLY,
    # The health form: the guardian's form, the read view for the booked site's director and animators.
    "/inclusion/enfants/{c}/fiche-sanitaire": _row(404, guardian=200, director=200, animator=200),
    "/inclusion/enfants/{c}/export.json": GUARDIAN_ONLY,
    "/inclusion/projets/{v}": CHILD_DATA,
    "/inclusion/enfants/{c}/accueils/{s}/projet": DIRECTOR_PAGE,
    "/inclusion/preparation": _row(403, director=200, director_elsewhere=200),
    "/inclusion/enfants/{c}/accueils/{s}/rencontre": DIRECTOR_PAGE,
    "/inclusion/reservations/{b}/confirmer": DIRECTOR_PAGE,
    "/inclusion/adaptations": _row(403, director=200, director_elsewhere=200),
    "/inclusion/accueils/{s}/adaptation": DIRECTOR_PAGE,
    "/inclusion/enfants/{c}/accueils/{s}/adaptation": DIRECTOR_PAGE,
    "/inclusion/seances/{se}/a-savoir": _row(403, director=200, animator=200, director_elsewhere=404,
                                             animator_elsewhere=404),
    "/inclusion/encadrement": _row(403, director=200, director_elsewhere=200),
    "/inclusion/rapport-aeeh": _row(403, director=200, director_elsewhere=200, admin=200),
    "/inclusion/rapport-aeeh.csv": _row(403, director=200, director_elsewhere=200, admin=200),
    "/inclusion/rapport-aeeh.xlsx": _row(403, director=200, director_elsewhere=200, admin=200),
    "/inclusion/journal.csv": _row(403, admin=200),
    "/inclusion/journal.xlsx": _row(403, admin=200),
}

# Changes: the allowed roles are exercised by the journey tests (None: not sent here).
POST_ROUTES = {
    "/inclusion/enfants/{c}/besoins": _row(404, guardian=None),
    "/inclusion/enfants/{c}/fiche-sanitaire": _row(404, guardian=None),  # the staff read, never write
    "/inclusion/enfants/{c}/documents": _row(404, guardian=None),
    "/inclusion/documents/{d}/supprimer": _row(404, guardian=None),
    "/inclusion/projets/{v}/accuse": _row(404, guardian=None, director=None),
    "/inclusion/projets/{v}/partager": _row(403, director=None, director_elsewhere=404),
    "/inclusion/enfants/{c}/accueils/{s}/projet": _row(403, director=None, director_elsewhere=404),
    "/inclusion/enfants/{c}/accueils/{s}/rencontre": _row(403, director=None, director_elsewhere=404),
    "/inclusion/reservations/{b}/confirmer": _row(403, director=None, director_elsewhere=404),
    "/inclusion/accueils/{s}/adaptation": _row(403, director=None, director_elsewhere=404),
    "/inclusion/enfants/{c}/accueils/{s}/adaptation": _row(403, director=None, director_elsewhere=404),
    "/inclusion/enfants/{c}/accueils/{s}/adaptation/passer": _row(403, director=None, director_elsewhere=404),
    "/inclusion/enfants/{c}/accueils/{s}/adaptation/etapes/{p}": _row(403, director=None,
                                                                       director_elsewhere=404),
    "/inclusion/etapes/{st}/bilan": _row(403, director=None, director_elsewhere=404),
}


def test_every_inclusion_route_is_in_the_sweep(app):
    rules = {r.rule for r in app.url_map.iter_rules() if r.rule.startswith("/inclusion")}
    swept = {u.replace("{c}", "<int:child_id>").replace("{s}", "<int:site_id>").replace("{d}", "<int:document_id>")
             .replace("{v}", "<int:version_id>").replace("{b}", "<int:booking_id>")
             .replace("{se}", "<int:session_id>").replace("{st}", "<int:step_id>").replace("{p}", "<int:position>")
             for u in list(GET_ROUTES) + list(POST_ROUTES)}
    assert rules == swept


@pytest.mark.parametrize("role", ROLES)
def test_get_routes_by_role(role, world, make_client):
    users, ids = world
    client = _client(make_client, users, role)
    got = {}
    for pattern, _expected in GET_ROUTES.items():
        url = pattern.format(**ids)
        got[pattern] = client.get(url).status_code
    assert got == {pattern: expected[role] for pattern, expected in GET_ROUTES.items()}


@pytest.mark.parametrize("role", ROLES)
def test_post_routes_by_role(role, world, make_client):
    users, ids = world
    client = _client(make_client, users, role)
    token = get_csrf(client, "/connexion" if role == "anonymous" else "/accueil")
    got, want = {}, {}
    for pattern, expected in POST_ROUTES.items():
        if expected[role] is None:
            continue
        got[pattern] = client.post(pattern.format(**ids), data={"csrf_token": token}).status_code
        want[pattern] = expected[role]
    assert got == want
    # Nothing was changed by the refused requests.
    assert services.needs_of(ids["c"]).allergies == "Arachide"


def test_director_loses_access_when_the_child_has_no_booking_left(world, make_client):
    users, ids = world
    booking_services.cancel_booking(users["guardian"], ids["b"], now=NOW)
    client = _client(make_client, users, "director")
    assert client.get(f"/inclusion/enfants/{ids['c']}").status_code == 404


def test_document_is_served_as_an_attachment_with_safe_headers(world, make_client):
    users, ids = world
    response = _client(make_client, users, "director").get(f"/inclusion/documents/{ids['d']}")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/pdf"
    assert response.headers["Content-Disposition"].startswith("attachment")
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.data == PDF


def test_upload_dir_is_outside_the_web_root(app):
    from pathlib import Path

    upload = Path(current_app.config["UPLOAD_DIR"]).resolve()
    assert Path(app.static_folder).resolve() not in upload.parents


def test_audit_trail_export_is_admin_only_csv(world, make_client):
    users, ids = world
    response = _client(make_client, users, "admin").get("/inclusion/journal.csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    body = response.get_data(as_text=True)
    assert body.splitlines()[0].startswith("\ufeffDate et heure (Paris);N° de l'auteur;Auteur;")
    assert f"document:{ids['d']}" in body
