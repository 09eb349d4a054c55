from datetime import UTC, date, datetime, time
from decimal import Decimal
from unittest.mock import patch

import pytest
from sqlalchemy import func, select

from app.accounts.models import Role
from app.booking import admission, services
from app.booking.attendance import mark_attendance
from app.booking.catalogue import price_for
from app.booking.errors import CancellationClosed, NotCancellable
from app.booking.models import AgeBand, Booking, BookingStatus, IdempotencyKey, Session, Tariff
from app.errors import NotFound, ValidationFailed
from app.extensions import db
from app.notifications.models import OutboxMessage
from app.notifications.outbox import render_stored
from tests.booking.factories import (
    NOW,
    make_activity,
    make_parent_with_child,
    make_session,
    make_site,
    make_staff,
    make_unit,
)
from tests.factories import make_child


def _statuses(result):
    return [item.status for item in result.items]


def test_book_confirms_and_records_band_price_and_email():
    unit = make_unit(price=Decimal("7.50"))
    session = make_session(unit)
    parent, household, child = make_parent_with_child()
    result = services.book(parent, [(child.id, session.id)], now=NOW)
    assert _statuses(result) == ["confirmed"]
    booking = db.session.get(Booking, result.items[0].booking_id)
    assert booking.age_band is AgeBand.OVER6 and booking.price == Decimal("7.50")
    assert result.items[0].price == "7.50"
    assert db.session.get(Session, session.id).taken_over6 == 1
    mail = db.session.scalar(select(OutboxMessage).where(OutboxMessage.kind == "booking.submitted"))
    # Rendered by the sender, not in the booking's transaction: the row holds the subject and the context.
    assert mail.to_address == parent.email and mail.subject and mail.body_text == ""
    assert mail.context["lines"][0]["result"] == "Confirmée"
    assert render_stored(mail) and "Confirmée" in mail.body_text
    assert "/accueils/mes-reservations" in mail.body_text and "Confirmée" in mail.body_html
    assert not render_stored(mail)  # rendered once


def test_booking_email_is_rendered_and_kept_when_the_sender_sends_it():
    from app.notifications.sender import send_due

    session = make_session(make_unit())
    parent, _household, child = make_parent_with_child()
    services.book(parent, [(child.id, session.id)], now=NOW)
    sent = []
    with patch("app.notifications.sender.SmtpTransport.send", lambda _self, email: sent.append(email)):
        assert send_due().sent == 1
    db.session.expire_all()
    mail = db.session.scalar(select(OutboxMessage).where(OutboxMessage.kind == "booking.submitted"))
    text = sent[0].get_body(("plain",)).get_content()
    assert "Confirmée" in text and child.first_name in text and text.strip() == mail.body_text.strip()


def test_booking_email_goes_to_each_guardian_who_did_not_switch_it_off():
    from app.families.models import HouseholdMember
    from app.notifications.models import NotificationOptOut
    from tests.factories import make_user

    session = make_session(make_unit())
    parent, household, child = make_parent_with_child()
    second = make_user(Role.PARENT)
    household.members.append(HouseholdMember(user=second))
    db.session.add(NotificationOptOut(user_id=second.id, kind="booking.submitted"))
    db.session.commit()
    services.book(parent, [(child.id, session.id)], now=NOW)
    mails = db.session.scalars(select(OutboxMessage.to_address).where(OutboxMessage.kind == "booking.submitted"))
    assert list(mails) == [parent.email]


def test_age_band_uses_age_on_the_session_day():
    session = make_session(under6=1, over6=0)
    # Turns 6 the day after the session: still under 6 that day.
    parent, _h, child = make_parent_with_child(birth_date=date(2020, 3, 19))
    result = services.book(parent, [(child.id, session.id)], now=NOW)
    assert _statuses(result) == ["confirmed"]
    assert db.session.get(Booking, result.items[0].booking_id).age_band is AgeBand.UNDER6


