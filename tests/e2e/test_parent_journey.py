"""A parent, from the log-in page: registers, creates the household, adds two children,
books Wednesdays and a holiday week, is waitlisted on a full day, cancels, and
subscribes to the calendar (the .ics address shown is fetched and parsed).
Desktop and phone; axe on every screen and state."""
from __future__ import annotations

import re
from datetime import date, timedelta
from decimal import Decimal
from urllib.parse import urlsplit

import pytest
import requests
from icalendar import Calendar

from app import clock
from app.booking.models import ActivityKind, SchoolHolidayPeriod, StaffingRegime
from app.extensions import db
from tests.booking.factories import make_activity, make_parent_with_child, make_session, make_site, make_unit
from tests.browser_support import release_db
from tests.e2e.support import check, follow, no_dialogs
from tests.inclusion.factories import book

pytestmark = pytest.mark.browser

PASSWORD = "Une-phrase-de-passe-2026"


def _month_ahead() -> date:
    """The first day of the month after next: every session is well within booking deadlines."""
    today = clock.today()
    month = today.month + 2
    return date(today.year + (month - 1) // 12, (month - 1) % 12 + 1, 1)


def _sessions():
    first = _month_ahead()
    site = make_site()
    wednesdays_unit = make_unit(make_activity(site, name="Mercredis"), price=Decimal("6.20"))
    holidays = make_activity(site, kind=ActivityKind.EXTRASCOLAIRE, regime=StaffingRegime.EXTRASCOLAIRE,
                             name="Vacances")
    holiday_unit = make_unit(holidays, price=Decimal("12.00"))
    wednesdays = [first + timedelta(days=(2 - first.weekday()) % 7 + 7 * n) for n in range(3)]
    for day in wednesdays[:2]:
        make_session(wednesdays_unit, day=day)
    full = make_session(wednesdays_unit, day=wednesdays[2], under6=0, over6=1)
    monday = wednesdays[1] - timedelta(days=2)
    db.session.add(SchoolHolidayPeriod(zone="C", label="Vacances de test", first_day=monday,
                                       last_day=monday + timedelta(days=4)))
    for n in (0, 1, 3, 4):  # the Wednesday of that week is already a Mercredi session
        make_session(holiday_unit, day=monday + timedelta(days=n))
    db.session.commit()
    # Another family takes the full day's only place.
    parent, _household, child = make_parent_with_child(birth_date=date(2017, 3, 1), first_name="Paul")
    book(parent, child, full)
    return first


def _verification_link(email: str) -> str:
    from sqlalchemy import select

    from app.extensions import db
    from app.notifications.models import OutboxMessage

    db.session.expire_all()
    body = db.session.scalar(select(OutboxMessage.body_text).where(OutboxMessage.to_address == email,
                                                                   OutboxMessage.kind == "account.verify_email"))
    release_db()
    assert body, "no verification e-mail in the outbox"
    link = re.search(r"https?://\S+/inscription/confirmer/\S+", body)
    assert link, body
    # PUBLIC_BASE_URL is not the live server's address here: the path is what the family opens.
    return urlsplit(link.group(0)).path


def test_parent_registers_books_is_waitlisted_cancels_and_subscribes(live_server, page_factory, viewport):
    size, dims = viewport
    month = _sessions()
    release_db()
    page = page_factory(dims)
    dialogs = no_dialogs(page)
    page.goto(f"{live_server}/connexion")
    check(page, "parent", size, "login")
    follow(page, page.get_by_role("link", name="Créer un compte", exact=False).first)
    check(page, "parent", size, "register-empty")
    follow(page, page.get_by_role("button", name="Créer mon compte", exact=False))
    assert page.locator("[aria-invalid=true]").count() >= 3
    check(page, "parent", size, "register-errors")
    page.locator("#first_name").fill("Inès")
    page.locator("#last_name").fill("Lacoste")
    email = f"ines.lacoste.{size}@example.fr"
    page.get_by_label("Adresse e-mail").fill(email)
    page.locator("#password").fill(PASSWORD)
    page.locator("#password_confirm").fill(PASSWORD)
    with page.expect_navigation():
        page.locator("#password_confirm").press("Enter")
    assert page.url.endswith("/inscription/envoyee")
    check(page, "parent", size, "register-sent")
    # The address is proved by the link of the e-mail the outbox holds for it.
    page.goto(f"{live_server}{_verification_link(email)}")
    check(page, "parent", size, "verify-email")
    follow(page, page.get_by_role("button", name="Confirmer mon adresse"))
    assert page.url.endswith("/accueil")
    check(page, "parent", size, "home-new")

    page.goto(f"{live_server}/foyer/creer")
    check(page, "parent", size, "household-empty")
    page.locator("#address").fill("12 rue du Château-du-Roi")
    page.locator("#commune_insee").select_option("46042")
    page.locator("#family_quotient").fill("750")
    page.locator("#family_quotient_valid_until").fill(f"{clock.today().year + 1}-12-31")
    follow(page, page.locator("main button[type=submit]"))
    assert page.locator(".field-error").count() == 0, page.locator(".field-error").all_inner_texts()
    for first_name, birth in (("Jade", "2016-09-01"), ("Hugo", "2018-02-11")):
        page.goto(f"{live_server}/foyer/enfants/nouveau")
        check(page, "parent", size, "child-form")
        page.locator("#first_name").fill(first_name)
        page.locator("#birth_date").fill(birth)
        page.locator("#consent_outings").check()
        follow(page, page.locator("main button[type=submit]"))
    assert "Jade" in page.inner_text("main") and "Hugo" in page.inner_text("main")
    check(page, "parent", size, "household")

    page.goto(f"{live_server}/accueils/reserver?month={month:%Y-%m}")
    check(page, "parent", size, "calendar")
    assert "Complet" in page.inner_text("main")
    jade = page.locator("section", has=page.get_by_role("heading", name="Jade", exact=False))
    boxes = jade.locator("input[type=checkbox]")
    assert boxes.count() >= 7  # three Wednesdays (one full) and four holiday days
    for n in range(boxes.count()):
        boxes.nth(n).focus()
        page.keyboard.press("Space")
    # The basket: each session with its price, the total, and the full day on the waiting list.
    follow(page, page.get_by_role("button", name="Voir mon panier et le prix"))
    assert "Total :" in page.inner_text("main") and "liste d'attente" in page.inner_text("main")
    check(page, "parent", size, "basket")
    follow(page, page.get_by_role("button", name="Envoyer ma demande de réservation"))
    text = page.inner_text("main")
    assert "Confirmée" in text and "Liste d'attente, position 1" in text
    check(page, "parent", size, "booking-results")

    page.goto(f"{live_server}/accueils/mes-reservations")
    check(page, "parent", size, "my-bookings")
    cancel_links = page.locator("main table").get_by_role("link", name="Annuler", exact=False)
    before = cancel_links.count()
    follow(page, cancel_links.first)
    check(page, "parent", size, "cancel-confirm")  # nothing is cancelled before this step
    follow(page, page.get_by_role("button", name="Oui, annuler la réservation"))
    assert cancel_links.count() == before - 1
    assert page.get_by_role("heading", name="Annulée par erreur ?").is_visible()
    check(page, "parent", size, "cancelled")
    follow(page, page.get_by_role("button", name="Réserver à nouveau"))  # the place was still free
    assert "Confirmée" in page.inner_text("main")
    page.goto(f"{live_server}/accueils/mes-reservations")
    assert cancel_links.count() == before

    follow(page, page.get_by_role("button", name="Créer l'adresse d'abonnement"))
    assert page.get_by_role("link", name="S'abonner dans mon agenda").get_attribute("href").startswith("webcal://")
    url = page.locator("#feed-url").input_value().strip()
    check(page, "parent", size, "subscribed")
    # The address shown uses the public base URL; the same path is asked of the test server.
    assert url.endswith(".ics") and "/accueils/calendrier/" in url
    response = requests.get(live_server + urlsplit(url).path, timeout=30)
    assert response.status_code == 200 and "text/calendar" in response.headers["Content-Type"]
    events = [c for c in Calendar.from_ical(response.content).walk("VEVENT")]
    assert len(events) >= 5, len(events)
    assert all("Jade" in str(e.get("SUMMARY")) or "Jade" in str(e.get("DESCRIPTION")) for e in events)
    assert dialogs == []
