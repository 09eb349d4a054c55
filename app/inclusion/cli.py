"""`flask --app app inclusion ...`: retention of health data."""
from __future__ import annotations


import click
from flask.cli import AppGroup
from app import clock

inclusion = AppGroup("inclusion", help="Inclusion: needs, reception plans, health data retention.")


@inclusion.command("purge")
@click.option("--today", type=click.DateTime(formats=["%Y-%m-%d"]), default=None,
              help="Reference day (default: today).")
def purge_command(today):
    """Delete needs, plans and documents HEALTH_DATA_RETENTION_DAYS after the child's last attendance."""
    from app.inclusion.services import purge

    count = purge(today.date() if today else clock.today())
    click.echo(f"{count} child file(s) purged.")


commands = [inclusion]