def test_full_band_waitlists_in_arrival_order_with_positions():
    session = make_session(under6=0, over6=1)
    results = []
    for _ in range(3):
        parent, _h, child = make_parent_with_child()
        results.append(services.book(parent, [(child.id, session.id)], now=NOW).items[0])
    assert [r.status for r in results] == ["confirmed", "waitlisted", "waitlisted"]
    assert [r.waitlist_position for r in results] == [None, 1, 2]


@pytest.mark.parametrize("setup, code", [
    (dict(session={"cancelled": True}), "session_cancelled"),
    (dict(activity={"opens_at": datetime(2026, 3, 5, 7, 0, tzinfo=UTC)}), "booking_not_open"),
    (dict(session={"opens_at": datetime(2026, 3, 5, 7, 0, tzinfo=UTC)}), "booking_not_open"),
    (dict(session={"day": date(2026, 3, 4)}), "booking_closed"),  # deadline: Monday 2 March, noon
    (dict(activity={"min_age": 9, "max_age": 11}), "age_out_of_range"),
    (dict(activity={"residents_first_until": datetime(2026, 3, 10, tzinfo=UTC)},
          household={"commune_insee": None}), "residents_first"),
])
def test_rules_refuse_with_french_reason(setup, code):
    activity = make_activity(**setup.get("activity", {}))
    unit = make_unit(activity)
    session = make_session(unit, **setup.get("session", {}))
    parent, _h, child = make_parent_with_child(**setup.get("household", {}))
    now = NOW.replace(hour=12) if code == "booking_closed" else NOW
    result = services.book(parent, [(child.id, session.id)], now=now)
    item = result.items[0]
    assert item.status == "refused" and item.code == code
    assert item.reason and item.reason.strip()
    assert db.session.scalar(select(func.count(Booking.id))) == 0


def test_booking_deadline_boundary():
    session = make_session(day=date(2026, 3, 4))  # deadline Monday 2 March 12:00 Paris = 11:00 UTC
    parent, _h, child = make_parent_with_child()
    ok = services.book(parent, [(child.id, session.id)], now=datetime(2026, 3, 2, 10, 59, tzinfo=UTC))
    assert _statuses(ok) == ["confirmed"]


def test_resident_may_book_during_residents_window():
    activity = make_activity(residents_first_until=datetime(2026, 3, 10, tzinfo=UTC))
    session = make_session(make_unit(activity))
    parent, _h, child = make_parent_with_child()
    assert _statuses(services.book(parent, [(child.id, session.id)], now=NOW)) == ["confirmed"]


def test_already_booked_and_double_submit():
    session = make_session()
    parent, _h, child = make_parent_with_child()
    services.book(parent, [(child.id, session.id)], now=NOW)
    again = services.book(parent, [(child.id, session.id)], now=NOW)
    assert again.items[0].code == "already_booked"
    assert db.session.scalar(select(func.count(Booking.id))) == 1


def test_child_of_another_household_is_not_found_and_writes_nothing():
    session = make_session()
    parent, _h, child = make_parent_with_child()
    other, _oh, other_child = make_parent_with_child()
    with pytest.raises(NotFound):
        services.book(parent, [(child.id, session.id), (other_child.id, session.id)], now=NOW)
    assert db.session.scalar(select(func.count(Booking.id))) == 0


def test_staff_cannot_book():
    session = make_session()
    _p, _h, child = make_parent_with_child()
    director = make_staff(session.unit.activity.site)
    with pytest.raises(NotFound):
        services.book(director, [(child.id, session.id)], now=NOW)


def test_unknown_session_is_not_found():
    parent, _h, child = make_parent_with_child()
    with pytest.raises(NotFound):
        services.book(parent, [(child.id, 999999)], now=NOW)


