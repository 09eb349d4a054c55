"""Dated rules: the value in force on a day, append-only history, checked values."""
from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from app import rules
from app.extensions import db
from app.registries import installed

RATIO = rules.define("test.ratio_under_6", kind=int, default=8, label="Ratio de test", source="CASF R227-15",
                     unit="enfants", minimum=1, maximum=40)
SHARE = rules.define("test.share", kind=Decimal, default=Decimal("1.00"), label="Part", source="Délibération")


@pytest.fixture(autouse=True)
def _test_rules(app):
    """The two rules above, registered in the application for these tests only (as the root registers a
    module's rules)."""
    registry = installed(app, rules.RuleRegistry)
    registry.add(RATIO)
    registry.add(SHARE)
    yield
    del registry.rules[RATIO.key], registry.rules[SHARE.key]


def test_default_until_a_value_is_recorded(app):
    assert RATIO.value(on=date(2026, 12, 31)) == 8


def test_value_in_force_on_each_day_and_corrections_keep_the_history(app):
    rules.set_value(RATIO.key, 10, valid_from=date(2027, 1, 1), note="Nouveau PEDT")
    rules.set_value(RATIO.key, "12", valid_from=date(2027, 1, 1), note="Correction")
    db.session.commit()
    assert RATIO.value(on=date(2026, 12, 31)) == 8
    assert RATIO.value(on=date(2027, 1, 1)) == 12
    assert [row.note for row in rules.history(RATIO.key)] == ["Correction", "Nouveau PEDT"]


def test_refused_values_carry_a_french_message(app):
    with pytest.raises(rules.RuleError) as refused:
        rules.set_value(RATIO.key, "0", valid_from=date(2027, 1, 1))
    assert "au moins 1" in refused.value.message
    with pytest.raises(rules.RuleError):
        rules.set_value(SHARE.key, "NaN", valid_from=date(2027, 1, 1))
    rules.set_value(SHARE.key, "0,50", valid_from=date(2027, 1, 1))
    assert SHARE.value(on=date(2027, 2, 1)) == Decimal("0.50")


def test_a_rule_is_defined_once(app):
    other = rules.define("test.share", kind=Decimal, default=Decimal("0.90"), label="Part", source="Délibération")
    with pytest.raises(ValueError, match="defined twice"):
        installed(app, rules.RuleRegistry).add(other)
    installed(app, rules.RuleRegistry).add(SHARE)  # the same terms again: no error
    assert rules.get(SHARE.key) is SHARE


def test_a_declared_rule_is_unknown_to_an_application_that_did_not_register_it(app):
    unregistered = rules.define("test.unregistered", kind=int, default=1, label="Non déclarée", source="Test")
    with pytest.raises(KeyError):
        rules.set_value(unregistered.key, 2, valid_from=date(2027, 1, 1))
