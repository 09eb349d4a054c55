"""The screens changed for issue 19 (words, director's file, steps template, observatory charts) in headless
Chromium at 390 px: axe finds no serious or critical violation, nothing overflows, the charts load."""
from __future__ import annotations

from datetime import timedelta

import pytest

from app import clock
from app.accounts.models import Role
from app.extensions import db
from app.inclusion import services
from tests.booking.factories import make_parent_with_child, make_session, make_site, make_staff
from tests.factories import DEFAULT_PASSWORD
from tests.inclusion.factories import PDF, book, make_morning_unit, make_template
from tests.ram.factories import make_relais
from tests.ram.factories import make_staff as make_relais_staff

pytestmark = pytest.mark.browser


def _login(page, base, email):
    page.goto(f"{base}/connexion")
    page.fill("#email", email)
    page.fill("#password", DEFAULT_PASSWORD)
    page.click("button[type=submit]:has-text('Se connecter')")
    page.wait_for_url(f"{base}/accueil")


def _serious(page):
    from axe_playwright_python.sync_playwright import Axe

    violations = Axe().run(page).response["violations"]
    return [(v["id"], v["impact"]) for v in violations if v["impact"] in ("serious", "critical")]


def _check(page, path):
    assert page.locator("h1").count() == 1, path
    assert _serious(page) == [], path
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, (path, width)


def test_changed_screens_are_accessible_on_a_phone(live_server, browser):
    site = make_site()
    make_template(site)
    director = make_staff(site, Role.DIRECTOR)
    parent, _h, child = make_parent_with_child()
    services.declare_needs(parent, child.id, needs_particular_care=True, has_pai=True, allergies="Noix",
                           emergency_protocol="Appeler le 15")
    today = clock.today()  # the live server runs on the real clock
    book(parent, child, make_session(make_morning_unit(site), day=today + timedelta(days=(2 - today.weekday()) % 7 + 7)))
    services.upload_document(parent, child.id, filename="pai.pdf", content=PDF)
    staff_email = make_relais_staff(make_relais("Relais Petite Enfance de la Vallée du Lot", "46042")).email
    child_id, site_id, parent_email, director_email = child.id, site.id, parent.email, director.email
    db.session.commit()
    base = live_server
    phone = {"viewport": {"width": 390, "height": 844}}

    office = browser.new_context(**phone).new_page()
    _login(office, base, director_email)
    for path in (f"/inclusion/enfants/{child_id}", f"/inclusion/enfants/{child_id}/accueils/{site_id}/projet",
                 f"/inclusion/accueils/{site_id}/adaptation"):
        office.goto(base + path)
        _check(office, path)
    # The template form refused: the messages beside the cells are accessible too.
    office.fill("#steps-0-title", "")
    office.fill("#steps-0-arrival", "10:00")
    office.click("button:has-text('Enregistrer les étapes')")
    assert "Donnez un libellé à cette étape" in office.inner_text("main")
    _check(office, "template refused")

    family = browser.new_context(**phone).new_page()
    _login(family, base, parent_email)
    for path in (f"/inclusion/enfants/{child_id}/consultations", "/notifications/preferences"):
        family.goto(base + path)
        _check(family, path)

    relais = browser.new_context(**phone).new_page()
    _login(relais, base, staff_email)
    relais.goto(base + "/relais/observatoire")
    _check(relais, "/relais/observatoire")
    images = relais.locator("figure.chart img")
    assert images.count() == 3
    for i in range(3):
        assert images.nth(i).evaluate("img => img.complete && img.naturalWidth > 0"), i
