"""The day-before reminder of confirmed bookings (a daily job)."""
from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from app.booking.models import Activity, Booking, BookingStatus, Session, Unit
from app.extensions import db
from app.families.models import Child, Household, HouseholdMember
from app.notifications.jobs import job_dedup_key
from app.notifications.models import OutboxMessage
from app.notifications.outbox import notify
from app.transactions import use_case

JOB_NAME = "booking.reminders"


@use_case
def send_day_before_reminders(today: date) -> int:
    """Tell each household, once, what its children attend tomorrow.

    One message per guardian and day (dedup key), so running the job twice
    the same day sends nothing twice. Returns the number of messages queued.
    """
    tomorrow = today + timedelta(days=1)
    bookings = db.session.scalars(
        select(Booking).join(Session, Booking.session_id == Session.id)
        .where(Session.day == tomorrow, Session.cancelled.is_(False), Booking.status == BookingStatus.CONFIRMED)
        .options(selectinload(Booking.child).selectinload(Child.household).selectinload(Household.members)
                 .selectinload(HouseholdMember.user),
                 selectinload(Booking.session).selectinload(Session.unit).selectinload(Unit.activity)
                 .selectinload(Activity.site))
        .order_by(Booking.id)).all()
    by_household: dict[int, list[Booking]] = defaultdict(list)
    for booking in bookings:
        by_household[booking.child.household_id].append(booking)
    queued = 0
    for household_id, items in by_household.items():
        lines = [f"{b.child.first_name} – {b.session.unit.activity.site.name}, {b.session.unit.activity.name} "
                 f"({b.session.unit.label}, {b.session.unit.start_time:%H:%M}–{b.session.unit.end_time:%H:%M}), "
                 f"{b.session.unit.activity.site.address}" for b in items]
        for member in items[0].child.household.members:
            if not member.user.active:
                continue
            key = job_dedup_key(JOB_NAME, today, household_id, member.user_id)
            if db.session.scalar(select(OutboxMessage.id).where(OutboxMessage.dedup_key == key)):
                continue  # already sent by an earlier run today
            message = notify("booking.reminder", member.user,
                             {"day": tomorrow.strftime("%d/%m/%Y"), "lines": lines, "path": "/accueils/mes-reservations"},
                             dedup_key=key)
            queued += message is not None
    return queued
