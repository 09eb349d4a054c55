"""Requests, patterns, waiting list, urgent queue, Relais bridge, day view (services called directly)."""
from datetime import UTC, date, datetime, time, timedelta

import pytest
from sqlalchemy import func, select

from app.accounts.models import Role
from app.errors import Forbidden, NotFound
from app.extensions import db
from app.notifications.models import OutboxMessage
from app.occasional import coordination, relais, services
from app.occasional.errors import NotPending
from app.occasional.models import CareBlock, OccasionalBooking, RelaisTransmission, RequestStatus, ShiftPattern
from tests.factories import make_user
from tests.occasional.factories import MONDAY, NOW, make_coordinator, make_family, make_provider


def _kinds():
    return [m.kind for m in db.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id))]


def _taken(provider, day, start):
    block = db.session.scalar(select(CareBlock).where(CareBlock.provider_id == provider.id, CareBlock.day == day,
                                                      CareBlock.starts_at == start))
    return 0 if block is None else block.taken_walking + block.taken_not_walking


def test_done_when_journey_rotating_pattern_waitlist_relais_urgent_and_staffing():
    """The issue's "done when": an early-shift parent books a four-week rotating pattern at 05:30,
    sees two occurrences waitlisted, turns one into a Relais demand; the coordinator accepts an
    urgent request for tomorrow evening; the day view shows the staff need per block."""
    provider = make_provider(walking=2, not_walking=2)
    coordinator = make_coordinator(provider)
    parent, _household, child = make_family()
    # Two days of the early weeks are already full at 06:00 for walking children.
    week1_tue, week3_thu = MONDAY + timedelta(days=1), MONDAY + timedelta(days=17)
    for day in (week1_tue, week3_thu):
        for _ in range(2):
            other, _h, other_child = make_family()
            services.request_care(other, other_child.id, provider.id, day, "06:00", "07:00", now=NOW)

    occurrences = services.alternating_occurrences(MONDAY, 4, early=(time(5, 30), time(8, 0)),
                                                   late=(time(18, 0), time(21, 30)))
    assert len(occurrences) == 20
    result = services.submit_pattern(parent, child.id, provider.id, occurrences, kind="alternating",
                                     description="Semaine du matin / semaine du soir", now=NOW)
    statuses = [a.status for a in result.answers]
    assert statuses.count("waitlisted") == 2 and statuses.count("confirmed") == 18
    waitlisted = [a for a in result.answers if a.status == "waitlisted"]
    assert {a.day for a in waitlisted} == {week1_tue.isoformat(), week3_thu.isoformat()}
    assert all(a.full_blocks == ["06:00", "06:30"] for a in waitlisted)

    transmission = relais.transmit_request(parent, waitlisted[0].booking_id, now=NOW)
    assert transmission.atypical_hours is True
    assert transmission.schedule == [{"day": week1_tue.isoformat(), "start": "05:30", "end": "08:00"}]
    assert db.session.get(OccasionalBooking, waitlisted[0].booking_id).status is RequestStatus.TRANSMITTED

    # Urgent request for tomorrow evening (inside the 48 h notice).
    now = datetime.combine(MONDAY + timedelta(days=7), time(9, 0), tzinfo=UTC)
    tomorrow = MONDAY + timedelta(days=8)
    other_parent, _h, other_child = make_family(birth_date=date(2025, 6, 1))  # a baby (not walking)
    answer = services.request_care(other_parent, other_child.id, provider.id, tomorrow, "18:00", "20:00",
                                   now=now).answers[0]
    assert answer.status == "urgent_pending"
    assert coordination.urgent_queue(coordinator)[0].id == answer.booking_id
    booking = coordination.decide_urgent(coordinator, answer.booking_id, accept=True, now=now)
    assert booking.status is RequestStatus.CONFIRMED
    assert "occasional.urgent_requested" in _kinds() and "occasional.urgent_accepted" in _kinds()
    with pytest.raises(NotPending):
        coordination.decide_urgent(coordinator, answer.booking_id, accept=False, now=now)

    # Day view of tomorrow (a late week: the pattern's child from 18:00 to 21:30, the baby 18:00-20:00).
    view = coordination.day_view(coordinator, provider.id, tomorrow)
    by_start = {row.start: row for row in view.blocks}
    assert (by_start[time(18, 0)].walking, by_start[time(18, 0)].not_walking) == (1, 1)
    assert by_start[time(18, 0)].staff_needed == 1  # 1/8 + 1/5 -> 1 adult
    assert by_start[time(20, 0)].staff_needed == 1 and by_start[time(21, 30)].staff_needed == 0
    assert by_start[time(5, 0)].staff_needed == 0


