"""Adaptation shapes a child's first days and never refuses a place (issue #15).

The steps are derived from the child's first booked days at a site; the director
moves, lengthens, shortens or skips them; booking shows them through its day-plan
registry; billing follows the dated rule "inclusion.adaptation_billing".
"""
from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

import pytest
import time_machine
from icalendar import Calendar
from sqlalchemy import select

from app import rules
from app.accounts.models import Role
from app.billing.registry import BillingRules
from app.billing.services import month_drafts
from app.booking import feeds
from app.booking import services as booking_services
from app.booking.day_plans import day_plans
from app.booking.models import BookingStatus, UnitKind
from app.errors import NotFound, ValidationFailed
from app.extensions import db
from app.inclusion import adaptation
from app.inclusion.models import AuditEntry, StepStatus
from app.notifications.models import OutboxMessage
from app.notifications.outbox import render_stored
from tests.api.support import bearer
from tests.booking.factories import (
    NOW,
    make_activity,
    make_parent_with_child,
    make_session,
    make_site,
    make_staff,
    make_unit,
)
from tests.conftest import get_csrf
from tests.inclusion.factories import WEDNESDAYS, attend, book, make_template

UTC = UTC


def _world(template: bool = True, *, whole_only: bool = False, price: Decimal | None = None):
    site = make_site()
    if template:
        make_template(site)
    director = make_staff(site, Role.DIRECTOR)
    activity = make_activity(site)
    whole = make_unit(activity, label="Journée", kind=UnitKind.WHOLE_DAY, start=time(8, 30), end=time(17, 30),
                      with_meal=True, price=price)
    morning = None if whole_only else make_unit(activity, label="Matin", kind=UnitKind.MORNING, start=time(8, 30),
                                                end=time(12, 0), with_meal=False, price=price)
    parent, _h, child = make_parent_with_child()
    return site, director, parent, child, morning, whole


def _steps(child, site):
    return [(s.label, s.day, s.starts, s.ends, s.with_parent, s.meal_that_day)
            for s in adaptation.schedule(child.id, site.id) if not s.skipped]


# ---------------------------------------------------------------- the former refusals now book

def test_new_childs_first_whole_day_at_a_whole_day_only_site_is_confirmed_and_is_step_one():
    # Before issue #15 this was refused: "choisissez ce jour-là un accueil plus court".
    site, _director, parent, child, _morning, whole = _world(whole_only=True)
    result = booking_services.book(parent, [(child.id, make_session(whole, day=WEDNESDAYS[0]).id)], now=NOW)
    item = result.items[0]
    assert item.status == "confirmed" and item.code in (None, "")
    assert _steps(child, site)[0] == ("Une heure avec un parent", WEDNESDAYS[0], time(9, 30), time(10, 30), True,
                                      False)
    # Every holiday day of the period books; the first four carry the steps, the fifth none.
    days = [WEDNESDAYS[0] + timedelta(days=n) for n in (1, 2, 3, 4)]
    bookings = [book(parent, child, make_session(whole, day=d)) for d in days]
    assert all(b.status is BookingStatus.CONFIRMED for b in bookings)
    plans = day_plans([b.id for b in bookings])
    assert [plans[b.id].pickup for b in bookings[:3]] == [time(11, 45), time(13, 30), time(17, 30)]
    assert bookings[3].id not in plans


def test_whole_day_before_the_short_steps_books_every_day():
    # Before issue #15 the whole days of the 1st and 3rd steps were refused ("adaptation_step").
    site, _director, parent, child, morning, whole = _world()
    assert book(parent, child, make_session(whole, day=WEDNESDAYS[0])).status is BookingStatus.CONFIRMED
    assert book(parent, child, make_session(morning, day=WEDNESDAYS[1])).status is BookingStatus.CONFIRMED
    assert book(parent, child, make_session(whole, day=WEDNESDAYS[2])).status is BookingStatus.CONFIRMED
    assert _steps(child, site) == [
        ("Une heure avec un parent", WEDNESDAYS[0], time(9, 30), time(10, 30), True, False),
        # A morning without lunch on a morning unit: 8:30 to 11:45.
        ("Une matinée sans repas", WEDNESDAYS[1], time(8, 30), time(11, 45), False, False),
        ("Une matinée avec repas", WEDNESDAYS[2], time(8, 30), time(13, 30), False, True),
        ("Une journée entière", None, None, None, False, False),
    ]


