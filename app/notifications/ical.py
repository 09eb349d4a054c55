"""iCalendar invitations to attach to a message (`notify(..., attachments=[calendar_attachment(ics)])`)."""
from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from icalendar import Calendar, Event, vCalAddress, vText

from app.extensions import utcnow

PRODID = "-//Grand Cahors//Pitchoun//FR"


def build_invitation(*, uid: str, organizer: tuple[str, str], attendees: Iterable[tuple[str, str]],
                     start: datetime, end: datetime, summary: str, location: str | None = None,
                     description: str | None = None, sequence: int = 0, method: str = "REQUEST",
                     url: str | None = None) -> str:
    """An iTIP calendar (METHOD:REQUEST by default) with one meeting, as text.

    `organizer` and `attendees` are (address, display name). `start`/`end` are
    aware datetimes; their time zone is described in a VTIMEZONE. Keep `uid`
    stable for one meeting and raise `sequence` when it changes, so calendar
    applications update the event instead of adding another (METHOD:CANCEL
    with the same UID cancels it).
    """
    if start.tzinfo is None or end.tzinfo is None:
        raise ValueError("start and end must be aware datetimes")
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("method", method.upper())
    event = Event()
    event.add("uid", uid)
    event.add("dtstamp", utcnow())
    event.add("dtstart", start)
    event.add("dtend", end)
    event.add("summary", summary)
    if location:
        event.add("location", location)
    if description:
        event.add("description", description)
    if url:
        event.add("url", url)
    event.add("sequence", sequence)
    event.add("status", "CANCELLED" if method.upper() == "CANCEL" else "CONFIRMED")
    org = vCalAddress(f"mailto:{organizer[0]}")
    org.params["cn"] = vText(organizer[1])
    event.add("organizer", org)
    for address, name in attendees:
        attendee = vCalAddress(f"mailto:{address}")
        attendee.params["cn"] = vText(name)
        attendee.params["role"] = vText("REQ-PARTICIPANT")
        attendee.params["partstat"] = vText("NEEDS-ACTION")
        attendee.params["rsvp"] = vText("TRUE")
        event.add("attendee", attendee, encode=0)
    cal.add_component(event)
    if hasattr(cal, "add_missing_timezones"):
        cal.add_missing_timezones()
    return cal.to_ical().decode("utf-8")


def calendar_attachment(ics: str, *, method: str = "REQUEST", filename: str = "invitation.ics") -> dict:
    """The `attachments` entry of an invitation: sent as text/calendar; method=...; charset=utf-8."""
    return {"filename": filename, "content_type": "text/calendar", "method": method.upper(), "content": ics}
