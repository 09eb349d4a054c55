"""The done-when journey in headless Chromium, on a phone: a parent working early shifts declares a
four-week rotation, sees the answers; the coordinator's queue and day view. No serious axe violation."""
from __future__ import annotations

from datetime import timedelta

import pytest

from app import clock
from app.accounts.models import Role
from app.occasional import services
from tests.browser_support import PHONE, assert_accessible, browser_login, release_db
from tests.factories import DEFAULT_PASSWORD
from tests.occasional.factories import make_coordinator, make_family, make_provider

pytestmark = pytest.mark.browser


def test_rotation_journey_and_coordinator_pages(live_server, page_factory):
    provider = make_provider(weekdays=range(7), walking=1)
    coordinator = make_coordinator(provider, Role.DIRECTOR)
    parent, _h, child = make_family()
    today = clock.today()
    monday = today + timedelta(days=14 - today.weekday())
    # Another family already holds the Tuesday and Thursday mornings of the first week.
    other, _h2, other_child = make_family()
    for offset in (1, 3):
        services.request_care(other, other_child.id, provider.id, monday + timedelta(days=offset), "06:00", "07:00")
    urgent, _h3, urgent_child = make_family()
    services.request_care(urgent, urgent_child.id, provider.id, today + timedelta(days=1), "18:00", "20:00")
    parent_email, coordinator_email, provider_id = parent.email, coordinator.email, provider.id
    release_db()

    page = page_factory(PHONE)
    browser_login(page, live_server, parent_email, DEFAULT_PASSWORD)
    page.goto(f"{live_server}/garde-ponctuelle/")
    assert_accessible(page, "occasional-index-phone")
    page.goto(f"{live_server}/garde-ponctuelle/rythme")
    assert_accessible(page, "occasional-pattern-phone")
    page.get_by_label("Première semaine (ou première date)").fill(monday.isoformat())
    page.get_by_label("Nombre de semaines (8 au plus)").fill("4")
    page.get_by_role("button", name="Envoyer le rythme").click()
    page.wait_for_selector("h1:has-text('Réponse à votre demande')")
    body = page.inner_text("main")
    assert body.count("Liste d'attente, position") == 2
    assert body.count("Confirmée") == 18
    assert_accessible(page, "occasional-pattern-results-phone")
    page.goto(f"{live_server}/garde-ponctuelle/mes-demandes")
    page.get_by_role("button", name="Transmettre au Relais").first.click()
    page.wait_for_selector("text=Demande transmise au Relais Petite Enfance")
    assert "Transmise au Relais Petite Enfance" in page.inner_text("main")
    assert_accessible(page, "occasional-my-requests-phone")

    staff = page_factory(PHONE)
    browser_login(staff, live_server, coordinator_email, DEFAULT_PASSWORD)
    staff.goto(f"{live_server}/garde-ponctuelle/coordination")
    assert_accessible(staff, "occasional-coordination-phone")
    staff.get_by_role("button", name="Accepter").first.click()
    staff.wait_for_selector("text=Demande acceptée")
    staff.goto(f"{live_server}/garde-ponctuelle/structures/{provider_id}/journee?date="
               f"{(today + timedelta(days=1)).isoformat()}")
    assert "Adultes nécessaires" in staff.inner_text("main")
    assert_accessible(staff, "occasional-day-phone")