def test_several_children_and_sessions_at_once_with_a_refusal():
    unit = make_unit()
    s1, s2 = make_session(unit), make_session(unit, day=date(2026, 3, 25), cancelled=True)
    parent, household, child = make_parent_with_child()
    sister = make_child(household, first_name="Jade", birth_date=date(2016, 1, 2))
    result = services.book(parent, [(child.id, s1.id), (sister.id, s1.id), (child.id, s2.id)], now=NOW)
    assert _statuses(result) == ["confirmed", "confirmed", "refused"]
    assert db.session.scalar(select(func.count(Booking.id))) == 2


def test_failure_mid_way_rolls_back_everything():
    unit = make_unit()
    s1, s2 = make_session(unit), make_session(unit, day=date(2026, 3, 25))
    parent, _h, child = make_parent_with_child()
    calls = []

    def explode_on_second(child, session):
        calls.append(session.id)
        if len(calls) == 2:
            raise RuntimeError("disk full")
        return admission.CONFIRM

    admission.register_check(explode_on_second)
    try:
        with pytest.raises(RuntimeError):
            services.book(parent, [(child.id, s1.id), (child.id, s2.id)], idempotency_key="k1", now=NOW)
    finally:
        admission.unregister_check(explode_on_second)
    db.session.expire_all()
    assert db.session.scalar(select(func.count(Booking.id))) == 0
    assert db.session.scalar(select(func.count(IdempotencyKey.id))) == 0
    assert db.session.scalar(select(func.count(OutboxMessage.id))) == 0
    assert db.session.get(Session, s1.id).taken_over6 == 0


def test_idempotency_key_replays_first_answer():
    session = make_session()
    parent, _h, child = make_parent_with_child()
    first = services.book(parent, [(child.id, session.id)], idempotency_key="abc", now=NOW)
    second = services.book(parent, [(child.id, session.id)], idempotency_key="abc", now=NOW)
    assert second.replayed and not first.replayed
    assert second.to_dict() == first.to_dict()
    assert db.session.scalar(select(func.count(Booking.id))) == 1
    assert db.session.scalar(select(func.count(OutboxMessage.id))) == 1


def test_admission_hold_takes_the_place_as_pending_preparation():
    session = make_session(under6=0, over6=1)
    parent, _h, child = make_parent_with_child()

    def hold(child, session):
        return admission.HOLD

    admission.register_check(hold)
    try:
        result = services.book(parent, [(child.id, session.id)], now=NOW)
    finally:
        admission.unregister_check(hold)
    assert _statuses(result) == ["pending_preparation"]
    assert db.session.get(Session, session.id).taken_over6 == 1


def test_an_admission_check_can_hold_but_never_refuse():
    """Issue 15: the extension point's type is CONFIRM or HOLD; a check that tries to refuse fails loudly."""
    session = make_session()
    parent, _h, child = make_parent_with_child()
    assert not hasattr(admission.Admission, "refuse")

    def refuse(child, session):
        return "refuse"

    admission.register_check(refuse)
    try:
        with pytest.raises(TypeError):
            services.book(parent, [(child.id, session.id)], now=NOW)
    finally:
        admission.unregister_check(refuse)
    assert db.session.scalar(select(func.count(Booking.id))) == 0  # nothing half-written

    def hold(child, session):
        return admission.HOLD

    admission.register_check(hold)
    try:
        item = services.book(parent, [(child.id, session.id)], now=NOW).items[0]
    finally:
        admission.unregister_check(hold)
    assert item.status == "pending_preparation"
    assert db.session.get(Session, session.id).taken(AgeBand.OVER6) == 1


