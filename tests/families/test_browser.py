"""The "Mon foyer" pages in headless Chromium: axe finds no serious problem, a 390 px phone needs no sideways scroll."""
from __future__ import annotations

import pytest

from tests.browser_support import PHONE, assert_accessible
from tests.factories import DEFAULT_PASSWORD
from tests.families.factories import guardian, make_family

pytestmark = pytest.mark.browser


def test_mon_foyer_pages_are_accessible_on_a_phone(live_server, page_factory):

    household = make_family("Martin", children=2)
    child_id = household.children[0].id
    pickup_id = household.pickup_persons[0].id
    email = guardian(household).email
    from app.extensions import db

    db.session.commit()  # release the SQLite write lock before the server's requests
    page = page_factory(PHONE)
    page.goto(f"{live_server}/connexion")
    page.fill("#email", email)
    page.fill("#password", DEFAULT_PASSWORD)
    page.click("form:not(.inline-form) button[type=submit]")
    page.wait_for_url(f"{live_server}/accueil")
    for path in ("/foyer/", "/foyer/modifier", "/foyer/enfants/nouveau", f"/foyer/enfants/{child_id}/modifier",
                 f"/foyer/personnes-autorisees/{pickup_id}/modifier", f"/foyer/enfants/{child_id}/retirer",
                 "/foyer/invitation"):
        page.goto(live_server + path)
        assert page.locator("h1").count() == 1, path
        assert_accessible(page, "families" + path.replace("/", "-").rstrip("-") + "-phone")
        overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
        assert overflow <= 0, (path, overflow)

    # The form works without JavaScript tricks: add a child from the phone.
    page.goto(f"{live_server}/foyer/enfants/nouveau")
    page.fill("#first_name", "Lina")
    page.fill("#birth_date", "2019-04-12")
    page.check("#consent_outings")
    page.click("main button[type=submit]")
    page.wait_for_url(f"{live_server}/foyer/")
    assert "Lina Martin" in page.content()
