"""Relais messages sent by the daily job or on an introduction."""
from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from app.extensions import db
from app.notifications.models import OutboxMessage
from app.notifications.outbox import notify
from app.ram.models import Childminder, Workshop, WorkshopRegistration
from app.transactions import use_case

JOB_NAME = "ram.workshop_reminders"


@use_case
def send_workshop_reminders(today: date) -> int:
    """Remind each registered childminder, the day before, of tomorrow's workshops (once each)."""
    tomorrow = today + timedelta(days=1)
    registrations = db.session.scalars(
        select(WorkshopRegistration).join(Workshop)
        .where(Workshop.day == tomorrow, Workshop.cancelled.is_(False))
        .options(selectinload(WorkshopRegistration.workshop),
                 selectinload(WorkshopRegistration.childminder).selectinload(Childminder.user))
        .order_by(WorkshopRegistration.id)).all()
    queued = 0
    for registration in registrations:
        workshop, user = registration.workshop, registration.childminder.user
        key = f"{JOB_NAME}:{registration.id}"
        if not user.active or db.session.scalar(select(OutboxMessage.id).where(OutboxMessage.dedup_key == key)):
            continue
        notify("ram.workshop_reminder", user,
               {"theme": workshop.theme, "place": workshop.place, "day": workshop.day.strftime("%d/%m/%Y"),
                "start": workshop.start_time.strftime("%H:%M"), "end": workshop.end_time.strftime("%H:%M"),
                "children": len(registration.children or []), "path": f"/relais/ateliers/{workshop.id}"},
               dedup_key=key)
        queued += 1
    return queued


def notify_introduction(introduction) -> None:
    """Give the family the childminder's contact details (in the caller's transaction)."""
    demand, childminder = introduction.demand, introduction.childminder
    to = demand.parent if demand.parent is not None else (demand.contact_email or None)
    if not to:
        return  # a demand taken at the desk without e-mail: staff phone the family
    notify("ram.introduction", to,
           {"child_first_name": demand.child_first_name, "childminder_name": childminder.user.display_name,
            "phone": childminder.user.phone, "email": childminder.user.email,
            "commune": childminder.commune.name if childminder.commune else "",
            "path": f"/relais/demandes/{demand.id}"})
