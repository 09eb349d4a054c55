"""Childminders: the temporary extension raises the cap of 6 minors under 11 (CASF L421-4 II);
contracts are checked up to their end date; the salary simulator raises hours beyond 45 a week
(IDCC 3239) and warns above 48 on average (CASF L423-22)."""
from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app import rules
from app.extensions import db
from app.ram import availability as av
from app.ram import salary, services
from app.ram import schedule as sch
from app.ram.models import Licence
from tests.ram.factories import add_child, add_own_child, make_childminder, make_staff

JULY = date(2027, 7, 15)
MONDAY = {"0": [["08:00", "18:00"]]}


def test_the_extension_raises_the_cap_of_six_minors_under_eleven():
    licence = av.LicenceTerms(4, 4, date(2020, 1, 1), date(2035, 1, 1), date(2027, 7, 1), date(2027, 8, 31), 2)
    own = [av.Occupant(JULY - timedelta(days=365 * age), sch.ALL, minded=False) for age in (6, 8)]
    minded = [av.Occupant(JULY - timedelta(days=365 * 4 + 10), sch.ALL) for _ in range(4)]
    profile = av.Profile([licence], own + minded)
    older = av.blocked_masks(profile, JULY)[1]
    mask = sch.to_mask(MONDAY)
    assert not older & mask  # 6 under 11 already: the extension gives 2 more during the summer
    assert av.covered_mask(profile, mask, date(2027, 7, 5), JULY - timedelta(days=365 * 7),
                           end=date(2027, 8, 31)) == mask
    assert av.blocked_masks(profile, date(2027, 9, 1))[1] & mask  # over in September
    counts = av.slot_counts(profile, JULY, next(iter(sch.slots(mask))))
    assert (counts.under_11, counts.under_11_cap, counts.free_older) == (6, 8, 2)


def test_the_extension_never_adds_places_under_three():
    licence = av.LicenceTerms(4, 4, date(2020, 1, 1), date(2035, 1, 1), date(2027, 7, 1), date(2027, 8, 31), 2)
    babies = [av.Occupant(JULY - timedelta(days=200 + i), sch.ALL) for i in range(4)]
    young, older = av.blocked_masks(av.Profile([licence], babies), JULY)
    assert young & sch.to_mask(MONDAY) and not older & sch.to_mask(MONDAY)


def test_a_summer_child_does_not_block_september():
    staff = make_staff()
    childminder = make_childminder(max_children=1, max_under_3=1)
    add_child(childminder, date(2025, 1, 10), MONDAY, start=date(2027, 9, 1))  # from September on
    summer = services.add_contract(staff, childminder, child_first_name="Zoé", birth_date=date(2024, 3, 1),
                                   schedule=MONDAY, start_date=date(2027, 7, 1), end_date=date(2027, 8, 31))
    assert summer.id
    with pytest.raises(services.PlaceUnavailable):  # one day into September: the place is taken
        services.add_contract(staff, childminder, child_first_name="Noé", birth_date=date(2024, 3, 1),
                              schedule=MONDAY, start_date=date(2027, 6, 1), end_date=date(2027, 9, 1))


def test_a_running_extension_is_used_by_the_service():
    staff = make_staff()
    childminder = make_childminder(max_children=4, max_under_3=4)
    licence = childminder.licences[0]
    licence.extension_from, licence.extension_until, licence.extension_places = date(2027, 7, 1), date(2027, 8, 31), 2
    db.session.commit()
    for age in (6, 8):
        add_own_child(childminder, date(2027 - age, 1, 1))
    for n in range(4):
        add_child(childminder, date(2023, 1, 1 + n), MONDAY, start=date(2027, 1, 1), name=f"E{n}")
    services.add_contract(staff, childminder, child_first_name="Lina", birth_date=date(2020, 5, 1), schedule=MONDAY,
                          start_date=date(2027, 7, 1), end_date=date(2027, 8, 31))
    with pytest.raises(services.PlaceUnavailable):
        services.add_contract(staff, childminder, child_first_name="Tao", birth_date=date(2020, 5, 1),
                              schedule=MONDAY, start_date=date(2027, 7, 1), end_date=date(2027, 9, 1))
    assert db.session.get(Licence, licence.id).max_children == 4  # the licence itself is unchanged


# ---------------------------------------------------------------- salary

def test_hours_beyond_45_are_raised():
    result = salary.simulate(hourly_rate=Decimal("4.00"), hours_per_week=Decimal("50"), full_year=True,
                             on=date(2027, 1, 4))
    # 45 h × 4.00 + 5 h × 4.40 = 202.00 a week; × 52 / 12 = 875.33
    assert result.raised_hours_per_week == Decimal("5") and result.raised_rate == Decimal("4.40")
    assert result.monthly_base == Decimal("875.33")
    assert result.warnings and "48 heures" in result.warnings[0]
    flat = salary.simulate(hourly_rate=Decimal("4.00"), hours_per_week=Decimal("45"), full_year=True,
                           on=date(2027, 1, 4))
    assert flat.raised_hours_per_week == 0 and flat.monthly_base == Decimal("780.00") and not flat.warnings


def test_48_hours_is_not_yet_warned_and_the_raise_is_a_dated_rule():
    assert not salary.simulate(hourly_rate=Decimal("4.00"), hours_per_week=Decimal("48"), full_year=True,
                               on=date(2027, 1, 4)).warnings
    rules.set_value(salary.RAISE_RATE.key, "0.25", valid_from=date(2027, 6, 1), note="Contrat type")
    db.session.commit()
    assert salary.simulate(hourly_rate=Decimal("4.00"), hours_per_week=Decimal("46"), full_year=True,
                           on=date(2027, 6, 1)).raised_rate == Decimal("5.00")
    assert "IDCC 3239" in salary.RAISE_RATE.source and "L423-22" in salary.AVERAGE_HOURS_WARNING.source


def test_the_simulator_page_shows_the_raise_and_the_warning(client):
    page = client.get("/relais/simulateur-salaire", query_string={
        "hourly_rate": "4.00", "hours_per_week": "60", "year_kind": "full", "days_per_week": "5"})
    text = page.get_data(as_text=True)
    assert page.status_code == 200, text[:500]
    assert "Heures majorées" in text and "L423-22" in text


@pytest.mark.slow
@settings(max_examples=150, deadline=None)
@given(rate=st.decimals("3.64", "20", places=2), hours=st.decimals("1", "60", places=1))
def test_property_pay_grows_with_hours_and_never_below_the_flat_rate(rate, hours):
    with_raise = salary.simulate(hourly_rate=rate, hours_per_week=hours, full_year=True, on=date(2027, 1, 4))
    flat = salary.money(rate * hours * 52 / 12)
    assert with_raise.monthly_base >= flat
    more = salary.simulate(hourly_rate=rate, hours_per_week=min(hours + Decimal("0.5"), Decimal("60")),
                           full_year=True, on=date(2027, 1, 4))
    assert more.monthly_base >= with_raise.monthly_base
    assert bool(with_raise.warnings) == (hours > 48)
