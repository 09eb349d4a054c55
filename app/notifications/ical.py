"""The one iCalendar writer: subscription feeds and e-mailed invitations.

Every calendar it writes:
- gives times as Europe/Paris wall-clock times (`DTSTART;TZID=Europe/Paris:...`) AND carries the
  matching VTIMEZONE block (RFC 5545 §3.6.5), built from the zoneinfo database by icalendar
  (`Calendar.add_missing_timezones`), so that clients without a time-zone database of their own
  (Mozilla's ical.js in Thunderbird) do not read 08:30 as a floating time;
- keeps UIDs stable (`<kind>-<id>@pitchoun.grandcahors.fr`, independent of the address the site is
  served at), with SEQUENCE raised by each change and DTSTAMP the time of the last change;
- is served with `Content-Type: text/calendar; charset=utf-8` (once) by `ics_response()`.

Invitations (`build_invitation`) are iTIP messages: METHOD:REQUEST, and METHOD:CANCEL with the
same UID and a higher SEQUENCE to remove the event from the guest's calendar.
"""
from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime

from flask import Response
from icalendar import Calendar, Event, vCalAddress, vText

from app import clock
from app.extensions import utcnow

PRODID = "-//Grand Cahors//Pitchoun//FR"
UID_DOMAIN = "pitchoun.grandcahors.fr"
MIMETYPE = "text/calendar"


def uid(kind: str, *ids: object) -> str:
    """A stable UID: it names the object, never the address the application is served at."""
    return "-".join([kind, *(str(i) for i in ids)]) + f"@{UID_DOMAIN}"


def paris(moment: datetime) -> datetime:
    """An aware instant as a Europe/Paris wall-clock time (naive values are taken as UTC)."""
    return clock.local(moment).replace(microsecond=0)


def new_calendar(name: str | None = None, *, method: str | None = None) -> Calendar:
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    if method:
        cal.add("method", method.upper())
    if name:
        cal.add("x-wr-calname", name)
        cal.add("x-wr-timezone", "Europe/Paris")
    return cal


def new_event(*, uid: str, start: datetime, end: datetime, summary: str, stamp: datetime | None = None,
              sequence: int = 0, status: str = "CONFIRMED", location: str | None = None,
              description: str | None = None, url: str | None = None) -> Event:
    """An event in Paris time. `stamp` is the last change (DTSTAMP, in UTC); `sequence` its count."""
    if start.tzinfo is None or end.tzinfo is None:
        raise ValueError("start and end must be aware datetimes")
    event = Event()
    event.add("uid", uid)
    event.add("dtstamp", clock.local(stamp or utcnow()).astimezone(clock.UTC).replace(microsecond=0))
    event.add("dtstart", paris(start))
    event.add("dtend", paris(end))
    event.add("summary", summary)
    if location:
        event.add("location", location)
    if description:
        event.add("description", description)
    if url:
        event.add("url", url)
    event.add("sequence", int(sequence or 0))
    event.add("status", status)
    return event


def to_bytes(cal: Calendar) -> bytes:
    """The calendar as bytes, with a VTIMEZONE for every TZID it uses.

    The VTIMEZONE lists the transitions from the year before the first event to the year after
    the last, one RDATE property per transition: ical.js reads only the first date of a
    comma-separated RDATE, and would then put July at winter time.
    """
    starts = [e.decoded("DTSTART") for e in cal.walk("VEVENT") if "DTSTART" in e]
    years = [d.year for d in starts] or [clock.today().year]
    cal.add_missing_timezones(first_date=date(min(years) - 1, 1, 1), last_date=date(max(years) + 2, 1, 1))
    for vtimezone in cal.walk("VTIMEZONE"):
        for observance in vtimezone.subcomponents:
            rdates = observance.pop("RDATE", None)
            if rdates is None:
                continue
            for rdate in rdates if isinstance(rdates, list) else [rdates]:
                for moment in rdate.dts:
                    observance.add("rdate", moment.dt)
    return cal.to_ical()


def ics_response(content: bytes, filename: str, *, cache_seconds: int | None = None) -> Response:
    response = Response(content, mimetype=MIMETYPE)  # Flask adds "; charset=utf-8" once
    response.headers["Content-Disposition"] = f"inline; filename={filename}"
    if cache_seconds is not None:
        response.headers["Cache-Control"] = f"private, max-age={cache_seconds}"
    return response


def build_invitation(*, uid: str, organizer: tuple[str, str], attendees: Iterable[tuple[str, str]],
                     start: datetime, end: datetime, summary: str, location: str | None = None,
                     description: str | None = None, sequence: int = 0, method: str = "REQUEST",
                     url: str | None = None, stamp: datetime | None = None,
                     organizer_role: str | None = None) -> str:
    """An iTIP calendar (METHOD:REQUEST by default) with one meeting, as text.

    `organizer` and `attendees` are (address, display name). `start`/`end` are aware datetimes.
    Keep `uid` stable for one meeting and raise `sequence` when it changes, so calendar
    applications update the event instead of adding another; METHOD:CANCEL with the same UID
    and a higher SEQUENCE removes it.
    """
    method = method.upper()
    cal = new_calendar(method=method)
    event = new_event(uid=uid, start=start, end=end, summary=summary, stamp=stamp, sequence=sequence,
                      status="CANCELLED" if method == "CANCEL" else "CONFIRMED", location=location,
                      description=description, url=url)
    org = vCalAddress(f"mailto:{organizer[0]}")
    org.params["cn"] = vText(organizer[1])
    if organizer_role:
        org.params["role"] = vText(organizer_role)
    event.add("organizer", org)
    for address, name in attendees:
        attendee = vCalAddress(f"mailto:{address}")
        attendee.params["cn"] = vText(name)
        attendee.params["role"] = vText("REQ-PARTICIPANT")
        if method == "REQUEST":
            attendee.params["partstat"] = vText("NEEDS-ACTION")
            attendee.params["rsvp"] = vText("TRUE")
        event.add("attendee", attendee, encode=0)
    cal.add_component(event)
    return to_bytes(cal).decode("utf-8")


def calendar_attachment(ics: str, *, method: str = "REQUEST", filename: str = "invitation.ics") -> dict:
    """The `attachments` entry of an invitation: sent as text/calendar; method=...; charset=utf-8."""
    return {"filename": filename, "content_type": "text/calendar", "method": method.upper(), "content": ics}
