"""`flask --app app outbox send [--forever]`, `flask --app app jobs daily [--date YYYY-MM-DD]`."""
from __future__ import annotations

import logging
import signal
import sys
import threading

import click
from flask import current_app
from flask.cli import AppGroup

from app import clock
from app.notifications import jobs as daily_jobs
from app.notifications import sender
from app.notifications.services import outbox_counts

outbox = AppGroup("outbox", help="E-mails waiting in the outbox.")


@outbox.command("send")
@click.option("--forever", is_flag=True, help="Keep running, sending what is due every --interval seconds.")
@click.option("--interval", type=float, default=None,
              help="Seconds between two runs with --forever (OUTBOX_POLL_INTERVAL, default 10).")
@click.option("--limit", type=int, default=None, help="Send at most this many messages (one run).")
def send_command(forever: bool, interval: float | None, limit: int | None):
    """Send the messages that are due, then exit (or loop with --forever)."""
    if not logging.getLogger().handlers:
        logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    if not forever:
        report = sender.send_due(limit=limit)
        click.echo(f"{report.sent} sent, {report.retried} to retry later, {report.failed} failed.")
        for line in report.errors:
            click.echo(f"  {line}", err=True)
        return
    interval = interval if interval is not None else float(current_app.config.get("OUTBOX_POLL_INTERVAL") or 10)
    stop = threading.Event()

    def _stop(signum, frame):
        click.echo("Stopping after the current message.", err=True)
        stop.set()

    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGINT, _stop)
    click.echo(f"Sending through {current_app.config['MAIL_SERVER']}:{current_app.config['MAIL_PORT']} "
               f"every {interval:g} s (Ctrl-C to stop).")
    sender.run_forever(interval, stop)


@outbox.command("status")
def status_command():
    """Count the messages by status."""
    for status, count in outbox_counts().items():
        click.echo(f"{status.value}: {count}")


@outbox.command("kinds")
def kinds_command():
    """List the registered message kinds, and e-mail templates whose kind nobody registered."""
    from pathlib import Path

    from app.notifications.kinds import registered_kinds

    known = set()
    for kind in registered_kinds():
        known.add(kind.kind)
        roles = ", ".join(sorted(r.value for r in kind.roles)) if kind.roles else "all roles"
        click.echo(f"{kind.kind}\t{'essential' if kind.essential else 'optional'}\t{roles}\t{kind.label}")
    root = Path(current_app.root_path) / "templates" / "emails"
    found = {str(p.relative_to(root)).removesuffix(".subject.txt").replace("/", ".")
             for p in root.rglob("*.subject.txt")}
    for kind in sorted(found - known):
        click.echo(f"NOT REGISTERED: {kind} (call register_kind in app/composition.py)", err=True)


jobs = AppGroup("jobs", help="Daily jobs (reminders, purges).")


@jobs.command("daily")
@click.option("--date", "day", type=click.DateTime(formats=["%Y-%m-%d"]), default=None,
              help="Run for this day (YYYY-MM-DD) instead of today.")
@click.option("--only", multiple=True, help="Run only this job (repeatable).")
def daily_command(day, only):
    """Run every registered daily job; safe to run twice on the same day."""
    today = day.date() if day else clock.today()
    try:
        results = daily_jobs.run_daily_jobs(today, list(only) or None)
    except KeyError as error:
        raise click.ClickException(f"unknown job: {error.args[0]}") from error
    for result in results:
        if result.ok:
            click.echo(f"{result.name}: {result.count}")
        else:
            click.echo(f"{result.name}: FAILED {result.error}", err=True)
    if any(not r.ok for r in results):
        sys.exit(1)


@jobs.command("list")
def list_command():
    """List the registered daily jobs."""
    for name in daily_jobs.registered_jobs():
        click.echo(name)


commands = [outbox, jobs]
