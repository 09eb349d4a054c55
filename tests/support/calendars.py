"""Read an iCalendar file with three independent parsers, as calendar clients do.

- Mozilla's ical.js (Thunderbird) through node: it knows only the time zones the file defines,
  so a TZID without its VTIMEZONE comes out as a floating time;
- vobject (PyPI), which reads the file's VTIMEZONE;
- icalendar, the library that writes them.

Each returns {"method": ..., "events": [{uid, sequence, status, start, end, floating}]} with the
times as UTC ISO strings ("2027-01-06T07:30:00Z"), so the tests compare what every client shows.
"""
from __future__ import annotations

import json
import shutil
import subprocess
from datetime import UTC
from functools import lru_cache
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = Path(__file__).with_name("icaljs_parse.mjs")


@lru_cache(maxsize=1)
def _node() -> str:
    node = shutil.which("node")
    assert node, "node is required by the calendar tests (apt-get install nodejs npm)"
    if not (ROOT / "node_modules" / "ical.js").exists():
        subprocess.run(["npm", "ci", "--ignore-scripts", "--no-audit", "--no-fund", "--silent"], cwd=ROOT, check=True,
                       timeout=300)
    return node


def _text(ics: bytes | str) -> str:
    return ics.decode("utf-8") if isinstance(ics, bytes) else ics


def _utc(moment) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def icaljs(ics: bytes | str) -> dict:
    result = subprocess.run([_node(), str(SCRIPT)], input=_text(ics), capture_output=True, text=True, cwd=ROOT,
                            timeout=60, check=False)
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    events = [{"uid": e["uid"], "sequence": e["sequence"], "status": e["status"],
               "start": e["start"]["utc"].replace(".000Z", "Z"), "end": e["end"]["utc"].replace(".000Z", "Z"),
               "floating": e["start"]["floating"] or e["end"]["floating"]} for e in data["events"]]
    return {"method": data["method"], "zones": data["zones"], "events": events}


def vobject_read(ics: bytes | str) -> dict:
    import vobject

    cal = vobject.readOne(_text(ics))
    events = []
    for event in getattr(cal, "vevent_list", []):
        start, end = event.dtstart.value, event.dtend.value
        events.append({"uid": event.uid.value,
                       "sequence": int(event.sequence.value) if hasattr(event, "sequence") else None,
                       "status": event.status.value if hasattr(event, "status") else None,
                       "start": _utc(start) if start.tzinfo else None, "end": _utc(end) if end.tzinfo else None,
                       "floating": start.tzinfo is None or end.tzinfo is None})
    method = cal.method.value if hasattr(cal, "method") else None
    return {"method": method, "zones": [tz.tzid.value for tz in getattr(cal, "vtimezone_list", [])],
            "events": events}


def icalendar_read(ics: bytes | str) -> dict:
    from icalendar import Calendar

    cal = Calendar.from_ical(ics)
    events = []
    for event in cal.walk("VEVENT"):
        start, end = event.decoded("DTSTART"), event.decoded("DTEND")
        events.append({"uid": str(event["UID"]),
                       "sequence": int(event["SEQUENCE"]) if "SEQUENCE" in event else None,
                       "status": str(event["STATUS"]) if "STATUS" in event else None,
                       "start": _utc(start), "end": _utc(end), "floating": start.tzinfo is None})
    return {"method": str(cal["METHOD"]) if "METHOD" in cal else None,
            "zones": [str(tz["TZID"]) for tz in cal.walk("VTIMEZONE")], "events": events}


PARSERS = {"ical.js": icaljs, "vobject": vobject_read, "icalendar": icalendar_read}


def read_everywhere(ics: bytes | str) -> dict:
    """What each parser reads; asserts that they agree and that no time is floating."""
    readings = {name: parse(ics) for name, parse in PARSERS.items()}
    for name, reading in readings.items():
        assert not any(e["floating"] for e in reading["events"]), f"{name} reads floating times"
        assert "Europe/Paris" in reading["zones"], f"{name}: no VTIMEZONE for Europe/Paris"
    reference = readings["icalendar"]
    for name, reading in readings.items():
        assert reading == reference, f"{name} reads {reading}, icalendar reads {reference}"
    return reference
