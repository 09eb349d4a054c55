"""The CNAF national scale (PSU) as dated rules, and the occasional-care hours the CAF funds:
heures réalisées (recorded arrival to departure) vs heures facturées (booked, plus any overstay)."""
from __future__ import annotations

from datetime import date, time
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app import rules
from app.extensions import db
from app.occasional.billing import (
    EFFORT_RATES,
    RESOURCES_CEILING,
    booking_psu_hours,
    cnaf_hourly_rate,
    provider_psu_hours,
)
from app.occasional.models import CareBand, OccasionalBooking, RequestStatus
from tests.occasional.factories import MONDAY, make_family, make_provider

DAY = date(2026, 3, 16)


@pytest.mark.parametrize("resources, children, disabled, rate", [
    (Decimal("3000"), 1, False, Decimal("1.86")),   # 3000 × 0.0619 % = 1.857
    (Decimal("3000"), 2, False, Decimal("1.55")),   # × 0.0516 %
    (Decimal("3000"), 1, True, Decimal("1.55")),    # AEEH: the next band's rate
    (Decimal("3000"), 5, False, Decimal("0.93")),   # 4 to 7 children: 0.0310 %
    (Decimal("3000"), 8, False, Decimal("0.62")),   # 8 and more: 0.0206 %
    (Decimal("200"), 1, False, Decimal("0.50")),    # the floor: 801 × 0.0619 %
    (Decimal("20000"), 1, False, Decimal("4.33")),  # the ceiling: 7000 × 0.0619 %
])
def test_the_national_scale(resources, children, disabled, rate):
    assert cnaf_hourly_rate(resources, children, DAY, disabled_child=disabled) == rate


def test_the_scale_is_a_dated_rule_with_its_source():
    assert "PSU" in EFFORT_RATES[0].source and "CNAF" in RESOURCES_CEILING.source
    rules.set_value(RESOURCES_CEILING.key, "7500", valid_from=date(2027, 1, 1), note="Circulaire annuelle")
    db.session.commit()
    assert cnaf_hourly_rate(Decimal("20000"), 1, date(2026, 12, 31)) == Decimal("4.33")
    assert cnaf_hourly_rate(Decimal("20000"), 1, date(2027, 1, 1)) == Decimal("4.64")


def _booking(start, end, arrived=None, left=None):
    return OccasionalBooking(day=DAY, starts_at=start, ends_at=end, arrived_at=arrived, left_at=left)


@pytest.mark.parametrize("booked, recorded, realised, billed", [
    ((time(18, 0), time(21, 0)), (time(18, 0), time(21, 0)), "3.00", "3.00"),
    ((time(18, 0), time(21, 0)), (time(18, 10), time(20, 0)), "2.00", "3.00"),    # left early: billed as booked
    ((time(18, 0), time(21, 0)), (time(18, 0), time(21, 20)), "3.50", "3.50"),    # stayed late: a started half-hour
    ((time(18, 0), time(21, 0)), (time(17, 40), time(21, 0)), "3.50", "3.50"),
    ((time(18, 0), time(21, 0)), (None, None), "0.00", "3.00"),                    # absent
])
def test_hours_realised_and_billed_from_arrival_and_departure(booked, recorded, realised, billed):
    r, b = booking_psu_hours(_booking(*booked, *recorded), 30)
    assert (r, b) == (Decimal(realised), Decimal(billed))


def test_a_provider_month_for_the_caf():
    provider = make_provider()
    _p, _h, child = make_family()
    _p2, _h2, other = make_family(first_name="Nino")
    rows = [(child, MONDAY, time(18, 0), time(21, 0), time(18, 5), time(21, 20), RequestStatus.CONFIRMED),
            (other, MONDAY, time(5, 0), time(8, 0), None, None, RequestStatus.CONFIRMED),
            (other, date(2026, 3, 17), time(5, 0), time(8, 0), time(5, 0), time(8, 0), RequestStatus.CANCELLED),
            (child, date(2026, 4, 1), time(18, 0), time(21, 0), time(18, 0), time(21, 0), RequestStatus.CONFIRMED)]
    for kid, day, start, end, arrived, left, status in rows:
        db.session.add(OccasionalBooking(child_id=kid.id, provider_id=provider.id, day=day, starts_at=start,
                                         ends_at=end, arrived_at=arrived, left_at=left, status=status,
                                         band=CareBand.WALKING, submission_id="test"))
    db.session.commit()
    hours = provider_psu_hours(provider.id, date(2026, 3, 1), date(2026, 3, 31))
    assert (hours.realised, hours.billed, hours.children, hours.bookings) == (Decimal("3.50"), Decimal("6.50"), 2, 2)


@pytest.mark.slow
@settings(max_examples=200, deadline=None)
@given(start=st.integers(300, 1200), length=st.integers(30, 240), early=st.integers(-60, 60),
       late=st.integers(-60, 60))
