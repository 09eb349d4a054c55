"""Legal limits of a childminder's licence, per slot and per date, and the staleness deadlines."""
from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from app.ram import availability as av
from app.ram import schedule as sch
from app.ram.services import is_stale, last_deadline, next_deadline

DAY = date(2027, 3, 1)  # a Monday
LICENCE = av.LicenceTerms(4, 4, date(2020, 1, 1), date(2035, 1, 1))
MONDAY_9H = sch.to_mask({"0": [["09:00", "09:30"]]})


def birth(years: int, months: int = 0) -> date:
    return DAY - timedelta(days=int(years * 365.25 + months * 30.5) + 1)


def free(profile: av.Profile, mask: int = MONDAY_9H, day: date = DAY):
    young, older = av.blocked_masks(profile, day)
    return (not young & mask, not older & mask)


def test_schedule_mask_counts_partly_used_slots():
    mask = sch.to_mask({"0": [["07:45", "08:10"]]})
    assert sch.describe(mask) == [(0, "07:30", "08:30")]
    assert sch.popcount(sch.to_mask({"1": [["07:30", "17:30"]]})) == 20


def test_licence_number_is_the_limit():
    profile = av.Profile([av.LicenceTerms(2, 2, date(2020, 1, 1), date(2035, 1, 1))],
                         [av.Occupant(birth(4), sch.ALL), av.Occupant(birth(5), sch.ALL)])
    assert free(profile) == (False, False)


def test_under_3_limit_of_licence_and_of_law():
    profile = av.Profile([av.LicenceTerms(4, 2, date(2020, 1, 1), date(2035, 1, 1))],
                         [av.Occupant(birth(1), sch.ALL), av.Occupant(birth(2), sch.ALL)])
    assert free(profile) == (False, True)  # licence allows 2 under 3: a 4-year-old still fits
    # Law: 4 under 3 including own children.
    profile = av.Profile([LICENCE], [av.Occupant(birth(1), sch.ALL), av.Occupant(birth(2), sch.ALL),
                                     av.Occupant(birth(0, 6), sch.ALL, minded=False),
                                     av.Occupant(birth(2, 6), sch.ALL, minded=False)])
    assert free(profile) == (False, True)


def test_six_under_11_counting_own_children():
    own = [av.Occupant(birth(age), sch.ALL, minded=False) for age in (5, 7, 9)]
    minded = [av.Occupant(birth(4), sch.ALL), av.Occupant(birth(6), sch.ALL), av.Occupant(birth(1), sch.ALL)]
    assert free(av.Profile([LICENCE], own + minded)) == (False, False)  # 6 under 11 already
    grown = own[:2] + [av.Occupant(birth(11), sch.ALL, minded=False)]
    assert free(av.Profile([LICENCE], grown + minded)) == (True, True)  # an 11-year-old no longer counts


def test_age_under_3_is_evaluated_on_the_date():
    profile = av.Profile([av.LicenceTerms(4, 1, date(2020, 1, 1), date(2035, 1, 1))],
                         [av.Occupant(DAY - timedelta(days=3 * 365), sch.ALL)])  # 3 on DAY + 1 or so
    young_before, _ = av.blocked_masks(profile, DAY - timedelta(days=10))
    assert young_before & MONDAY_9H  # still under 3 ten days before: the only under-3 place is taken
    young_after, _ = av.blocked_masks(profile, DAY + timedelta(days=10))
    assert not young_after & MONDAY_9H


def test_extension_adds_places_only_while_it_runs_and_never_breaks_the_law():
    licence = av.LicenceTerms(2, 2, date(2020, 1, 1), date(2035, 1, 1), date(2027, 7, 1), date(2027, 8, 31), 2)
    kids = [av.Occupant(birth(4), sch.ALL), av.Occupant(birth(5), sch.ALL)]
    profile = av.Profile([licence], kids)
    assert free(profile, day=date(2027, 7, 15)) == (True, True)
    assert free(profile, day=date(2027, 9, 1)) == (False, False)
    # covered from a start in the extension: blocked once it ends.
    assert av.covered_mask(profile, MONDAY_9H, date(2027, 7, 5), birth(4)) == 0


