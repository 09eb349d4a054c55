"""The parent's journey in headless Chromium on a phone-sized screen, with axe checks.

Uses Debian's chromium (never a downloaded browser). In CI (CI=true) a
missing browser is a failure, never a skip.
"""
from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from app.extensions import db
from tests.booking.factories import (
    future_wednesday,
    make_activity,
    make_parent_with_child,
    make_session,
    make_site,
    make_unit,
)
from tests.browser_support import PHONE
from tests.factories import DEFAULT_PASSWORD, make_child


def _serious(page) -> list[str]:
    from axe_playwright_python.sync_playwright import Axe

    violations = Axe().run(page).response["violations"]
    return [v["id"] for v in violations if v["impact"] in ("serious", "critical")]


@pytest.mark.browser
def test_parent_books_two_children_on_a_phone_and_cancels(live_server, page_factory):

    site = make_site()
    unit = make_unit(make_activity(site), price=Decimal("8.50"))
    day = future_wednesday()
    make_session(unit, day=day)
    make_session(unit, day=future_wednesday(4))
    parent, household, child = make_parent_with_child()
    make_child(household, first_name="Jade", birth_date=date(2016, 1, 2))
    email = parent.email
    db.session.commit()

    page = page_factory(PHONE)
    page.goto(f"{live_server}/connexion")
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", DEFAULT_PASSWORD)
    page.click("main form button[type=submit]")
    page.wait_for_url("**/accueil")
    page.goto(f"{live_server}/accueils/reserver?month={day:%Y-%m}")
    assert _serious(page) == []
    boxes = page.locator("input[name=item]")
    assert boxes.count() >= 2
    # Keyboard: a checkbox is reached and ticked without a mouse.
    boxes.nth(0).focus()
    page.keyboard.press("Space")
    boxes.nth(1).check()
    page.get_by_role("button", name="Voir mon panier et le prix").click()
    page.get_by_role("heading", name="Votre panier").wait_for()
    assert _serious(page) == []
    page.get_by_role("button", name="Envoyer ma demande de réservation").click()
    page.get_by_role("heading", name="Réponse à votre demande").wait_for()
    assert page.locator("text=Confirmée").count() == 2
    assert _serious(page) == []
    page.goto(f"{live_server}/accueils/mes-reservations")
    assert _serious(page) == []
    page.locator("main table a:has-text('Annuler')").first.click()
    page.get_by_role("heading", name="Annuler cette réservation ?").wait_for()
    assert _serious(page) == []
    page.get_by_role("button", name="Oui, annuler la réservation").click()
    page.locator("text=Réservation annulée").wait_for()
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390  # nothing overflows the phone's width