def test_staff_need_follows_the_provider_ratio():
    provider = make_provider()
    assert coordination.staff_needed(provider, 5, 0) == 1
    assert coordination.staff_needed(provider, 6, 0) == 2
    assert coordination.staff_needed(provider, 0, 8) == 1
    assert coordination.staff_needed(provider, 0, 9) == 2
    assert coordination.staff_needed(provider, 3, 4) == 2  # 0.6 + 0.5
    provider.ratio_walking = 4
    assert coordination.staff_needed(provider, 0, 8) == 2


def test_waitlist_promotion_when_every_block_frees():
    provider = make_provider(walking=1)
    first, _h, child1 = make_family()
    second, _h, child2 = make_family()
    third, _h, child3 = make_family()
    a = services.request_care(first, child1.id, provider.id, MONDAY, "05:00", "06:00", now=NOW).answers[0]
    b = services.request_care(second, child2.id, provider.id, MONDAY, "06:00", "07:00", now=NOW).answers[0]
    waiting = services.request_care(third, child3.id, provider.id, MONDAY, "05:30", "06:30", join_waitlist=True,
                                    now=NOW).answers[0]
    assert waiting.status == "waitlisted" and waiting.waitlist_position == 1
    services.cancel_request(first, a.booking_id, now=NOW)
    assert db.session.get(OccasionalBooking, waiting.booking_id).status is RequestStatus.WAITLISTED  # 06:00 still taken
    services.cancel_request(second, b.booking_id, now=NOW)
    assert db.session.get(OccasionalBooking, waiting.booking_id).status is RequestStatus.CONFIRMED
    assert "occasional.promoted" in _kinds()
    assert _taken(provider, MONDAY, time(5, 30)) == 1 and _taken(provider, MONDAY, time(6, 0)) == 1
    assert _taken(provider, MONDAY, time(5, 0)) == 0 and _taken(provider, MONDAY, time(6, 30)) == 0


def test_idempotent_request_and_pattern():
    provider = make_provider()
    parent, _h, child = make_family()
    first = services.request_care(parent, child.id, provider.id, MONDAY, "05:00", "06:00", idempotency_key="k1",
                                  now=NOW)
    again = services.request_care(parent, child.id, provider.id, MONDAY, "05:00", "06:00", idempotency_key="k1",
                                  now=NOW)
    assert again.replayed and again.answers[0].booking_id == first.answers[0].booking_id
    occurrences = [(MONDAY + timedelta(days=7), "05:00", "06:00"), (MONDAY + timedelta(days=8), "05:00", "06:00")]
    p1 = services.submit_pattern(parent, child.id, provider.id, occurrences, kind="chosen_dates",
                                 idempotency_key="k2", now=NOW)
    p2 = services.submit_pattern(parent, child.id, provider.id, occurrences, kind="chosen_dates",
                                 idempotency_key="k2", now=NOW)
    assert p2.replayed and p2.pattern_id == p1.pattern_id
    assert db.session.scalar(select(func.count(OccasionalBooking.id))) == 3
    assert db.session.scalar(select(func.count(ShiftPattern.id))) == 1
    assert _taken(provider, MONDAY, time(5, 0)) == 1


