"""The "Mon foyer" pages: rendering, forms, CSRF, roles and other households' ids."""
from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from app import clock
from app.accounts.models import Role
from app.extensions import db, utcnow
from app.families import invitations
from app.families.models import (
    AuthorisedPickup,
    Child,
    EmergencyContact,
    Household,
    HouseholdDeclaration,
    HouseholdInvitation,
    HouseholdMember,
)
from tests.conftest import get_csrf
from tests.families.factories import guardian, make_commune, make_family, make_parent, make_user

NON_PARENT_ROLES = [Role.CHILDMINDER, Role.ANIMATOR, Role.DIRECTOR, Role.RAM_STAFF, Role.ADMIN]


def snapshot() -> list:
    """Every families row, as plain values, to prove a refused request changed nothing."""
    db.session.expire_all()
    rows = []
    for model in (Household, HouseholdMember, Child, AuthorisedPickup, EmergencyContact, HouseholdInvitation):
        for obj in db.session.scalars(select(model).order_by(model.id)):
            rows.append((model.__name__, tuple(sorted(
                (k, repr(v)) for k, v in vars(obj).items() if not k.startswith("_")))))
    return rows


@pytest.fixture
def family_a():
    household = make_family("Martin", children=2)
    invitation, token = invitations.create_invitation(guardian(household), "second.parent@example.fr")
    return {"household": household, "child": household.children[0].id,
            "pickup": household.pickup_persons[0].id, "contact": household.emergency_contacts[0].id,
            "invitation": invitation.id, "token": token}


def urls_of(ids: dict) -> list[str]:
    return [
        "/foyer/", "/foyer/modifier", "/foyer/enfants/nouveau",
        f"/foyer/enfants/{ids['child']}/modifier", f"/foyer/enfants/{ids['child']}/retirer",
        "/foyer/personnes-autorisees/nouvelle", f"/foyer/personnes-autorisees/{ids['pickup']}/modifier",
        f"/foyer/personnes-autorisees/{ids['pickup']}/retirer",
        "/foyer/contacts-urgence/nouveau", f"/foyer/contacts-urgence/{ids['contact']}/modifier",
        f"/foyer/contacts-urgence/{ids['contact']}/retirer",
        "/foyer/invitation",
    ]


CHILD_FORM = {"first_name": "Lina", "last_name": "Martin", "birth_date": "2019-04-12", "school_level": "ce1",
              "school_name": "École Lucie-Aubrac", "consent_image": "y"}
PERSON_FORM = {"full_name": "Rose Bouyssou", "relationship_to_children": "voisine", "phone": "06 01 02 03 04"}


# ---------------------------------------------------------------- pages render

def test_every_page_renders_for_the_parent(login_as, family_a):
    client = login_as(guardian(family_a["household"]))
    for url in urls_of(family_a):
        response = client.get(url)
        assert response.status_code == 200, url
        page = response.get_data(as_text=True)
        assert page.count("<h1") == 1, url
        assert 'name="csrf_token"' in page, url
        assert response.headers["Cache-Control"] == "no-store", url


def test_index_shows_the_household(login_as, family_a):
    household = family_a["household"]
    db.session.get(Child, family_a["child"]).needs_particular_care = True
    db.session.commit()
    page = login_as(guardian(household)).get("/foyer/").get_data(as_text=True)
    for text in ("Foyer Martin", "Cahors", "Léo Martin", "Jade Martin", "Anne Martin", "Paul Martin",
                 "Droit à l'image", "Attention particulière", "« Besoins et accueil »", "/foyer/rejoindre/",
                 "Annuler cette invitation"):
        assert text in page, text


def test_parent_without_household_is_offered_to_create_or_join(login_as):
    client = login_as(make_parent())
    page = client.get("/foyer/").get_data(as_text=True)
    assert "Créer mon foyer" in page and "/foyer/rejoindre" in page
    assert client.get("/foyer/creer").status_code == 200
    assert client.get("/foyer/rejoindre").status_code == 200
    assert client.get("/foyer/modifier").headers["Location"].endswith("/foyer/creer")
    assert client.get("/foyer/enfants/nouveau").headers["Location"].endswith("/foyer/creer")


def test_nav_entry_is_for_parents_only(login_as):
    parent_page = login_as(make_parent()).get("/accueil").get_data(as_text=True)
    assert 'href="/foyer/"' in parent_page and "Mon foyer" in parent_page
    director_page = login_as(make_user(Role.DIRECTOR)).get("/accueil").get_data(as_text=True)
    assert "Mon foyer" not in director_page


def test_anonymous_visitors_are_sent_to_login(client):
    response = client.get("/foyer/")
    assert response.status_code == 302 and "/connexion" in response.headers["Location"]


# ---------------------------------------------------------------- forms

