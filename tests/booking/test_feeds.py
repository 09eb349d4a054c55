from zoneinfo import ZoneInfo

from icalendar import Calendar

from app.booking import feeds, services
from tests.booking.factories import (future_wednesday, make_parent_with_child, make_session, make_site, make_staff,
                                     make_unit)
from tests.conftest import get_csrf


def _events(body: bytes) -> dict[str, dict]:
    calendar = Calendar.from_ical(body)
    return {str(e["UID"]): e for e in calendar.walk("VEVENT")}


def test_household_feed_lists_bookings_with_stable_uid_and_sequence(client, login_as):
    site = make_site()
    session = make_session(make_unit(), day=future_wednesday(), under6=0, over6=1)
    other_session = make_session(session.unit, day=future_wednesday(4), under6=0, over6=1)
    parent, household, child = make_parent_with_child()
    booked = services.book(parent, [(child.id, session.id), (child.id, other_session.id)]).items[0]
    waiting_parent, _h, waiting_child = make_parent_with_child()
    services.book(waiting_parent, [(waiting_child.id, session.id)])

    web = login_as(parent)
    token = get_csrf(web, "/accueils/mes-reservations")
    response = web.post("/accueils/calendrier/renouveler", data={"csrf_token": token})
    assert response.status_code == 302
    token = feeds.household_feed_token(parent).token
    assert token in web.get("/accueils/mes-reservations").get_data(as_text=True)

    response = client.get(f"/accueils/calendrier/{token}.ics")
    assert response.status_code == 200 and response.mimetype == "text/calendar"
    events = _events(response.data)
    uid = f"booking-{booked.booking_id}@pitchoun.grandcahors.fr"
    assert len(events) == 2 and uid in events
    event = events[uid]
    assert str(event["STATUS"]) == "CONFIRMED" and int(event["SEQUENCE"]) == 0
    assert "Léo" in str(event["SUMMARY"]) and site.name in str(event["SUMMARY"])
    assert "180 rue Albert-Camus" in str(event["LOCATION"]) and "Cahors" in str(event["LOCATION"])
    start = event.decoded("DTSTART")
    assert start.tzinfo is not None and start.astimezone(ZoneInfo("Europe/Paris")).hour == 8
    assert start.astimezone(ZoneInfo("Europe/Paris")).minute == 30

    services.cancel_booking(parent, booked.booking_id)
    event = _events(client.get(f"/accueils/calendrier/{token}.ics").data)[uid]
    assert str(event["STATUS"]) == "CANCELLED" and int(event["SEQUENCE"]) == 1

    # The waiting family's child was promoted: their feed shows it confirmed.
    token2 = feeds.renew_household_feed(waiting_parent).token
    events2 = _events(client.get(f"/accueils/calendrier/{token2}.ics").data)
    assert [str(e["STATUS"]) for e in events2.values()] == ["CONFIRMED"]


def test_revoked_or_unknown_token_is_not_found(client):
    parent, _household, _child = make_parent_with_child()
    old = feeds.renew_household_feed(parent).token
    new = feeds.renew_household_feed(parent).token
    assert client.get(f"/accueils/calendrier/{old}.ics").status_code == 404
    assert client.get(f"/accueils/calendrier/{new}.ics").status_code == 200
    feeds.revoke_household_feed(parent)
    assert client.get(f"/accueils/calendrier/{new}.ics").status_code == 404
    assert client.get("/accueils/calendrier/nope.ics").status_code == 404


def test_site_feed_for_director(client, login_as):
    site = make_site()
    session = make_session(make_unit(), day=future_wednesday())
    director = make_staff(site)
    web = login_as(director)
    web.post(f"/accueils/sites/{site.id}/calendrier", data={"csrf_token": get_csrf(web, f"/accueils/sites/{site.id}")})
    token = feeds.site_feed_token(director, site.id).token
    events = _events(client.get(f"/accueils/calendrier/site/{token}.ics").data)
    assert list(events) == [f"session-{session.id}@pitchoun.grandcahors.fr"]
    # A household token does not open a site feed.
    parent, _h, _c = make_parent_with_child()
    assert client.get(f"/accueils/calendrier/site/{feeds.renew_household_feed(parent).token}.ics").status_code == 404
