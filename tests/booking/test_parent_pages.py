"""The parents' booking pages without JavaScript: the month calendar and its shortcuts, the basket (the
engine's answer and the pricing service's total before sending), an answer page that says only what is
true, the cancellation's confirmation and undo, "Mes réservations" by month with filters and history,
the calendar subscription, and the menu."""
from __future__ import annotations

import re
from datetime import UTC, date, datetime, time
from decimal import Decimal

import pytest
import time_machine
from sqlalchemy import func, select

from app.booking import services
from app.booking.models import Booking, BookingStatus
from app.extensions import db
from app.navigation import navigation_for
from app.notifications.models import NotificationOptOut, OutboxMessage
from tests.booking.factories import make_activity, make_parent_with_child, make_session, make_site, make_unit
from tests.conftest import csrf_token_from
from tests.factories import make_child

# Monday 2 March 2026, 10:00 in Paris: every session below is in March or April 2026.
NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
WEDNESDAYS = [date(2026, 3, 11), date(2026, 3, 18), date(2026, 3, 25)]


@pytest.fixture
def clock():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def family(clock):
    site = make_site()
    unit = make_unit(make_activity(site), label="Journée", price=Decimal("6.20"))
    sessions = [make_session(unit, day=day) for day in WEDNESDAYS[:2]]
    sessions.append(make_session(unit, day=WEDNESDAYS[2], under6=0, over6=0))  # full: waiting list
    parent, household, jade = make_parent_with_child(birth_date=date(2016, 9, 1), first_name="Jade")
    hugo = make_child(household, first_name="Hugo", birth_date=date(2018, 2, 11))
    return site, unit, sessions, parent, household, jade, hugo


def _page(client, url):
    response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    return response.get_data(as_text=True)


def _shortcut_value(page: str, child) -> str:
    values = re.findall(r'name="shortcut" value="([^"]+)"', page)
    mine = [v for v in values if all(item.startswith(f"{child.id}:") for item in v.split(","))]
    assert mine, values
    return mine[0]


def test_a_shortcut_without_javascript_fills_the_basket_with_the_engines_answers_and_the_total(family, login_as):
    site, unit, sessions, parent, household, jade, hugo = family
    # A morning the same day as the first Wednesday: chosen first (a ticked box comes before the shortcut's
    # sessions, as `book` takes them), so the basket refuses that Wednesday's whole day.
    morning = make_session(make_unit(unit.activity, label="Matin", start=time(8, 30), end=time(12, 0)),
                           day=WEDNESDAYS[0])
    client = login_as(parent)
    page = _page(client, "/accueils/reserver?month=2026-03")
    assert site.name in page and "Tous les mercredis de mars : Journée (3 séances)" in page
    shortcut = _shortcut_value(page, jade)
    assert shortcut == ",".join(f"{jade.id}:{s.id}" for s in sessions)
    token = csrf_token_from(page)
    body = client.post("/accueils/reserver/panier", data={
        "csrf_token": token, "shortcut": shortcut, "item": f"{jade.id}:{morning.id}", "month": "2026-03",
        "site": str(site.id)}).get_data(as_text=True)
    # The morning (8,50 €) and a day (6,20 €) have places; one day waits (paid only if a place is given);
    # the first Wednesday's day is refused with its reason.
    assert "Total : 14,70 €" in body and "6,20 € de plus si des places se libèrent" in body
    assert "1 séance ne peut pas être réservée" in body and "à la même heure ce jour-là" in body
    assert body.count('name="item"') == 3 and f'value="{jade.id}:{sessions[0].id}"' not in body
    assert db.session.scalar(select(func.count(Booking.id))) == 0  # the basket writes nothing
    # "Modifier ma sélection" comes back to the calendar with the boxes ticked.
    edit = re.search(r'href="(/accueils/reserver\?[^"]+)">Modifier ma sélection', body).group(1)
    again = _page(client, edit.replace("&amp;", "&"))
    assert len(re.findall(r" checked>", again)) == 4  # the family's whole choice, to change it
    assert f'value="{jade.id}:{morning.id}" checked' in again


def test_the_basket_foresees_what_booking_gives(family):
    """One source of truth: the basket's answer is the engine's, item by item."""
    site, unit, sessions, parent, household, jade, hugo = family
    closed = make_session(unit, day=date(2026, 3, 3))  # past its booking deadline (two days before, noon)
    items = [(jade.id, s.id) for s in sessions] + [(hugo.id, sessions[0].id), (jade.id, closed.id)]
    basket = services.preview(parent, items)
    foreseen = {(i.child.id, i.session.id): (i.outcome, i.reason, i.price) for i in basket.items}
    result = services.book(parent, items)
    for item in result.items:
        outcome, reason, price = foreseen[item.child_id, item.session_id]
        expected = {"place": ("confirmed", "pending_preparation"), "waitlist": ("waitlisted",),
                    "refused": ("refused",)}[outcome]
        assert item.status in expected, (item, outcome)
        assert item.reason == reason
        if outcome != "refused":
            assert Decimal(item.price) == price
    assert basket.total == Decimal("18.60") and len(basket.refused) == 1


