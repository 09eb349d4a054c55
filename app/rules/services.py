"""The administrators' settings page: every declared rule, its value in force, its history; new values.

One use case per function; the rows of `rule_value` are the audit log (who,
when, what, from which date), never changed.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import select

from app import clock
from app.accounts.access import require
from app.accounts.models import User
from app.errors import NotFound, ValidationFailed
from app.extensions import db
from app.rules.access import Action
from app.rules.models import RuleValue
from app.rules.registry import Rule, all_rules, get, set_value
from app.transactions import use_case


@dataclass
class Change:
    row: RuleValue
    value: str  # as administrators read it
    author: str


@dataclass
class RuleView:
    rule: Rule
    value: Any  # in force today
    shown: str
    upcoming: list[Change]  # recorded values starting after today
    history: list[Change]  # every recorded change, newest first

    @property
    def anchor(self) -> str:
        return "rule-" + self.rule.key.replace(".", "-").replace("_", "-")


def overview(user: User, today: date | None = None) -> list[RuleView]:
    """Every rule declared by the domains, with its value in force today and its history. Raises Forbidden."""
    require(user, Action.MANAGE_RULES)
    today = today or clock.today()
    rows = list(db.session.scalars(select(RuleValue).order_by(RuleValue.created_at.desc(), RuleValue.id.desc())))
    authors = {u.id: u for u in db.session.scalars(
        select(User).where(User.id.in_({r.created_by_id for r in rows if r.created_by_id is not None})))}
    by_key: dict[str, list[RuleValue]] = {}
    for row in rows:
        by_key.setdefault(row.key, []).append(row)
    views = []
    for rule in all_rules():
        changes = []
        for row in by_key.get(rule.key, []):
            author = authors.get(row.created_by_id) if row.created_by_id is not None else None
            try:
                shown = rule.describe(rule.parse(row.value))
            except ValidationFailed:
                shown = row.value
            changes.append(Change(row, shown, author.display_name if author else _("système")))
        value = rule.value(on=today)
        views.append(RuleView(rule, value, rule.describe(value),
                              sorted((c for c in changes if c.row.valid_from > today),
                                     key=lambda c: (c.row.valid_from, c.row.id)), changes))
    return views


@use_case
def record(user: User, key: str, value: str, valid_from: date | None, note: str = "",
           today: date | None = None) -> RuleValue:
    """Record a rule's new value from `valid_from` (today or later: a past case keeps the rule then in force).

    Raises Forbidden, NotFound (unknown rule), ValidationFailed on `value`,
    `valid_from` or `note`.
    """
    require(user, Action.MANAGE_RULES)
    try:
        rule = get(key)
    except KeyError:
        raise NotFound() from None
    today = today or clock.today()
    if valid_from is None:
        raise ValidationFailed(_("Indiquez la date à partir de laquelle la valeur s'applique."),
                               field="valid_from")
    if valid_from < today:
        raise ValidationFailed(_("La date d'effet ne peut pas être passée : les cas déjà jugés gardent "
                                 "la règle alors en vigueur."), field="valid_from")
    note = (note or "").strip()
    if len(note) > 500:
        raise ValidationFailed(_("La note est limitée à 500 caractères."), field="note")
    if not str(value or "").strip():
        raise ValidationFailed(_("Indiquez la nouvelle valeur."), field="value")
    row = set_value(rule.key, str(value), valid_from=valid_from, by_user_id=user.id, note=note)
    return row
