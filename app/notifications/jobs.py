"""Daily jobs: reminders, stale-availability notices, purges (`flask --app app jobs daily`).

The composition root (app/composition.py) registers every job on the application:

    register_daily_job("booking.reminders", send_reminders)   # fn(today: date) -> int

A job must be safe to run twice on the same day: pass
`dedup_key=job_dedup_key("booking.reminders", today, booking.id)` to
`notify()`, which then returns the first message instead of adding a second;
row changes should be idempotent by nature (a purge deletes what is already
gone). Every run is recorded in `job_run` (name, date, start, end, count).
"""
from __future__ import annotations

import hashlib
import logging
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, timedelta

from flask import current_app
from sqlalchemy import delete, select

from app.extensions import db, utcnow
from app.notifications.models import JobRun, JobRunStatus, OutboxMessage, OutboxStatus
from app.notifications.registry import notification_registry
from app.transactions import use_case

log = logging.getLogger(__name__)

JobFn = Callable[[date], int]


def register_daily_job(name: str, fn: JobFn) -> None:
    """Add (or replace) the job called `name` on the current application."""
    notification_registry().jobs[name] = fn


def unregister_daily_job(name: str) -> None:
    notification_registry().jobs.pop(name, None)


def registered_jobs() -> dict[str, JobFn]:
    return dict(sorted(notification_registry().jobs.items()))


def job_dedup_key(name: str, day: date, *parts) -> str:
    """A dedup key for one message of one job on one day, e.g. ("booking.reminders", today, booking_id)."""
    key = ":".join([name, day.isoformat(), *(str(p) for p in parts)])
    if len(key) <= 200:
        return key
    return key[:150] + ":" + hashlib.sha256(key.encode()).hexdigest()[:40]


@dataclass(frozen=True)
class JobResult:
    name: str
    count: int | None
    error: str | None

    @property
    def ok(self) -> bool:
        return self.error is None


def last_successful_run(name: str, day: date) -> JobRun | None:
    """The last finished run of `name` for `day` (for jobs that would rather not run twice at all)."""
    return db.session.scalar(select(JobRun).where(
        JobRun.name == name, JobRun.run_date == day, JobRun.status == JobRunStatus.DONE
    ).order_by(JobRun.id.desc()).limit(1))


@use_case
def _start_run(name: str, today: date) -> int:
    run = JobRun(name=name, run_date=today, status=JobRunStatus.RUNNING, started_at=utcnow())
    db.session.add(run)
    db.session.flush()
    return run.id


@use_case
def _finish_run(run_id: int, status: JobRunStatus, count: int | None = None, error: str | None = None) -> None:
    run = db.session.get(JobRun, run_id)
    run.status = status
    run.finished_at = utcnow()
    if count is not None:
        run.count = count
    if error is not None:
        run.error = error


def run_job(name: str, fn: JobFn, today: date) -> JobResult:
    """Run one job, recording its run; an error is recorded and returned, not raised.

    The run's start, the job's work and the run's end are three transactions: the
    job runs as one use case (a job that did not commit its work has it committed;
    a failing one has it rolled back), and its failure is recorded afterwards.
    """
    run_id = _start_run(name, today)
    try:
        count = int(use_case(fn)(today) or 0)
    except Exception as error:
        log.exception("daily job %s failed", name)
        text = f"{type(error).__name__}: {error}"
        _finish_run(run_id, JobRunStatus.FAILED, error=(text + "\n" + traceback.format_exc())[:4000])
        return JobResult(name, None, text)
    _finish_run(run_id, JobRunStatus.DONE, count=count)
    return JobResult(name, count, None)


def run_daily_jobs(today: date, only: list[str] | None = None) -> list[JobResult]:
    """Run every registered job (or those named in `only`) for `today`; one failing job does not stop the others."""
    jobs = registered_jobs()
    if only:
        unknown = set(only) - set(jobs)
        if unknown:
            raise KeyError(", ".join(sorted(unknown)))
        jobs = {name: fn for name, fn in jobs.items() if name in only}
    return [run_job(name, fn, today) for name, fn in jobs.items()]


@use_case
def purge_sent_messages(today: date) -> int:
    """Delete sent messages (they hold personal data) after OUTBOX_RETENTION_DAYS (90 by default)."""
    days = int(current_app.config.get("OUTBOX_RETENTION_DAYS") or 90)
    # `today` at midnight UTC: rerunning on the same day deletes nothing more.
    from datetime import datetime

    limit = datetime.combine(today - timedelta(days=days), datetime.min.time(), tzinfo=UTC)
    result = db.session.execute(delete(OutboxMessage).where(
        OutboxMessage.status == OutboxStatus.SENT, OutboxMessage.sent_at < limit))
    return result.rowcount or 0

