"""Allocation by draw: configuring periods and families' requests (service layer)."""
from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from app.accounts.models import Role
from app.booking.allocation.draw import run_draw
from app.booking.allocation.models import AllocationRequest
from app.booking.allocation.requests import (
    WindowClosed,
    close_requests_now,
    create_period,
    submit_request,
    update_period,
    withdraw_request,
)
from app.errors import Conflict, NotFound, ValidationFailed
from app.extensions import db
from tests.booking.allocation_factories import (
    AFTER_CLOSE,
    CLOSES,
    NOW,
    OPENS,
    add_request,
    make_draw_setup,
    make_family,
)
from tests.booking.factories import make_activity, make_session, make_site, make_staff, make_unit


def test_create_period_checks_dates_rules_overlap_and_director():
    director, period, _sessions = make_draw_setup()
    activity_id = period.activity_id
    values = dict(label="Été", first_day=date(2026, 7, 6), last_day=date(2026, 7, 17), requests_open_at=OPENS,
                  requests_close_at=CLOSES)
    created = create_period(director, activity_id, **values, rules=["siblings", "resident"])
    assert created.rules == ["siblings", "resident"]
    with pytest.raises(ValidationFailed):
        create_period(director, activity_id, **{**values, "first_day": date(2026, 7, 10),
                                                "last_day": date(2026, 7, 20)})
    with pytest.raises(ValidationFailed):
        create_period(director, activity_id, **{**values, "first_day": date(2026, 8, 3),
                                                "last_day": date(2026, 8, 7)}, rules=["resident", "resident"])
    with pytest.raises(ValidationFailed):
        create_period(director, activity_id, **{**values, "first_day": date(2026, 8, 3),
                                                "last_day": date(2026, 8, 7), "requests_close_at": OPENS})
    other = make_staff(make_site("Accueil de Douelle"), Role.DIRECTOR)
    with pytest.raises(NotFound):
        create_period(other, activity_id, **{**values, "first_day": date(2026, 8, 3),
                                             "last_day": date(2026, 8, 7)})


def test_rules_frozen_after_the_draw():
    director, period, sessions = make_draw_setup()
    update_period(director, period.id, rules=["guardians_working"])
    close_requests_now(director, period.id, now=NOW)
    run_draw(director, period.id, seed="x", now=AFTER_CLOSE)
    with pytest.raises(Conflict):
        update_period(director, period.id, rules=["resident"])


def test_requests_only_for_the_period_sessions_and_own_children():
    director, period, (session,) = make_draw_setup()
    parent, household, (child,) = make_family()
    elsewhere = make_session(make_unit(make_activity(make_site("Accueil de Pradines"))), day=date(2026, 4, 20))
    with pytest.raises(ValidationFailed):
        submit_request(parent, period.id, [(child.id, elsewhere.id, 1)], now=NOW)
    with pytest.raises(ValidationFailed):
        submit_request(parent, period.id, [(child.id, session.id, 0)], now=NOW)
    with pytest.raises(ValidationFailed):
        submit_request(parent, period.id, [], now=NOW)
    _other, _h, (stranger,) = make_family()
    with pytest.raises(NotFound):
        submit_request(parent, period.id, [(stranger.id, session.id, 1)], now=NOW)
    with pytest.raises(NotFound):
        submit_request(director, period.id, [(child.id, session.id, 1)], now=NOW)
    assert db.session.scalar(select(func.count(AllocationRequest.id))) == 0


def test_window_bounds_for_requests_and_withdrawals():
    director, period, (session,) = make_draw_setup()
    parent, household, (child,) = make_family()
    with pytest.raises(WindowClosed):
        submit_request(parent, period.id, [(child.id, session.id, 1)], now=OPENS - timedelta(minutes=1))
    request = submit_request(parent, period.id, [(child.id, session.id, 1)], siblings_together=True, now=NOW)
    assert request.siblings_together and [i.rank for i in request.items] == [1]
    with pytest.raises(WindowClosed):
        withdraw_request(parent, period.id, now=CLOSES)
    with pytest.raises(WindowClosed):
        submit_request(parent, period.id, [(child.id, session.id, 2)], now=CLOSES)
    withdraw_request(parent, period.id, now=NOW)
    assert db.session.get(AllocationRequest, request.id).withdrawn_at is not None
    # Submitting again revives the same request.
    again = submit_request(parent, period.id, [(child.id, session.id, 1)], now=NOW)
    assert again.id == request.id and again.withdrawn_at is None


def test_close_now_lets_the_draw_run():
    director, period, (session,) = make_draw_setup()
    parent, household, children = make_family()
    add_request(period, household, children, [session])
    close_requests_now(director, period.id, now=NOW)
    assert not run_draw(director, period.id, seed="early", now=NOW + timedelta(seconds=1)).already_drawn
    with pytest.raises(Conflict):
        close_requests_now(director, period.id, now=NOW)