def test_pattern_is_all_or_nothing_on_failure(monkeypatch):
    provider = make_provider()
    parent, _h, child = make_family()
    calls = {"n": 0}
    real = services._answer_range

    def failing(*args, **kwargs):
        calls["n"] += 1
        if calls["n"] == 3:
            raise RuntimeError("disk full")
        return real(*args, **kwargs)

    monkeypatch.setattr(services, "_answer_range", failing)
    occurrences = [(MONDAY + timedelta(days=i), "05:00", "07:00") for i in range(5)]
    with pytest.raises(RuntimeError):
        services.submit_pattern(parent, child.id, provider.id, occurrences, kind="chosen_dates",
                                idempotency_key="k", now=NOW)
    assert db.session.scalar(select(func.count(OccasionalBooking.id))) == 0
    assert db.session.scalar(select(func.count(ShiftPattern.id))) == 0
    assert db.session.scalar(select(func.sum(CareBlock.taken_walking))) in (None, 0)
    monkeypatch.undo()
    # The key was not consumed: the retry books.
    result = services.submit_pattern(parent, child.id, provider.id, occurrences, kind="chosen_dates",
                                     idempotency_key="k", now=NOW)
    assert not result.replayed and [a.status for a in result.answers] == ["confirmed"] * 5


def test_pattern_answers_each_occurrence_and_refuses_with_reason():
    provider = make_provider()
    parent, _h, child = make_family()
    sunday = MONDAY + timedelta(days=6)
    result = services.submit_pattern(parent, child.id, provider.id,
                                     [(MONDAY, "05:00", "06:00"), (sunday, "05:00", "06:00")], kind="chosen_dates",
                                     now=NOW)
    assert [a.status for a in result.answers] == ["confirmed", "refused"]
    assert result.answers[1].code == "provider_closed" and "fermé" in result.answers[1].reason


def test_pattern_longer_than_eight_weeks_is_refused():
    from app.occasional.errors import InvalidPattern

    provider = make_provider()
    parent, _h, child = make_family()
    with pytest.raises(InvalidPattern):
        services.submit_pattern(parent, child.id, provider.id,
                                [(MONDAY, "05:00", "06:00"), (MONDAY + timedelta(days=56), "05:00", "06:00")],
                                kind="chosen_dates", now=NOW)


def test_cancel_pattern_from_a_date():
    provider = make_provider(walking=1)
    parent, _h, child = make_family()
    occurrences = services.alternating_occurrences(MONDAY, 2, (time(5, 0), time(6, 0)), (time(18, 0), time(19, 0)))
    result = services.submit_pattern(parent, child.id, provider.id, occurrences, kind="alternating", now=NOW)
    waiter, _h, waiting_child = make_family()
    late_day = MONDAY + timedelta(days=8)
    waiting = services.request_care(waiter, waiting_child.id, provider.id, late_day, "18:00", "19:00",
                                    join_waitlist=True, now=NOW).answers[0]
    cancelled = services.cancel_pattern(parent, result.pattern_id, MONDAY + timedelta(days=7), now=NOW)
    assert cancelled == 5
    pattern = db.session.get(ShiftPattern, result.pattern_id)
    statuses = [b.status for b in pattern.bookings]
    assert statuses == [RequestStatus.CONFIRMED] * 5 + [RequestStatus.CANCELLED] * 5
    assert db.session.get(OccasionalBooking, waiting.booking_id).status is RequestStatus.CONFIRMED


def test_urgent_declined_frees_places_and_tells_the_family():
    provider = make_provider(walking=1)
    coordinator = make_coordinator(provider)
    parent, _h, child = make_family()
    now = datetime.combine(MONDAY, time(4, 0), tzinfo=UTC)
    answer = services.request_care(parent, child.id, provider.id, MONDAY, "18:00", "19:00", now=now).answers[0]
    assert answer.status == "urgent_pending"
    assert _taken(provider, MONDAY, time(18, 0)) == 1
    coordination.decide_urgent(coordinator, answer.booking_id, accept=False, note="Équipe incomplète", now=now)
    assert _taken(provider, MONDAY, time(18, 0)) == 0
    assert "occasional.urgent_declined" in _kinds()
    # A declined request can still go to the Relais.
    relais.transmit_request(parent, answer.booking_id, now=now)


