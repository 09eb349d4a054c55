"""The registries between domains are filled at start-up: e-mail kinds, daily jobs, report sources."""
from datetime import date, timedelta

from sqlalchemy import select

from app.billing.registry import aeeh_sources
from app.booking.reminders import send_day_before_reminders
from app.extensions import db
from app.notifications.jobs import registered_jobs
from app.notifications.kinds import registered_kinds
from app.notifications.models import OutboxMessage


def test_every_email_template_has_a_registered_kind(app):
    import pathlib

    root = pathlib.Path(app.root_path) / "templates" / "emails"
    kinds = {".".join(p.relative_to(root).with_suffix("").with_suffix("").parts)
             for p in root.rglob("*.subject.txt")}
    registered = {kind.kind for kind in registered_kinds()}
    assert kinds <= registered, sorted(kinds - registered)


def test_daily_jobs_cover_reminders_stale_availability_and_purges():
    assert {"booking.reminders", "ram.stale_reminders", "inclusion.purge"} <= set(registered_jobs())


def test_aeeh_children_answered_by_inclusion():
    from tests.booking.factories import make_parent_with_child
    from tests.inclusion.factories import make_needs

    _p, _h, child = make_parent_with_child()
    _p2, _h2, other = make_parent_with_child(first_name="Noé")
    make_needs(child, needs_particular_care=False, has_aeeh=True)
    found = set().union(*(fn([child.id, other.id], date(2026, 3, 1), date(2026, 3, 31)) for fn in aeeh_sources()))
    assert found == {child.id}


def test_day_before_reminder_is_sent_once_per_guardian():
    from app.booking import services
    from tests.booking.factories import NOW, make_parent_with_child, make_session

    session = make_session()  # a future Wednesday, open for booking
    tomorrow = session.day
    today = tomorrow - timedelta(days=1)
    parent, _h, child = make_parent_with_child()
    assert services.book(parent, [(child.id, session.id)], now=NOW).items[0].status == "confirmed"
    assert send_day_before_reminders(today) == 1
    assert send_day_before_reminders(today) == 0  # the job may run twice a day
    message = db.session.scalar(select(OutboxMessage).where(OutboxMessage.kind == "booking.reminder"))
    assert message.to_address == parent.email
    assert child.first_name in message.body_text and tomorrow.strftime("%d/%m/%Y") in message.subject
