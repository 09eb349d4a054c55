"""Finding a childminder on a phone (390 px), in a bounded number of taps; the childminder's hours
page; the health form filled in by a parent and read by the staff of the booked site. Each screen:
one <h1>, no sideways scroll, valid HTML, axe without serious or critical findings."""
from __future__ import annotations

from datetime import timedelta

import pytest

from app import clock
from app.accounts.models import Role
from app.booking.models import BookingStatus
from tests.browser_support import PHONE
from tests.e2e.support import check, follow, keyboard_login
from tests.factories import make_child, make_household, make_user
from tests.ram.factories import add_child, make_childminder, make_relais

pytestmark = pytest.mark.browser

TAP_CEILING = 10  # from the home page: menu link, commune, birth date, 3 days, 2 times, search (9)


class Taps:
    """Counts what a person does on the screen: each tap, choice or field filled is one."""

    def __init__(self, page):
        self.page, self.count = page, 0

    def click(self, locator):
        self.count += 1
        locator.click()

    def fill(self, selector, value):
        self.count += 1
        self.page.fill(selector, value)

    def select(self, selector, value):
        self.count += 1
        self.page.select_option(selector, value)


def test_a_parent_finds_a_childminder_in_few_taps(live_server, page_factory):
    relais = make_relais("Relais Cahors centre", "46042")
    now = clock.now()
    alice = make_childminder(insee="46042", relais=relais, first_name="Alice", last_name="Vialard", declared=now,
                             show_phone=True, offers_meals=True)
    alice.user.phone = "06 11 22 33 44"
    make_childminder(insee="46224", relais=relais, first_name="Berthe", last_name="Cayrou", declared=now)
    full = make_childminder(insee="46042", relais=relais, first_name="Chloé", last_name="Pleine", declared=now,
                            max_children=1, max_under_3=1)
    add_child(full, clock.today() - timedelta(days=400), start=clock.today() - timedelta(days=30))
    parent = make_user(Role.PARENT)
    make_household(parent)
    page = page_factory(PHONE)
    keyboard_login(page, live_server, parent.email)
    taps = Taps(page)
    link = page.get_by_role("link", name="Trouver une assistante maternelle").first
    if not link.is_visible():  # a collapsed phone menu: one more tap to open it
        taps.click(page.get_by_role("button", name="Menu").first)
    taps.click(link)
    page.wait_for_url("**/relais/trouver-une-assistante-maternelle")
    check(page, "find-childminder", "phone", "search-empty")
    taps.select("#commune_insee", "46042")
    taps.fill("#child_birth", (clock.today() - timedelta(days=300)).isoformat())
    for day in ("Lundi", "Mardi", "Jeudi"):
        taps.click(page.get_by_label(day, exact=True))
    taps.fill("#arrival", "08:00")
    taps.fill("#departure", "17:30")
    with page.expect_navigation():
        taps.click(page.get_by_role("button", name="Rechercher"))
    text = page.inner_text("main")
    assert "Alice Vialard" in text and "Berthe Cayrou" in text and "Chloé Pleine" not in text
    assert "06 11 22 33 44" in text  # Alice consented to show her phone
    assert "par le Relais Cahors centre" in text  # Berthe did not: the Relais
    assert taps.count <= TAP_CEILING, taps.count
    check(page, "find-childminder", "phone", "results")
    # The other path stays: file a request with the Relais.
    follow(page, page.get_by_role("link", name="Déposer une demande au Relais Petite Enfance"))
    check(page, "find-childminder", "phone", "demand-form")


def test_a_childminder_declares_her_hours_on_a_phone(live_server, page_factory):
    cm = make_childminder(first_name="Alice", last_name="Vialard", declared=clock.now())
    cm_id, email = cm.id, cm.user.email  # read before the server runs: the test's session holds no lock then
    page = page_factory(PHONE)
    keyboard_login(page, live_server, email)
    page.goto(f"{live_server}/relais/assistantes-maternelles/{cm_id}/horaires")
    check(page, "childminder-hours", "phone", "empty")
    page.fill("#day0_start", "07:30")
    page.fill("#day0_end", "12:00")
    page.fill("#day0_start2", "14:00")
    page.fill("#day0_end2", "18:30")
    follow(page, page.get_by_role("button", name="Enregistrer mes jours et horaires"))
    assert "lundi 07:30–12:00, 14:00–18:30" in page.inner_text("main")
    page.fill("#absence_start", "2027-07-01")
    page.fill("#absence_end", "2027-06-01")
    follow(page, page.get_by_role("button", name="Ajouter la période d'absence"))
    assert page.locator("[aria-invalid=true]").count() >= 1
    check(page, "childminder-hours", "phone", "absence-error")


def test_health_form_by_a_parent_and_read_by_the_site_staff(live_server, page_factory):
    from tests.billing.factories import make_booking
    from tests.booking.factories import make_session, make_site, make_staff
    from tests.inclusion.factories import make_morning_unit

    site = make_site()
    animator = make_staff(site, Role.ANIMATOR)
    parent = make_user(Role.PARENT)
    child = make_child(make_household(parent), first_name="Anna", birth_date=clock.today() - timedelta(days=6 * 365))
    session = make_session(make_morning_unit(site), day=clock.today() + timedelta(days=7))
    make_booking(child, session, status=BookingStatus.CONFIRMED)
    child_id, parent_email, animator_email = child.id, parent.email, animator.email
    page = page_factory(PHONE)
    keyboard_login(page, live_server, parent_email)
    page.goto(f"{live_server}/inclusion/enfants/{child_id}/fiche-sanitaire")
    check(page, "health-form", "phone", "empty")
    follow(page, page.get_by_role("button", name="Enregistrer la fiche sanitaire"))
    assert page.locator("[aria-invalid=true]").count() >= 1
    check(page, "health-form", "phone", "errors")
    for code in ("dtp", "pertussis", "hib", "hepatitis_b", "pneumococcus", "meningococcus_c", "mmr"):
        page.fill(f"#vaccine_{code}", (clock.today() - timedelta(days=365)).isoformat())
    page.fill("#food_allergies", "Arachide")
    page.get_by_label("Allergie sévère", exact=False).check()
    page.get_by_label("J'autorise le responsable", exact=False).check()
    follow(page, page.get_by_role("button", name="Enregistrer la fiche sanitaire"))
    assert "La fiche sanitaire est enregistrée" in page.inner_text("main")
    staff = page_factory(PHONE)
    keyboard_login(staff, live_server, animator_email)
    staff.goto(f"{live_server}/inclusion/enfants/{child_id}/fiche-sanitaire")
    assert "Allergie sévère" in staff.inner_text("main")
    check(staff, "health-form", "phone", "staff-view")
