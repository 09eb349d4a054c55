from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from sqlalchemy import select

from app.accounts.models import Role
from app.billing import tariffs
from app.billing.registry import money
from app.booking import services as booking_services
from app.booking.catalogue import price_for
from app.booking.models import Booking, Tariff
from app.errors import Conflict, Forbidden, ValidationFailed
from app.extensions import db
from tests.billing.factories import make_unit_at
from tests.booking.factories import make_parent_with_child, make_session, make_site
from tests.factories import make_household, make_user


@pytest.fixture
def admin():
    return make_user(Role.ADMIN)


@pytest.fixture
def unit():
    return make_unit_at(make_site())


def _grid(admin, unit):
    # 2025-26 school year: three resident bands and one non-resident price.
    for qf_min, qf_max, price in ((0, 600, "5.00"), (601, 900, "8.50"), (901, None, "11.50")):
        tariffs.add_tariff(admin, unit.id, qf_min=qf_min, qf_max=qf_max, resident=True, price=Decimal(price),
                           valid_from=date(2025, 9, 1), valid_until=date(2026, 8, 31))
    tariffs.add_tariff(admin, unit.id, qf_min=0, qf_max=None, resident=False, price=Decimal("19.00"),
                       valid_from=date(2025, 9, 1), valid_until=date(2026, 8, 31))
    # 2026-27: every price goes up.
    tariffs.add_tariff(admin, unit.id, qf_min=0, qf_max=600, resident=True, price=Decimal("5.20"),
                       valid_from=date(2026, 9, 1))
    tariffs.add_tariff(admin, unit.id, qf_min=601, qf_max=None, resident=True, price=Decimal("9.00"),
                       valid_from=date(2026, 9, 1))


@pytest.mark.parametrize("qf, day, expected", [
    (0, date(2025, 9, 1), "5.00"),       # first day of validity (inclusive)
    (600, date(2026, 8, 31), "5.00"),    # upper band bound and last day, both inclusive
    (601, date(2026, 8, 31), "8.50"),
    (900, date(2026, 3, 18), "8.50"),
    (901, date(2026, 3, 18), "11.50"),
    (5000, date(2026, 3, 18), "11.50"),
    (600, date(2026, 9, 1), "5.20"),     # the new school year's grid starts the next day
    (1500, date(2026, 9, 1), "9.00"),
    (None, date(2026, 3, 18), "11.50"),  # unknown QF: highest band
])
def test_price_by_band_and_date_boundaries(admin, unit, qf, day, expected):
    _grid(admin, unit)
    household = make_household(family_quotient=qf)
    assert price_for(unit, household, day) == Decimal(expected)


def test_residents_and_non_residents_have_their_own_grid(admin, unit):
    _grid(admin, unit)
    outsider = make_household(commune_insee=None, family_quotient=300)
    assert price_for(unit, outsider, date(2026, 3, 18)) == Decimal("19.00")
    assert price_for(unit, outsider, date(2026, 9, 2)) is None  # no non-resident grid for 2026-27 yet
    assert price_for(unit, outsider, date(2025, 8, 31)) is None  # before any validity


def test_overlapping_validity_is_refused_in_french(admin, unit):
    _grid(admin, unit)
    with pytest.raises(Conflict) as error:
        tariffs.add_tariff(admin, unit.id, qf_min=500, qf_max=700, resident=True, price=Decimal("6.00"),
                           valid_from=date(2026, 8, 31), valid_until=None)
    assert error.value.code == "tariff_overlap" and "chevauche" in error.value.message
    # The same band for non-residents does not clash with residents' prices.
    tariffs.add_tariff(admin, unit.id, qf_min=0, qf_max=None, resident=False, price=Decimal("20.00"),
                       valid_from=date(2026, 9, 1))
    # Touching periods (the day after the last day) are fine.
    tariffs.end_tariff(admin, db.session.scalar(select(Tariff.id).where(
        Tariff.unit_id == unit.id, Tariff.price == Decimal("9.00"))), date(2027, 8, 31))
    tariffs.add_tariff(admin, unit.id, qf_min=601, qf_max=None, resident=True, price=Decimal("9.40"),
                       valid_from=date(2027, 9, 1))


def test_tariff_validation_and_deletion_rules(admin, unit):
    with pytest.raises(ValidationFailed):
        tariffs.add_tariff(admin, unit.id, qf_min=800, qf_max=600, resident=True, price=Decimal("1"),
                           valid_from=date(2026, 9, 1))
    with pytest.raises(ValidationFailed):
        tariffs.add_tariff(admin, unit.id, qf_min=0, qf_max=None, resident=True, price=Decimal("1"),
                           valid_from=date(2026, 9, 1), valid_until=date(2026, 8, 31))
    with pytest.raises(ValidationFailed):
        tariffs.add_tariff(admin, unit.id, qf_min=0, qf_max=None, resident=True, price=Decimal("1.005"),
                           valid_from=date(2026, 9, 1))
    in_force = tariffs.add_tariff(admin, unit.id, qf_min=0, qf_max=None, resident=True, price=Decimal("4"),
                                  valid_from=date(2026, 1, 1), valid_until=date(2026, 12, 31))
    future = tariffs.add_tariff(admin, unit.id, qf_min=0, qf_max=None, resident=True, price=Decimal("5"),
                                valid_from=date(2027, 1, 1))
    with pytest.raises(Conflict):
        tariffs.delete_tariff(admin, in_force.id, today=date(2026, 6, 1))
    tariffs.delete_tariff(admin, future.id, today=date(2026, 6, 1))
    assert db.session.get(Tariff, future.id) is None


