"""`flask --app app demo`: the demo territory, loaded idempotently.

Each domain provides `app/<domain>/demo.py` with `load_demo() -> list[str]`
(lines to print). They run in dependency order: families (communes, demo
households) first, then booking, inclusion and the Relais.
"""
from __future__ import annotations

import importlib

import click
from flask.cli import with_appcontext
from sqlalchemy import func, select

from app.accounts.models import Role, User
from app.accounts.passwords import hash_password
from app.extensions import db
from app.transactions import commit

DEMO_PASSWORD = "Pitchoun-Demo-2026!"
DEMO_ADMIN_EMAIL = "admin@demo.pitchoun.fr"
DEMO_MODULES = ("app.families.demo", "app.booking.demo", "app.booking.allocation.demo", "app.inclusion.demo",
                "app.ram.demo", "app.occasional.demo", "app.billing.demo")


def ensure_demo_user(email: str, role: Role, first_name: str, last_name: str) -> tuple[User, bool]:
    """The demo account with this e-mail, created if missing (password DEMO_PASSWORD)."""
    user = db.session.scalar(select(User).where(User.email == email))
    if user is not None:
        return user, False
    user = User(email=email, role=role, first_name=first_name, last_name=last_name,
                password_hash=hash_password(DEMO_PASSWORD))
    db.session.add(user)
    db.session.flush()
    return user, True


def load_demo() -> list[str]:
    lines: list[str] = []
    ensure_demo_user(DEMO_ADMIN_EMAIL, Role.ADMIN, "Claire", "Bessières")
    commit()
    lines.append(f"admin        {DEMO_ADMIN_EMAIL}")
    for module_name in DEMO_MODULES:
        module = importlib.import_module(module_name)
        lines.extend(module.load_demo())
        commit()
    return lines


@click.command("demo")
@click.option("--if-empty", is_flag=True, help="Do nothing when the database already has accounts.")
@with_appcontext
def demo_command(if_empty: bool) -> None:
    """Load the demo territory (idempotent) and print the demo accounts."""
    if if_empty and db.session.scalar(select(func.count(User.id))):
        click.echo("The database already has accounts: demo not loaded.")
        return
    lines = load_demo()
    click.echo(f"Demo loaded. Accounts (password for all: {DEMO_PASSWORD}):")
    for line in lines:
        click.echo("  " + line)


commands = [demo_command]
