"""The director prepares a welcome without retyping what the family declared, and everyone reads plain French:
the reception plan's first draft comes from the family's declaration; the adaptation template is a form whose
rows are checked with French messages; the access trail says what was read, never its stored code; the
director's view of the file has the director's words and actions."""
from __future__ import annotations

from datetime import time
from html import unescape

import pytest
from sqlalchemy import select

from app.accounts.models import Role
from app.booking.models import BookingStatus
from app.errors import NotFound
from app.extensions import db
from app.inclusion import adaptation, plans, services
from app.inclusion.models import AuditEntry
from tests.booking.factories import make_parent_with_child, make_session, make_site, make_staff
from tests.conftest import get_csrf
from tests.inclusion.factories import book, make_active_plan, make_morning_unit, make_needs, make_template


@pytest.fixture
def world():
    site = make_site()
    other = make_site("Accueil de loisirs de Pradines")
    director = make_staff(site, Role.DIRECTOR, first_name="Nadia", last_name="Roux")
    elsewhere = make_staff(other, Role.DIRECTOR)
    parent, _h, child = make_parent_with_child()
    make_needs(child, has_pai=True, allergies="Arachide", diet="Sans porc", medication="Ventoline si toux",
               emergency_protocol="Adrénaline en stylo, puis appeler le 15", rhythm="Sieste après le repas",
               what_helps="Un coin calme")
    booking = book(parent, child, make_session(make_morning_unit(site)))
    return site, director, elsewhere, parent, child, booking


def test_the_first_draft_of_the_plan_is_written_from_the_declaration(world):
    site, director, elsewhere, parent, child, _booking = world
    values = plans.prefill_from_declaration(director, child.id, site.id)
    assert "PAI" in values["emergency_protocol"]
    assert "Adrénaline en stylo, puis appeler le 15" in values["emergency_protocol"]
    assert values["medication"] == "Ventoline si toux"
    assert values["adapt_meals"] == "Allergies : Arachide\nRégime : Sans porc"
    assert values["adapt_rhythm"] == "Sieste après le repas"
    assert values["first_meeting_notes"] == "Ce qui aide : Un coin calme"
    # Reading the declaration for the draft is a read of the health file: it is in the trail.
    assert db.session.scalar(select(AuditEntry.id).where(AuditEntry.actor_id == director.id,
                                                         AuditEntry.target == "needs")) is not None
    # Nobody else gets it.
    for stranger in (elsewhere, parent):
        with pytest.raises(NotFound):
            plans.prefill_from_declaration(stranger, child.id, site.id)


def test_once_a_version_exists_the_draft_starts_from_it_not_from_the_declaration(world):
    site, director, _elsewhere, _parent, child, _booking = world
    make_active_plan(child, site, emergency_protocol="Protocole revu avec la famille")
    assert plans.prefill_from_declaration(director, child.id, site.id) == {}


def test_no_declaration_no_prefill(world):
    site, director, _elsewhere, _parent, _child, _booking = world
    parent, _household, quiet = make_parent_with_child(first_name="Zoé")
    book(parent, quiet, make_session(make_morning_unit(site)))
    assert plans.prefill_from_declaration(director, quiet.id, site.id) == {}


def test_the_plan_form_opens_filled_in(world, login_as):
    site, director, *_rest, child, _booking = world
    page = login_as(director).get(f"/inclusion/enfants/{child.id}/accueils/{site.id}/projet")
    text = unescape(page.get_data(as_text=True))
    assert page.status_code == 200
    assert "Adrénaline en stylo, puis appeler le 15" in text and "reprend ce que la famille a déclaré" in text