def test_cancellation_promotes_first_waiting_child_and_emails_them():
    session = make_session(under6=0, over6=1)
    p1, _h1, c1 = make_parent_with_child()
    p2, _h2, c2 = make_parent_with_child()
    p3, _h3, c3 = make_parent_with_child()
    b1 = services.book(p1, [(c1.id, session.id)], now=NOW).items[0]
    b2 = services.book(p2, [(c2.id, session.id)], now=NOW).items[0]
    b3 = services.book(p3, [(c3.id, session.id)], now=NOW).items[0]
    cancelled = services.cancel_booking(p1, b1.booking_id, now=NOW)
    assert cancelled.status is BookingStatus.CANCELLED
    assert db.session.get(Booking, b2.booking_id).status is BookingStatus.CONFIRMED
    third = db.session.get(Booking, b3.booking_id)
    assert third.status is BookingStatus.WAITLISTED and services.waitlist_position(third) == 1
    promoted = db.session.scalars(select(OutboxMessage).where(OutboxMessage.kind == "booking.promoted")).all()
    assert [m.to_address for m in promoted] == [p2.email]
    assert db.session.get(Session, session.id).taken_over6 == 1


def test_freed_place_goes_to_the_same_band_only():
    session = make_session(under6=1, over6=1)
    p1, _h1, little = make_parent_with_child(birth_date=date(2021, 1, 1))
    p2, _h2, big = make_parent_with_child()
    p3, _h3, big2 = make_parent_with_child()
    b1 = services.book(p1, [(little.id, session.id)], now=NOW).items[0]
    services.book(p2, [(big.id, session.id)], now=NOW)
    b3 = services.book(p3, [(big2.id, session.id)], now=NOW).items[0]
    services.cancel_booking(p1, b1.booking_id, now=NOW)
    assert db.session.get(Booking, b3.booking_id).status is BookingStatus.WAITLISTED


def test_late_cancellation_after_deadline():
    session = make_session(day=date(2026, 3, 4))
    parent, _h, child = make_parent_with_child()
    item = services.book(parent, [(child.id, session.id)], now=NOW.replace(hour=8)).items[0]
    late = services.cancel_booking(parent, item.booking_id, now=datetime(2026, 3, 3, 8, tzinfo=UTC))
    assert late.status is BookingStatus.LATE_CANCELLED
    with pytest.raises(NotCancellable):
        services.cancel_booking(parent, item.booking_id, now=NOW)


def test_cannot_cancel_after_the_session_or_for_another_household():
    session = make_session()
    parent, _h, child = make_parent_with_child()
    other, _oh, _oc = make_parent_with_child()
    item = services.book(parent, [(child.id, session.id)], now=NOW).items[0]
    with pytest.raises(NotFound):
        services.cancel_booking(other, item.booking_id, now=NOW)
    with pytest.raises(CancellationClosed):
        services.cancel_booking(parent, item.booking_id, now=datetime(2026, 3, 19, tzinfo=UTC))


def test_capacity_increase_promotes_and_decrease_below_taken_is_refused():
    session = make_session(under6=0, over6=1)
    director = make_staff(session.unit.activity.site)
    p1, _h1, c1 = make_parent_with_child()
    p2, _h2, c2 = make_parent_with_child()
    services.book(p1, [(c1.id, session.id)], now=NOW)
    waiting = services.book(p2, [(c2.id, session.id)], now=NOW).items[0]
    with pytest.raises(ValidationFailed):
        services.adjust_session(director, session.id, capacity_over6=0)
    promoted = services.adjust_session(director, session.id, capacity_over6=2, animators_planned=2)
    assert [b.id for b in promoted] == [waiting.booking_id]
    assert db.session.get(Booking, waiting.booking_id).status is BookingStatus.CONFIRMED


def test_director_of_another_site_cannot_adjust():
    session = make_session()
    other = make_staff(make_site("Centre social de Pradines"))
    with pytest.raises(NotFound):
        services.adjust_session(other, session.id, capacity_over6=20)


def test_centre_cancellation_and_session_cancellation_notify_families():
    session = make_session(under6=0, over6=1)
    director = make_staff(session.unit.activity.site)
    p1, _h1, c1 = make_parent_with_child()
    p2, _h2, c2 = make_parent_with_child()
    b1 = services.book(p1, [(c1.id, session.id)], now=NOW).items[0]
    b2 = services.book(p2, [(c2.id, session.id)], now=NOW).items[0]
    services.cancel_by_centre(director, b1.booking_id, now=NOW)
    assert db.session.get(Booking, b2.booking_id).status is BookingStatus.CONFIRMED
    assert services.cancel_session(director, session.id, now=NOW) == 1
    assert db.session.get(Session, session.id).cancelled
    kinds = db.session.scalars(select(OutboxMessage.kind).order_by(OutboxMessage.id)).all()
    assert kinds.count("booking.cancelled") == 2