def test_create_household_through_the_form(login_as):
    make_commune()
    parent = make_parent(last_name="Cayrou")
    client = login_as(parent)
    token = get_csrf(client, "/foyer/creer")
    response = client.post("/foyer/creer", data={
        "csrf_token": token, "address": "12 rue Wilson", "commune_insee": "46042", "family_quotient": "650",
        "family_quotient_valid_until": (clock.today() + timedelta(days=100)).isoformat(),
        "benefit_scheme": "msa", "guardian_relationship": "mère", "guardian_works": "y"})
    assert response.status_code == 302
    household = db.session.scalar(select(Household))
    assert household.name == "Foyer Cayrou" and household.commune_insee is None  # until a staff check
    assert db.session.scalar(select(HouseholdDeclaration.commune_insee)) == "46042"
    assert household.benefit_scheme.value == "msa"
    assert client.get("/foyer/creer").headers["Location"].endswith("/foyer/modifier")


def test_create_household_outside_agglomeration(login_as):
    client = login_as(make_parent())
    token = get_csrf(client, "/foyer/creer")
    response = client.post("/foyer/creer", data={"csrf_token": token, "address": "Lalbenque",
                                                 "commune_insee": "hors", "benefit_scheme": "caf_general"})
    assert response.status_code == 302
    assert db.session.scalar(select(Household)).commune_insee is None


def test_household_form_shows_french_errors(login_as):
    client = login_as(make_parent())
    token = get_csrf(client, "/foyer/creer")
    response = client.post("/foyer/creer", data={"csrf_token": token, "address": "Lalbenque",
                                                 "commune_insee": "hors", "benefit_scheme": "caf_general",
                                                 "family_quotient": "700"})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "jusqu&#39;à quand votre quotient familial est valable" in page
    assert 'aria-invalid="true"' in page
    assert db.session.scalar(select(Household)) is None


def test_edit_household_form_is_prefilled_and_saves(login_as, family_a):
    household = family_a["household"]
    client = login_as(guardian(household))
    page = client.get("/foyer/modifier").get_data(as_text=True)
    assert '<option selected value="46042">Cahors</option>' in page
    token = get_csrf(client, "/foyer/modifier")
    response = client.post("/foyer/modifier", data={"csrf_token": token, "name": "Foyer Martin-Roux",
                                                    "address": "1 quai Cavaignac", "commune_insee": "46042",
                                                    "benefit_scheme": "caf_general"})
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(Household, household.id).name == "Foyer Martin-Roux"


def test_add_child_refuses_a_future_birth_date(login_as, family_a):
    client = login_as(guardian(family_a["household"]))
    token = get_csrf(client, "/foyer/enfants/nouveau")
    future = (clock.today() + timedelta(days=2)).isoformat()
    response = client.post("/foyer/enfants/nouveau", data={**CHILD_FORM, "birth_date": future, "csrf_token": token})
    assert response.status_code == 422
    assert "La date de naissance ne peut pas être dans le futur." in response.get_data(as_text=True)
    assert len(db.session.scalars(select(Child)).all()) == 2


def test_add_edit_remove_child_through_the_forms(login_as, family_a):
    client = login_as(guardian(family_a["household"]))
    token = get_csrf(client, "/foyer/enfants/nouveau")
    assert client.post("/foyer/enfants/nouveau", data={**CHILD_FORM, "csrf_token": token}).status_code == 302
    child = db.session.scalar(select(Child).where(Child.first_name == "Lina"))
    assert child.consent_image and not child.consent_outings and child.school_level.value == "ce1"
    page = client.get(f"/foyer/enfants/{child.id}/modifier").get_data(as_text=True)
    assert 'value="Lina"' in page and 'value="2019-04-12"' in page
    response = client.post(f"/foyer/enfants/{child.id}/modifier",
                           data={**{k: v for k, v in CHILD_FORM.items() if k != "consent_image"},
                                 "first_name": "Linaë", "needs_particular_care": "y", "csrf_token": token})
    assert response.status_code == 302
    db.session.expire_all()
    child = db.session.get(Child, child.id)
    assert child.first_name == "Linaë" and child.needs_particular_care and not child.consent_image
    child_id = child.id
    assert client.post(f"/foyer/enfants/{child_id}/retirer", data={"csrf_token": token}).status_code == 302
    db.session.expire_all()
    assert db.session.get(Child, child_id) is None


@pytest.mark.parametrize("base, model", [("/foyer/personnes-autorisees", AuthorisedPickup),
                                         ("/foyer/contacts-urgence", EmergencyContact)])
