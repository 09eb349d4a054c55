"""`flask --app app ram ...`"""
from __future__ import annotations

import click
from flask.cli import AppGroup

ram = AppGroup("ram", help="Relais Petite Enfance.")


@ram.command("remind-stale")
@click.option("--today", type=click.DateTime(formats=["%Y-%m-%d"]), default=None,
              help="Reference date (default: today in Europe/Paris).")
def remind_stale_command(today):
    """E-mail childminders whose availability is stale (once per legal deadline; run daily)."""
    from app.ram.services import send_stale_reminders

    count = send_stale_reminders(today.date() if today else None)
    click.echo(f"{count} reminder(s) queued.")


@ram.command("demo")
def demo_command():
    """Load the Relais demo data (idempotent; assumes the communes are loaded)."""
    from app.ram.demo import load_demo

    for line in load_demo():
        click.echo(line)


commands = [ram]
