"""Every path that gives or takes a place, together, keeps the booking engine's promises (issue 15).

A hypothesis state machine books (whole days and mornings of the same day),
cancels (family and centre), changes capacities up and down, runs a draw,
holds bookings for preparation then confirms or releases them, and lets the
director move, reshape or skip a child's adaptation steps. After every
step it checks, from the rows and independently of the engine's code:
- no session holds more than its capacity per age band, and the counters
  equal the rows holding a place;
- no place is free while a waiting child whom the rules admit (age range,
  no other place at the same time of the day) waits for it;
- no child has two active bookings at overlapping times;
- every refusal carries a code and a French reason;
- adaptation changes never give or take a place.
OfferMachine runs the same paths with freed places offered by the director (rule
booking.waitlist_offer_hours), plus offering, accepting, declining, lapsing and removing: an offered
place counts as taken until answered, each offer goes to the first waiting child of its band whom
the rules admit, and a newcomer never takes a place while a child of its band waits.
The control runs the same machine with one more path that confirms a
booking by writing its row directly, bypassing the engine: it must fail.
"""
from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import pytest
from hypothesis import HealthCheck, Phase, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)
from sqlalchemy import select

from app import rules
from app.accounts.models import Role
from app.booking import admission, preparation, services, waitlist
from app.booking.allocation.draw import run_draw
from app.booking.allocation.models import AllocationPeriod, AllocationRequest, AllocationRequestItem
from app.booking.models import (
    ACTIVE_STATUSES,
    CLAIMING_STATUSES,
    PLACE_STATUSES,
    ActivityKind,
    AgeBand,
    Booking,
    BookingStatus,
    Session,
    StaffingRegime,
    Unit,
    UnitKind,
)
from app.errors import Conflict, Forbidden, NotFound, ValidationFailed
from app.extensions import db
from app.families.models import Child
from app.inclusion import adaptation
from tests.booking.factories import (
    make_activity,
    make_parent_with_child,
    make_session,
    make_site,
    make_staff,
    make_unit,
)
from tests.conftest import _empty_all_tables
from tests.inclusion.factories import make_template

pytestmark = pytest.mark.slow

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)  # requests closed, every booking deadline ahead
# Two under 6, three over 6, one too young for the activities (3 to 11 years).
BIRTH_DATES = [date(2021, 6, 1), date(2022, 1, 15), date(2017, 3, 3), date(2015, 9, 9), date(2016, 7, 14),
               date(2024, 5, 1)]
FRENCH = ("é", "è", "à", "ç", "ê", " le ", " la ", " les ", " de ", " cette ", " une ", " un ", " est ")


def _french(text: str | None) -> bool:
    return bool(text) and any(mark in f" {text.lower()} " for mark in FRENCH)


