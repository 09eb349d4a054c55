
from icalendar import Calendar

from app import clock
from app.booking import feeds, services
from tests.booking.factories import (
    future_wednesday,
    make_parent_with_child,
    make_session,
    make_site,
    make_staff,
    make_unit,
)
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
    assert start.tzinfo is not None and start.astimezone(clock.PARIS).hour == 8
    assert start.astimezone(clock.PARIS).minute == 30

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


def _feed_status(client, token: str) -> int:
    return client.get(f"/accueils/calendrier/{token}.ics").status_code


def test_feed_urls_survive_a_log_out_but_not_log_out_everywhere_deactivation_or_new_password(client, login_as):
    """Issue 17, item 6: feed URLs kept working after the account was deactivated, logged out
    everywhere or given a new password."""
    from app.accounts import services as accounts
    from app.extensions import db
    from tests.factories import DEFAULT_PASSWORD

    parent, _household, _child = make_parent_with_child()
    cases = {
        "log out": None,
        "log out everywhere": lambda: accounts.end_all_sessions(parent, everywhere=True),
        "new password": lambda: accounts.change_password(parent, DEFAULT_PASSWORD, DEFAULT_PASSWORD + "-neuf"),
        "deactivation": lambda: accounts.set_active(parent, False),
    }
    for case, act in cases.items():
        token = feeds.renew_household_feed(parent).token
        assert _feed_status(client, token) == 200, case
        if case == "log out":
            web = login_as(parent)
            response = web.post("/deconnexion", data={"csrf_token": get_csrf(web, "/accueils/mes-reservations")})
            assert response.status_code == 302
            db.session.expire_all()
            assert _feed_status(client, token) == 200, "an ordinary log-out keeps the phone's subscription"
            continue
        act()
        db.session.expire_all()
        assert _feed_status(client, token) == 404, case
        assert feeds.household_feed_token(parent) is None, case
    # A new URL issued after the event works again (here: after reactivation).
    accounts.set_active(parent, True)
    assert _feed_status(client, feeds.renew_household_feed(parent).token) == 200


def test_site_feed_urls_die_with_their_creators_account_state(client):
    from app.accounts import services as accounts
    from app.extensions import db

    site = make_site()
    director = make_staff(site)
    token = feeds.renew_site_feed(director, site.id).token
    url = [r.rule for r in client.application.url_map.iter_rules() if r.endpoint == "booking.site_feed"][0]
    site_url = url.replace("<token>", token)
    assert client.get(site_url).status_code == 200
    accounts.end_all_sessions(director, everywhere=True)
    db.session.expire_all()
    assert client.get(site_url).status_code == 404
    assert feeds.site_feed_token(director, site.id) is None


def test_the_account_page_logs_out_every_device_and_revokes_feed_urls(client, login_as):
    """Issue 17, item 6: "log out everywhere" is an action of the account page; a phone's
    session and the calendar subscription stop, the family is told why."""
    from app.extensions import db

    parent, _household, _child = make_parent_with_child()
    token = feeds.renew_household_feed(parent).token
    phone, computer = login_as(parent), login_as(parent)
    page = computer.get("/mon-compte").get_data(as_text=True)
    assert "Me déconnecter sur tous mes appareils" in page
    response = computer.post("/mon-compte/deconnexion-partout", data={"csrf_token": get_csrf(computer, "/mon-compte")},
                             follow_redirects=True)
    assert "déconnecté sur tous vos appareils" in response.get_data(as_text=True)
    db.session.expire_all()
    assert phone.get("/accueils/mes-reservations").status_code == 302  # back to the log-in page
    assert _feed_status(client, token) == 404
