"""Every calendar feed and invitation, read by ical.js (Thunderbird), vobject and icalendar.

Times are checked in UTC: 08:30 in Paris is 07:30Z in January and 06:30Z in July.
"""
from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import pytest
import time_machine
from sqlalchemy import select

from app.booking import feeds, services
from app.booking.school_calendar import parse_ics
from app.extensions import db
from app.notifications import ical
from app.notifications.models import OutboxMessage
from tests.booking.factories import make_parent_with_child, make_session, make_site, make_staff, make_unit
from tests.support.calendars import icaljs, read_everywhere

FROZEN = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
JANUARY, JULY = date(2027, 1, 6), date(2027, 7, 7)  # Wednesdays, winter and summer time


@pytest.fixture
def frozen():
    with time_machine.travel(FROZEN, tick=False):
        yield


def _booked_world():
    site = make_site()
    unit = make_unit(start=time(8, 30), end=time(12, 0))
    sessions = [make_session(unit, day=day, under6=0, over6=5) for day in (JANUARY, JULY)]
    parent, _household, child = make_parent_with_child()
    result = services.book(parent, [(child.id, s.id) for s in sessions])
    return site, unit, sessions, parent, result


def test_without_vtimezone_icaljs_reads_floating_times():
    """The harness sees the defect the issue reports (a control for the tests below)."""
    bare = ("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:x\r\nBEGIN:VEVENT\r\nUID:a\r\nDTSTAMP:20260101T000000Z\r\n"
            "DTSTART;TZID=Europe/Paris:20270106T083000\r\nDTEND;TZID=Europe/Paris:20270106T120000\r\n"
            "END:VEVENT\r\nEND:VCALENDAR\r\n")
    assert icaljs(bare)["events"][0]["floating"] is True


def test_household_feed_reads_the_same_in_every_client(frozen, client):
    _site, _unit, _sessions, parent, result = _booked_world()
    token = feeds.renew_household_feed(parent).token
    response = client.get(f"/accueils/calendrier/{token}.ics")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/calendar; charset=utf-8"
    events = read_everywhere(response.data)["events"]
    assert [(e["start"], e["end"]) for e in events] == [("2027-01-06T07:30:00Z", "2027-01-06T11:00:00Z"),
                                                        ("2027-07-07T06:30:00Z", "2027-07-07T10:00:00Z")]
    assert [e["uid"] for e in events] == [f"booking-{i.booking_id}@pitchoun.grandcahors.fr" for i in result.items]
    assert [(e["sequence"], e["status"]) for e in events] == [(0, "CONFIRMED"), (0, "CONFIRMED")]

    services.cancel_booking(parent, result.items[0].booking_id)
    events = read_everywhere(client.get(f"/accueils/calendrier/{token}.ics").data)["events"]
    assert (events[0]["sequence"], events[0]["status"]) == (1, "CANCELLED")


def test_site_feed_reads_the_same_in_every_client(frozen, client):
    site, unit, _sessions, _parent, _result = _booked_world()
    director = make_staff(unit.activity.site)
    token = feeds.renew_site_feed(director, unit.activity.site_id).token
    response = client.get(f"/accueils/calendrier/site/{token}.ics")
    assert response.headers["Content-Type"] == "text/calendar; charset=utf-8"
    events = read_everywhere(response.data)["events"]
    assert [e["start"] for e in events] == ["2027-01-06T07:30:00Z", "2027-07-07T06:30:00Z"]


