"""`flask --app app users ...`"""
from __future__ import annotations

import click
from flask.cli import AppGroup

from app.accounts import services
from app.accounts.models import Role
from app.errors import DomainError

users = AppGroup("users", help="Manage accounts.")


@users.command("create")
@click.option("--email", required=True)
@click.option("--password", required=True)
@click.option("--role", required=True, type=click.Choice([r.value for r in Role]))
@click.option("--site", "site_ids", multiple=True, type=int, help="Site id (directors, animators); repeatable.")
@click.option("--relais", "relais_ids", multiple=True, type=int, help="Relais id (Relais staff); repeatable.")
@click.option("--first-name", default="")
@click.option("--last-name", default="")
def create_user_command(email, password, role, site_ids, relais_ids, first_name, last_name):
    """Create an account of any role."""
    try:
        user = services.create_user(email, password, Role(role), first_name=first_name, last_name=last_name,
                                    site_ids=list(site_ids), relais_ids=list(relais_ids))
    except DomainError as error:
        raise click.ClickException(error.message) from error
    click.echo(f"Created {user.role.value} account {user.email} (id {user.id}).")


commands = [users]