def test_people_forms(login_as, family_a, base, model):
    client = login_as(guardian(family_a["household"]))
    new = f"{base}/nouvelle" if model is AuthorisedPickup else f"{base}/nouveau"
    token = get_csrf(client, new)
    response = client.post(new, data={**PERSON_FORM, "phone": "12", "csrf_token": token})
    assert response.status_code == 422
    assert "numéro de téléphone n&#39;est pas valide" in response.get_data(as_text=True)
    assert client.post(new, data={**PERSON_FORM, "csrf_token": token}).status_code == 302
    person_id = db.session.scalar(select(model.id).where(model.full_name == "Rose Bouyssou"))
    response = client.post(f"{base}/{person_id}/modifier",
                           data={**PERSON_FORM, "phone": "0601020399", "csrf_token": token})
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(model, person_id).phone == "06 01 02 03 99"
    assert "Rose Bouyssou" in client.get(f"{base}/{person_id}/retirer").get_data(as_text=True)
    assert client.post(f"{base}/{person_id}/retirer", data={"csrf_token": token}).status_code == 302
    db.session.expire_all()
    assert db.session.get(model, person_id) is None


# ---------------------------------------------------------------- CSRF

@pytest.mark.parametrize("url_key, data", [
    ("add_child", CHILD_FORM), ("remove_child", {}), ("edit_household", {"address": "ailleurs"}),
    ("add_pickup", PERSON_FORM), ("invite", {}), ("revoke", {}),
])
def test_posts_without_csrf_token_are_rejected_and_change_nothing(login_as, family_a, url_key, data):
    urls = {"add_child": "/foyer/enfants/nouveau", "remove_child": f"/foyer/enfants/{family_a['child']}/retirer",
            "edit_household": "/foyer/modifier", "add_pickup": "/foyer/personnes-autorisees/nouvelle",
            "invite": "/foyer/invitation", "revoke": f"/foyer/invitation/{family_a['invitation']}/annuler"}
    client = login_as(guardian(family_a["household"]))
    before = snapshot()
    response = client.post(urls[url_key], data=data)
    assert response.status_code == 400
    assert "formulaire a expiré" in response.get_data(as_text=True)
    assert snapshot() == before


# ---------------------------------------------------------------- roles

@pytest.mark.parametrize("role", NON_PARENT_ROLES)
def test_non_parent_roles_get_403_on_every_page(login_as, family_a, role):
    client = login_as(make_user(role))
    urls = urls_of(family_a) + ["/foyer/creer", "/foyer/rejoindre", f"/foyer/rejoindre/{family_a['token']}"]
    for url in urls:
        assert client.get(url).status_code == 403, url
    token = get_csrf(client, "/accueil")
    before = snapshot()
    for url in urls[1:] + [f"/foyer/invitation/{family_a['invitation']}/annuler"]:  # "/foyer/" is GET only
        response = client.post(url, data={**CHILD_FORM, **PERSON_FORM, "csrf_token": token})
        assert response.status_code == 403, url
    assert snapshot() == before


# ---------------------------------------------------------------- another household's ids

def foreign_urls(ids: dict) -> list[tuple[str, dict]]:
    return [
        (f"/foyer/enfants/{ids['child']}/modifier", CHILD_FORM),
        (f"/foyer/enfants/{ids['child']}/retirer", {}),
        (f"/foyer/personnes-autorisees/{ids['pickup']}/modifier", PERSON_FORM),
        (f"/foyer/personnes-autorisees/{ids['pickup']}/retirer", {}),
        (f"/foyer/contacts-urgence/{ids['contact']}/modifier", PERSON_FORM),
        (f"/foyer/contacts-urgence/{ids['contact']}/retirer", {}),
    ]


@pytest.mark.parametrize("intruder_has_household", [True, False])
def test_another_parent_gets_404_on_every_url_with_our_ids(login_as, family_a, intruder_has_household):
    intruder = guardian(make_family("Durand")) if intruder_has_household else make_parent()
    client = login_as(intruder)
    token = get_csrf(client, "/accueil")
    before = snapshot()
    for url, data in foreign_urls(family_a):
        assert client.get(url).status_code == 404, url
        response = client.post(url, data={**data, "csrf_token": token})
        assert response.status_code == 404, url
        assert "Martin" not in response.get_data(as_text=True)
    response = client.post(f"/foyer/invitation/{family_a['invitation']}/annuler", data={"csrf_token": token})
    assert response.status_code == 404
    assert snapshot() == before
    page = client.get("/foyer/").get_data(as_text=True)
    assert "Léo Martin" not in page and "Anne Martin" not in page


def test_unknown_ids_are_404(login_as, family_a):
    client = login_as(guardian(family_a["household"]))
    assert client.get("/foyer/enfants/999999/modifier").status_code == 404
    assert client.get("/foyer/contacts-urgence/999999/retirer").status_code == 404


# ---------------------------------------------------------------- invitation flow through the pages

def _token_on_index(client) -> str:
    page = client.get("/foyer/").get_data(as_text=True)
    match = re.search(r"/foyer/rejoindre/([A-Za-z0-9_.\-]+)", page)
    assert match, "no invitation link on the page"
    return match.group(1)