def test_api_answers_201_for_a_new_childs_first_whole_day(client):
    site, _director, parent, child, _morning, whole = _world(whole_only=True)
    session = make_session(whole, day=WEDNESDAYS[0])
    with time_machine.travel(NOW, tick=False):
        response = client.post("/api/v1/bookings", headers=bearer(parent),
                               json={"child_id": child.id, "session_id": session.id})
    assert response.status_code == 201, response.get_json()
    assert response.get_json()["status"] == "confirmed"
    assert response.get_json()["adaptation_step"] == {
        "title": "Adaptation, étape 1 sur 4 : Une heure avec un parent", "arrival": "09:30", "pickup": "10:30",
        "with_parent": True, "with_meal": False}
    assert adaptation.schedule(child.id, site.id)[0].day == WEDNESDAYS[0]


def test_day_plans_from_the_pairs_booking_knows_are_the_plans_read_from_the_bookings():
    # Issue 20: the API's answer hands the (child, site) pairs of the booking it made to the providers.
    site, _director, parent, child, morning, whole = _world()
    first = book(parent, child, make_session(morning, day=WEDNESDAYS[0]))
    second = book(parent, child, make_session(whole, day=WEDNESDAYS[1]))
    full = make_session(morning, day=WEDNESDAYS[2], under6=0, over6=0)
    waiting = book(parent, child, full)
    assert waiting.status is BookingStatus.WAITLISTED
    ids = [first.id, second.id, waiting.id]
    pairs = {b: (child.id, site.id) for b in ids}
    read = day_plans(ids)
    assert set(read) == {first.id, second.id}
    assert day_plans(ids, pairs=pairs) == read
    # Pairs that do not cover every booking are not used: the providers read them.
    assert day_plans(ids, pairs={first.id: (child.id, site.id)}) == read


# ---------------------------------------------------------------- derivation

def test_steps_follow_the_first_booked_days_in_order_and_move_up_on_a_cancellation():
    site, _director, parent, child, morning, _whole = _world()
    later = book(parent, child, make_session(morning, day=WEDNESDAYS[2]))
    first = book(parent, child, make_session(morning, day=WEDNESDAYS[0]))  # booked second, comes first
    book(parent, child, make_session(morning, day=WEDNESDAYS[1]))
    assert [s[1] for s in _steps(child, site)] == WEDNESDAYS + [None]
    # A morning unit has no meal: the "morning with lunch" step has none that day; pick-up at the unit's end.
    assert _steps(child, site)[2][2:] == (time(8, 30), time(12, 0), False, False)
    booking_services.cancel_booking(parent, first.id, now=NOW)
    assert [s[1] for s in _steps(child, site)] == [WEDNESDAYS[1], WEDNESDAYS[2], None, None]
    assert day_plans([later.id])[later.id].title == "Adaptation, étape 2 sur 4 : Une matinée sans repas"


def test_a_site_without_template_has_no_steps():
    site, _director, parent, child, morning, _whole = _world(template=False)
    booking = book(parent, child, make_session(morning, day=WEDNESDAYS[0]))
    assert adaptation.schedule(child.id, site.id) == []
    assert day_plans([booking.id]) == {}


def test_a_returning_child_has_no_steps_on_new_bookings():
    site, _director, parent, child, morning, _whole = _world()
    first_days = [date(2026, 3, 4), date(2026, 3, 5), date(2026, 3, 6), date(2026, 3, 9)]
    for day in first_days:  # last spring: the four first days were the steps, attended
        attend(book(parent, child, make_session(morning, day=day)))
    new = book(parent, child, make_session(morning, day=WEDNESDAYS[1]))
    assert day_plans([new.id]) == {}
    assert [s.day for s in adaptation.schedule(child.id, site.id)] == first_days


def test_director_skips_the_period_for_a_child_known_from_before():
    site, director, parent, child, morning, _whole = _world()
    booking = book(parent, child, make_session(morning, day=WEDNESDAYS[0]))
    adaptation.skip_period(director, child.id, site.id, "Déjà accueilli dans un autre accueil de l'agglomération")
    assert adaptation.schedule(child.id, site.id) == []
    assert day_plans([booking.id]) == {}


# ---------------------------------------------------------------- the director's overrides