def test_future_contract_start_blocks_from_the_start_date():
    later = av.Occupant(birth(1), sch.ALL, start=date(2027, 6, 1))
    profile = av.Profile([av.LicenceTerms(1, 1, date(2020, 1, 1), date(2035, 1, 1))], [later])
    assert free(profile) == (True, True)  # today still free
    assert av.covered_mask(profile, MONDAY_9H, DAY, birth(1)) == 0  # but not for the whole period


def test_no_valid_licence_no_place():
    profile = av.Profile([av.LicenceTerms(4, 4, date(2020, 1, 1), date(2026, 1, 1))])
    assert free(profile) == (False, False)
    assert av.covered_mask(profile, MONDAY_9H, DAY, birth(1)) == 0


occupant_st = st.tuples(st.integers(0, 130), st.integers(0, 3), st.booleans())


@pytest.mark.slow
@settings(max_examples=150, deadline=None)
@given(max_children=st.integers(1, 6), max_u3=st.integers(0, 4), own=st.lists(st.integers(0, 130), max_size=3),
       arrivals=st.lists(st.tuples(st.integers(0, 130), st.integers(0, 3)), max_size=14),
       extension=st.integers(0, 2))
def test_property_places_given_never_break_the_limits(max_children, max_u3, own, arrivals, extension):
    """Admitting every child the computed availability accepts never exceeds the licence,
    6 under 11 or 4 under 3 on any slot (own children counted)."""
    max_u3 = min(max_u3, max_children)
    licence = av.LicenceTerms(max_children, max_u3, date(2020, 1, 1), date(2035, 1, 1), DAY, DAY, extension)
    slots = [sch.to_mask({"0": [[a, b]]}) for a, b in (("08:00", "09:00"), ("08:30", "12:00"), ("11:00", "18:00"),
                                                       ("07:00", "19:00"))]
    own_kids = [av.Occupant(DAY - timedelta(days=30 * m + 1), sch.ALL, minded=False) for m in own]
    profile = av.Profile([licence], list(own_kids))
    for months, which in arrivals:
        child_birth = DAY - timedelta(days=30 * months + 1)
        mask = slots[which]
        if av.covered_mask(profile, mask, DAY, child_birth) == mask:
            profile = av.Profile([licence], profile.occupants + [av.Occupant(child_birth, mask)])
    for slot in sch.slots(sch.to_mask({"0": [["07:00", "19:00"]]})):
        counts = av.slot_counts(profile, DAY, slot)
        assert counts.minded <= licence.places_on(DAY)
        assert counts.minded_under_3 <= max_u3
        assert counts.under_11 <= 6 + extension  # the extension raises the cap of 6 (L421-4 II)
        assert counts.under_3 <= 4
        young, older = av.blocked_masks(profile, DAY)
        assert bool(young >> slot & 1) == (counts.free_young == 0)
        assert bool(older >> slot & 1) == (counts.free_older == 0)


def test_staleness_around_1_june_and_1_december():
    assert last_deadline(date(2026, 5, 31)) == date(2025, 12, 1)
    assert last_deadline(date(2026, 6, 1)) == date(2026, 6, 1)
    assert last_deadline(date(2026, 12, 1)) == date(2026, 12, 1)
    assert next_deadline(date(2026, 6, 1)) == date(2026, 12, 1)
    assert next_deadline(date(2026, 12, 2)) == date(2027, 6, 1)
    # Declared on 20 May for the 1 June deadline: holds until 30 November, stale on 1 December.
    assert not is_stale(date(2026, 5, 20), date(2026, 6, 1))
    assert not is_stale(date(2026, 5, 20), date(2026, 11, 30))
    assert is_stale(date(2026, 5, 20), date(2026, 12, 1))
    # Declared in the six months before 1 December: fresh on 1 December, stale on 1 June.
    assert not is_stale(date(2026, 6, 1), date(2026, 12, 1))
    assert not is_stale(date(2026, 11, 30), date(2027, 5, 31))
    assert is_stale(date(2026, 11, 30), date(2027, 6, 1))
    # Declared before 1 December of the year before: stale on 1 June.
    assert is_stale(date(2025, 11, 30), date(2026, 6, 1))
    assert is_stale(None, date(2026, 6, 1))


