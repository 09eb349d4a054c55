"""The household iCalendar feed includes occasional care; the demo loads idempotently."""
from datetime import timedelta

from icalendar import Calendar
from sqlalchemy import func, select

from app import clock
from app.booking import feeds
from app.extensions import db
from app.occasional import services
from app.occasional.models import OccasionalBooking, OccasionalProvider
from tests.occasional.factories import make_family, make_provider


def test_household_feed_lists_occasional_bookings(client):
    provider = make_provider()
    parent, _h, child = make_family()
    day = clock.today() + timedelta(days=14 - clock.today().weekday())
    booking_id = services.request_care(parent, child.id, provider.id, day, "05:30", "07:00").answers[0].booking_id
    token = feeds.renew_household_feed(parent).token
    cal = Calendar.from_ical(client.get(f"/accueils/calendrier/{token}.ics").data)
    events = [e for e in cal.walk("VEVENT") if str(e["uid"]).startswith("occasional-")]
    assert len(events) == 1 and str(events[0]["status"]) == "CONFIRMED"
    assert events[0]["dtstart"].dt.strftime("%H:%M") == "05:30"
    services.cancel_request(parent, booking_id)
    cal = Calendar.from_ical(client.get(f"/accueils/calendrier/{token}.ics").data)
    event = [e for e in cal.walk("VEVENT") if str(e["uid"]).startswith("occasional-")][0]
    assert str(event["status"]) == "CANCELLED" and int(event["sequence"]) == 1


def test_demo_is_idempotent():
    from app.families.demo import load_demo as load_families
    from app.occasional.demo import load_demo

    load_families()
    db.session.commit()
    lines = load_demo()
    db.session.commit()
    counts = (db.session.scalar(select(func.count(OccasionalProvider.id))),
              db.session.scalar(select(func.count(OccasionalBooking.id))))
    assert counts[0] == 2 and counts[1] >= 3
    assert any("coordinator1@demo.pitchoun.fr" in line for line in lines)
    load_demo()
    db.session.commit()
    assert counts == (db.session.scalar(select(func.count(OccasionalProvider.id))),
                      db.session.scalar(select(func.count(OccasionalBooking.id))))


def test_cli_assigns_a_coordinator(app):
    from app.accounts.models import Role
    from app.occasional.access import provider_ids_of
    from tests.factories import make_user

    provider = make_provider()
    director = make_user(Role.DIRECTOR)
    db.session.commit()
    runner = app.test_cli_runner()
    result = runner.invoke(args=["occasional", "assign-staff", director.email, str(provider.id)])
    assert result.exit_code == 0, result.output
    assert provider_ids_of(director) == {provider.id}
    assert provider.name in runner.invoke(args=["occasional", "providers"]).output
    parent, _h, _c = make_family()
    assert runner.invoke(args=["occasional", "assign-staff", parent.email, str(provider.id)]).exit_code != 0
