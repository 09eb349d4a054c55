"""Relais journeys in Chromium, desktop and phone: staff record a demand, match it and
record a contract; a childminder updates her availability and registers for a workshop."""
from __future__ import annotations

from datetime import date, timedelta

import pytest

from app import clock
from tests.e2e.support import check, follow, keyboard_login, no_dialogs
from tests.ram.factories import add_child, make_childminder, make_relais, make_staff, make_workshop

pytestmark = pytest.mark.browser


def test_relais_staff_record_a_demand_match_it_and_record_a_contract(live_server, page_factory, viewport):
    size, dims = viewport
    relais = make_relais("Relais Douelle", "46088")
    staff = make_staff(relais)
    marie = make_childminder(insee="46088", relais=relais, first_name="Marie", last_name="Lundi", max_children=2)
    add_child(marie, date(2024, 1, 1), {str(d): [["07:00", "19:00"]] for d in (4,)})
    page = page_factory(dims)
    dialogs = no_dialogs(page)
    keyboard_login(page, live_server, staff.email)
    check(page, "relais-staff", size, "home")
    page.goto(f"{live_server}/relais/")
    check(page, "relais-staff", size, "dashboard")
    page.goto(f"{live_server}/relais/demandes/nouvelle")
    check(page, "relais-staff", size, "demand-empty")
    # Sent empty: errors next to the fields, focus-able summary.
    follow(page, page.get_by_role("button", name="Envoyer la demande"))
    assert page.locator("[aria-invalid=true]").count() >= 1
    check(page, "relais-staff", size, "demand-errors")
    page.fill("#family_name", "Bessières")
    page.fill("#child_birth_date", "2026-05-01")
    page.fill("#start_date", (clock.today() + timedelta(days=90)).isoformat())
    page.fill("#day0_start", "07:30")
    page.fill("#day0_end", "17:30")
    page.select_option("#commune_insee", "46088")
    follow(page, page.get_by_role("button", name="Envoyer la demande"))
    assert "En attente" in page.inner_text("main")
    check(page, "relais-staff", size, "demand")
    follow(page, page.get_by_text("Voir les assistantes maternelles disponibles"))
    check(page, "relais-staff", size, "matches")
    button = page.get_by_role("button", name="Mettre en relation avec Marie", exact=False)
    button.focus()
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert "En attente de réponse" in page.inner_text("main")
    check(page, "relais-staff", size, "introduced")
    # The outcome, with the keyboard: the radio by its label, Space, then the button.
    page.get_by_label("Contrat signé").focus()
    page.keyboard.press("Space")
    follow(page, page.get_by_role("button", name="Enregistrer l'issue"))
    assert "Contrat signé" in page.inner_text("main")
    check(page, "relais-staff", size, "contract")
    assert dialogs == []


def test_childminder_updates_availability_and_registers_for_a_workshop(live_server, page_factory, viewport):
    size, dims = viewport
    relais = make_relais()
    sophie = make_childminder(relais=relais, first_name="Sophie", last_name="Delmas")
    theme = make_workshop(relais, day=clock.today() + timedelta(days=20)).theme
    email = sophie.user.email
    page = page_factory(dims)
    dialogs = no_dialogs(page)
    keyboard_login(page, live_server, email)
    page.goto(f"{live_server}/relais/mes-disponibilites")
    check(page, "childminder", size, "availability")
    # Without a date: refused with a message.
    page.fill("#valid_from", "")
    follow(page, page.get_by_role("button", name="Publier et confirmer ces disponibilités"))
    assert page.locator(".flash-error, .field-error").count() >= 1
    check(page, "childminder", size, "availability-error")
    page.fill("#valid_from", clock.today().isoformat())
    page.fill("#note", "Places le mercredi")
    with page.expect_navigation():
        page.locator("#note").press("Enter")
    assert "publiées et confirmées" in page.inner_text("main")
    check(page, "childminder", size, "availability-published")
    page.goto(f"{live_server}/relais/mon-profil")
    check(page, "childminder", size, "profile")
    page.goto(f"{live_server}/relais/ateliers")
    check(page, "childminder", size, "workshops")
    follow(page, page.get_by_role("link", name=theme, exact=False).first)
    check(page, "childminder", size, "workshop")
    follow(page, page.get_by_role("button", name="M'inscrire"))
    assert page.get_by_role("button", name="Annuler mon inscription").count() == 1
    check(page, "childminder", size, "workshop-registered")
    assert dialogs == []