def test_the_answer_mentions_the_e_mail_only_when_one_is_queued(family, login_as):
    site, unit, sessions, parent, household, jade, hugo = family
    client = login_as(parent)
    token = csrf_token_from(_page(client, "/accueils/reserver?month=2026-03"))
    closed = make_session(unit, day=date(2026, 3, 3))
    refused = client.post("/accueils/reserver", data={"csrf_token": token, "item": f"{jade.id}:{closed.id}",
                                                       "submission_key": "k1"}).get_data(as_text=True)
    assert "Rien n'a été réservé." in refused and "e-mail" not in refused
    assert db.session.scalar(select(func.count(OutboxMessage.id))) == 0
    booked = client.post("/accueils/reserver", data={"csrf_token": token, "item": f"{jade.id}:{sessions[0].id}",
                                                      "submission_key": "k2"}).get_data(as_text=True)
    assert "Un e-mail récapitulatif vous est envoyé." in booked
    assert db.session.scalar(select(func.count(OutboxMessage.id))) == 1
    db.session.add(NotificationOptOut(user_id=parent.id, kind="booking.submitted"))
    db.session.commit()
    quiet = client.post("/accueils/reserver", data={"csrf_token": token, "item": f"{hugo.id}:{sessions[0].id}",
                                                     "submission_key": "k3"}).get_data(as_text=True)
    assert "Confirmée" in quiet and "e-mail" not in quiet
    assert db.session.scalar(select(func.count(OutboxMessage.id))) == 1


def test_cancelling_asks_first_then_offers_an_honest_undo(family, login_as):
    site, unit, sessions, parent, household, jade, hugo = family
    other, _household, other_child = make_parent_with_child(birth_date=date(2016, 1, 5), first_name="Paul")
    one_place = make_session(make_unit(unit.activity, label="Sortie"), day=date(2026, 3, 13), under6=0, over6=1)
    mine = services.book(parent, [(jade.id, sessions[0].id), (jade.id, one_place.id)]).items
    services.book(other, [(other_child.id, one_place.id)])  # waits for the only place
    client = login_as(parent)
    listing = _page(client, "/accueils/mes-reservations")
    assert f'href="/accueils/reservations/{mine[0].booking_id}/annuler"' in listing  # a link, not a one-tap form
    confirm = _page(client, f"/accueils/reservations/{mine[0].booking_id}/annuler")
    assert "Oui, annuler la réservation" in confirm and "Annulation sans frais jusqu'au" in confirm
    assert db.session.get(Booking, mine[0].booking_id).status is BookingStatus.CONFIRMED  # asked, not done
    token = csrf_token_from(confirm)
    response = client.post(f"/accueils/reservations/{mine[0].booking_id}/annuler", data={"csrf_token": token})
    assert response.headers["Location"].endswith(f"/accueils/mes-reservations?annulee={mine[0].booking_id}")
    undo = _page(client, response.headers["Location"])
    assert "Une place est encore libre" in undo and f'value="{jade.id}:{sessions[0].id}"' in undo
    # The only place went to the waiting child: the undo says so and offers the waiting list.
    client.post(f"/accueils/reservations/{mine[1].booking_id}/annuler", data={"csrf_token": token})
    undo = _page(client, f"/accueils/mes-reservations?annulee={mine[1].booking_id}")
    assert "Votre place a déjà été donnée" in undo and "M'inscrire sur la liste d'attente" in undo
    # Another family's cancelled booking is never shown, nor its confirmation page.
    other_booking = db.session.scalar(select(Booking).where(Booking.child_id == other_child.id))
    assert "Annulée par erreur" not in _page(client, f"/accueils/mes-reservations?annulee={other_booking.id}")
    assert client.get(f"/accueils/reservations/{other_booking.id}/annuler").status_code in (403, 404)
    basket = client.post("/accueils/reserver/panier", data={"csrf_token": token,
                                                            "item": f"{other_child.id}:{one_place.id}"})
    assert basket.status_code in (403, 404)