def test_director_moves_lengthens_and_skips_steps_and_every_change_is_recorded():
    site, director, parent, child, morning, whole = _world()
    for day in WEDNESDAYS:
        book(parent, child, make_session(whole, day=day))
    fourth = WEDNESDAYS[2] + timedelta(days=7)
    book(parent, child, make_session(whole, day=fourth))
    # Move the first step (an hour with a parent) to the second Wednesday and make it two hours.
    adaptation.update_step(director, child.id, site.id, 1, day=WEDNESDAYS[1], arrival=time(9, 30),
                           pickup=time(11, 30), with_parent=True, with_meal=False, skipped=False)
    # Skip the third step (a morning with lunch).
    adaptation.update_step(director, child.id, site.id, 3, day=None, arrival=None, pickup=time(13, 30),
                           with_parent=False, with_meal=True, skipped=True)
    assert _steps(child, site) == [
        ("Une heure avec un parent", WEDNESDAYS[1], time(9, 30), time(11, 30), True, False),
        ("Une matinée sans repas", WEDNESDAYS[0], time(8, 30), time(11, 45), False, False),
        ("Une journée entière", WEDNESDAYS[2], time(8, 30), time(17, 30), False, True),
    ]
    schedule = adaptation.schedule(child.id, site.id)
    assert [s.count for s in schedule if not s.skipped] == [3, 3, 3]
    moved = schedule[0]
    assert moved.updated_by == director.display_name and moved.updated_at is not None
    details = db.session.scalars(select(AuditEntry.detail).where(AuditEntry.child_id == child.id,
                                                                 AuditEntry.target.like("adaptation_step:%"))
                                 .order_by(AuditEntry.id)).all()
    assert details[0] == "day: - -> 2026-03-25; pickup: 10:30 -> 11:30"
    assert "skipped: non -> oui" in details[1]


def test_director_overrides_are_checked():
    site, director, parent, child, morning, _whole = _world()
    book(parent, child, make_session(morning, day=WEDNESDAYS[0]))
    book(parent, child, make_session(morning, day=WEDNESDAYS[1]))
    values = dict(arrival=None, pickup=None, with_parent=False, with_meal=False, skipped=False)
    with pytest.raises(ValidationFailed, match="inscrit"):
        adaptation.update_step(director, child.id, site.id, 1, day=WEDNESDAYS[2], **values)
    with pytest.raises(ValidationFailed, match="départ"):
        adaptation.update_step(director, child.id, site.id, 1, day=None,
                               **{**values, "arrival": time(10, 0), "pickup": time(9, 0)})
    adaptation.update_step(director, child.id, site.id, 1, day=WEDNESDAYS[1], **values)
    with pytest.raises(ValidationFailed, match="Une autre étape"):
        adaptation.update_step(director, child.id, site.id, 2, day=WEDNESDAYS[1], **values)
    other_site = make_site(name="Autre accueil")
    elsewhere = make_staff(other_site, Role.DIRECTOR, email="ailleurs@example.fr")
    with pytest.raises(NotFound):
        adaptation.update_step(elsewhere, child.id, site.id, 1, day=None, **values)
    with pytest.raises(NotFound):
        adaptation.update_step(parent, child.id, site.id, 1, day=None, **values)


def test_director_records_steps_and_extends_one():
    site, director, parent, child, morning, _whole = _world()
    book(parent, child, make_session(morning, day=WEDNESDAYS[0]))
    book(parent, child, make_session(morning, day=WEDNESDAYS[1]))
    period = adaptation.set_child_steps(director, child.id, site.id, [
        {"label": "Une heure avec un parent", "arrival": "09:30", "pickup": "10:30", "with_parent": True},
        {"label": "Une matinée sans repas", "pickup": "11:45"}])
    adaptation.record_step(director, period.steps[0].id, "extended", "Pleurs au départ du parent")
    labels = [(s.position, s.label, s.status) for s in period.steps]
    assert labels == [(1, "Une heure avec un parent", StepStatus.EXTENDED),
                      (2, "Une heure avec un parent", StepStatus.PLANNED),
                      (3, "Une matinée sans repas", StepStatus.PLANNED)]
    with pytest.raises(ValidationFailed):
        adaptation.record_step(director, period.steps[2].id, "planned")
    _child, schedules = adaptation.child_schedules(parent, child.id)
    steps = schedules[0].steps
    assert [(s.status, s.day, s.starts) for s in steps] == [
        ("extended", WEDNESDAYS[0], time(9, 30)), ("planned", WEDNESDAYS[1], time(9, 30)), ("planned", None, None)]
    with pytest.raises(ValidationFailed, match="départ"):
        adaptation.set_child_steps(director, child.id, site.id, [{"label": "X", "arrival": "10:00",
                                                                  "pickup": "09:00"}])


