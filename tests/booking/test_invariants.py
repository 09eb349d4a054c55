"""Random bookings, cancellations and capacity changes keep the booking invariants."""
from __future__ import annotations

from datetime import date

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule, run_state_machine_as_test
from sqlalchemy import func, select

from app.accounts.models import Role
from app.booking import services
from app.booking.models import ACTIVE_STATUSES, PLACE_STATUSES, AgeBand, Booking, BookingStatus, Session
from app.errors import ValidationFailed
from app.extensions import db
from tests.booking.factories import (
    NOW,
    make_activity,
    make_parent_with_child,
    make_session,
    make_site,
    make_staff,
    make_unit,
)
from tests.conftest import _empty_all_tables

pytestmark = pytest.mark.slow

BIRTH_DATES = [date(2021, 6, 1), date(2022, 1, 15), date(2017, 3, 3), date(2015, 9, 9), date(2020, 12, 31),
               date(2016, 7, 14)]


class BookingMachine(RuleBasedStateMachine):
    def __init__(self):
        super().__init__()
        _empty_all_tables()
        site = make_site()
        unit = make_unit(make_activity(site, min_age=2, max_age=12))
        self.sessions = [make_session(unit, day=date(2026, 3, 18), under6=1, over6=2).id,
                         make_session(unit, day=date(2026, 3, 25), under6=2, over6=1).id]
        self.director = make_staff(site, Role.DIRECTOR)
        self.families = []
        for birth in BIRTH_DATES:
            parent, _household, child = make_parent_with_child(birth_date=birth)
            self.families.append((parent, child.id))

    def teardown(self):
        db.session.remove()
        _empty_all_tables()

    @rule(picks=st.lists(st.tuples(st.integers(0, 5), st.integers(0, 1)), min_size=1, max_size=3))
    def book(self, picks):
        parent = self.families[picks[0][0]][0]
        own_child = self.families[picks[0][0]][1]
        result = services.book(parent, [(own_child, self.sessions[s]) for _f, s in picks], now=NOW)
        for item in result.items:
            assert item.status in ("confirmed", "waitlisted", "refused")
            if item.status == "refused":
                assert item.code == "already_booked"

    @rule(index=st.integers(0, 50), by_centre=st.booleans())
    def cancel(self, index, by_centre):
        active = db.session.scalars(select(Booking).where(Booking.status.in_(ACTIVE_STATUSES))
                                    .order_by(Booking.id)).all()
        if not active:
            return
        booking = active[index % len(active)]
        if by_centre:
            services.cancel_by_centre(self.director, booking.id, now=NOW)
        else:
            parent = next(p for p, child_id in self.families if child_id == booking.child_id)
            services.cancel_booking(parent, booking.id, now=NOW)
        assert db.session.get(Booking, booking.id).status is BookingStatus.CANCELLED

    @rule(which=st.integers(0, 1), band=st.sampled_from(list(AgeBand)), capacity=st.integers(0, 4))
    def change_capacity(self, which, band, capacity):
        session = db.session.get(Session, self.sessions[which])
        db.session.refresh(session)
        taken = session.taken(band)
        try:
            services.adjust_session(self.director, session.id, **{f"capacity_{band.value}": capacity}, now=NOW)
        except ValidationFailed:
            assert capacity < taken
        else:
            assert capacity >= taken

    @invariant()
    def places_never_exceed_capacity_and_no_one_waits_for_a_free_place(self):
        db.session.expire_all()
        for session_id in self.sessions:
            session = db.session.get(Session, session_id)
            for band in AgeBand:
                holding = db.session.scalar(select(func.count(Booking.id)).where(
                    Booking.session_id == session_id, Booking.age_band == band, Booking.status.in_(PLACE_STATUSES)))
                waiting = db.session.scalar(select(func.count(Booking.id)).where(
                    Booking.session_id == session_id, Booking.age_band == band,
                    Booking.status == BookingStatus.WAITLISTED))
                assert holding == session.taken(band) <= session.capacity(band)
                if holding < session.capacity(band):
                    assert waiting == 0

    @invariant()
    def one_active_booking_per_child_and_session(self):
        duplicates = db.session.execute(
            select(Booking.child_id, Booking.session_id).where(Booking.status.in_(ACTIVE_STATUSES))
            .group_by(Booking.child_id, Booking.session_id).having(func.count(Booking.id) > 1)).all()
        assert duplicates == []
        db.session.commit()


@pytest.mark.slow
def test_booking_invariants_hold_under_random_operations():
    run_state_machine_as_test(BookingMachine, settings=settings(
        max_examples=25, stateful_step_count=25, deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much]))
