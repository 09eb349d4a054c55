"""The family's and the director's inclusion pages in headless Chromium: no serious accessibility issue,
usable on a 390 px-wide phone."""
from __future__ import annotations

from datetime import timedelta

import pytest

from app import clock
from app.accounts.models import Role
from app.extensions import db
from app.inclusion import adaptation, plans, services
from tests.booking.factories import make_parent_with_child, make_session, make_site, make_staff
from tests.factories import DEFAULT_PASSWORD
from tests.inclusion.factories import PDF, book, make_morning_unit, make_template

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


def test_inclusion_pages_are_accessible(live_server, browser):
    site = make_site()
    make_template(site)
    director = make_staff(site, Role.DIRECTOR)
    parent, _h, child = make_parent_with_child()
    services.declare_needs(parent, child.id, needs_particular_care=True, allergies="Noix")
    # The live server runs on the real clock, and a director reads the file only around the child's
    # booked days: book a Wednesday one to two weeks from today.
    today = clock.today()
    session = make_session(make_morning_unit(site), day=today + timedelta(days=(2 - today.weekday()) % 7 + 7))
    book(parent, child, session)
    services.upload_document(parent, child.id, filename="pai.pdf", content=PDF)
    version = plans.save_draft(director, child.id, site.id, referent="Inès", goals="Jouer avec le groupe")
    plans.share(director, version.id)
    adaptation.set_child_steps(director, child.id, site.id,
                               [{"label": "Une heure", "arrival": "09:30", "pickup": "10:30", "with_parent": True}])
    child_id, site_id, version_id = child.id, site.id, version.id
    parent_email, director_email = parent.email, director.email
    db.session.commit()  # and open no other transaction: on SQLite it would hold the write lock
    base = live_server
    page = browser.new_context(viewport={"width": 390, "height": 844}).new_page()
    _login(page, base, parent_email)
    for path in (f"/inclusion/enfants/{child_id}/besoins", f"/inclusion/enfants/{child_id}",
                 f"/inclusion/projets/{version_id}", f"/inclusion/enfants/{child_id}/consultations"):
        page.goto(base + path)
        assert page.locator("h1").count() == 1, path
        assert _serious(page) == [], path
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 400, (path, width)
    office = browser.new_context().new_page()
    _login(office, base, director_email)
    for path in ("/inclusion/preparation", f"/inclusion/enfants/{child_id}/accueils/{site_id}/projet",
                 f"/inclusion/enfants/{child_id}/accueils/{site_id}/adaptation", "/inclusion/encadrement",
                 "/inclusion/adaptations", f"/inclusion/accueils/{site_id}/adaptation"):
        office.goto(base + path)
        assert office.locator("h1").count() == 1, path
        assert _serious(office) == [], path
