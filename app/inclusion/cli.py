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
    """Delete needs, plans and documents once the retention period (rule inclusion.health_data_retention_years)
    has passed since the child's last contact: attendance, booking or the family's declaration."""
    from app.inclusion.services import purge

    count = purge(today.date() if today else clock.today())
    click.echo(f"{count} child file(s) purged.")


commands = [inclusion]
