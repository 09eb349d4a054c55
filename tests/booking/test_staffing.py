"""Staff ratios by session (CASF R227-15/16/17, R227-1): the length of each session, PEDT or not,
périscolaire or extrascolaire; the group counted as a whole; the director up to 50 minors."""
from __future__ import annotations

from datetime import date, time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app import rules
from app.booking.catalogue import create_session
from app.booking.models import ActivityKind, StaffingRegime
from app.booking.staffing import (
    DIRECTOR_COUNTS_UP_TO,
    MAX_MINORS,
    RATIOS,
    check_capacity,
    required_animators,
    staffing_for,
)
from app.errors import ValidationFailed
from app.extensions import db
from tests.booking.factories import make_activity, make_session, make_site, make_staff, make_unit

WEDNESDAY = date(2026, 3, 18)


def _session(regime, start, end, under6, over6, *, kind=ActivityKind.PERISCOLAIRE, planned=0):
    activity = make_activity(kind=kind, regime=regime)
    session = make_session(make_unit(activity, start=start, end=end), day=WEDNESDAY, under6=100, over6=100,
                           animators_planned=planned)
    session.taken_under6, session.taken_over6 = under6, over6
    return session


@pytest.mark.parametrize("regime, required", [
    (StaffingRegime.PEDT_SHORT, 3),          # 14/10 + 18/14 = 2.69 -> 3
    (StaffingRegime.PEDT_LONG, 3),
    (StaffingRegime.PERISCOLAIRE_SHORT, 4),  # 14/8 + 18/12 = 3.25 -> 4
    (StaffingRegime.PERISCOLAIRE_LONG, 4),
])
def test_an_eleven_hour_wednesday(regime, required):
    session = _session(regime, time(7, 30), time(18, 30), 14, 18)
    assert staffing_for(session).required == required


def test_the_session_length_chooses_the_ratio():
    five_hours = _session(StaffingRegime.PEDT_SHORT, time(8, 0), time(13, 0), 14, 18)
    assert (staffing_for(five_hours).ratio_under6, staffing_for(five_hours).ratio_over6) == (14, 18)
    assert staffing_for(five_hours).required == 2  # 1 + 1
    longer = _session(StaffingRegime.PEDT_SHORT, time(8, 0), time(13, 1), 14, 18)
    assert (staffing_for(longer).ratio_under6, staffing_for(longer).ratio_over6) == (10, 14)
    short_no_pedt = _session(StaffingRegime.PERISCOLAIRE_SHORT, time(16, 30), time(18, 30), 14, 18)
    assert (staffing_for(short_no_pedt).ratio_under6, staffing_for(short_no_pedt).ratio_over6) == (10, 14)
    holiday = _session(StaffingRegime.PEDT_SHORT, time(9, 0), time(12, 0), 8, 12,
                       kind=ActivityKind.EXTRASCOLAIRE)
    assert (staffing_for(holiday).ratio_under6, staffing_for(holiday).ratio_over6) == (8, 12)


def test_the_group_is_counted_as_a_whole():
    # 9/8 + 13/12 = 2.21 -> 3 (each band rounded on its own would say 4)
    session = _session(StaffingRegime.EXTRASCOLAIRE, time(8, 30), time(17, 30), 9, 13,
                       kind=ActivityKind.EXTRASCOLAIRE, planned=2)
    staffing = staffing_for(session)
    assert staffing.required == 3
    assert staffing.director_counts and staffing.shortfall == 0  # 2 animators + the director


def test_the_director_counts_up_to_fifty_minors():
    session = _session(StaffingRegime.EXTRASCOLAIRE, time(8, 30), time(17, 30), 0, 50,
                       kind=ActivityKind.EXTRASCOLAIRE, planned=4)
    staffing = staffing_for(session)
    assert (staffing.required, staffing.director_counts, staffing.shortfall) == (5, True, 0)
    session.taken_over6 = 51
    staffing = staffing_for(session)
    assert (staffing.required, staffing.director_counts, staffing.shortfall) == (5, False, 1)


def test_ratios_are_dated_rules_with_their_sources():
    rule_under6, _rule_over6 = RATIOS[("pedt", True)]
    assert "R227-16" in rule_under6.source and "R227-17" in DIRECTOR_COUNTS_UP_TO.source
    assert "R227-1" in MAX_MINORS.source
    rules.set_value(rule_under6.key, 8, valid_from=date(2026, 4, 1), note="Fin du PEDT")
    db.session.commit()
    session = _session(StaffingRegime.PEDT_SHORT, time(7, 30), time(18, 30), 14, 18)
    assert staffing_for(session).required == 3  # 18 March: 1 per 10 still in force
    session.day = date(2026, 4, 1)
    assert staffing_for(session).required == 4  # 14/8 + 18/14 = 3.04 -> 4


def test_capacity_is_checked_across_both_bands():
    check_capacity(150, 150, WEDNESDAY)
    with pytest.raises(ValidationFailed) as refused:
        check_capacity(150, 151, WEDNESDAY)
    assert "300 mineurs" in refused.value.message
    site = make_site()
    director = make_staff(site)
    unit = make_unit(make_activity(site))
    with pytest.raises(ValidationFailed):
        create_session(director, unit.id, WEDNESDAY, capacity_under6=200, capacity_over6=200)


@pytest.mark.slow
@settings(max_examples=200, deadline=None)
@given(st.integers(0, 300), st.integers(0, 300), st.integers(1, 40), st.integers(1, 40))
def test_whole_group_count_is_enough_and_never_above_band_by_band(under6, over6, r_under6, r_over6):
    required = required_animators(under6, over6, r_under6, r_over6)
    assert required * r_under6 * r_over6 >= under6 * r_over6 + over6 * r_under6  # enough for everyone
    assert required <= -(-under6 // r_under6) + -(-over6 // r_over6)
    assert required == 0 or (required - 1) * r_under6 * r_over6 < under6 * r_over6 + over6 * r_under6  # minimal
