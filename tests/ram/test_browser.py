"""The staff journey in headless Chromium at phone width, with axe accessibility checks."""
from __future__ import annotations

from datetime import date

import pytest

from tests.browser_support import PHONE
from tests.factories import DEFAULT_PASSWORD
from tests.ram.factories import add_child, make_childminder, make_relais, make_staff

pytestmark = pytest.mark.browser

@pytest.fixture
def browser_page(page_factory):
    return page_factory(PHONE)


def serious_violations(page):
    from axe_playwright_python.sync_playwright import Axe

    violations = Axe().run(page).response["violations"]
    return [(v["id"], v["impact"]) for v in violations if v["impact"] in ("serious", "critical")]


def test_staff_records_a_demand_on_a_phone_and_finds_a_pair(live_server, browser_page):
    relais = make_relais("Relais Douelle", "46088")
    email = make_staff(relais).email
    a = make_childminder(insee="46088", first_name="Marie", last_name="Lundi", max_children=1)
    add_child(a, date(2024, 1, 1), {str(d): [["07:00", "19:00"]] for d in (2, 3)})
    b = make_childminder(insee="46224", first_name="Lucie", last_name="Mercredi", max_children=1)
    add_child(b, date(2024, 1, 1), {str(d): [["07:00", "19:00"]] for d in (0, 1)})
    from app.extensions import db

    db.session.commit()
    page = browser_page
    page.goto(f"{live_server}/connexion")
    page.fill("#email", email)
    page.fill("#password", DEFAULT_PASSWORD)
    page.click("button[type=submit]")
    page.goto(f"{live_server}/relais/demandes/nouvelle")
    assert serious_violations(page) == []
    page.fill("#family_name", "Bessières")
    page.fill("#child_birth_date", "2026-05-01")
    page.fill("#start_date", "2027-03-01")
    page.fill("#day0_start", "07:30")
    page.fill("#day0_end", "17:30")
    page.click("text=Recopier les horaires du lundi")
    page.fill("#day4_start", "")
    page.fill("#day4_end", "")
    page.select_option("#commune_insee", "46088")
    page.click("button:has-text('Envoyer la demande')")
    assert "En attente" in page.inner_text("main")
    page.click("text=Voir les assistantes maternelles disponibles")
    text = page.inner_text("main")
    assert "Binômes qui couvrent ensemble tous les horaires (1)" in text
    assert "jeudi 07:30–17:30" in text
    assert serious_violations(page) == []
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.goto(f"{live_server}/relais/observatoire")
    assert serious_violations(page) == []
