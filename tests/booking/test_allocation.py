"""Allocation by draw: service tests (the draw, priorities, siblings, capacity, idempotence, simulation)."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from app import clock
from app.accounts.models import Role
from app.booking import allocation, services
from app.booking.allocation import draw_numbers
from app.booking.allocation.draw import WindowStillOpen, replay_draw, run_draw
from app.booking.allocation.models import AllocationPeriod, AllocationRequestItem, PeriodStatus
from app.booking.models import AgeBand, Booking, BookingStatus, Session
from app.errors import NotFound
from app.extensions import db
from app.notifications.models import OutboxMessage
from tests.booking.allocation_factories import (
    AFTER_CLOSE,
    FIRST_DAY,
    NOW,
    UNDER6_BIRTH,
    add_request,
    make_draw_setup,
    make_family,
)
from tests.booking.factories import make_site, make_staff
from tests.factories import make_user


def _outcomes(period_id):
    items = db.session.scalars(select(AllocationRequestItem).join(AllocationRequestItem.request)
                               .where(AllocationRequestItem.request.has(period_id=period_id))
                               .order_by(AllocationRequestItem.id)).all()
    return [(i.id, i.outcome, i.waitlist_position) for i in items]


def _crowd(period, sessions, n=8, resident_every=2):
    families = []
    for k in range(n):
        parent, household, children = make_family(resident=k % resident_every == 0)
        add_request(period, household, children, sessions, parent=parent)
        families.append((parent, household, children))
    return families


def test_draw_numbers_are_a_seeded_shuffle_of_sorted_ids():
    assert draw_numbers([5, 3, 9, 1], "graine") == draw_numbers([1, 9, 3, 5], "graine")
    numbers = draw_numbers(range(1, 51), "graine")
    assert sorted(numbers.values()) == list(range(1, 51))
    assert numbers != draw_numbers(range(1, 51), "autre-graine")


def test_same_seed_same_result_and_replay():
    director, period, sessions = make_draw_setup(days=2, over6=3)
    _crowd(period, sessions, n=9, resident_every=3)
    first = run_draw(director, period.id, seed="cahors-2026", simulate=True, now=AFTER_CLOSE)
    second = run_draw(director, period.id, seed="cahors-2026", simulate=True, now=AFTER_CLOSE)
    key = [(o.item_id, o.status, o.waitlist_position, o.draw_number) for o in first.outcomes]
    assert key == [(o.item_id, o.status, o.waitlist_position, o.draw_number) for o in second.outcomes]
    real = run_draw(director, period.id, seed="cahors-2026", now=AFTER_CLOSE)
    assert key == [(o.item_id, o.status, o.waitlist_position, o.draw_number) for o in real.outcomes]
    same, decisions = replay_draw(period.id)
    assert same and len(decisions) == 18


def test_generated_seed_is_published():
    director, period, sessions = make_draw_setup()
    _crowd(period, sessions, n=3)
    result = run_draw(director, period.id, now=AFTER_CLOSE)
    assert len(result.seed) == 16
    assert db.session.get(AllocationPeriod, period.id).seed == result.seed


def test_higher_priority_never_waitlisted_behind_lower_priority():
    director, period, sessions = make_draw_setup(days=2, over6=3, rules=("resident", "guardians_working"))
    for k in range(10):
        parent, household, children = make_family(resident=k % 2 == 0, works=(k % 3 == 0,))
        add_request(period, household, children, sessions, parent=parent)
    run_draw(director, period.id, seed="s", now=AFTER_CLOSE)
    items = db.session.scalars(select(AllocationRequestItem)).all()
    for session in sessions:
        mine = [i for i in items if i.session_id == session.id]
        confirmed = [tuple(i.priority) for i in mine if i.outcome == "confirmed"]
        waitlisted = [tuple(i.priority) for i in mine if i.outcome == "waitlisted"]
        assert len(confirmed) == 3 and len(waitlisted) == 7
        assert min(confirmed) >= max(waitlisted)
    # residents (5 families) fill the 3 places of each session.
    assert all(i.priority[0] == 1 for i in items if i.outcome == "confirmed")


def test_preference_rank_decides_within_equal_priority():
    director, period, (monday, tuesday) = make_draw_setup(days=2, over6=1, rules=())
    p1, h1, c1 = make_family()
    p2, h2, c2 = make_family()
    add_request(period, h1, c1, [monday, tuesday], ranks={monday.id: 1, tuesday.id: 2})
    add_request(period, h2, c2, [monday, tuesday], ranks={monday.id: 2, tuesday.id: 1})
    for seed in ("a", "b", "c", "d"):
        result = run_draw(director, period.id, seed=seed, simulate=True, now=AFTER_CLOSE)
        got = {(o.household_id, o.session_id) for o in result.outcomes if o.status == "confirmed"}
        assert got == {(h1.id, monday.id), (h2.id, tuesday.id)}


def test_siblings_together_or_not_at_all():
    director, period, (session,) = make_draw_setup(over6=1, rules=("resident",))
    pa, ha, twins = make_family(births=(UNDER6_BIRTH.replace(year=2017), UNDER6_BIRTH.replace(year=2018)))
    pb, hb, single = make_family(resident=False)
    add_request(period, ha, twins, [session], together=True)
    add_request(period, hb, single, [session])
    run_draw(director, period.id, seed="x", now=AFTER_CLOSE)
    items = {i.child_id: i for i in db.session.scalars(select(AllocationRequestItem))}
    # The resident siblings come first but two places are needed: both wait, the single child is confirmed.
    assert [items[c.id].outcome for c in twins] == ["waitlisted", "waitlisted"]
    assert items[single[0].id].outcome == "confirmed"
    assert "frères et sœurs" in items[twins[0].id].reason


def test_siblings_without_the_rule_may_be_split():
    director, period, (session,) = make_draw_setup(over6=1, rules=())
    pa, ha, twins = make_family(births=(UNDER6_BIRTH.replace(year=2017), UNDER6_BIRTH.replace(year=2018)))
    add_request(period, ha, twins, [session], together=False)
    run_draw(director, period.id, seed="x", now=AFTER_CLOSE)
    outcomes = sorted(i.outcome for i in db.session.scalars(select(AllocationRequestItem)))
    assert outcomes == ["confirmed", "waitlisted"]


def test_capacity_per_age_band_and_waitlist_positions():
    director, period, (session,) = make_draw_setup(under6=1, over6=2, rules=())
    for _k in range(3):
        _p, household, children = make_family(births=(UNDER6_BIRTH,))
        add_request(period, household, children, [session])
        _p, household, children = make_family()
        add_request(period, household, children, [session])
    run_draw(director, period.id, seed="bands", now=AFTER_CLOSE)
    session = db.session.get(Session, session.id)
    assert (session.taken_under6, session.taken_over6) == (1, 2)
    bookings = db.session.scalars(select(Booking)).all()
    by = {(b.age_band, b.status) for b in bookings}
    assert sum(1 for b in bookings if b.age_band is AgeBand.UNDER6 and b.status is BookingStatus.CONFIRMED) == 1
    assert sum(1 for b in bookings if b.age_band is AgeBand.OVER6 and b.status is BookingStatus.CONFIRMED) == 2
    assert (AgeBand.UNDER6, BookingStatus.WAITLISTED) in by
    positions = sorted(i.waitlist_position for i in db.session.scalars(select(AllocationRequestItem))
                       if i.outcome == "waitlisted" and i.age_band == "under6")
    assert positions == [1, 2]


def test_existing_bookings_reduce_the_places_drawn():
    director, period, (session,) = make_draw_setup(over6=2, rules=())
    staff_session = db.session.get(Session, session.id)
    staff_session.taken_over6 = 1  # a place already held before the period went to draw mode
    db.session.commit()
    _crowd(period, [session], n=3)
    run_draw(director, period.id, seed="x", now=AFTER_CLOSE)
    assert db.session.get(Session, session.id).taken_over6 == 2
    assert sum(1 for i in db.session.scalars(select(AllocationRequestItem)) if i.outcome == "confirmed") == 1


def test_rerun_is_idempotent():
    director, period, sessions = make_draw_setup(days=2)
    _crowd(period, sessions, n=4)
    first = run_draw(director, period.id, seed="once", now=AFTER_CLOSE)
    counts = (db.session.scalar(select(func.count(Booking.id))),
              db.session.scalar(select(func.count(OutboxMessage.id))))
    before = _outcomes(period.id)
    again = run_draw(director, period.id, seed="another", now=AFTER_CLOSE + timedelta(hours=1))
    assert again.already_drawn and again.seed == "once" == first.seed
    assert (db.session.scalar(select(func.count(Booking.id))),
            db.session.scalar(select(func.count(OutboxMessage.id)))) == counts
    assert _outcomes(period.id) == before


def test_simulation_writes_nothing():
    director, period, sessions = make_draw_setup()
    _crowd(period, sessions, n=5)
    result = run_draw(director, period.id, seed="sim", simulate=True, now=NOW)  # window still open
    assert result.simulated and result.count("confirmed") == 2 and result.count("waitlisted") == 3
    assert db.session.scalar(select(func.count(Booking.id))) == 0
    assert db.session.scalar(select(func.count(OutboxMessage.id))) == 0
    period = db.session.get(AllocationPeriod, period.id)
    assert period.status is PeriodStatus.REQUESTS and period.seed is None
    assert all(outcome is None for _id, outcome, _pos in _outcomes(period.id))
    assert db.session.get(Session, sessions[0].id).taken_over6 == 0


def test_nothing_decided_during_the_window():
    director, period, (session,) = make_draw_setup()
    parent, household, children = make_family()
    add_request(period, household, children, [session])
    with pytest.raises(WindowStillOpen):
        run_draw(director, period.id, now=NOW)
    assert db.session.scalar(select(func.count(Booking.id))) == 0
    # First come, first served is closed on the period's sessions until the draw...
    result = services.book(parent, [(children[0].id, session.id)], now=NOW)
    assert result.items[0].status == "refused" and result.items[0].code == "allocation_by_draw"
    run_draw(director, period.id, seed="x", now=AFTER_CLOSE)
    # ...and open again afterwards for what is left, with the waiting list.
    _p2, _h2, other = make_family()
    _p3, _h3, third = make_family()
    assert services.book(_p2, [(other[0].id, session.id)], now=AFTER_CLOSE).items[0].status == "confirmed"
    late = services.book(_p3, [(third[0].id, session.id)], now=AFTER_CLOSE).items[0]
    assert late.status == "waitlisted" and late.waitlist_position == 1


def test_families_are_told_with_their_reason():
    director, period, (session,) = make_draw_setup(over6=1, rules=("resident",))
    pa, ha, ca = make_family(resident=True)
    pb, hb, cb = make_family(resident=False)
    add_request(period, ha, ca, [session])
    add_request(period, hb, cb, [session])
    run_draw(director, period.id, seed="mail", now=AFTER_CLOSE)
    mails = {m.to_address: m for m in db.session.scalars(
        select(OutboxMessage).where(OutboxMessage.kind == "booking.allocation_result"))}
    assert set(mails) == {pa.email, pb.email}
    assert "Confirmé : priorité résident" in mails[pa.email].body_text
    assert "tirage n°" in mails[pa.email].body_text and "mail" in mails[pa.email].body_text
    assert "Liste d'attente, position 1" in mails[pb.email].body_text
    assert f"/accueils/tirages/{period.id}" in mails[pb.email].body_text


def test_reception_plan_provider_gives_priority():
    director, period, (session,) = make_draw_setup(over6=1, rules=("reception_plan",))
    _pa, ha, ca = make_family()
    _pb, hb, cb = make_family()
    add_request(period, ha, ca, [session])
    add_request(period, hb, cb, [session])
    planned = cb[0].id

    def provider(child, site):
        return child.id == planned

    allocation.register_priority_provider("reception_plan", provider)
    try:
        for seed in ("1", "2", "3"):
            result = run_draw(director, period.id, seed=seed, simulate=True, now=AFTER_CLOSE)
            assert [o.child_name for o in result.outcomes if o.status == "confirmed"] == [cb[0].first_name]
            assert any("projet d'accueil" in o.reason for o in result.outcomes if o.status == "confirmed")
    finally:
        allocation.unregister_priority_provider("reception_plan", provider)
    # No provider registered: nobody has a plan, the draw decides.
    result = run_draw(director, period.id, seed="1", simulate=True, now=AFTER_CLOSE)
    assert all("projet d'accueil" not in o.reason for o in result.outcomes)


def test_families_served_less_last_time_come_first():
    director, earlier, (s1,) = make_draw_setup(over6=1, rules=())
    pa, ha, ca = make_family()
    pb, hb, cb = make_family()
    add_request(earlier, ha, ca, [s1])
    add_request(earlier, hb, cb, [s1])
    run_draw(director, earlier.id, seed="first", now=AFTER_CLOSE)
    served = {i.request.household_id: i.outcome for i in db.session.scalars(select(AllocationRequestItem))}
    unlucky = ha if served[ha.id] == "waitlisted" else hb
    # A later week: on the same day both children already hold s1 (confirmed or waitlisted), and the
    # engine never gives a child two bookings at the same time of a day.
    _d, later, (s2,) = make_draw_setup(over6=1, rules=("fewer_last_time",), site=make_site("Accueil de Pradines"),
                                       first_day=FIRST_DAY + timedelta(days=7))
    add_request(later, ha, ca, [s2])
    add_request(later, hb, cb, [s2])
    for seed in ("a", "b", "c"):
        result = run_draw(_d, later.id, seed=seed, simulate=True, now=AFTER_CLOSE)
        assert [o.household_id for o in result.outcomes if o.status == "confirmed"] == [unlucky.id]


def test_withdrawn_requests_and_refusals():
    director, period, (session,) = make_draw_setup(rules=())
    _pa, ha, ca = make_family()
    request = add_request(period, ha, ca, [session])
    request.withdrawn_at = NOW
    _pb, hb, too_young = make_family(births=(UNDER6_BIRTH.replace(year=2024),))
    add_request(period, hb, too_young, [session])
    db.session.commit()
    result = run_draw(director, period.id, seed="r", now=AFTER_CLOSE)
    assert [o.status for o in result.outcomes] == ["refused"]
    assert "ans" in result.outcomes[0].reason
    assert db.session.scalar(select(func.count(Booking.id))) == 0


def test_only_the_sites_director_runs_the_draw():
    director, period, sessions = make_draw_setup()
    _crowd(period, sessions, n=2)
    other_director = make_staff(make_site("Accueil de Catus"), Role.DIRECTOR)
    animator = make_staff(db.session.get(AllocationPeriod, period.id).activity.site, Role.ANIMATOR)
    parent = make_user(Role.PARENT)
    for user in (other_director, animator, parent):
        with pytest.raises(NotFound):
            run_draw(user, period.id, now=AFTER_CLOSE)
        with pytest.raises(NotFound):
            run_draw(user, period.id, simulate=True, now=AFTER_CLOSE)
    assert db.session.get(AllocationPeriod, period.id).status is PeriodStatus.REQUESTS
    admin = make_user(Role.ADMIN)
    assert not run_draw(admin, period.id, seed="ok", now=AFTER_CLOSE).already_drawn


def test_many_random_scenarios_keep_the_invariants():
    """Deterministic random scenarios through the database: capacity, priority order, siblings."""
    import random

    director, period, sessions = make_draw_setup(days=3, under6=2, over6=3, rules=("resident", "siblings"))
    rng = random.Random(2026)
    for _k in range(14):
        births = [UNDER6_BIRTH if rng.random() < 0.4 else UNDER6_BIRTH.replace(year=2016)
                  for _c in range(rng.choice((1, 1, 2, 3)))]
        _p, household, children = make_family(resident=rng.random() < 0.6, births=tuple(births))
        chosen = rng.sample(sessions, rng.randint(1, 3))
        add_request(period, household, children, chosen, together=rng.random() < 0.5,
                    ranks={s.id: rng.randint(1, 3) for s in chosen})
    run_draw(director, period.id, seed="scenario", now=AFTER_CLOSE)
    items = db.session.scalars(select(AllocationRequestItem)).all()
    for session in sessions:
        fresh = db.session.get(Session, session.id)
        for band in AgeBand:
            held = [i for i in items if i.session_id == session.id and i.age_band == band.value
                    and i.outcome == "confirmed"]
            assert len(held) == fresh.taken(band) <= fresh.capacity(band)
            singles = [i for i in items if i.session_id == session.id and i.age_band == band.value
                       and i.outcome == "waitlisted" and not i.request.siblings_together]
            for waiting in singles:
                assert all(c.draw_order < waiting.draw_order for c in held)
    for request in {i.request for i in items if i.request.siblings_together}:
        for session in sessions:
            mine = {i.outcome for i in request.items if i.session_id == session.id}
            assert len(mine) <= 1
    assert replay_draw(period.id)[0]


def test_cli_runs_once_and_verifies(app):

    director, period, sessions = make_draw_setup(first_day=clock.today() + timedelta(days=60))
    _crowd(period, sessions, n=4)
    period = db.session.get(AllocationPeriod, period.id)
    period.requests_close_at = NOW  # closed in the past of the real clock
    db.session.commit()
    runner = app.test_cli_runner()
    args = ["allocation", "run", str(period.activity_id), period.first_day.isoformat()]
    simulated = runner.invoke(args=args + ["--simulate", "--seed", "cli"])
    assert simulated.exit_code == 0, simulated.output
    assert "Simulation" in simulated.output and db.session.scalar(select(func.count(Booking.id))) == 0
    first = runner.invoke(args=args + ["--seed", "cli"])
    assert first.exit_code == 0 and "Draw done: seed cli" in first.output
    again = runner.invoke(args=args)
    assert "Already drawn" in again.output
    assert db.session.scalar(select(func.count(Booking.id))) == 4
    verify = runner.invoke(args=["allocation", "verify", str(period.activity_id), str(period.id)])
    assert verify.exit_code == 0 and "same allocation" in verify.output