def test_relais_bridge_extension_point_receives_the_request():
    received = []

    def bridge(request):
        received.append(request)
        return "RAM-42"

    relais.register_relais_bridge(bridge)
    try:
        parent, _h, child = make_family()
        record = relais.transmit_range(parent, child.id, MONDAY, "19:00", "22:00", message="Travail de nuit",
                                       today=NOW.date())
    finally:
        relais.unregister_relais_bridge(bridge)
    assert record.relais_reference == "RAM-42" and record.atypical_hours
    assert received[0].schedule == [{"day": MONDAY.isoformat(), "start": "19:00", "end": "22:00"}]
    assert db.session.scalar(select(func.count(RelaisTransmission.id))) == 1


def test_daytime_weekday_is_not_atypical():
    assert not relais.is_atypical(MONDAY, time(9, 0), time(17, 0))
    assert relais.is_atypical(MONDAY + timedelta(days=5), time(9, 0), time(12, 0))  # Saturday
    assert relais.is_atypical(date(2026, 5, 1), time(9, 0), time(12, 0))  # public holiday


def test_attendance_and_hours_attended():
    provider = make_provider()
    staff = make_coordinator(provider, Role.ANIMATOR)
    parent, _h, child = make_family()
    answer = services.request_care(parent, child.id, provider.id, MONDAY, "05:30", "08:00", now=NOW).answers[0]
    booking = coordination.record_attendance(staff, answer.booking_id, "05:40", "07:55")
    assert str(booking.attended_hours) == "2.25"
    view = coordination.day_view(staff, provider.id, MONDAY)
    assert str(view.attended_hours) == "2.25"


def test_permissions_other_household_and_other_roles():
    provider = make_provider()
    other_provider = make_provider("Autre structure")
    parent, _h, child = make_family()
    stranger, _h2, _c2 = make_family()
    with pytest.raises(NotFound):
        services.request_care(stranger, child.id, provider.id, MONDAY, "05:00", "06:00", now=NOW)
    for role in (Role.DIRECTOR, Role.ANIMATOR, Role.RAM_STAFF, Role.CHILDMINDER, Role.ADMIN):
        with pytest.raises(Forbidden):
            services.request_care(make_user(role), child.id, provider.id, MONDAY, "05:00", "06:00", now=NOW)
    answer = services.request_care(parent, child.id, provider.id, MONDAY, "05:00", "06:00", now=NOW).answers[0]
    with pytest.raises(NotFound):
        services.cancel_request(stranger, answer.booking_id, now=NOW)
    outsider = make_coordinator(other_provider)
    with pytest.raises(NotFound):
        coordination.day_view(outsider, provider.id, MONDAY)
    with pytest.raises(NotFound):
        coordination.record_attendance(outsider, answer.booking_id, "05:00", "06:00")


def test_relais_demands_are_bounded_in_time_and_in_number_per_household():
    """Issue 17, item 10: demands dated 0001-01-01 and 9999-12-31 were accepted, without limit."""
    from app.errors import ValidationFailed
    from app.occasional.models import RelaisTransmission

    parent, _household, child = make_family()
    today = NOW.date()
    for far in (date(1, 1, 1), date(9999, 12, 31), today - timedelta(days=1),
                today + timedelta(days=relais.RELAIS_HORIZON_DAYS + 1)):
        with pytest.raises(ValidationFailed) as refused:
            relais.transmit_range(parent, child.id, far, "19:00", "22:00", today=today)
        assert refused.value.field == "day"
    assert db.session.scalar(select(func.count(RelaisTransmission.id))) == 0
    for week in range(relais.MAX_OPEN_TRANSMISSIONS):
        relais.transmit_range(parent, child.id, today + timedelta(days=7 * week), "19:00", "22:00", today=today)
    with pytest.raises(ValidationFailed, match="demandes en cours"):
        relais.transmit_range(parent, child.id, today + timedelta(days=60), "19:00", "22:00", today=today)
    assert db.session.scalar(select(func.count(RelaisTransmission.id))) == relais.MAX_OPEN_TRANSMISSIONS
    # Once their days are past, they no longer count: a new demand goes through.
    later = today + timedelta(days=7 * relais.MAX_OPEN_TRANSMISSIONS)
    relais.transmit_range(parent, child.id, later + timedelta(days=1), "19:00", "22:00", today=later)