def test_property_billed_covers_the_booking_and_the_presence(start, length, early, late):
    def t(m):
        return time(m // 60, m % 60)
    arrive, leave = start + early, start + length + late
    if not 0 <= arrive < leave <= 1439:
        return
    realised, billed = booking_psu_hours(_booking(t(start), t(start + length), t(arrive), t(leave)), 30)
    assert billed >= realised
    assert billed * 60 >= length and realised * 60 >= leave - arrive


# ---------------------------------------------------------------- a provider on the national scale prices bookings

def _scale_provider():
    from app.occasional.models import Pricing

    provider = make_provider(pricing=Pricing.CNAF_SCALE)  # its own tariff (1.20 € / 2.50 €) no longer applies
    return provider


def _request(parent, child, provider, start="18:00", end="21:00"):
    from app.occasional import services
    from tests.occasional.factories import NOW

    answer = services.request_care(parent, child.id, provider.id, MONDAY, start, end, now=NOW).answers[0]
    assert answer.status == "confirmed"
    return db.session.get(OccasionalBooking, answer.booking_id)


@pytest.mark.parametrize("qf, second_child, aeeh, hourly", [
    (650, False, False, Decimal("1.01")),   # QF 650 × 2.5 parts = 1625 € × 0.0619 % = 1.006
    (1200, True, False, Decimal("1.86")),   # two children: 1200 × 3 parts = 3600 € × 0.0516 %
    (1200, True, True, Decimal("1.73")),    # one receives AEEH: ½ part more, next band: 4200 € × 0.0413 %
    (100, False, False, Decimal("0.50")),   # 250 € is under the floor: 801 € × 0.0619 %
])
def test_a_scale_provider_prices_a_booking_from_the_households_validated_resources(qf, second_child, aeeh, hourly):
    from tests.factories import make_child
    from tests.inclusion.factories import make_needs

    provider = _scale_provider()
    parent, household, child = make_family(family_quotient=qf)
    household.family_quotient_valid_until = date(2026, 12, 31)
    if second_child:
        sister = make_child(household, birth_date=date(2019, 5, 2), first_name="Zoé")
        if aeeh:
            make_needs(sister, has_aeeh=True)
    db.session.commit()
    booking = _request(parent, child, provider)
    assert (booking.hourly_price, booking.price) == (hourly, hourly * 3)
    # Frozen on the booking: a quotient validated later changes the next request only.
    household.family_quotient = 5000
    db.session.commit()
    db.session.expire_all()
    assert db.session.get(OccasionalBooking, booking.id).hourly_price == hourly


def test_a_declaration_not_validated_yet_does_not_lower_the_scale_price():
    """A household without a validated quotient pays at the ceiling (7000 € × 0.0619 % = 4.33 €); declaring
    QF 100 changes nothing until staff validate it, and an expired quotient stops counting."""
    from app.families import services as family_services
    from tests.families.test_services import household_data

    provider = _scale_provider()
    parent, household, child = make_family(family_quotient=None)
    family_services.update_household(parent, household_data(family_quotient=100), today=date(2026, 3, 2))
    db.session.expire_all()
    assert db.session.get(type(household), household.id).family_quotient is None  # pending, not validated
    assert _request(parent, child, provider).hourly_price == Decimal("4.33")
    household = db.session.get(type(household), household.id)
    household.family_quotient, household.family_quotient_valid_until = 100, date(2026, 3, 1)  # expired
    db.session.commit()
    assert _request(parent, child, provider, "05:00", "08:00").hourly_price == Decimal("4.33")


def test_a_provider_on_its_own_tariff_uses_only_a_quotient_still_valid():
    provider = make_provider()
    parent, household, child = make_family(family_quotient=650)  # 1.20 € band; 2.50 € above 700 or unknown
    household.family_quotient_valid_until = date(2026, 3, 1)
    db.session.commit()
    assert _request(parent, child, provider).hourly_price == Decimal("2.50")


# ---------------------------------------------------------------- the CAF report: heures réalisées vs facturées

def test_the_caf_report_shows_hours_realised_and_billed_per_provider(login_as):
    """Lou (18:00–21:00) arrives late and leaves early: 2 h réalisées, 3 h facturées. Nino (05:00–08:00)
    is brought early and stays late: 3.5 h réalisées and facturées. Another coordinator sees neither."""
    from app.accounts.models import Role
    from app.billing import caf
    from app.exports import to_csv
    from app.occasional import coordination
    from tests.factories import make_user
    from tests.occasional.factories import make_coordinator

    provider = _scale_provider()
    other_provider = make_provider("Multi-accueil Les Lucioles")
    coordinator = make_coordinator(provider)
    stranger = make_coordinator(other_provider)
    parent, _h, lou = make_family(family_quotient=650)
    parent2, _h2, nino = make_family(first_name="Nino")
    late_early = _request(parent, lou, provider)
    overstay = _request(parent2, nino, provider, "05:00", "08:00")
    coordination.record_attendance(coordinator, late_early.id, "18:20", "20:10")
    coordination.record_attendance(coordinator, overstay.id, "04:45", "08:10")
    report = caf.psu_report(coordinator, MONDAY)
    [line] = report.lines
    assert (line.provider, line.realised, line.billed, line.children, line.bookings) == (
        provider.name, Decimal("5.50"), Decimal("6.50"), 2, 2)
    assert [line.provider for line in caf.psu_report(stranger, MONDAY).lines] == [other_provider.name]
    assert len(caf.psu_report(make_user(Role.ADMIN), MONDAY).lines) == 2
    [table] = caf.psu_tables(report)
    assert f"{provider.name};2026-03;2;2;5,50;6,50" in to_csv(table).decode("utf-8-sig")
    client = login_as(coordinator)
    assert client.get("/facturation/caf?report=psu&month=2026-03").headers["Location"].endswith(
        "/caf/accueil-ponctuel/2026-03")
    page = client.get("/facturation/caf/accueil-ponctuel/2026-03").get_data(as_text=True)
    assert "Heures facturées" in page and "5,50" in page and "6,50" in page and other_provider.name not in page
    export = client.get("/facturation/caf/accueil-ponctuel/2026-03/export.csv")
    assert export.status_code == 200 and "5,50;6,50" in export.get_data(as_text=True)
    assert login_as(parent).get("/facturation/caf/accueil-ponctuel/2026-03").status_code in (403, 404)
