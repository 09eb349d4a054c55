"""Blocks: 30-minute granularity, boundaries, opening hours, age bands, prices."""
from datetime import date, time
from decimal import Decimal

import pytest

from app.extensions import db
from app.occasional import services
from app.occasional.blocks import check_range
from app.occasional.errors import InvalidRange, OutsideOpeningHours, RangeNotAligned
from app.occasional.models import CareBand, CareBlock, block_starts
from tests.occasional.factories import MONDAY, NOW, make_family, make_provider


def test_block_starts_are_half_hours():
    assert block_starts(time(5, 30), time(7, 0)) == [time(5, 30), time(6, 0), time(6, 30)]
    assert block_starts(time(5, 0), time(5, 30)) == [time(5, 0)]


def test_range_not_aligned_is_refused_in_french():
    provider = make_provider()
    with pytest.raises(RangeNotAligned) as error:
        check_range(provider, MONDAY, time(5, 15), time(7, 0))
    assert "demi-heure" in error.value.message and error.value.field == "start"
    with pytest.raises(RangeNotAligned):
        check_range(provider, MONDAY, time(5, 30), time(7, 10))


def test_end_must_follow_start():
    provider = make_provider()
    with pytest.raises(InvalidRange):
        check_range(provider, MONDAY, time(7, 0), time(7, 0))


def test_opening_hours_boundaries():
    provider = make_provider()
    assert len(check_range(provider, MONDAY, time(5, 0), time(8, 0))) == 6  # exactly the opening
    with pytest.raises(OutsideOpeningHours) as error:
        check_range(provider, MONDAY, time(7, 30), time(8, 30))  # last block after closing
    assert "05:00–08:00, 18:00–22:00" in error.value.message
    with pytest.raises(OutsideOpeningHours):
        check_range(provider, MONDAY, time(4, 30), time(5, 30))
    with pytest.raises(OutsideOpeningHours):
        check_range(provider, MONDAY, time(7, 0), time(19, 0))  # spans the midday closure
    sunday = date(2026, 3, 22)
    with pytest.raises(OutsideOpeningHours) as error:
        check_range(provider, sunday, time(5, 0), time(6, 0))
    assert "fermé" in error.value.message


def test_single_request_claims_every_block_and_prices_by_qf_band():
    provider = make_provider()
    parent, _household, child = make_family(family_quotient=650)
    result = services.request_care(parent, child.id, provider.id, MONDAY, "05:30", "08:00", now=NOW)
    answer = result.answers[0]
    assert answer.status == "confirmed"
    assert answer.price == "3.00"  # 2.5 h x 1.20 €
    blocks = db.session.query(CareBlock).order_by(CareBlock.starts_at).all()
    assert [b.starts_at for b in blocks] == [time(5, 30), time(6, 0), time(6, 30), time(7, 0), time(7, 30)]
    assert all(b.taken_walking == 1 and b.taken_not_walking == 0 for b in blocks)


def test_age_band_under_18_months_counts_as_not_walking():
    provider = make_provider()
    _p, _h, baby = make_family(birth_date=date(2025, 11, 1))
    _p, _h, toddler = make_family(birth_date=date(2024, 9, 16))  # exactly 18 months on MONDAY
    assert provider.band_for(baby, MONDAY) is CareBand.NOT_WALKING
    assert provider.band_for(toddler, MONDAY) is CareBand.WALKING


def test_full_block_names_the_block_and_offers_alternatives():
    provider = make_provider(walking=1)
    other = make_provider("Multi-accueil Les Petits Loups", periods=((time(7, 0), time(19, 0)),))
    first, _h, child1 = make_family()
    second, _h, child2 = make_family()
    services.request_care(first, child1.id, provider.id, MONDAY, "06:00", "06:30", now=NOW)
    answer = services.request_care(second, child2.id, provider.id, MONDAY, "05:30", "07:00", now=NOW).answers[0]
    assert answer.status == "full" and answer.full_blocks == ["06:00"]
    assert "06:00" in answer.reason
    here = [a for a in answer.alternatives if a["provider_id"] == provider.id]
    assert here[0]["start"] == "06:30" and here[0]["end"] == "08:00"
    assert any(a["provider_id"] == other.id and a["start"] == "07:00" for a in answer.alternatives)
    # Nothing written for a full answer.
    assert services.household_requests(second) == []


def test_price_without_qf_is_the_highest_band():
    provider = make_provider()
    parent, _h, child = make_family(family_quotient=None)
    answer = services.request_care(parent, child.id, provider.id, MONDAY, "05:00", "06:00", now=NOW).answers[0]
    assert answer.price == f"{Decimal('2.50'):.2f}"


def test_age_out_of_range_is_refused():
    provider = make_provider(max_age_months=36)
    parent, _h, child = make_family(birth_date=date(2020, 1, 1))
    answer = services.request_care(parent, child.id, provider.id, MONDAY, "05:00", "06:00", now=NOW).answers[0]
    assert answer.status == "refused" and answer.code == "age_out_of_range"


def test_closed_on_public_holidays_is_a_setting():
    provider = make_provider(closed_on_public_holidays=True)
    parent, _h, child = make_family()
    may_day = date(2026, 5, 1)  # a Friday
    with pytest.raises(OutsideOpeningHours) as error:
        check_range(provider, may_day, time(5, 0), time(6, 0))
    assert "jour férié" in error.value.message
    provider.closed_on_public_holidays = False
    db.session.commit()
    assert services.request_care(parent, child.id, provider.id, may_day, "05:00", "06:00",
                                 now=NOW).answers[0].status == "confirmed"