# ---------------------------------------------------------------- billing

@pytest.mark.parametrize("setting, first_day_amount", [("planned_hours", Decimal("1.00")), ("free", Decimal("0.00"))])
def test_steps_are_billed_at_the_planned_hours_or_not_at_all(setting, first_day_amount):
    site, _director, parent, child, _morning, whole = _world(whole_only=True, price=Decimal("9.00"))
    for n in range(5):
        book(parent, child, make_session(whole, day=WEDNESDAYS[0] + timedelta(days=n)))
    if setting != "planned_hours":
        rules.set_value("inclusion.adaptation_billing", setting, valid_from=WEDNESDAYS[0], note="test")
        db.session.commit()
    drafts = month_drafts(date(2026, 3, 1), date(2026, 3, 31), child.household_id, BillingRules())
    due: dict[date, Decimal] = {}
    for d in drafts:
        due[d.day] = due.get(d.day, Decimal(0)) + d.amount
    credits = [d for d in drafts if d.source == "adaptation"]
    assert len(credits) == (3 if setting == "planned_hours" else 4)  # a planned whole day costs the whole day
    assert due[WEDNESDAYS[0]] == first_day_amount  # 1 hour of a 9-hour day at 9 €
    if setting == "planned_hours":
        # 8:30-11:45 (3.25 h), 8:30-13:30 (5 h), the whole day, then no step.
        assert [due[WEDNESDAYS[0] + timedelta(days=n)] for n in range(1, 5)] == [
            Decimal("3.25"), Decimal("5.00"), Decimal("9.00"), Decimal("9.00")]
    else:
        assert [due[WEDNESDAYS[0] + timedelta(days=n)] for n in range(1, 5)] == [Decimal("0.00")] * 3 + [
            Decimal("9.00")]


def test_the_billing_rule_applies_from_its_date():
    _site, _director, parent, child, _morning, whole = _world(whole_only=True, price=Decimal("9.00"))
    for n in range(2):
        book(parent, child, make_session(whole, day=WEDNESDAYS[0] + timedelta(days=n)))
    rules.set_value("inclusion.adaptation_billing", "free", valid_from=WEDNESDAYS[0] + timedelta(days=1))
    db.session.commit()
    drafts = [d for d in month_drafts(date(2026, 3, 1), date(2026, 3, 31), child.household_id, BillingRules())
              if d.source == "adaptation"]
    assert [(d.day, d.amount) for d in drafts] == [(WEDNESDAYS[0], Decimal("-8.00")),
                                                   (WEDNESDAYS[0] + timedelta(days=1), Decimal("-9.00"))]


# ---------------------------------------------------------------- calendar feed

def test_feed_events_carry_the_steps_times_in_utc_across_the_time_change():
    site, _director, parent, child, morning, whole = _world()
    winter = book(parent, child, make_session(whole, day=WEDNESDAYS[0]))  # 18 March: UTC+1
    summer = book(parent, child, make_session(morning, day=WEDNESDAYS[2]))  # 1 April: UTC+2 (since 29 March)
    regular = [book(parent, child, make_session(morning, day=WEDNESDAYS[2] + timedelta(days=7 * n)))
               for n in (1, 2, 3)]
    with time_machine.travel(NOW, tick=False):
        token = feeds.renew_household_feed(parent)
        events = {str(e["uid"]): e for e in Calendar.from_ical(feeds.household_calendar(token.token)).walk("VEVENT")}

    def utc(booking):
        event = events[f"booking-{booking.id}@{feeds.UID_DOMAIN}"]
        return event.decoded("dtstart").astimezone(UTC), event.decoded("dtend").astimezone(UTC)

    assert utc(winter) == (datetime(2026, 3, 18, 8, 30, tzinfo=UTC), datetime(2026, 3, 18, 9, 30, tzinfo=UTC))
    assert utc(summer) == (datetime(2026, 4, 1, 6, 30, tzinfo=UTC), datetime(2026, 4, 1, 9, 45, tzinfo=UTC))
    # The fourth step is a whole day, here on a morning unit: the unit's hours; after it, the unit's hours.
    assert utc(regular[-1]) == (datetime(2026, 4, 22, 6, 30, tzinfo=UTC), datetime(2026, 4, 22, 10, 0, tzinfo=UTC))
    assert "avec un parent" in str(events[f"booking-{winter.id}@{feeds.UID_DOMAIN}"]["description"])
    assert site.id  # the site's own feed is untouched (sessions, not children)


