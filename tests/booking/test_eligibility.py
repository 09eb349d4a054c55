"""Eligibility by age in months or from school entry (petite section), beside whole years."""
from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from app.booking import services
from app.booking.eligibility import age_in_months, age_refusal, school_entry_day
from app.booking.models import AgeBand, Booking, BookingStatus
from app.extensions import db
from tests.booking.factories import make_activity, make_parent_with_child, make_session, make_unit

SEPTEMBER_WEDNESDAY = date(2026, 9, 16)
BEFORE_RENTREE = date(2026, 8, 26)
NOW = datetime(2026, 8, 20, 8, tzinfo=UTC)
NOVEMBER_BIRTH = date(2023, 11, 10)  # turns 3 in November 2026: petite section from September 2026


def _book(activity, day):
    parent, _h, child = make_parent_with_child(birth_date=NOVEMBER_BIRTH)
    session = make_session(make_unit(activity), day=day)
    return services.book(parent, [(child.id, session.id)], now=NOW).items[0]


def test_a_child_in_petite_section_is_admitted_on_a_september_wednesday():
    item = _book(make_activity(min_age=3, admits_from_school_entry=True), SEPTEMBER_WEDNESDAY)
    assert item.booking_id, item
    booking = db.session.get(Booking, item.booking_id)
    assert booking.status is BookingStatus.CONFIRMED and booking.age_band is AgeBand.UNDER6


def test_by_whole_years_alone_the_same_child_is_refused():
    item = _book(make_activity(min_age=3), SEPTEMBER_WEDNESDAY)
    assert item.booking_id is None and item.code == "age_out_of_range"
    assert "Léo aura 2 ans ce jour-là" in item.reason


def test_before_the_rentree_the_child_is_not_yet_at_school():
    item = _book(make_activity(min_age=3, admits_from_school_entry=True), BEFORE_RENTREE)
    assert item.booking_id is None and "rentrée du 01/09/2026" in item.reason


@pytest.mark.parametrize("day, admitted", [(date(2026, 5, 9), False), (date(2026, 5, 10), True)])
def test_by_age_in_months(day, admitted):
    activity = make_activity(min_age=3, min_age_months=30)
    _p, _h, child = make_parent_with_child(birth_date=NOVEMBER_BIRTH)
    refusal = age_refusal(child, activity, day)
    assert (refusal is None) is admitted
    if refusal:
        assert refusal.code == "age_out_of_range" and "29 mois" in refusal.reason


def test_the_upper_bound_stays_in_years():
    activity = make_activity(min_age=3, max_age=11, admits_from_school_entry=True)
    _p, _h, child = make_parent_with_child(birth_date=date(2014, 9, 16))
    assert age_refusal(child, activity, date(2026, 9, 15)) is None  # 11 until the eve of the 12th birthday
    assert "12 ans" in age_refusal(child, activity, date(2026, 9, 16)).reason


@pytest.mark.parametrize("birth, day, months", [
    (date(2023, 1, 31), date(2023, 2, 28), 0), (date(2023, 1, 31), date(2023, 3, 1), 1),
    (date(2020, 2, 29), date(2023, 2, 28), 35), (date(2020, 2, 29), date(2023, 3, 1), 36),
    (date(2023, 12, 31), date(2026, 12, 31), 36), (date(2023, 12, 31), date(2026, 12, 30), 35),
])
def test_age_in_months_at_month_ends(birth, day, months):
    assert age_in_months(birth, day) == months


def test_school_entry_is_the_rentree_of_the_year_of_the_third_birthday():
    assert school_entry_day(date(2023, 1, 1)) == date(2026, 9, 1)
    assert school_entry_day(date(2023, 12, 31)) == date(2026, 9, 1)


def test_the_activity_form_sets_school_entry(login_as):
    from tests.booking.factories import make_site, make_staff
    from tests.conftest import csrf_token_from

    site = make_site()
    activity = make_activity(site)
    client = login_as(make_staff(site))
    url = f"/accueils/activites/{activity.id}"
    page = client.get(url).get_data(as_text=True)
    assert "entrée en petite section" in page
    response = client.post(url, data={
        "csrf_token": csrf_token_from(page), "activity-name": "Mercredis", "activity-kind": "periscolaire",
        "activity-min_age": "3", "activity-max_age": "11", "activity-min_age_months": "",
        "activity-admits_from_school_entry": "y", "activity-regime": "pedt_short",
        "activity-booking_deadline_days": "2", "activity-booking_deadline_time": "12:00",
        "activity-cancel_deadline_days": "2", "activity-cancel_deadline_time": "12:00"})
    assert response.status_code == 302
    db.session.refresh(activity)
    assert activity.admits_from_school_entry is True and activity.min_age_months is None