def test_price_by_quotient_band_residency_and_validity():
    unit = make_unit(tariffs=False)
    for qf_min, qf_max, price in ((0, 600, "4.00"), (601, 1200, "8.00"), (1201, None, "12.00")):
        db.session.add(Tariff(unit=unit, qf_min=qf_min, qf_max=qf_max, resident=True, price=Decimal(price),
                              valid_from=date(2025, 9, 1), valid_until=date(2026, 8, 31)))
    db.session.add(Tariff(unit=unit, qf_min=0, qf_max=None, resident=False, price=Decimal("15.00"),
                          valid_from=date(2025, 9, 1)))
    db.session.add(Tariff(unit=unit, qf_min=0, qf_max=None, resident=True, price=Decimal("9.99"),
                          valid_from=date(2026, 9, 1)))
    db.session.commit()
    _p, low, _c = make_parent_with_child(family_quotient=450)
    _p, mid, _c = make_parent_with_child(family_quotient=900)
    _p, unknown, _c = make_parent_with_child(family_quotient=None)
    _p, outsider, _c = make_parent_with_child(commune_insee=None)
    day = date(2026, 3, 18)
    assert price_for(unit, low, day) == Decimal("4.00")
    assert price_for(unit, mid, day) == Decimal("8.00")
    assert price_for(unit, unknown, day) == Decimal("12.00")
    assert price_for(unit, outsider, day) == Decimal("15.00")
    assert price_for(unit, mid, date(2026, 9, 2)) == Decimal("9.99")


def test_attendance_marking_by_animator_of_the_site():
    session = make_session()
    animator = make_staff(session.unit.activity.site, Role.ANIMATOR)
    outsider = make_staff(make_site("Centre social de Pradines"), Role.ANIMATOR)
    parent, _h, child = make_parent_with_child()
    item = services.book(parent, [(child.id, session.id)], now=NOW).items[0]
    attendance = mark_attendance(animator, item.booking_id, "present", late_departure=True)
    assert attendance.late_departure
    attendance = mark_attendance(animator, item.booking_id, "absent_justified", late_departure=True)
    assert attendance.status.value == "absent_justified" and not attendance.late_departure
    with pytest.raises(NotFound):
        mark_attendance(outsider, item.booking_id, "present")


def test_create_session_refuses_public_holidays_and_wrong_period():
    from app.booking.catalogue import create_session, unit_for_times
    from app.booking.errors import InvalidSchedule
    from app.booking.models import ActivityKind
    from tests.booking.factories import make_zone_c_holidays

    make_zone_c_holidays()
    activity = make_activity()  # périscolaire
    director = make_staff(activity.site)
    unit = unit_for_times(director, activity.id, time(8, 30), time(17, 30))
    assert unit_for_times(director, activity.id, time(8, 30), time(17, 30)).id == unit.id
    session = create_session(director, unit.id, date(2026, 3, 18), capacity_under6=8, capacity_over6=12)
    assert session.id
    with pytest.raises(InvalidSchedule) as error:
        create_session(director, unit.id, date(2026, 5, 1), capacity_under6=8, capacity_over6=12)
    assert "férié" in error.value.message
    with pytest.raises(InvalidSchedule):
        create_session(director, unit.id, date(2026, 2, 25), capacity_under6=8, capacity_over6=12)
    holidays = make_activity(activity.site, name="Vacances", kind=ActivityKind.EXTRASCOLAIRE)
    holiday_unit = make_unit(holidays)
    assert create_session(director, holiday_unit.id, date(2026, 2, 25), capacity_under6=8, capacity_over6=12)
    with pytest.raises(InvalidSchedule):
        create_session(director, holiday_unit.id, date(2026, 3, 18), capacity_under6=8, capacity_over6=12)
    other = make_staff(make_site("Centre social de Pradines"))
    with pytest.raises(NotFound):
        create_session(other, unit.id, date(2026, 3, 25), capacity_under6=8, capacity_over6=12)


