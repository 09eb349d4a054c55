"""Review-due notices of reception plans (a daily job)."""
from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from app.extensions import db
from app.inclusion.models import PlanStatus, PlanVersion, ReceptionPlan
from app.inclusion.plans import site_directors
from app.notifications.models import OutboxMessage
from app.notifications.outbox import notify
from app.transactions import use_case

JOB_NAME = "inclusion.review_due"
NOTICE_DAYS = 7


@use_case
def send_review_due_notices(today: date) -> int:
    """Tell the site's directors, once per plan version, that its review date is within a week.

    Only the child's first name and the date go in the e-mail; the plan stays on the site.
    Returns the number of messages queued.
    """
    versions = db.session.scalars(
        select(PlanVersion).join(ReceptionPlan)
        .where(PlanVersion.status == PlanStatus.ACTIVE, PlanVersion.review_on.is_not(None),
               PlanVersion.review_on <= today + timedelta(days=NOTICE_DAYS), PlanVersion.review_on >= today)
        .options(selectinload(PlanVersion.plan).selectinload(ReceptionPlan.child))
        .order_by(PlanVersion.id)).all()
    queued = 0
    for version in versions:
        plan = version.plan
        for director in site_directors(plan.site_id):
            key = f"{JOB_NAME}:{version.id}:{director.id}"
            if db.session.scalar(select(OutboxMessage.id).where(OutboxMessage.dedup_key == key)):
                continue
            notify("inclusion.review_due", director,
                   {"child_first_name": plan.child.first_name, "review_on": version.review_on.strftime("%d/%m/%Y"),
                    "path": f"/inclusion/projets/{version.id}"}, dedup_key=key)
            queued += 1
    return queued