class EngineMachine(RuleBasedStateMachine):
    def __init__(self):
        super().__init__()
        _empty_all_tables()
        site = make_site()
        make_template(site)  # every new child's first booked days become adaptation steps
        self.site_id = site.id
        self.director = make_staff(site, Role.DIRECTOR)
        mercredis = make_activity(site, min_age=3, max_age=11)
        whole = make_unit(mercredis)
        morning = make_unit(mercredis, label="Matin", kind=UnitKind.MORNING, start=time(8, 30), end=time(12, 0),
                            with_meal=False)
        self.sessions = [make_session(whole, day=date(2026, 3, 18), under6=1, over6=2).id,
                         make_session(morning, day=date(2026, 3, 18), under6=1, over6=1).id,
                         make_session(whole, day=date(2026, 3, 25), under6=1, over6=1).id]
        # Holidays given by draw: a whole day and a morning of the same day.
        holidays = make_activity(site, kind=ActivityKind.EXTRASCOLAIRE, regime=StaffingRegime.EXTRASCOLAIRE,
                                 name="Vacances", min_age=3, max_age=11)
        draw_day = date(2026, 3, 20)
        draw_sessions = [make_session(make_unit(holidays), day=draw_day, under6=1, over6=1).id,
                         make_session(make_unit(holidays, label="Matin", kind=UnitKind.MORNING, start=time(8, 30),
                                                end=time(12, 0), with_meal=False), day=draw_day, under6=1,
                                      over6=1).id]
        self.sessions += draw_sessions
        period = AllocationPeriod(activity_id=holidays.id, label="Vacances", first_day=draw_day, last_day=draw_day,
                                  requests_open_at=NOW - timedelta(days=10), requests_close_at=NOW - timedelta(hours=1),
                                  rules=[], created_by_id=self.director.id)
        db.session.add(period)
        self.families = []
        for n, birth in enumerate(BIRTH_DATES):
            parent, household, child = make_parent_with_child(birth_date=birth, first_name=f"Enfant{n}")
            self.families.append((parent, child.id))
            # Each family wishes for both sessions of the draw day (overlapping wishes), in either order.
            request = AllocationRequest(period=period, household_id=household.id, siblings_together=False)
            for rank, session_id in enumerate(draw_sessions[::1 if n % 2 else -1], start=1):
                request.items.append(AllocationRequestItem(child_id=child.id, session_id=session_id, rank=rank))
            db.session.add(request)
        db.session.commit()
        self.period_id = period.id
        self.drawn = False
        self.offers = False
        self.to_prepare: set[int] = set()
        admission.register_check(self._hold)

    def _hold(self, child, session):
        return admission.HOLD if child.id in self.to_prepare else admission.CONFIRM

    def teardown(self):
        admission.unregister_check(self._hold)
        db.session.remove()
        _empty_all_tables()

    def _parent_of(self, child_id):
        return next(p for p, c in self.families if c == child_id)

    def _pick(self, statuses, index):
        rows = db.session.scalars(select(Booking).where(Booking.status.in_(statuses)).order_by(Booking.id)).all()
        return rows[index % len(rows)] if rows else None

    # ------------------------------------------------------------ the paths

    @rule(family=st.integers(0, 5), picks=st.lists(st.integers(0, 4), min_size=1, max_size=3))
    def book(self, family, picks):
        parent, child_id = self.families[family]
        result = services.book(parent, [(child_id, self.sessions[s]) for s in picks], now=NOW)
        for item in result.items:
            assert item.status in ("confirmed", "waitlisted", "pending_preparation", "refused")
            if item.status == "refused":
                assert item.code and _french(item.reason), item

    @rule(index=st.integers(0, 50), by_centre=st.booleans())
    def cancel(self, index, by_centre):
        booking = self._pick(ACTIVE_STATUSES, index)
        if booking is None:
            return
        if by_centre:
            services.cancel_by_centre(self.director, booking.id, now=NOW)
        else:
            services.cancel_booking(self._parent_of(booking.child_id), booking.id, now=NOW)
        assert db.session.get(Booking, booking.id).status is BookingStatus.CANCELLED

    @rule(which=st.integers(0, 4), band=st.sampled_from(list(AgeBand)), capacity=st.integers(0, 3))
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

    @precondition(lambda self: not self.drawn)
    @rule()
    def draw(self):
        result = run_draw(None, self.period_id, seed="machine", now=NOW)
        self.drawn = True
        for outcome in result.outcomes:
            if outcome.status == "refused":
                assert _french(outcome.reason), outcome

    @rule(family=st.integers(0, 5))
    def needs_preparation(self, family):
        self.to_prepare ^= {self.families[family][1]}

    @rule(index=st.integers(0, 50))
    def confirm_held(self, index):
        booking = self._pick([BookingStatus.PENDING_PREPARATION], index)
        if booking is None:
            return
        assert preparation.confirm_held_booking(booking, now=NOW)
        db.session.commit()
        assert db.session.get(Booking, booking.id).status is BookingStatus.CONFIRMED

    @rule(index=st.integers(0, 50))
    def release_held(self, index):
        booking = self._pick([BookingStatus.PENDING_PREPARATION], index)
        if booking is None:
            return
        services.cancel_booking(self._parent_of(booking.child_id), booking.id, now=NOW)

    @rule(family=st.integers(0, 5), position=st.integers(1, 4), skip_step=st.booleans(), skip_all=st.booleans(),
          arrival=st.sampled_from([None, time(9, 0), time(10, 0)]), with_parent=st.booleans())
    def change_adaptation(self, family, position, skip_step, skip_all, arrival, with_parent):
        child_id = self.families[family][1]
        before = db.session.execute(select(Booking.id, Booking.status).order_by(Booking.id)).all()
        try:
            if skip_all:
                adaptation.skip_period(self.director, child_id, self.site_id, "Déjà accueilli l'an dernier")
            else:
                adaptation.update_step(self.director, child_id, self.site_id, position, day=None, arrival=arrival,
                                       pickup=None, with_parent=with_parent, with_meal=False, skipped=skip_step)
        except (Forbidden, NotFound):  # no place at the site: the director cannot reach this child
            db.session.rollback()
        except ValidationFailed as refusal:
            db.session.rollback()
            assert _french(refusal.message), refusal.message
        db.session.expire_all()
        assert db.session.execute(select(Booking.id, Booking.status).order_by(Booking.id)).all() == before

    # ------------------------------------------------------------ the promises

    @invariant()
    def capacity_counters_and_no_free_place_while_an_admitted_child_waits(self):
        db.session.expire_all()
        for session_id in self.sessions:
            session = db.session.get(Session, session_id)
            activity = session.unit.activity
            for band in AgeBand:
                rows = db.session.scalars(select(Booking).where(Booking.session_id == session_id,
                                                                Booking.age_band == band)).all()
                holding = sum(1 for b in rows if b.status in CLAIMING_STATUSES)
                assert holding == session.taken(band) <= session.capacity(band), (session_id, band)
                assert all(b.offer_expires_at for b in rows if b.status is BookingStatus.OFFERED)
                if holding >= session.capacity(band) or session.cancelled or self.offers:
                    continue
                for waiting in (b for b in rows if b.status is BookingStatus.WAITLISTED):
                    child = db.session.get(Child, waiting.child_id)
                    in_range = activity.min_age <= child.age_on(session.day) <= activity.max_age
                    assert not in_range or self._place_at_same_time(waiting, session), (
                        "a free place while an admitted child waits", session_id, band, waiting.id)
                    assert waiting.passed_over_code and _french(waiting.passed_over_reason)

    def _place_at_same_time(self, booking, session) -> bool:
        others = db.session.execute(
            select(Unit.start_time, Unit.end_time).join(Session, Session.unit_id == Unit.id)
            .join(Booking, Booking.session_id == Session.id)
            .where(Booking.child_id == booking.child_id, Booking.id != booking.id, Session.day == session.day,
                   Booking.status.in_(PLACE_STATUSES))).all()
        return any(s < session.unit.end_time and session.unit.start_time < e for s, e in others)

    @invariant()
    def no_child_has_two_overlapping_active_bookings(self):
        rows = db.session.execute(
            select(Booking.child_id, Session.id, Session.day, Unit.start_time, Unit.end_time)
            .join(Session, Booking.session_id == Session.id).join(Unit, Session.unit_id == Unit.id)
            .where(Booking.status.in_(ACTIVE_STATUSES))).all()
        for i, a in enumerate(rows):
            for b in rows[i + 1:]:
                assert not (a.child_id == b.child_id and a.day == b.day and a.start_time < b.end_time
                            and b.start_time < a.end_time), (a, b)
        db.session.commit()


