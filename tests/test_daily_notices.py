"""Notices sent by the daily job and by the Relais's introductions: right person, once."""
from datetime import date, timedelta

import time_machine
from sqlalchemy import select

from app.accounts.models import Role
from app.extensions import db
from app.inclusion.reviews import send_review_due_notices
from app.notifications.models import OutboxMessage
from app.ram import demands, workshops
from app.ram.reminders import send_workshop_reminders
from tests.booking.factories import make_parent_with_child, make_site, make_staff
from tests.factories import make_user
from tests.inclusion.factories import make_active_plan
from tests.ram.factories import NOW as RELAIS_NOW
from tests.ram.factories import make_childminder, make_demand, make_relais, make_workshop
from tests.ram.factories import make_staff as make_relais_staff


def _messages(kind):
    return db.session.scalars(select(OutboxMessage).where(OutboxMessage.kind == kind).order_by(OutboxMessage.id)).all()


def test_review_due_reaches_the_site_directors_once_and_says_nothing_of_the_plan():
    today = date(2026, 12, 1)
    site = make_site()
    director = make_staff(site, Role.DIRECTOR)
    _parent, _h, child = make_parent_with_child(first_name="Mathis")
    make_active_plan(child, site, review_on=today + timedelta(days=5), medication="Adrénaline")
    make_active_plan(make_parent_with_child(first_name="Lina")[2], site, review_on=today + timedelta(days=30))
    assert send_review_due_notices(today) == 1
    assert send_review_due_notices(today) == 0
    assert send_review_due_notices(today + timedelta(days=1)) == 0  # once per version, not per day
    (message,) = _messages("inclusion.review_due")
    assert message.to_address == director.email
    assert "Mathis" in message.body_text and "06/12/2026" in message.subject
    assert "Adrénaline" not in message.body_text


@time_machine.travel(RELAIS_NOW, tick=False)  # registering for the workshop needs it ahead
def test_workshop_reminder_the_day_before_once_per_registration():
    relais = make_relais()
    childminder = make_childminder()
    workshop = make_workshop(relais, day=date(2027, 1, 12))
    workshops.register(childminder.user, workshop.id, ["Emma", "Noé"])
    assert send_workshop_reminders(date(2027, 1, 10)) == 0  # two days before: nothing yet
    assert send_workshop_reminders(date(2027, 1, 11)) == 1
    assert send_workshop_reminders(date(2027, 1, 11)) == 0
    (message,) = _messages("ram.workshop_reminder")
    assert message.to_address == childminder.user.email and "Peinture propre" in message.subject
    assert "12/01/2027" in message.body_text and "09:30" in message.body_text


def test_introduction_gives_the_family_the_childminder_contact():
    staff = make_relais_staff(make_relais())
    parent = make_user(Role.PARENT)
    demand = make_demand(parent=parent)
    childminder = make_childminder(first_name="Lucie", last_name="Bach")
    childminder.user.phone = "05 65 00 00 01"
    db.session.commit()
    demands.record_introduction(staff, demand, childminder.id)
    (message,) = _messages("ram.introduction")
    assert message.to_address == parent.email
    assert "Lucie Bach" in message.body_text and "05 65 00 00 01" in message.body_text
