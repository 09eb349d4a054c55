"""The booking engine's rules on the paths that give and take places (issues 15 and 16)."""
from __future__ import annotations

from datetime import UTC, date, datetime, time

import time_machine
from sqlalchemy import select

from app import rules
from app.booking import admission, services
from app.booking.allocation.draw import run_draw
from app.booking.allocation.models import AllocationRequestItem
from app.booking.models import Booking, BookingStatus, Session, UnitKind
from app.extensions import db
from tests.booking.allocation_factories import AFTER_CLOSE, FIRST_DAY, add_request, make_draw_setup, make_family
from tests.booking.factories import NOW, make_parent_with_child, make_session, make_unit

# WEDNESDAY is 18 March 2026: its cancellation deadline is Monday 16 March, 12:00 in Paris (11:00 UTC).
AFTER_DEADLINE = datetime(2026, 3, 17, 9, 0, tzinfo=UTC)
SAME_DAY_LATER = datetime(2026, 3, 17, 20, 0, tzinfo=UTC)
NEXT_MORNING = datetime(2026, 3, 18, 6, 0, tzinfo=UTC)  # 7:00 in Paris, before the session


def _full_session_with_one_waiting():
    session = make_session(under6=0, over6=1)
    p1, _h1, c1 = make_parent_with_child()
    p2, _h2, c2 = make_parent_with_child(first_name="Inès")
    first = services.book(p1, [(c1.id, session.id)], now=NOW).items[0]
    second = services.book(p2, [(c2.id, session.id)], now=NOW).items[0]
    assert (first.status, second.status) == ("confirmed", "waitlisted")
    return session, (p1, first.booking_id), (p2, second.booking_id)


def test_place_given_after_the_deadline_is_cancelled_free_the_same_day():
    """Issue 16: a family promoted after the deadline was charged 100 % (late_cancelled) on cancelling."""
    _session, (p1, first), (p2, second) = _full_session_with_one_waiting()
    assert services.cancel_booking(p1, first, now=AFTER_DEADLINE).status is BookingStatus.LATE_CANCELLED
    promoted = db.session.get(Booking, second)
    assert promoted.status is BookingStatus.CONFIRMED and promoted.promoted_at is not None
    assert services.cancel_booking(p2, second, now=SAME_DAY_LATER).status is BookingStatus.CANCELLED


def test_the_grace_period_ends_with_the_day_by_default():
    _session, (p1, first), (p2, second) = _full_session_with_one_waiting()
    services.cancel_booking(p1, first, now=AFTER_DEADLINE)
    assert services.cancel_booking(p2, second, now=NEXT_MORNING).status is BookingStatus.LATE_CANCELLED


def test_the_grace_period_follows_the_dated_setting():
    rules.set_value("booking.promotion_grace_days", 1, valid_from=date(2026, 1, 1), note="test")
    db.session.commit()
    _session, (p1, first), (p2, second) = _full_session_with_one_waiting()
    services.cancel_booking(p1, first, now=AFTER_DEADLINE)
    assert services.cancel_booking(p2, second, now=NEXT_MORNING).status is BookingStatus.CANCELLED


def test_place_given_before_the_deadline_follows_the_deadline():
    _session, (p1, first), (p2, second) = _full_session_with_one_waiting()
    services.cancel_booking(p1, first, now=NOW)
    assert services.cancel_booking(p2, second, now=SAME_DAY_LATER).status is BookingStatus.LATE_CANCELLED


def test_cancelling_a_held_booking_is_always_free():
    """Issue 16: a held booking cancelled after the deadline was late_cancelled (charged in full)."""
    session = make_session(under6=0, over6=1)
    parent, _h, child = make_parent_with_child()

    def hold(child, session):
        return admission.HOLD

    admission.register_check(hold)
    try:
        item = services.book(parent, [(child.id, session.id)], now=NOW).items[0]
    finally:
        admission.unregister_check(hold)
    assert item.status == "pending_preparation"
    assert services.cancel_booking(parent, item.booking_id, now=AFTER_DEADLINE).status is BookingStatus.CANCELLED
    assert db.session.get(Session, session.id).taken_over6 == 0


def test_promotion_passes_over_a_child_the_rules_keep_out_who_keeps_their_position(client):
    from tests.conftest import login

    session = make_session(under6=0, over6=1)
    p1, _h1, c1 = make_parent_with_child()
    p2, _h2, c2 = make_parent_with_child(first_name="Inès", birth_date=date(2016, 1, 10))
    p3, _h3, c3 = make_parent_with_child(first_name="Jade")
    first = services.book(p1, [(c1.id, session.id)], now=NOW).items[0]
    older = services.book(p2, [(c2.id, session.id)], now=NOW).items[0]
    third = services.book(p3, [(c3.id, session.id)], now=NOW).items[0]
    session.unit.activity.max_age = 9  # the director narrows the activity: Inès (10 then) no longer fits
    db.session.commit()
    services.cancel_booking(p1, first.booking_id, now=NOW)
    passed = db.session.get(Booking, older.booking_id)
    assert db.session.get(Booking, third.booking_id).status is BookingStatus.CONFIRMED
    assert passed.status is BookingStatus.WAITLISTED and services.waitlist_position(passed) == 1
    assert passed.passed_over_code == "age_out_of_range" and "Inès aura 10 ans" in passed.passed_over_reason
    with time_machine.travel(NOW, tick=False):
        login(client, p2)
        page = client.get("/accueils/mes-reservations").get_data(as_text=True)
    assert "Vous gardez votre position" in page and "Inès aura 10 ans" in page


def test_draw_never_confirms_a_whole_day_and_a_morning_of_the_same_day_for_one_child():
    """Issue 15: run_draw confirmed both, a pair that book() refuses as overlapping_booking."""
    _director, period, (whole,) = make_draw_setup(over6=4, rules=())
    morning_unit = make_unit(whole.unit.activity, label="Matin", kind=UnitKind.MORNING, start=time(8, 30),
                             end=time(12, 0), with_meal=False)
    morning = make_session(morning_unit, day=FIRST_DAY, under6=2, over6=4)
    _parent, household, (child,) = make_family()
    add_request(period, household, [child], [whole, morning])
    run_draw(None, period.id, seed="s", now=AFTER_CLOSE)
    items = {i.session_id: i for i in db.session.scalars(select(AllocationRequestItem))}
    assert items[whole.id].outcome == "confirmed"  # the family's first preference
    assert items[morning.id].outcome == "refused" and "même heure" in items[morning.id].reason
    active = db.session.scalars(select(Booking).where(Booking.child_id == child.id)).all()
    assert [b.session_id for b in active] == [whole.id]