def test_staffing_per_band_against_planned():
    from app.booking.models import StaffingRegime
    from app.booking.staffing import staffing_for

    session = make_session(make_unit(make_activity(regime=StaffingRegime.EXTRASCOLAIRE)), under6=20, over6=30,
                           animators_planned=3)
    session.taken_under6, session.taken_over6 = 9, 13  # 9/8 + 13/12 = 2.21 -> 3 (the group as a whole)
    staffing = staffing_for(session)
    assert (staffing.required, staffing.planned, staffing.shortfall) == (3, 3, 0)
    session.animators_planned = 1  # the director counts too (22 minors, R227-17)
    assert staffing_for(session).shortfall == 1
    session.taken_under6, session.taken_over6 = 8, 12
    assert staffing_for(session).required == 2


def test_overlapping_units_on_the_same_day_are_refused():
    activity = make_activity()
    day_unit = make_unit(activity)
    morning = make_unit(activity, label="Matin", start=time(8, 30), end=time(12, 0), with_meal=False)
    afternoon = make_unit(activity, label="Après-midi", start=time(13, 30), end=time(17, 30), with_meal=False)
    whole, am, pm = make_session(day_unit), make_session(morning), make_session(afternoon)
    parent, _h, child = make_parent_with_child()
    result = services.book(parent, [(child.id, am.id), (child.id, pm.id), (child.id, whole.id)], now=NOW)
    assert _statuses(result) == ["confirmed", "confirmed", "refused"]
    assert result.items[2].code == "overlapping_booking"


def test_promotion_respects_admission_hold():
    session = make_session(under6=0, over6=1)
    p1, _h1, c1 = make_parent_with_child()
    p2, _h2, c2 = make_parent_with_child()
    first = services.book(p1, [(c1.id, session.id)], now=NOW).items[0]
    waiting = services.book(p2, [(c2.id, session.id)], now=NOW).items[0]

    def hold_second(child, session_):
        return admission.HOLD if child.id == c2.id else admission.CONFIRM

    admission.register_check(hold_second)
    try:
        services.cancel_booking(p1, first.booking_id, now=NOW)
    finally:
        admission.unregister_check(hold_second)
    assert db.session.get(Booking, waiting.booking_id).status is BookingStatus.PENDING_PREPARATION


def test_create_session_for_times_is_one_transaction():
    from app.booking.catalogue import create_session_for_times
    from app.booking.errors import InvalidSchedule
    from app.booking.models import Unit

    activity = make_activity()
    director = make_staff(activity.site)
    with pytest.raises(InvalidSchedule):
        create_session_for_times(director, activity.id, date(2026, 5, 1), time(9), time(12),
                                 capacity_under6=4, capacity_over6=4)
    assert db.session.scalar(select(func.count(Unit.id))) == 0
    session = create_session_for_times(director, activity.id, date(2026, 5, 6), time(9), time(12),
                                       capacity_under6=4, capacity_over6=4)
    assert session.unit.label == "09:00–12:00" and session.opens_at is None


def test_site_scope_assigner_is_registered_for_account_creation():
    from app.accounts.services import create_user
    from app.sites.access import site_ids_of

    site = make_site()
    director = create_user("directrice@example.fr", "Quercy-Causses-Lot-2026!", Role.DIRECTOR, site_ids=[site.id])
    assert site_ids_of(director) == {site.id}
    with pytest.raises(ValidationFailed):
        create_user("animateur@example.fr", "Quercy-Causses-Lot-2026!", Role.ANIMATOR, site_ids=[424242])