@pytest.mark.slow
@settings(max_examples=60, deadline=None)
# Found by Hypothesis: an own child born 50 days after the start takes the 6th place under 11 on
# Monday 9–10 h (two children of 8–10 h and two of 9–12 h there, plus an own child of 5); the
# dates checked missed the birth, so the fast check said those two slots were free.
@example(kids=[(1200, 0, 0, None), (1200, 0, 0, None), (1200, 1, 0, None), (1200, 1, 0, None)],
         own=[-50, 2000], child_age=1200, extension=(0, 0, 0), max_children=5, max_u3=4, until=None, probes=[])
@given(kids=st.lists(st.tuples(st.integers(0, 1500), st.integers(0, 2), st.integers(-200, 400),
                               st.one_of(st.none(), st.integers(0, 500))), max_size=7),
       own=st.lists(st.integers(-100, 4000), max_size=2), child_age=st.integers(-60, 1400),
       extension=st.tuples(st.integers(-30, 200), st.integers(0, 120), st.integers(0, 2)),
       max_children=st.integers(1, 5), max_u3=st.integers(0, 4),
       until=st.one_of(st.none(), st.integers(0, 999)), probes=st.lists(st.integers(-400, 400), max_size=6))
def test_property_covered_from_start_equals_a_day_by_day_check(kids, own, child_age, extension, max_children,
                                                               max_u3, until, probes):
    """Checking only the dates where places can shrink gives the same answer as checking every day."""
    start = DAY
    ext_from = start + timedelta(days=extension[0])
    licence = av.LicenceTerms(max_children, min(max_u3, max_children), date(2020, 1, 1), date(2035, 1, 1),
                              ext_from, ext_from + timedelta(days=extension[1]), extension[2])
    masks = [sch.to_mask({"0": [["08:00", "10:00"]]}), sch.to_mask({"0": [["09:00", "12:00"]]}),
             sch.to_mask({"0": [["07:00", "09:30"]], "1": [["08:00", "09:00"]]})]
    occupants = []
    for age_days, which, start_offset, length in kids:
        begin = start + timedelta(days=start_offset)
        occupants.append(av.Occupant(start - timedelta(days=age_days), masks[which], True, begin,
                                     begin + timedelta(days=length) if length is not None else None))
    occupants += [av.Occupant(start - timedelta(days=days), sch.ALL, minded=False) for days in own]
    profile = av.Profile([licence], occupants)
    child_birth = start - timedelta(days=child_age)
    wanted = sch.to_mask({"0": [["07:00", "12:00"]], "1": [["08:00", "09:00"]]})
    end = start + timedelta(days=until) if until is not None else None
    fast = av.covered_mask(profile, wanted, start, child_birth, end=end)
    brute = wanted
    for offset in range(0, 1000 if until is None else until + 1):
        day = start + timedelta(days=offset)
        young = av.age_on(child_birth, day) < 3
        for slot in sch.slots(brute):
            counts = av.slot_counts(profile, day, slot)
            if (counts.free_young if young else counts.free_older) == 0:
                brute &= ~(1 << slot)
    assert fast == brute
    if until is None:  # what matching uses: the masks of the dates computed once per childminder
        av.blocked_from(profile, start + timedelta(days=100), child_birth, licence)  # kept from a later date
        assert wanted & ~av.blocked_from(profile, start, child_birth, licence) == brute
        state = av.start_state(profile, start)
        assert wanted & ~av.blocked_after(state, start, av.third_birthday(child_birth)) == brute
        # One state per stretch between cuts (what matching a batch uses): states first asked for
        # nearby dates, possibly in the same stretch as `start`, still give the day-by-day answer.
        fresh = av.Profile([licence], occupants)
        for offset in probes:
            av.state_on(fresh, start + timedelta(days=offset))
        state = av.state_on(fresh, start)
        assert wanted & ~av.blocked_after(state, start, av.third_birthday(child_birth)) == brute