def test_workshop_feed_has_stable_uids_sequence_and_dtstamp(frozen, client, app):
    from tests.ram import factories as ram

    relais = ram.make_relais()
    winter = ram.make_workshop(relais, day=JANUARY)
    summer = ram.make_workshop(relais, day=JULY)
    winter.start_time, winter.end_time = time(8, 30), time(10, 0)
    summer.start_time, summer.end_time = time(8, 30), time(10, 0)
    db.session.commit()
    url = f"/relais/{relais.id}/ateliers.ics"
    first = client.get(url)
    assert first.headers["Content-Type"] == "text/calendar; charset=utf-8"
    events = read_everywhere(first.data)["events"]
    assert [e["start"] for e in events] == ["2027-01-06T07:30:00Z", "2027-07-07T06:30:00Z"]
    assert [e["uid"] for e in events] == [f"workshop-{winter.id}@pitchoun.grandcahors.fr",
                                          f"workshop-{summer.id}@pitchoun.grandcahors.fr"]
    sequence = events[0]["sequence"]

    # Another public address and a later fetch change nothing: same UIDs, same DTSTAMP.
    old_base = app.config["PUBLIC_BASE_URL"]
    app.config["PUBLIC_BASE_URL"] = "https://familles.example.org"
    try:
        with time_machine.travel(FROZEN + timedelta(hours=5), tick=False):
            again = client.get(url)
    finally:
        app.config["PUBLIC_BASE_URL"] = old_base
    assert again.data == first.data

    # Moving the workshop raises SEQUENCE and moves DTSTAMP; every client sees the new time.
    with time_machine.travel(FROZEN + timedelta(days=1), tick=False):
        winter.start_time = time(9, 0)
        db.session.commit()
        moved = client.get(url)
    events = read_everywhere(moved.data)["events"]
    assert events[0]["start"] == "2027-01-06T08:00:00Z" and events[0]["sequence"] == sequence + 1
    assert b"DTSTAMP:20261202T090000Z" in moved.data


def test_invitation_and_its_cancellation_when_the_held_bookings_are_cancelled(frozen):
    from app.inclusion import plans
    from tests.inclusion.factories import book, make_morning_unit, make_needs

    site = make_site()
    director = make_staff(site)
    parent, _household, child = make_parent_with_child()
    make_needs(child, allergies="Noix")
    unit = make_morning_unit(site)
    held = [book(parent, child, make_session(unit, day=day)) for day in (JANUARY, JULY)]
    assert all(b.status.value == "pending_preparation" for b in held)

    plans.propose_meeting(director, child.id, site.id, starts_at=datetime(2026, 12, 9, 7, 30, tzinfo=UTC))
    invitation = db.session.scalar(select(OutboxMessage).where(OutboxMessage.kind == "inclusion.meeting_invitation"))
    ics = invitation.attachments[0]["content"]
    reading = read_everywhere(ics)
    assert reading["method"] == "REQUEST"
    (event,) = reading["events"]
    assert event["start"] == "2026-12-09T07:30:00Z" and event["status"] == "CONFIRMED"

    # The family cancels one held booking: the meeting still has a purpose.
    services.cancel_booking(parent, held[0].id)
    cancelled = select(OutboxMessage).where(OutboxMessage.kind == "inclusion.meeting_cancelled")
    assert db.session.scalars(cancelled).all() == []
    # The centre cancels the other: the meeting leaves the family's calendar.
    services.cancel_by_centre(director, held[1].id)
    (message,) = db.session.scalars(cancelled).all()
    assert message.to_address == parent.email
    attachment = message.attachments[0]
    assert attachment["method"] == "CANCEL" and attachment["content_type"] == "text/calendar"
    reading = read_everywhere(attachment["content"])
    assert reading["method"] == "CANCEL"
    (cancel,) = reading["events"]
    assert cancel["uid"] == event["uid"] and cancel["sequence"] > event["sequence"]
    assert cancel["status"] == "CANCELLED" and cancel["start"] == event["start"]


def test_every_calendar_route_answers_one_charset(app):
    """Content-Type is built once, by ical.ics_response, for every .ics route."""
    ics_rules = [r for r in app.url_map.iter_rules() if r.rule.endswith(".ics")]
    assert {r.endpoint for r in ics_rules} == {"booking.household_feed", "booking.site_feed", "ram.workshop_ical"}
    with app.test_request_context():
        response = ical.ics_response(b"", "x.ics")
    assert response.headers["Content-Type"] == "text/calendar; charset=utf-8"


def test_school_calendar_reads_utc_times_in_paris():
    content = ("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:x\r\nBEGIN:VEVENT\r\nUID:t\r\nDTSTAMP:20250101T000000Z\r\n"
               "SUMMARY:Vacances de la Toussaint - Zone C\r\nLOCATION:Zone C\r\n"
               "DTSTART:20251017T220000Z\r\nDTEND:20251102T230000Z\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n")
    assert parse_ics(content, "C") == [("Vacances de la Toussaint", date(2025, 10, 18), date(2025, 11, 2))]