def test_only_the_administrator_manages_tariffs(unit):
    director = make_user(Role.DIRECTOR)
    with pytest.raises(Forbidden):
        tariffs.add_tariff(director, unit.id, qf_min=0, qf_max=None, resident=True, price=Decimal("1"),
                           valid_from=date(2026, 9, 1))


def test_a_new_grid_never_changes_a_booking_already_made(admin):
    site = make_site()
    unit = make_unit_at(site)
    tariffs.add_tariff(admin, unit.id, qf_min=0, qf_max=None, resident=True, price=Decimal("8.50"),
                       valid_from=date(2025, 9, 1))
    session = make_session(unit, day=date(2026, 9, 16))
    parent, household, child = make_parent_with_child()
    now = datetime(2026, 8, 20, 9, 0, tzinfo=UTC)
    booking_services.book(parent, [(child.id, session.id)], now=now)
    # The new school year's grid is entered afterwards, for days already booked.
    old = db.session.scalar(select(Tariff).where(Tariff.unit_id == unit.id))
    tariffs.end_tariff(admin, old.id, date(2026, 8, 31))
    tariffs.add_tariff(admin, unit.id, qf_min=0, qf_max=None, resident=True, price=Decimal("9.90"),
                       valid_from=date(2026, 9, 1))
    booking = db.session.scalar(select(Booking))
    assert booking.price == Decimal("8.50")
    assert price_for(unit, household, session.day) == Decimal("9.90")


@pytest.mark.parametrize("value, expected", [("2.675", "2.68"), ("2.665", "2.67"), ("3.125", "3.13"),
                                             ("0.005", "0.01"), ("0.004", "0.00"), ("-1.005", "-1.01")])
def test_money_rounds_half_up_to_the_cent(value, expected):
    assert money(Decimal(value)) == Decimal(expected)
    assert str(money(Decimal(value))) == expected


def test_a_new_school_year_grid_is_renewed_with_an_increase(admin, unit):
    tariffs.add_tariff(admin, unit.id, qf_min=0, qf_max=600, resident=True, price=Decimal("5.00"),
                       valid_from=date(2025, 9, 1))
    tariffs.add_tariff(admin, unit.id, qf_min=601, qf_max=None, resident=True, price=Decimal("8.45"),
                       valid_from=date(2025, 9, 1))
    tariffs.add_tariff(admin, unit.id, qf_min=0, qf_max=None, resident=False, price=Decimal("19.00"),
                       valid_from=date(2025, 9, 1), valid_until=date(2026, 6, 30))  # ended: not renewed
    assert tariffs.renew_grid(admin, unit.activity_id, date(2026, 9, 1), Decimal("3")) == 2
    household = make_household(family_quotient=700)
    assert price_for(unit, household, date(2026, 8, 31)) == Decimal("8.45")
    assert price_for(unit, household, date(2026, 9, 1)) == Decimal("8.70")  # 8.7035 -> 8.70
    assert price_for(unit, make_household(family_quotient=100), date(2026, 9, 1)) == Decimal("5.15")
    with pytest.raises(Conflict):  # an open-ended copy from August would overlap September's grid
        tariffs.renew_grid(admin, unit.activity_id, date(2026, 8, 1))
    db.session.expire_all()
    assert price_for(unit, household, date(2026, 8, 15)) == Decimal("8.45")  # nothing half-done
    with pytest.raises(ValidationFailed):
        tariffs.renew_grid(admin, unit.activity_id, date(2025, 9, 1))  # nothing in force the day before


def test_renewing_from_the_page(admin, unit, login_as):
    from tests.conftest import get_csrf

    tariffs.add_tariff(admin, unit.id, qf_min=0, qf_max=None, resident=True, price=Decimal("5.00"),
                       valid_from=date(2025, 9, 1))
    client = login_as(admin)
    token = get_csrf(client, "/facturation/tarifs")
    response = client.post(f"/facturation/tarifs/activites/{unit.activity_id}/nouvelle-grille",
                           data={"csrf_token": token, "starts_on": "2026-09-01", "increase_percent": "2,5"},
                           follow_redirects=True)
    assert "Nouvelle grille créée : 1 tarif à partir du 01/09/2026" in response.get_data(as_text=True)
    assert price_for(unit, make_household(family_quotient=100), date(2026, 9, 1)) == Decimal("5.13")