def test_invitation_flow_through_the_pages(login_as):
    household = make_family("Martin")
    first = login_as(guardian(household))
    token = get_csrf(first, "/foyer/invitation")
    assert first.post("/foyer/invitation", data={"csrf_token": token, "email": "yann@example.fr"}).status_code == 302
    invitation_token = _token_on_index(first)

    second_parent = make_parent(first_name="Yann", last_name="Cayrou", email="yann@example.fr")
    second = login_as(second_parent)
    page = second.get(f"/foyer/rejoindre/{invitation_token}").get_data(as_text=True)
    assert "Foyer Martin" in page and "Camille Martin" in page
    response = second.post(f"/foyer/rejoindre/{invitation_token}",
                           data={"csrf_token": get_csrf(second, "/accueil"), "relationship_to_children": "père"})
    assert response.status_code == 302
    assert "Léo Martin" in second.get("/foyer/").get_data(as_text=True)
    assert "Yann Cayrou" in first.get("/foyer/").get_data(as_text=True)

    # Already used: a third account is refused, with the reason.
    third = login_as(make_parent())
    response = third.get(f"/foyer/rejoindre/{invitation_token}")
    assert response.status_code == 422 and "déjà été utilisée" in response.get_data(as_text=True)


def test_join_by_pasting_the_code(login_as):
    household = make_family()
    _invitation, token = invitations.create_invitation(guardian(household), "second.parent@example.fr")
    client = login_as(make_parent(email="second.parent@example.fr"))
    response = client.post("/foyer/rejoindre", data={"csrf_token": get_csrf(client, "/foyer/rejoindre"),
                                                     "code": token})
    assert response.status_code == 302
    assert "Léo" in client.get("/foyer/").get_data(as_text=True)


def test_join_with_a_wrong_code_shows_the_reason(login_as):
    client = login_as(make_parent())
    response = client.post("/foyer/rejoindre", data={"csrf_token": get_csrf(client, "/foyer/rejoindre"),
                                                     "code": "pas-un-code"})
    assert response.status_code == 422
    assert "lien d&#39;invitation n&#39;est pas valide" in response.get_data(as_text=True)


def test_expired_invitation_page(login_as):
    household = make_family()
    invitation, token = invitations.create_invitation(guardian(household), "second.parent@example.fr")
    invitation.expires_at = utcnow() - timedelta(seconds=1)
    db.session.commit()
    client = login_as(make_parent())
    response = client.get(f"/foyer/rejoindre/{token}")
    assert response.status_code == 422 and "a expiré" in response.get_data(as_text=True)
    before = snapshot()
    response = client.post(f"/foyer/rejoindre/{token}", data={"csrf_token": get_csrf(client, "/accueil")})
    assert response.status_code == 422 and snapshot() == before


def test_invitation_page_refuses_a_parent_already_in_a_household(login_as):
    household = make_family()
    durand = guardian(make_family("Durand"))
    _invitation, token = invitations.create_invitation(guardian(household), durand.email)
    client = login_as(durand)
    response = client.get(f"/foyer/rejoindre/{token}")
    assert response.status_code == 409 and "déjà rattaché à un foyer" in response.get_data(as_text=True)
    before = snapshot()
    response = client.post(f"/foyer/rejoindre/{token}", data={"csrf_token": get_csrf(client, "/accueil")})
    assert response.status_code == 409 and snapshot() == before


def test_revoke_invitation_through_the_page(login_as):
    household = make_family()
    invitation, token = invitations.create_invitation(guardian(household), "second.parent@example.fr")
    client = login_as(guardian(household))
    response = client.post(f"/foyer/invitation/{invitation.id}/annuler",
                           data={"csrf_token": get_csrf(client, "/foyer/")})
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(HouseholdInvitation, invitation.id).revoked_at is not None
    assert "/foyer/rejoindre/" not in client.get("/foyer/").get_data(as_text=True)


def test_index_loads_in_a_fixed_number_of_queries(login_as):
    from sqlalchemy import event

    small = make_family("Martin", children=1)
    big = make_family("Durand", children=3)
    for index in range(4):
        db.session.add(AuthorisedPickup(household=big, full_name=f"Personne {index}", phone="0601020304"))
        db.session.add(EmergencyContact(household=big, full_name=f"Contact {index}", phone="0601020304"))
    db.session.commit()

    def queries_for(household) -> int:
        client = login_as(guardian(household))
        statements = []

        def count(*args):
            statements.append(args[2])

        event.listen(db.engine, "before_cursor_execute", count)
        try:
            assert client.get("/foyer/").status_code == 200
        finally:
            event.remove(db.engine, "before_cursor_execute", count)
        return len(statements)

    assert queries_for(big) == queries_for(small)