class OfferMachine(EngineMachine):
    """Freed places wait for the director, who offers them with a deadline to accept."""

    def __init__(self):
        super().__init__()
        rules.set_value("booking.waitlist_offer_hours", 48, valid_from=date(2026, 1, 1), note="machine")
        db.session.commit()
        self.offers = True

    @initialize()
    def a_full_session_with_a_waiting_list(self):
        # Three children over 6 for the one place of 25 March: random steps then meet waiting lists early.
        for family in (2, 3, 4):
            self.book(family, [2])

    def _first_admitted(self, session, band):
        waiting = db.session.scalars(select(Booking).where(
            Booking.session_id == session.id, Booking.status == BookingStatus.WAITLISTED, Booking.age_band == band)
            .order_by(Booking.waitlist_order, Booking.id)).all()
        for booking in waiting:
            child = db.session.get(Child, booking.child_id)
            activity = session.unit.activity
            if activity.min_age <= child.age_on(session.day) <= activity.max_age \
                    and not self._place_at_same_time(booking, session):
                return booking.id
        return None

    @rule(which=st.integers(0, 4), band=st.sampled_from(list(AgeBand)))
    def offer(self, which, band):
        session = db.session.get(Session, self.sessions[which])
        db.session.refresh(session)
        expected = self._first_admitted(session, band)
        free = session.capacity(band) - session.taken(band)
        try:
            booking = waitlist.offer_place(self.director, session.id, band, now=NOW)
        except Conflict as refusal:
            assert _french(refusal.message)
            assert expected is None or free <= 0 or session.cancelled, (refusal.code, expected, free)
        else:
            assert booking.id == expected and free > 0
            assert booking.status is BookingStatus.OFFERED

    @rule(index=st.integers(0, 50))
    def free_a_place_then_offer_it(self, index):
        """A family with a place cancels where a child of its band waits, and the director offers the place:
        the path an offer exists for (random steps rarely line these up)."""
        waiting = db.session.scalars(select(Booking).where(Booking.status == BookingStatus.WAITLISTED)
                                     .order_by(Booking.id)).all()
        for candidate in waiting[index % len(waiting):] + waiting[:index % len(waiting)] if waiting else []:
            holder = db.session.scalar(select(Booking).where(
                Booking.session_id == candidate.session_id, Booking.age_band == candidate.age_band,
                Booking.status == BookingStatus.CONFIRMED).order_by(Booking.id).limit(1))
            if holder is not None:
                services.cancel_booking(self._parent_of(holder.child_id), holder.id, now=NOW)
                self.offer(self.sessions.index(candidate.session_id), candidate.age_band)
                return

    @rule(index=st.integers(0, 50), accept=st.booleans())
    def answer(self, index, accept):
        booking = self._pick([BookingStatus.OFFERED], index)
        if booking is None:
            return
        try:
            answered = waitlist.respond(self._parent_of(booking.child_id), booking.id, accept, now=NOW)
        except Conflict as refusal:  # the rules keep the child from the place now (another place at that time)
            assert accept and _french(refusal.message)
            assert db.session.get(Booking, booking.id).status is BookingStatus.OFFERED
        else:
            assert answered.status in ((BookingStatus.CONFIRMED, BookingStatus.PENDING_PREPARATION) if accept
                                       else (BookingStatus.CANCELLED,))

    @rule()
    def deadline_passes(self):
        offered = {b.id for b in db.session.scalars(select(Booking).where(Booking.status == BookingStatus.OFFERED))}
        assert waitlist.lapse_offers(now=NOW + timedelta(hours=49)) == len(offered)
        assert all(db.session.get(Booking, i).status is BookingStatus.CANCELLED for i in offered)

    @rule(index=st.integers(0, 50))
    def remove(self, index):
        booking = self._pick([BookingStatus.WAITLISTED, BookingStatus.OFFERED], index)
        if booking is None:
            return
        waitlist.remove(self.director, booking.id, now=NOW)
        assert db.session.get(Booking, booking.id).status is BookingStatus.CANCELLED

    @rule(family=st.integers(0, 5), which=st.integers(0, 2))
    def newcomer_never_jumps_the_queue(self, family, which):
        parent, child_id = self.families[family]
        session = db.session.get(Session, self.sessions[which])
        child = db.session.get(Child, child_id)
        band = AgeBand.UNDER6 if child.age_on(session.day) < 6 else AgeBand.OVER6
        someone_waits = db.session.scalar(select(Booking.id).where(
            Booking.session_id == session.id, Booking.age_band == band,
            Booking.status == BookingStatus.WAITLISTED)) is not None
        item = services.book(parent, [(child_id, session.id)], now=NOW).items[0]
        if someone_waits:
            assert item.status in ("waitlisted", "refused"), item


class BypassMachine(EngineMachine):
    """The control: one more path confirms a waiting child by writing the row, not through the engine."""

    @rule(index=st.integers(0, 50))
    def confirm_by_writing_the_row(self, index):
        booking = self._pick([BookingStatus.WAITLISTED], index)
        if booking is None:
            return
        booking.status = BookingStatus.CONFIRMED
        db.session.commit()


SETTINGS = settings(max_examples=5, stateful_step_count=18, deadline=None, database=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])


@pytest.mark.slow
def test_every_path_together_keeps_the_engine_promises():
    run_state_machine_as_test(EngineMachine, settings=SETTINGS)


@pytest.mark.slow
def test_offers_from_the_waiting_list_keep_the_engine_promises():
    run_state_machine_as_test(OfferMachine, settings=SETTINGS)


@pytest.mark.slow
def test_control_a_path_that_bypasses_the_engine_is_caught():
    with pytest.raises(AssertionError):
        run_state_machine_as_test(BypassMachine, settings=settings(
            SETTINGS, max_examples=30, phases=[Phase.generate]))
