"""`flask --app app calendar ...`: school holidays."""
from __future__ import annotations

from pathlib import Path

import click
from flask.cli import AppGroup

calendar = AppGroup("calendar", help="School calendar.")


@calendar.command("import-school-holidays")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--zone", default="C", show_default=True)
def import_school_holidays(path: Path, zone: str):
    """Import the Ministry's iCalendar file (fr-en-calendrier-scolaire) for a zone."""
    from app.booking.school_calendar import import_ics

    created, updated = import_ics(path.read_bytes(), zone)
    click.echo(f"Zone {zone.upper()}: {created} period(s) created, {updated} updated.")


@calendar.command("build-school-holidays")
@click.option("--zone", default="C", show_default=True)
@click.option("--year", type=int, required=True)
def build_school_holidays(zone: str, year: int):
    """Build the zone's periods for a year offline, from vacances-scolaires-france."""
    from app.booking.school_calendar import build_offline

    created, updated = build_offline(zone, year)
    click.echo(f"Zone {zone.upper()}: {created} period(s) created, {updated} updated.")


from app.booking.allocation.cli import allocation as _allocation  # noqa: E402  (its own group of commands)

commands = [calendar, _allocation]