# ---------------------------------------------------------------- pages

def test_family_pages_and_email_show_the_step(login_as):
    _site, _director, parent, child, _morning, whole = _world(whole_only=True)
    session = make_session(whole, day=WEDNESDAYS[0])
    with time_machine.travel(NOW, tick=False):
        family = login_as(parent)
        token = get_csrf(family, "/accueil")
        answer = family.post("/accueils/reserver", data={"csrf_token": token, "item": f"{child.id}:{session.id}",
                                                         "submission_key": "k-1"})
        assert answer.status_code == 200
        page = answer.get_data(as_text=True)
        mine = family.get("/accueils/mes-reservations").get_data(as_text=True)
    for text in (page, mine):
        assert "Adaptation, étape 1 sur 4 : Une heure avec un parent" in text
        assert "arrivée 09:30, départ 10:30" in text and "avec un parent" in text
    assert "Confirmée" in page or "confirmée" in page.lower()
    mail = db.session.scalar(select(OutboxMessage).where(OutboxMessage.kind == "booking.submitted"))
    assert render_stored(mail)  # the sender renders it (app.notifications.sender.build_email)
    assert "Adaptation, étape 1 sur 4" in mail.body_text and "arrivée 09:30, départ 10:30" in mail.body_text


def test_register_and_session_page_show_the_step(login_as):
    site, _director, parent, child, _morning, whole = _world(whole_only=True)
    session = make_session(whole, day=WEDNESDAYS[0])
    book(parent, child, session)
    animator = make_staff(site, Role.ANIMATOR, email="animateur@example.fr")
    staff = login_as(animator)
    register = staff.get(f"/accueils/sites/{site.id}/registre?date={WEDNESDAYS[0].isoformat()}")
    day_view = staff.get(f"/accueils/seances/{session.id}")
    for response in (register, day_view):
        assert response.status_code == 200
        text = response.get_data(as_text=True)
        assert "Adaptation, étape 1 sur 4" in text and "arrivée 09:30, départ 10:30" in text


def test_director_page_lists_the_child_and_edits_a_step(login_as):
    site, director, parent, child, morning, _whole = _world()
    book(parent, child, make_session(morning, day=WEDNESDAYS[0]))
    book(parent, child, make_session(morning, day=WEDNESDAYS[1]))
    with time_machine.travel(NOW, tick=False):
        listing = login_as(director).get("/inclusion/adaptations").get_data(as_text=True)
    office = login_as(director)
    assert child.full_name in listing and f"/inclusion/enfants/{child.id}/accueils/{site.id}/adaptation" in listing
    assert f"/inclusion/accueils/{site.id}/adaptation" in listing
    page = office.get(f"/inclusion/enfants/{child.id}/accueils/{site.id}/adaptation")
    assert page.status_code == 200 and "mercredi 18 mars 2026" in page.get_data(as_text=True)
    token = get_csrf(office, "/accueil")
    url = f"/inclusion/enfants/{child.id}/accueils/{site.id}/adaptation/etapes/1"
    refused = office.post(url, data={"step1-csrf_token": token, "step1-day": "",
                                     "step1-arrival": "10:00", "step1-pickup": "09:00"})
    assert refused.status_code == 422 and "doit suivre" in refused.get_data(as_text=True)
    moved = office.post(url, data={"step1-csrf_token": token, "step1-day": WEDNESDAYS[1].isoformat(),
                                   "step1-arrival": "09:00", "step1-pickup": "10:30", "step1-with_parent": "y"})
    assert moved.status_code == 302
    first = adaptation.schedule(child.id, site.id)[0]
    assert (first.day, first.starts, first.ends, first.with_parent) == (WEDNESDAYS[1], time(9, 0), time(10, 30), True)
    # The site's template editor is a table of fields, not text lines.
    template_page = office.get(f"/inclusion/accueils/{site.id}/adaptation").get_data(as_text=True)
    assert 'name="steps-0-title"' in template_page and 'type="time"' in template_page
    saved = office.post(f"/inclusion/accueils/{site.id}/adaptation", data={
        "csrf_token": token, "steps-0-title": "Une matinée avec un parent", "steps-0-pickup": "11:00",
        "steps-0-with_parent": "y", "steps-1-title": ""})
    assert saved.status_code == 302
    assert [(t.label, t.pickup, t.with_parent) for t in adaptation.site_template(site.id)] == [
        ("Une matinée avec un parent", time(11, 0), True)]
