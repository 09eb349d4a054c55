"""Missing tariffs (issue 16): a booking is never free by accident; administrators see the gaps."""
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
import time_machine
from sqlalchemy import func, select

from app import rules
from app.accounts.models import Role
from app.billing import pricing
from app.booking import services as booking_services
from app.booking.models import Booking, Tariff
from app.errors import Forbidden
from app.extensions import db
from tests.api.support import bearer, error_of
from tests.booking.factories import NOW, WEDNESDAY, make_activity, make_parent_with_child, make_session, make_unit
from tests.factories import make_user


def _resident_grid_only():
    """The issue's case: a unit with a resident grid (by QF band) and no tariff for other families."""
    unit = make_unit(make_activity(), tariffs=False)
    for qf_min, qf_max, price in ((0, 600, "3.25"), (601, None, "9.80")):
        db.session.add(Tariff(unit=unit, qf_min=qf_min, qf_max=qf_max, resident=True, price=Decimal(price),
                              valid_from=date(2025, 9, 1)))
    db.session.commit()
    return make_session(unit)


def _count() -> int:
    return db.session.scalar(select(func.count(Booking.id)))


def test_household_outside_the_agglomeration_without_tariff_is_refused_not_free():
    session = _resident_grid_only()
    parent, _household, child = make_parent_with_child(commune_insee=None, family_quotient=400)
    result = booking_services.book(parent, [(child.id, session.id)], now=NOW)
    item = result.items[0]
    assert item.status == "refused" and item.code == "no_applicable_tariff"
    assert "Aucun tarif ne s'applique à votre foyer" in item.reason
    assert _count() == 0


def test_fallback_rule_charges_the_highest_price_of_the_grid_from_its_date():
    session = _resident_grid_only()
    admin = make_user(Role.ADMIN)
    rules.set_value(pricing.MISSING_TARIFF_FALLBACK.key, pricing.HIGHEST, valid_from=WEDNESDAY,
                    by_user_id=admin.id, note="Délibération du 2 mars 2026")
    db.session.commit()
    parent, _household, child = make_parent_with_child(commune_insee=None, family_quotient=0)
    result = booking_services.book(parent, [(child.id, session.id)], now=NOW)
    assert result.items[0].status == "confirmed" and result.items[0].price == "9.80"
    assert db.session.scalar(select(Booking.price)) == Decimal("9.80")
    # The day before the rule applies, the same booking is refused.
    earlier = make_session(session.unit, day=date(2026, 3, 11))
    refused = booking_services.book(parent, [(child.id, earlier.id)], now=NOW).items[0]
    assert refused.status == "refused" and refused.code == "no_applicable_tariff"


def test_fallback_rule_accepts_only_its_choices():
    with pytest.raises(rules.RuleError):
        rules.set_value(pricing.MISSING_TARIFF_FALLBACK.key, "free", valid_from=WEDNESDAY)


def test_unit_without_any_tariff_is_refused_even_with_the_fallback():
    rules.set_value(pricing.MISSING_TARIFF_FALLBACK.key, pricing.HIGHEST, valid_from=date(2020, 1, 1))
    db.session.commit()
    session = make_session(make_unit(tariffs=False))
    parent, _household, child = make_parent_with_child()
    assert booking_services.book(parent, [(child.id, session.id)], now=NOW).items[0].code == "no_applicable_tariff"


def test_api_refuses_a_booking_without_tariff_with_the_message(client):
    session = _resident_grid_only()
    parent, _household, child = make_parent_with_child(commune_insee=None)
    with time_machine.travel(NOW, tick=False):
        response = client.post("/api/v1/bookings", headers=bearer(parent),
                               json={"child_id": child.id, "session_id": session.id})
    assert response.status_code == 409
    error = error_of(response)
    assert error["code"] == "no_applicable_tariff" and "Aucun tarif" in error["message"]
    assert _count() == 0


def test_uncovered_bands():
    assert pricing.uncovered_bands([]) == [(0, None)]
    assert pricing.uncovered_bands([(0, 600), (601, None)]) == []
    assert pricing.uncovered_bands([(0, 600), (801, 1200)]) == [(601, 800), (1201, None)]
    assert pricing.uncovered_bands([(100, None), (0, 50)]) == [(51, 99)]


def test_tariff_gaps_listed_for_administrators_only(client):
    from tests.conftest import login

    session = _resident_grid_only()
    admin = make_user(Role.ADMIN)
    gaps = pricing.tariff_gaps(admin, on=date(2026, 3, 18))
    assert [(g.unit_id, g.resident, g.bands) for g in gaps] == [(session.unit_id, False, ("QF 0 et plus",))]
    with pytest.raises(Forbidden):
        pricing.tariff_gaps(make_user(Role.DIRECTOR))
    with time_machine.travel(datetime(2026, 3, 2, 9, tzinfo=UTC), tick=False):
        login(client, admin)
        page = client.get("/facturation/tarifs").get_data(as_text=True)
    assert "Tarifs manquants" in page and "QF 0 et plus" in page and "refuser la réservation" in page


def test_draw_refuses_a_wish_without_tariff_instead_of_booking_it_free():
    from app.booking.allocation.draw import run_draw
    from tests.booking.allocation_factories import AFTER_CLOSE, add_request, make_draw_setup, make_family

    director, period, (session,) = make_draw_setup(rules=())
    db.session.execute(Tariff.__table__.delete().where(Tariff.unit_id == session.unit_id,
                                                       Tariff.resident.is_(False)))
    db.session.commit()
    _pa, resident, children_a = make_family()
    _pb, outsider, children_b = make_family(resident=False)
    add_request(period, resident, children_a, [session])
    add_request(period, outsider, children_b, [session])
    result = run_draw(director, period.id, seed="tarif", now=AFTER_CLOSE)
    statuses = sorted(o.status for o in result.outcomes)
    assert statuses == ["confirmed", "refused"]
    refused = next(o for o in result.outcomes if o.status == "refused")
    assert "Aucun tarif" in refused.reason
    assert [b.price for b in db.session.scalars(select(Booking))] == [Decimal("8.50")]
