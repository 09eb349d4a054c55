"""`flask --app app occasional ...`: providers and their staff (the admin page assigns only sites and relais)."""
from __future__ import annotations

import click
from flask.cli import AppGroup

occasional = AppGroup("occasional", help="Occasional and shifted-hours care.")


@occasional.command("providers")
def list_providers():
    """List the providers with their id, notice and staffing ratio."""
    from sqlalchemy import select

    from app.extensions import db
    from app.occasional.models import OccasionalProvider

    for p in db.session.scalars(select(OccasionalProvider).order_by(OccasionalProvider.id)):
        click.echo(f"{p.id}\t{p.name}\tnotice {p.notice_hours} h\tratio 1/{p.ratio_not_walking} "
                   f"(not walking), 1/{p.ratio_walking} (walking)")


@occasional.command("assign-staff")
@click.argument("email")
@click.argument("provider_ids", nargs=-1, type=int, required=True)
def assign_staff(email: str, provider_ids: tuple[int, ...]):
    """Attach a director (coordinator) or animator to providers."""
    from sqlalchemy import select

    from app.accounts.models import User
    from app.accounts.scopes import assign_scope
    from app.errors import DomainError
    from app.extensions import db
    from app.transactions import use_case

    user = db.session.scalar(select(User).where(User.email == email.strip().lower()))
    if user is None:
        raise click.ClickException("No account with this e-mail.")
    try:
        use_case(assign_scope)("occasional_provider", user, provider_ids)
    except DomainError as error:
        raise click.ClickException(error.message) from None
    click.echo(f"{email}: attached to provider(s) {', '.join(map(str, provider_ids))}.")


commands = [occasional]
