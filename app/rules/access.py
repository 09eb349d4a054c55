"""Who may read and change the rules: the administrators (named action, checked by the services)."""
from __future__ import annotations

from app.accounts.access import policy
from app.accounts.models import Role, User


class Action:
    MANAGE_RULES = "rules.manage"  # read every rule with its history, record a new value from a date


@policy(Action.MANAGE_RULES, hide=False)
def _can_manage_rules(user: User, _obj=None) -> bool:
    return user.role == Role.ADMIN