def test_the_template_form_refuses_bad_rows_in_french_and_saves_nothing(world, login_as):
    site, director, *_rest = world
    make_template(site, steps=(("Une heure avec un parent", time(9, 30), time(10, 30), True, False),))
    office = login_as(director)
    url = f"/inclusion/accueils/{site.id}/adaptation"
    token = get_csrf(office, url)
    no_label = office.post(url, data={"csrf_token": token, "steps-0-title": "", "steps-0-arrival": "09:00",
                                      "steps-0-pickup": "10:00"})
    text = no_label.get_data(as_text=True)
    assert no_label.status_code == 422
    assert "Donnez un libellé à cette étape, ou effacez ses heures." in text and 'aria-invalid="true"' in text
    backwards = office.post(url, data={"csrf_token": token, "steps-0-title": "Une heure",
                                       "steps-0-arrival": "10:00", "steps-0-pickup": "09:00"})
    assert backwards.status_code == 422
    assert "L'heure de départ doit suivre l'heure d'arrivée." in backwards.get_data(as_text=True)
    not_a_time = office.post(url, data={"csrf_token": token, "steps-0-title": "Une heure",
                                        "steps-0-arrival": "neuf heures"})
    assert not_a_time.status_code == 422
    # Nothing half-written: the template is the one before.
    assert [(t.label, t.arrival, t.pickup) for t in adaptation.site_template(site.id)] == [
        ("Une heure avec un parent", time(9, 30), time(10, 30))]
    saved = office.post(url, data={"csrf_token": token, "steps-0-title": "Une matinée",
                                   "steps-0-arrival": "08:30", "steps-0-pickup": "11:30", "steps-0-with_meal": ""})
    assert saved.status_code == 302
    assert [(t.label, t.with_meal) for t in adaptation.site_template(site.id)] == [("Une matinée", False)]


def test_the_template_page_is_linked_from_the_directors_sites(world, login_as):
    site, director, *_rest = world
    office = login_as(director)
    for page in ("/inclusion/adaptations", _url("booking.staff_sites")):
        assert f"/inclusion/accueils/{site.id}/adaptation" in office.get(page).get_data(as_text=True)


def _url(endpoint):
    from flask import current_app

    with current_app.test_request_context():
        from flask import url_for

        return url_for(endpoint)


def test_the_trail_speaks_french(world, login_as):
    site, director, _elsewhere, parent, child, _booking = world
    version = make_active_plan(child, site)
    services.read_file(director, child.id)
    plans.read_version(director, version.id)
    page = unescape(login_as(parent).get(f"/inclusion/enfants/{child.id}/consultations").get_data(as_text=True))
    assert "Consultation du dossier d'accueil" in page
    assert "Consultation du projet d'accueil (version 1)" in page
    for code in ("plan_version:", "meeting:", "document:", "– file", "– needs", ">file<", ">needs<"):
        assert code not in page


@pytest.mark.parametrize("target,detail,expected", [
    ("plan_version:2", "v2", "Modification du projet d'accueil (version 2)"),
    ("plan_version:2", "shared", "Modification du projet d'accueil (partagé avec la famille)"),
    ("file", "", "Modification du dossier d'accueil"),
    ("meeting:1", "2026-03-18T10:00", "Modification d'une rencontre"),
    ("document:1", "pai.pdf", "Modification du document « pai.pdf »"),
    ("needs", "", "Modification des besoins déclarés"),
    ("adaptation_step:4", "", "Modification d'une étape d'adaptation"),
])
def test_each_trail_entry_has_its_words(target, detail, expected):
    assert services.audit_entry_text(AuditEntry(action="update", target=target, detail=detail)) == expected


def test_the_director_reads_the_file_with_the_directors_words_and_actions(world, login_as):
    site, director, _elsewhere, parent, child, booking = world
    booking.status = BookingStatus.PENDING_PREPARATION
    db.session.commit()
    page = unescape(login_as(director).get(f"/inclusion/enfants/{child.id}").get_data(as_text=True))
    for url in (f"/inclusion/enfants/{child.id}/accueils/{site.id}/rencontre",
                f"/inclusion/enfants/{child.id}/accueils/{site.id}/projet",
                f"/inclusion/enfants/{child.id}/accueils/{site.id}/adaptation",
                f"/inclusion/reservations/{booking.id}/confirmer"):
        assert url in page
    assert "Préparer l'accueil" in page and "Besoins déclarés par la famille" in page
    # Not the parent's words.
    assert "vous ne la perdrez pas" not in page and "Ce qui va se passer" not in page
    family_page = unescape(login_as(parent).get(f"/inclusion/enfants/{child.id}").get_data(as_text=True))
    assert "Ce qui va se passer" in family_page and "Préparer l'accueil" not in family_page
    assert "place réservée, en attente de la préparation de l'accueil" in family_page
    assert "Confirmée, accueil en préparation" not in family_page
