"""Occasional care appears on the household's monthly statement."""
from decimal import Decimal

from app.billing.services import current_rules, month_drafts
from app.occasional import services
from tests.occasional.factories import MONDAY, NOW, make_family, make_provider


def test_confirmed_occasional_care_is_a_statement_line_at_the_frozen_hourly_price():
    provider = make_provider()
    parent, household, child = make_family()
    answer = services.request_care(parent, child.id, provider.id, MONDAY, "05:30", "08:00", now=NOW).answers[0]
    assert answer.status == "confirmed"
    lines = [d for d in month_drafts(MONDAY.replace(day=1), MONDAY.replace(day=31), household.id, current_rules())
             if d.source == "occasional"]
    assert len(lines) == 1
    line = lines[0]
    assert line.day == MONDAY and line.child_name == child.full_name
    assert line.amount == (line.unit_price * Decimal("2.5")).quantize(Decimal("0.01"))
    assert "05:30–08:00" in line.label and "2,50 h" in line.detail
