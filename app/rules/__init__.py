"""Rules set by law or by the agglomeration's council, as dated settings.

Each rule is declared once by the domain that applies it (`define(...)`), with
its default, its unit and its source (the article of law or of the convention).
Administrators change a rule by recording a new value with the date from which
it applies; earlier values stay, so a past case is judged by the rule then in
force, and the rows themselves are the audit log (who, when, what, from when).

    GRACE = rules.define("booking.promotion_grace_days", kind=int, default=0,
                         label="…", source="Règlement intérieur", unit="jours")
    GRACE.value(on=session.day)

The composition root lists the modules that declare rules (RULE_MODULES) and registers them in
the application's RuleRegistry (app.extensions). The kernel imports no domain.
"""
from __future__ import annotations

from app.rules.registry import (
    Rule,
    RuleError,
    RuleRegistry,
    all_rules,
    define,
    get,
    history,
    register_rules,
    set_value,
)

__all__ = ["Rule", "RuleError", "RuleRegistry", "all_rules", "define", "get", "history", "register_rules",
           "set_value"]
