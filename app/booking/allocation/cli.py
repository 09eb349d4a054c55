"""`flask --app app allocation ...`: run, simulate or verify a period's draw."""
from __future__ import annotations

import click
from flask.cli import AppGroup

allocation = AppGroup("allocation", help="Allocation by draw for oversubscribed holiday periods.")


def _print(result) -> None:
    for outcome in sorted(result.outcomes, key=lambda o: (o.draw_number or 0, o.session_id, o.item_id)):
        click.echo(f"#{outcome.draw_number or '-':>4}  {outcome.session_label:<40} {outcome.status:<20} "
                   f"{outcome.reason}")


@allocation.command("run")
@click.argument("activity")
@click.argument("period")
@click.option("--seed", default=None, help="Seed of the draw (default: a fresh random one, published).")
@click.option("--simulate", is_flag=True, help="Run on the current requests, print, and write nothing.")
@click.option("--show", is_flag=True, help="Print every outcome (without names of families).")
def run(activity: str, period: str, seed: str | None, simulate: bool, show: bool):
    """Run the draw of PERIOD (its id or first day, YYYY-MM-DD) of ACTIVITY (its id). Idempotent."""
    from app.booking.allocation.draw import run_draw
    from app.booking.allocation.requests import find_period
    from app.errors import DomainError

    try:
        target = find_period(activity, period)
        result = run_draw(None, target.id, seed=seed, simulate=simulate)
    except DomainError as error:
        raise click.ClickException(error.message) from error
    if result.already_drawn:
        click.echo(f"Already drawn (seed {result.seed}): nothing changed.")
    else:
        mode = "Simulation (nothing written)" if simulate else "Draw done"
        click.echo(f"{mode}: seed {result.seed}.")
    click.echo(f"confirmed {result.count('confirmed') + result.count('pending_preparation')}, "
               f"waitlisted {result.count('waitlisted')}, refused {result.count('refused')}")
    if show or simulate:
        _print(result)


@allocation.command("verify")
@click.argument("activity")
@click.argument("period")
@click.option("--seed", default=None, help="Seed to replay with (default: the published one).")
def verify(activity: str, period: str, seed: str | None):
    """Replay a drawn period from its published seed and stored snapshot; exit 1 if it differs."""
    from app.booking.allocation.draw import replay_draw
    from app.booking.allocation.requests import find_period
    from app.errors import DomainError

    try:
        same, decisions = replay_draw(find_period(activity, period).id, seed)
    except DomainError as error:
        raise click.ClickException(error.message) from error
    click.echo(f"{len(decisions)} decisions replayed: {'same allocation' if same else 'DIFFERENT allocation'}.")
    if not same:
        raise SystemExit(1)


commands = [allocation]
