"""The registry of rules and the reading of the value in force on a day.

`define` declares a rule as a module constant (it registers nothing); the composition root
(app/composition.py, RULE_MODULES) reads the rules each listed module declares into the
application's RuleRegistry (app.extensions), which the settings page and `set_value` read.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from types import ModuleType
from typing import TYPE_CHECKING, Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import event, select
from sqlalchemy.orm import Session as OrmSession

from app import clock
from app.errors import ValidationFailed
from app.extensions import db
from app.registries import current

if TYPE_CHECKING:
    from app.rules.models import RuleValue

_KINDS = (int, Decimal, bool, str)


class RuleError(ValidationFailed):
    code = "invalid_rule_value"
    default_message = _l("Cette valeur ne convient pas pour cette règle.")


@dataclass(frozen=True)
class Rule:
    key: str
    kind: type
    default: Any
    label: str
    source: str
    unit: str = ""
    minimum: Any = None
    maximum: Any = None
    # For a str rule: the accepted values, as (value, French label) pairs.
    choices: tuple = ()

    def value(self, on: date | None = None) -> Any:
        """The value in force on `on` (today in Paris by default).

        A rule's recorded values are read once per transaction (a page that checks the staffing
        of a month of sessions asks the same rules for every day: one query per rule, not per day).
        """
        day = on or clock.today()
        text = next((text for valid_from, text in _recorded(self.key) if valid_from <= day), None)
        return self.default if text is None else self.parse(text)

    def parse(self, text: str) -> Any:
        """A stored or typed value, checked against the rule's kind and bounds."""
        raw = str(text).strip()
        try:
            if self.kind is bool:
                if raw.lower() not in {"true", "false", "1", "0", "oui", "non"}:
                    raise ValueError(raw)
                parsed: Any = raw.lower() in {"true", "1", "oui"}
            elif self.kind is int:
                parsed = int(raw)
            elif self.kind is Decimal:
                parsed = Decimal(raw.replace(",", "."))
                if not parsed.is_finite():
                    raise ValueError(raw)
            else:
                parsed = raw
                if self.choices and parsed not in {value for value, _label in self.choices}:
                    raise ValueError(raw)
        except (ValueError, InvalidOperation) as error:
            raise RuleError(field="value") from error
        if self.minimum is not None and parsed < self.minimum:
            raise RuleError(_l("La valeur doit être au moins %(minimum)s.", minimum=self.minimum), field="value")
        if self.maximum is not None and parsed > self.maximum:
            raise RuleError(_l("La valeur doit être au plus %(maximum)s.", maximum=self.maximum), field="value")
        return parsed

    def describe(self, value: Any) -> str:
        """The value as administrators read it (the label of a choice, oui/non)."""
        if self.kind is bool:
            return str(_l("oui")) if value else str(_l("non"))
        for choice, label in self.choices:
            if choice == value:
                return str(label)
        if isinstance(value, (int, float, Decimal)):
            from app.formats import number

            places = max(0, -value.as_tuple().exponent) if isinstance(value, Decimal) else None
            return number(value, places)  # "4,50", "7 000", as French writes numbers (a Decimal keeps its places)
        return str(value)

    def format(self, value: Any) -> str:
        if self.kind is bool:
            return "true" if value else "false"
        return str(value)


def _recorded(key: str) -> list[tuple[date, str]]:
    """(valid_from, value) of a rule, latest first, cached for the current transaction."""
    from app.rules.models import RuleValue

    cache = db.session.info.setdefault(_CACHE, {})
    if key not in cache:
        cache[key] = [tuple(row) for row in db.session.execute(
            select(RuleValue.valid_from, RuleValue.value).where(RuleValue.key == key)
            .order_by(RuleValue.valid_from.desc(), RuleValue.id.desc()))]
    return cache[key]


_CACHE = "pitchoun.rules"


@event.listens_for(OrmSession, "after_transaction_end")
def _forget_cached_values(session, transaction) -> None:
    if transaction.parent is None:  # the outermost transaction: the next one reads the rules again
        session.info.pop(_CACHE, None)


def define(key: str, *, kind: type, default: Any, label: str, source: str, unit: str = "",
           minimum: Any = None, maximum: Any = None, choices: tuple = ()) -> Rule:
    """Declare a rule (kept as a module constant, or in a dict or tuple of them); the composition root
    registers it in the application with the other rules of its module."""
    if kind not in _KINDS:
        raise TypeError(f"rule {key}: kind must be one of {_KINDS}")
    return Rule(key, kind, default, label, source, unit, minimum, maximum, tuple(choices))


@dataclass
class RuleRegistry:
    """The rules the application applies, by key."""

    rules: dict[str, Rule] = field(default_factory=dict)

    def add(self, rule: Rule) -> None:
        """Declaring the same key twice with other terms is a programming error."""
        existing = self.rules.get(rule.key)
        if existing is not None and existing != rule:
            raise ValueError(f"rule {rule.key} is defined twice with different terms")
        self.rules[rule.key] = rule


def declared_rules(module: ModuleType) -> list[Rule]:
    """The rules `module` holds: its Rule constants and those in its dicts, tuples and lists of them."""
    found: list[Rule] = []

    def walk(value: Any, depth: int) -> None:
        if isinstance(value, Rule):
            found.append(value)
        elif depth and isinstance(value, (dict, tuple, list)):
            for item in (value.values() if isinstance(value, dict) else value):
                walk(item, depth - 1)

    for value in vars(module).values():
        walk(value, 3)
    return found


def register_rules(module: ModuleType) -> None:
    """Register the rules `module` declares in the current application (none is a wrong name in the root)."""
    found = declared_rules(module)
    if not found:
        raise RuntimeError(f"{module.__name__} declares no rule")
    registry = current(RuleRegistry)
    for rule in found:
        registry.add(rule)


def get(key: str) -> Rule:
    return current(RuleRegistry).rules[key]


def all_rules() -> list[Rule]:
    return sorted(current(RuleRegistry).rules.values(), key=lambda rule: rule.key)


def history(key: str) -> list:
    from app.rules.models import RuleValue

    return list(db.session.scalars(
        select(RuleValue).where(RuleValue.key == key)
        .order_by(RuleValue.created_at.desc(), RuleValue.id.desc())))


def set_value(key: str, value: Any, *, valid_from: date, by_user_id: int | None = None,
              note: str = "") -> RuleValue:
    """Record the value a rule takes from `valid_from`, in the caller's transaction.

    Rows are never changed: a correction is a new row, and the latest row for a
    date wins. Raises RuleError when the value does not fit the rule.
    """
    from app.rules.models import RuleValue

    rule = get(key)
    parsed = rule.parse(value if isinstance(value, str) else rule.format(value))
    row = RuleValue(key=key, valid_from=valid_from, value=rule.format(parsed), note=note,
                    created_by_id=by_user_id, created_at=clock.now())
    db.session.add(row)
    db.session.flush()
    db.session.info.pop(_CACHE, None)
    return row
