"""Daily jobs: registry, run records, safe to run twice the same day."""
from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import select

from app.accounts.models import Role, User
from app.extensions import db, utcnow
from app.notifications import jobs
from app.notifications.jobs import job_dedup_key, register_daily_job, run_daily_jobs
from app.notifications.models import JobRun, JobRunStatus, OutboxMessage, OutboxStatus
from app.notifications.outbox import notify
from app.notifications.sender import send_due
from tests.factories import make_user
from tests.notifications.factories import make_message


@pytest.fixture
def job_registry(monkeypatch):
    """A registry holding only the jobs a test adds."""
    from app.notifications.registry import notification_registry

    monkeypatch.setattr(notification_registry(), "jobs", {})
    return notification_registry().jobs


def remind_every_parent(today: date) -> int:
    """A job like the booking reminders: one message per parent per day."""
    count = 0
    for user in db.session.scalars(select(User).where(User.role == Role.PARENT).order_by(User.id)):
        message = notify("test.meeting", user, {"title": f"Rappel du {today:%d/%m}", "plan_id": user.id},
                         dedup_key=job_dedup_key("test.reminders", today, user.id))
        count += message is not None
    db.session.commit()
    return count


def test_running_daily_jobs_twice_sends_nothing_twice(app, smtp_server, test_kinds, job_registry):
    make_user(Role.PARENT)
    make_user(Role.PARENT)
    make_user(Role.DIRECTOR)
    register_daily_job("test.reminders", remind_every_parent)
    today = date(2026, 3, 3)

    first = run_daily_jobs(today)
    assert send_due().sent == 2
    second = run_daily_jobs(today)
    assert send_due().attempted == 0

    assert [(r.name, r.ok) for r in first + second] == [("test.reminders", True)] * 2
    assert len(smtp_server.received) == 2
    # The next day is another reminder.
    run_daily_jobs(today + timedelta(days=1))
    assert send_due().sent == 2
    runs = db.session.scalars(select(JobRun).order_by(JobRun.id)).all()
    assert [(r.name, r.run_date, r.status, r.count) for r in runs] == [
        ("test.reminders", today, JobRunStatus.DONE, 2),
        ("test.reminders", today, JobRunStatus.DONE, 2),
        ("test.reminders", today + timedelta(days=1), JobRunStatus.DONE, 2),
    ]
    assert all(r.finished_at >= r.started_at for r in runs)
    assert jobs.last_successful_run("test.reminders", today).id == runs[1].id


def test_cli_jobs_daily_with_date_runs_every_job_and_reports_failures(app, smtp_server, test_kinds, job_registry):
    make_user(Role.PARENT)
    register_daily_job("test.reminders", remind_every_parent)

    def broken(today):
        make_user(Role.PARENT, commit=False)  # its half-done work is rolled back
        raise RuntimeError("boom")

    register_daily_job("test.broken", broken)
    runner = app.test_cli_runner()

    result = runner.invoke(args=["jobs", "daily", "--date", "2026-03-03"])

    assert result.exit_code == 1
    assert "test.reminders: 1" in result.output
    assert "test.broken: FAILED RuntimeError: boom" in result.output
    runs = {r.name: r for r in db.session.scalars(select(JobRun))}
    assert runs["test.broken"].status == JobRunStatus.FAILED and "boom" in runs["test.broken"].error
    assert runs["test.reminders"].run_date == date(2026, 3, 3) and runs["test.reminders"].count == 1
    assert db.session.scalars(select(User)).all().__len__() == 1

    again = runner.invoke(args=["jobs", "daily", "--date", "2026-03-03", "--only", "test.reminders"])
    assert again.exit_code == 0, again.output
    assert send_due().sent == 1
    assert runner.invoke(args=["jobs", "daily", "--only", "nope"]).exit_code != 0
    assert "test.reminders" in runner.invoke(args=["jobs", "list"]).output


def test_purge_of_sent_messages_is_registered_and_idempotent(app):
    assert "notifications.purge_sent_messages" in jobs.registered_jobs()
    today = date(2026, 6, 1)
    old = make_message(status=OutboxStatus.SENT, sent_at=utcnow().replace(year=2026, month=1, day=2))
    recent = make_message(status=OutboxStatus.SENT, sent_at=utcnow().replace(year=2026, month=5, day=20))
    failed = make_message(status=OutboxStatus.FAILED)
    old_id, recent_id, failed_id = old.id, recent.id, failed.id

    assert jobs.purge_sent_messages(today) == 1
    assert jobs.purge_sent_messages(today) == 0
    remaining = set(db.session.scalars(select(OutboxMessage.id)))
    assert remaining == {recent_id, failed_id} and old_id not in remaining


def test_long_dedup_keys_are_shortened_but_stay_distinct():
    a = job_dedup_key("x" * 150, date(2026, 1, 1), "a" * 100)
    b = job_dedup_key("x" * 150, date(2026, 1, 1), "b" * 100)
    assert len(a) <= 200 and len(b) <= 200 and a != b