def test_my_bookings_by_month_with_filters_and_history(family, login_as, clock):
    site, unit, sessions, parent, household, jade, hugo = family
    april = make_session(unit, day=date(2026, 4, 1))
    other_site = make_site("Accueil de loisirs de Pradines")
    elsewhere = make_session(make_unit(make_activity(other_site)), day=date(2026, 3, 18))
    february = make_session(unit, day=date(2026, 2, 18))
    services.book(parent, [(jade.id, february.id)], now=datetime(2026, 2, 2, 9, 0, tzinfo=UTC))
    result = services.book(parent, [(jade.id, sessions[0].id), (hugo.id, april.id), (hugo.id, elsewhere.id)])
    services.cancel_booking(parent, result.items[0].booking_id)
    client = login_as(parent)
    page = _page(client, "/accueils/mes-reservations")
    assert '<h2 id="month-2026-03">Mars 2026</h2>' in page and '<h2 id="month-2026-04">Avril 2026</h2>' in page
    assert "18 févr." not in page  # the past is in the history
    only_hugo = _page(client, f"/accueils/mes-reservations?child={hugo.id}")
    assert "1 avr." in only_hugo and "11 mars" not in only_hugo
    only_site = _page(client, f"/accueils/mes-reservations?site={other_site.id}")
    assert "18 mars" in only_site and "1 avr." not in only_site
    cancelled = _page(client, "/accueils/mes-reservations?status=cancelled")
    assert "11 mars" in cancelled and "1 avr." not in cancelled
    history = _page(client, "/accueils/mes-reservations?periode=passees")
    assert "18 févr. 2026" in history and "1 avr." not in history and "février 2026</a>" in history


def test_the_subscription_is_a_webcal_link_and_a_new_address_is_confirmed_first(family, login_as):
    site, unit, sessions, parent, household, jade, hugo = family
    client = login_as(parent)
    token = csrf_token_from(_page(client, "/accueils/mes-reservations"))
    client.post("/accueils/calendrier/renouveler", data={"csrf_token": token})
    page = _page(client, "/accueils/mes-reservations")
    link = re.search(r'href="(webcal://[^"]+\.ics)"', page).group(1)
    assert re.search(r'id="feed-url" value="https?://[^"]+\.ics"', page)
    assert 'data-copy="feed-url"' in page
    # Renewing is a secondary link to a page that says what it breaks; only its button renews.
    assert 'href="/accueils/calendrier/renouveler"' in page
    confirm = _page(client, "/accueils/calendrier/renouveler")
    assert "cessera aussitôt de fonctionner" in confirm and "Oui, remplacer l'adresse" in confirm
    assert link in _page(client, "/accueils/mes-reservations")  # looking at the page changed nothing
    client.post("/accueils/calendrier/renouveler", data={"csrf_token": token})
    assert link not in _page(client, "/accueils/mes-reservations")


def test_the_menu_puts_the_main_tasks_first_and_folds_without_inline_script(family, login_as):
    site, unit, sessions, parent, household, jade, hugo = family
    client = login_as(parent)
    page = _page(client, "/accueil")
    with client.application.test_request_context():
        endpoints = [endpoint for _label, _url, endpoint in navigation_for(parent)]
    assert endpoints[:2] == ["booking.calendar", "booking.my_bookings"]
    main = re.search(r'<ul class="nav-main">(.*?)</ul>', page, re.S).group(1)
    assert ">Réserver</a>" in main and ">Mes réservations</a>" in main
    assert 'aria-controls="nav-menu"' in page and 'aria-expanded="false"' in page
    assert all("src=" in tag for tag in re.findall(r"<script[^>]*>", page))  # no inline script (CSP)


def test_the_household_page_names_the_needs_page_as_the_menu_does(family, login_as):
    site, unit, sessions, parent, household, jade, hugo = family
    jade.needs_particular_care = True
    db.session.commit()
    page = _page(login_as(parent), "/foyer/")
    assert "Accueil inclusif" not in page and "« Besoins et accueil »" in page
    assert ">Besoins et accueil</a>" in page  # the menu's entry, same words


def test_household_of_is_read_once_per_transaction_and_again_after_a_write():
    # Issue 20: several parts of a page ask for the household; one statement, unless something was written.
    from sqlalchemy import event

    from app.booking.access import household_of
    from app.families.models import Household, HouseholdMember

    parent, household, _child = make_parent_with_child()
    counted = []
    listener = lambda *_args: counted.append(1)  # noqa: E731
    event.listen(db.engine, "before_cursor_execute", listener)
    try:
        assert household_of(parent) is household
        reads = len(counted)
        assert household_of(parent) is household and len(counted) == reads  # no statement the second time
        other = Household(name="Autre foyer")
        db.session.add(other)
        db.session.flush()
        assert household_of(parent) is household  # read again after the flush, and kept
        db.session.execute(HouseholdMember.__table__.update().where(HouseholdMember.user_id == parent.id)
                           .values(household_id=other.id))
        assert household_of(parent) is other
        assert len(counted) > reads
    finally:
        event.remove(db.engine, "before_cursor_execute", listener)
        db.session.rollback()
