"""The parents' main booking tasks on a phone (Chromium, 390 px), counted in taps with a ceiling.

From the home page after log-in: book every Wednesday of a month for two children; book a whole
holiday week. Every screen is checked (one <h1>, valid HTML, no sideways scroll, axe 0 serious or
critical; tests/e2e/support.py `check`). The pages use the real clock, so the sessions are placed in
the month after next, well within every deadline.
"""
from __future__ import annotations

from datetime import date, time, timedelta
from decimal import Decimal

import pytest

from app import clock
from app.booking.models import ActivityKind, StaffingRegime
from tests.booking.factories import make_activity, make_session, make_site, make_unit
from tests.browser_support import PHONE, release_db
from tests.e2e.support import check, keyboard_login, no_dialogs
from tests.factories import make_child, make_household, make_user

pytestmark = pytest.mark.browser

WEDNESDAYS_TAPS_CEILING = 6  # menu "Réserver", one shortcut per child, basket, send (5), and one to spare
HOLIDAY_WEEK_TAPS_CEILING = 5  # menu "Réserver", the week's shortcut, basket, send (4), and one to spare


class Taps:
    """Counts what the parent touches; each tap that leads to a page waits for it."""

    def __init__(self, page):
        self.page, self.count = page, 0

    def tap(self, locator, navigates: bool = True) -> None:
        self.count += 1
        if navigates:
            with self.page.expect_navigation():
                locator.click()
        else:
            locator.click()


