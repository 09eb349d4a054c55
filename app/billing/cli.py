"""`flask --app app billing close YYYY-MM`: freeze a month and write its statements."""
from __future__ import annotations

import click
from flask.cli import AppGroup

billing = AppGroup("billing", help="Monthly statements.")


@billing.command("close")
@click.argument("month")
def close(month: str):
    """Close MONTH (YYYY-MM): one frozen statement per household with activity. Idempotent."""
    from app.billing.services import close_month
    from app.errors import DomainError

    try:
        result = close_month(month)
    except DomainError as error:
        raise click.ClickException(error.message) from None
    if result.already_closed:
        click.echo(f"{result.month:%Y-%m} was already closed ({result.statements} statement(s)); nothing changed.")
    else:
        click.echo(f"{result.month:%Y-%m} closed: {result.statements} statement(s), total {result.total} EUR.")


commands = [billing]