def _booked_meanwhile(monkeypatch, child, session):
    """Between book()'s reads and its lock, another request books the same child and session (and commits)."""
    from app.booking import engine

    real_lock = engine.lock_counters

    def lock_after_a_concurrent_booking(session_ids):
        with db.engine.begin() as other:
            other.execute(Booking.__table__.insert().values(
                child_id=child.id, session_id=session.id, status=BookingStatus.CONFIRMED, age_band=AgeBand.OVER6,
                submission_id="concurrent", created_at=NOW, updated_at=NOW, sequence=0))
            other.execute(Session.__table__.update().where(Session.__table__.c.id == session.id)
                          .values(taken_over6=Session.__table__.c.taken_over6 + 1))
        return real_lock(session_ids)

    monkeypatch.setattr(engine, "lock_counters", lock_after_a_concurrent_booking)


def test_a_concurrent_booking_of_the_same_child_is_refused_by_the_unique_index(monkeypatch):
    """No look-up under the lock: the database's unique index of active bookings answers "already booked"."""
    session = make_session(make_unit(), over6=5)
    parent, _household, child = make_parent_with_child()
    db.session.commit()
    child_id, session_id, parent_id = child.id, session.id, parent.id
    _booked_meanwhile(monkeypatch, child, session)
    result = services.book(parent, [(child_id, session_id)], idempotency_key="k-race", now=NOW)
    monkeypatch.undo()
    assert [(i.status, i.code) for i in result.items] == [("refused", "already_booked")]
    assert result.items[0].reason == "Cet enfant est déjà inscrit à cette séance."
    db.session.expire_all()
    assert db.session.scalar(select(func.count(Booking.id)).where(Booking.child_id == child_id)) == 1
    assert db.session.get(Session, session_id).taken_over6 == 1  # the refused claim was rolled back
    assert db.session.scalar(select(func.count(OutboxMessage.id))) == 0
    stored = db.session.scalar(select(IdempotencyKey).where(IdempotencyKey.user_id == parent_id))
    assert stored.response["items"][0]["code"] == "already_booked"  # a retry gets the same answer


def test_a_concurrent_booking_refuses_one_item_of_several_and_keeps_the_others(monkeypatch):
    session = make_session(make_unit(), over6=5)
    other = make_session(make_unit(), day=date(2026, 3, 11), over6=5)
    parent, _household, child = make_parent_with_child()
    db.session.commit()
    child_id, session_id, other_id = child.id, session.id, other.id
    _booked_meanwhile(monkeypatch, child, session)
    result = services.book(parent, [(child_id, session_id), (child_id, other_id)], now=NOW)
    monkeypatch.undo()
    assert [(i.session_id, i.status, i.code) for i in result.items] == [
        (session_id, "refused", "already_booked"), (other_id, "confirmed", None)]
    db.session.expire_all()
    assert db.session.get(Session, session_id).taken_over6 == 1
    assert db.session.get(Session, other_id).taken_over6 == 1
    assert db.session.scalar(select(func.count(Booking.id)).where(Booking.child_id == child_id)) == 2


def test_the_database_refuses_a_second_active_booking_of_a_child_for_a_session():
    """The partial unique index covers the stored statuses (names): active twice is refused, cancelled is not."""
    from sqlalchemy.exc import IntegrityError

    session = make_session(make_unit())
    _parent, _household, child = make_parent_with_child()
    db.session.flush()

    def add(status):
        db.session.add(Booking(child_id=child.id, session_id=session.id, status=status, age_band=AgeBand.OVER6,
                               submission_id=f"s-{status.value}", created_at=NOW, updated_at=NOW))
        db.session.flush()

    add(BookingStatus.CANCELLED)
    add(BookingStatus.WAITLISTED)
    with pytest.raises(IntegrityError):
        with db.session.begin_nested():
            add(BookingStatus.CONFIRMED)
