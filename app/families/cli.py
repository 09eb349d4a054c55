"""`flask --app app families ...`"""
from __future__ import annotations

import click
from flask.cli import AppGroup

from app.families.communes import DEFAULT_COMMUNES_CSV, load_communes

families = AppGroup("families", help="Households and reference data of the families services.")


@families.command("load-communes")
@click.option("--path", "csv_path", type=click.Path(exists=True, dir_okay=False), default=None,
              help=f"CSV insee,name,lat,lon (default: {DEFAULT_COMMUNES_CSV.name} shipped with the app).")
def load_communes_command(csv_path):
    """Load or update the communes of the Grand Cahors (idempotent)."""
    count = load_communes(csv_path)
    click.echo(f"{count} communes loaded or up to date.")


@families.command("demo")
def demo_command():
    """Load the demo families only (the full demo is `flask demo`)."""
    from app.families.demo import load_demo

    for line in load_demo():
        click.echo(line)


commands = [families]
