"""Inclusive welcome, in Chromium at desktop and phone sizes: a parent declares a PAI for a
nut allergy and books two Wednesdays (the places are held); the director proposes a
meeting, writes the reception plan and its adaptation steps and shares it; both agree,
and the bookings are confirmed."""
from __future__ import annotations

from datetime import timedelta

import pytest

from app.accounts.models import Role
from app.extensions import utcnow
from tests.booking.factories import future_wednesday, make_parent_with_child, make_session, make_site, make_staff
from tests.e2e.support import check, follow, keyboard_login, no_dialogs
from tests.inclusion.factories import make_morning_unit, make_template

pytestmark = pytest.mark.browser


def test_needs_declared_plan_prepared_bookings_confirmed(live_server, page_factory, viewport):
    size, dims = viewport
    site = make_site()
    make_template(site)
    director_email = make_staff(site, Role.DIRECTOR).email
    unit = make_morning_unit(site)
    days = [future_wednesday(3), future_wednesday(4)]
    for day in days:
        make_session(unit, day=day)
    parent, _household, child = make_parent_with_child()
    parent_email, child_id, site_id, name = parent.email, child.id, site.id, child.first_name

    family = page_factory(dims)
    family_dialogs = no_dialogs(family)
    keyboard_login(family, live_server, parent_email)
    family.goto(f"{live_server}/inclusion/enfants/{child_id}")
    check(family, "inclusion-parent", size, "file-empty")
    family.get_by_role("button", name="Déclarer ou modifier les besoins").focus()
    with family.expect_navigation():
        family.keyboard.press("Enter")
    check(family, "inclusion-parent", size, "needs-form")
    family.get_by_label("Oui").focus()
    family.keyboard.press("Space")
    family.get_by_label("Un projet d'accueil individualisé (PAI) existe déjà").check()
    family.locator("#allergies").fill("Arachide et fruits à coque")
    family.locator("#emergency_protocol").fill("Stylo d'adrénaline dans la trousse PAI, puis appeler le 15.")
    follow(family, family.get_by_role("button", name="Enregistrer"))
    assert "Arachide" in family.inner_text("main")
    check(family, "inclusion-parent", size, "file-needs")

    # The two Wednesdays may fall in two months (a run in early December books one in
    # December, one in January): each month's page is booked on its own.
    for month in sorted({day.strftime("%Y-%m") for day in days}):
        family.goto(f"{live_server}/accueils/reserver?month={month}")
        boxes = family.locator(f"input[type=checkbox][value^='{child_id}:']")
        assert boxes.count() >= 1
        for n in range(boxes.count()):
            boxes.nth(n).check()
        follow(family, family.get_by_role("button", name="Voir mon panier et le prix"))
        follow(family, family.get_by_role("button", name="Envoyer ma demande de réservation"))
    check(family, "inclusion-parent", size, "booked-held")
    family.goto(f"{live_server}/inclusion/enfants/{child_id}")
    assert "Ce qui va se passer" in family.inner_text("main")

    office = page_factory(dims)
    office_dialogs = no_dialogs(office)
    keyboard_login(office, live_server, director_email)
    office.goto(f"{live_server}/inclusion/preparation")
    check(office, "inclusion-director", size, "queue")
    follow(office, office.get_by_role("link", name="Proposer une rencontre").first)
    check(office, "inclusion-director", size, "meeting-form")
    follow(office, office.get_by_role("button", name="Envoyer l'invitation"))
    assert office.locator("[aria-invalid=true]").count() >= 1
    check(office, "inclusion-director", size, "meeting-errors")
    office.locator("#starts_at").fill((utcnow() + timedelta(days=5)).strftime("%Y-%m-%dT10:00"))
    follow(office, office.get_by_role("button", name="Envoyer l'invitation"))
    office.goto(f"{live_server}/inclusion/enfants/{child_id}/accueils/{site_id}/projet")
    check(office, "inclusion-director", size, "plan-form")
    office.locator("#referent").fill("Inès, animatrice référente")
    office.locator("#emergency_protocol").fill("Adrénaline puis 15")
    office.locator("#adapt_meals").fill("Panier repas fourni par la famille, aucune noix.")
    follow(office, office.get_by_role("button", name="Enregistrer le brouillon"))
    version_url = office.url
    check(office, "inclusion-director", size, "plan-draft")
    office.goto(f"{live_server}/inclusion/enfants/{child_id}/accueils/{site_id}/adaptation")
    check(office, "inclusion-director", size, "steps-form")
    office.locator("#steps-0-title").fill("Une heure avec un parent")
    office.locator("#steps-0-arrival").fill("09:30")
    office.locator("#steps-0-pickup").fill("10:30")
    office.locator("#steps-0-with_parent").check()
    follow(office, office.get_by_role("button", name="Enregistrer les étapes"))
    office.goto(version_url)
    follow(office, office.get_by_role("button", name="Partager avec la famille"))
    check(office, "inclusion-director", size, "plan-shared")

    family.goto(version_url)
    check(family, "inclusion-parent", size, "plan-to-agree")
    follow(family, family.get_by_role("button", name="J'ai lu ce projet et je donne mon accord"))
    office.goto(version_url)
    follow(office, office.get_by_role("button", name="J'ai lu ce projet et je donne mon accord"))
    check(office, "inclusion-director", size, "plan-active")

    family.goto(f"{live_server}/accueils/mes-reservations")
    text = family.inner_text("main")
    assert text.count("Confirmée") >= 2, text
    check(family, "inclusion-parent", size, "bookings-confirmed")
    family.goto(f"{live_server}/inclusion/enfants/{child_id}")
    assert "Une heure avec un parent" in family.inner_text("main") and name in family.inner_text("main")
    check(family, "inclusion-parent", size, "file-plan")
    assert family_dialogs == [] and office_dialogs == []
