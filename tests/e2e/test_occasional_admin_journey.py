"""Journey: an administrator sets up a new occasional-care provider on a phone (settings, one
opening period, one hourly tariff), then a parent books a range there."""
from datetime import timedelta

import pytest

from app import clock
from app.accounts.models import Role
from tests.browser_support import PHONE
from tests.e2e.support import check, follow, keyboard_login, no_dialogs
from tests.factories import make_commune, make_user
from tests.occasional.factories import make_family

pytestmark = pytest.mark.browser


def test_admin_sets_up_a_provider_and_a_parent_books_it(live_server, page_factory):
    make_commune()
    admin_email = make_user(Role.ADMIN).email
    parent, _household, child = make_family(first_name="Lou", family_quotient=650)
    parent_email, child_id = parent.email, str(child.id)
    monday = clock.today() + timedelta(days=14 - clock.today().weekday())

    page = page_factory(PHONE)
    dialogs = no_dialogs(page)
    keyboard_login(page, live_server, admin_email)
    follow(page, page.locator("#contenu").get_by_role("link", name="Structures de garde ponctuelle"))
    follow(page, page.get_by_role("button", name="Créer une structure"))
    check(page, "occasional-admin", "phone", "new-provider")
    page.get_by_label("Nom de la structure").fill("Multi-accueil Les Lucioles")
    page.get_by_label("Commune").select_option("46042")
    page.get_by_label("Délai de prévenance (en heures)").fill("24")
    follow(page, page.get_by_role("button", name="Créer la structure"))
    page.get_by_role("heading", name="Multi-accueil Les Lucioles").wait_for()

    page.get_by_label("Jour de la semaine").select_option("0")
    page.locator("#opens_at").fill("07:00")
    page.locator("#closes_at").fill("12:00")
    page.locator("#capacity_not_walking").fill("2")
    page.locator("#capacity_walking").fill("3")
    follow(page, page.get_by_role("button", name="Ajouter cette période"))
    page.locator("#qf_min").fill("0")
    page.locator("#qf_max").fill("")
    page.locator("#hourly_price").fill("1.40")
    follow(page, page.get_by_role("button", name="Ajouter cette tranche"))
    body = page.inner_text("main")
    assert "Lundi 07:00–12:00" in body and "1,40 €" in body and "4,20 €" in body
    check(page, "occasional-admin", "phone", "provider")

    # An overlapping period is refused beside its field, in French.
    page.get_by_label("Jour de la semaine").select_option("0")
    page.locator("#opens_at").fill("11:00")
    page.locator("#closes_at").fill("13:00")
    page.locator("#capacity_walking").fill("1")
    follow(page, page.get_by_role("button", name="Ajouter cette période"))
    assert "chevauche celle du lundi de 07:00 à 12:00" in page.inner_text("#opens_at-error")
    check(page, "occasional-admin", "phone", "period-refused")

    family = page_factory(PHONE)
    keyboard_login(family, live_server, parent_email)
    family.goto(f"{live_server}/garde-ponctuelle/")
    family.locator("#child_id").select_option(child_id)
    family.locator("#provider_id").select_option(label="Multi-accueil Les Lucioles")
    family.locator("#day").fill(monday.isoformat())
    family.locator("#start").fill("08:00")
    family.locator("#end").fill("10:00")
    follow(family, family.get_by_role("button", name="Envoyer la demande"))
    answer = family.inner_text("main")
    assert "Confirmée" in answer and "2,80 €" in answer
    assert f"lundi {monday.day}" in answer
    check(family, "occasional-admin", "phone", "parent-answer")
    assert dialogs == []