def _month_after_next() -> date:
    today = clock.today()
    month = today.month + 2
    return date(today.year + (month - 1) // 12, (month - 1) % 12 + 1, 1)


def _days_of(first: date, weekday: int) -> list[date]:
    day = first + timedelta(days=(weekday - first.weekday()) % 7)
    days = []
    while day.month == first.month:
        days.append(day)
        day += timedelta(days=7)
    return days


def _family(*births: date):
    parent = make_user(first_name="Inès", last_name="Lacoste")
    household = make_household(parent)
    children = [make_child(household, first_name=name, birth_date=birth)
                for name, birth in zip(("Jade", "Hugo"), births, strict=False)]
    return parent, children


def test_wednesdays_of_a_month_for_two_children_in_few_taps(live_server, page_factory):
    first = _month_after_next()
    unit = make_unit(make_activity(make_site(), name="Mercredis"), label="Journée", price=Decimal("8.50"))
    wednesdays = _days_of(first, 2)
    for day in wednesdays:
        make_session(unit, day=day)
    parent, _children = _family(date(2016, 9, 1), date(2018, 2, 11))
    release_db()
    page = page_factory(PHONE)
    dialogs = no_dialogs(page)
    keyboard_login(page, live_server, parent.email)
    taps = Taps(page)

    # The main task is visible on the phone without opening the menu.
    taps.tap(page.locator(".nav-main").get_by_role("link", name="Réserver"))
    check(page, "wednesdays", "phone", "calendar")
    for name in ("Jade", "Hugo"):
        section = page.locator("section.child-month", has=page.get_by_role("heading", name=name))
        taps.tap(section.get_by_role("button", name="Tous les mercredis", exact=False), navigates=False)
        assert section.locator("input[name=item]:checked").count() == len(wednesdays)
    assert page.locator("[data-basket-count]").inner_text() == f"{2 * len(wednesdays)} séances choisies."
    taps.tap(page.get_by_role("button", name="Voir mon panier et le prix"))
    check(page, "wednesdays", "phone", "basket")
    total = f"{2 * len(wednesdays) * 8.5:.2f}".replace(".", ",")
    assert f"Total : {total} €" in page.inner_text("main")
    assert page.locator(".basket-item").count() == 2 * len(wednesdays)
    taps.tap(page.get_by_role("button", name="Envoyer ma demande de réservation"))
    check(page, "wednesdays", "phone", "answer")
    text = page.inner_text("main")
    assert text.count("Confirmée") == 2 * len(wednesdays) and "Un e-mail récapitulatif vous est envoyé." in text
    assert taps.count <= WEDNESDAYS_TAPS_CEILING, taps.count
    assert dialogs == []


def test_a_holiday_week_in_few_taps(live_server, page_factory):
    first = _month_after_next()
    site = make_site()
    holidays = make_activity(site, kind=ActivityKind.EXTRASCOLAIRE, regime=StaffingRegime.EXTRASCOLAIRE,
                             name="Vacances")
    unit = make_unit(holidays, label="Journée", price=Decimal("12.00"))
    monday = _days_of(first, 0)[1]
    for n in range(5):
        make_session(unit, day=monday + timedelta(days=n))
    # A Wednesday session of the same site the same week: the shortcut ticks the holiday days only.
    make_session(make_unit(make_activity(site, name="Mercredis"), label="Matin"), day=monday + timedelta(days=9))
    parent, (jade,) = _family(date(2016, 9, 1))
    release_db()
    page = page_factory(PHONE)
    keyboard_login(page, live_server, parent.email)
    taps = Taps(page)

    taps.tap(page.locator(".nav-main").get_by_role("link", name="Réserver"))
    taps.tap(page.get_by_role("button", name="Toute la semaine de vacances", exact=False), navigates=False)
    assert page.locator("input[name=item]:checked").count() == 5
    check(page, "holiday-week", "phone", "calendar")
    taps.tap(page.get_by_role("button", name="Voir mon panier et le prix"))
    assert "Total : 60,00 €" in page.inner_text("main")
    taps.tap(page.get_by_role("button", name="Envoyer ma demande de réservation"))
    assert page.inner_text("main").count("Confirmée") == 5
    assert taps.count <= HOLIDAY_WEEK_TAPS_CEILING, taps.count


def test_phone_menu_folds_and_opens_with_the_keyboard(live_server, page_factory):
    parent, _children = _family(date(2016, 9, 1))
    release_db()
    page = page_factory(PHONE)
    keyboard_login(page, live_server, parent.email)
    menu = page.locator("#nav-menu")
    toggle = page.get_by_role("button", name="Menu")
    assert not menu.is_visible() and toggle.get_attribute("aria-expanded") == "false"
    # The parent's main tasks come first and stay on the first screen.
    assert page.locator(".nav-main a").all_inner_texts() == ["Réserver", "Mes réservations"]
    toggle.focus()
    page.keyboard.press("Enter")
    assert menu.is_visible() and toggle.get_attribute("aria-expanded") == "true"
    assert "Mon foyer" in menu.inner_text()
    check(page, "menu", "phone", "open")
    page.keyboard.press("Escape")
    assert not menu.is_visible()
    header = page.locator(".site-header").bounding_box()
    assert header["height"] < PHONE["height"] * 0.25, header


def test_the_basket_shows_what_cannot_be_booked_and_the_other_new_screens_pass_axe(live_server, page_factory):
    first = _month_after_next()
    site = make_site()
    holidays = make_activity(site, kind=ActivityKind.EXTRASCOLAIRE, regime=StaffingRegime.EXTRASCOLAIRE,
                             name="Vacances")
    monday = _days_of(first, 0)[1]
    make_session(make_unit(holidays, label="Journée"), day=monday)
    make_session(make_unit(holidays, label="Matin", start=time(8, 30), end=time(12, 0)), day=monday)
    parent, _children = _family(date(2016, 9, 1))
    release_db()
    page = page_factory(PHONE)
    keyboard_login(page, live_server, parent.email)
    page.goto(f"{live_server}/accueils/reserver?month={first:%Y-%m}")
    for box in page.locator("input[name=item]").all():
        box.check()
    with page.expect_navigation():
        page.get_by_role("button", name="Voir mon panier et le prix").click()
    assert "1 séance ne peut pas être réservée" in page.inner_text("main")
    assert "à la même heure" in page.inner_text("main")
    check(page, "basket-refusal", "phone", "basket")
    for step, path in (("history", "/accueils/mes-reservations?periode=passees"),
                       ("renew-first", "/accueils/calendrier/renouveler")):
        page.goto(f"{live_server}{path}")
        check(page, "parent-pages", "phone", step)
