"""Named actions, checked in one place.

Each domain names its actions as the members of one `Action` class in its access module
(the string values are the registry's keys) and declares a policy per action next to the rule
it names:

    @policy(Action.BOOK_FOR_CHILD)
    def _can_book(user, child): ...

The decorator only marks the function; the composition root (app/composition.py,
POLICY_MODULES) reads the marks of the modules it lists into the application's
PolicyRegistry (app.extensions), so two applications never share a policy and none
depends on which page happened to be imported first. Service functions call
`require(user, action, obj)`; templates call `can(user, action, obj)` with the same members
(the root exposes every domain's `Action` to Jinja as `actions`, e.g.
`can(current_user, actions.billing.MANAGE_BILLING)`); never a string literal
(tests/test_access_modules.py). The HTML
pages and the API therefore cannot disagree. Actions on another household's
objects raise NotFound, so their existence is never confirmed.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import wraps
from types import ModuleType
from typing import Any

from flask import abort
from flask_login import current_user

from app.accounts.models import Role, User
from app.errors import Forbidden, NotFound
from app.registries import current


class Action:
    MANAGE_ACCOUNTS = "accounts.manage_accounts"  # search and edit accounts: administrators (403)


PolicyFn = Callable[[User, Any], bool]
_MARK = "__pitchoun_policies__"  # on a policy function: the ((action, hide), ...) it decides


@dataclass
class PolicyRegistry:
    """The rule deciding each action, with hide (a refusal is a 404) or not (a 403)."""

    policies: dict[str, tuple[PolicyFn, bool]] = field(default_factory=dict)


def policy(action: str, *, hide: bool = True) -> Callable[[PolicyFn], PolicyFn]:
    """Declare `fn` as the rule deciding `action`. With hide=True, a refusal is a 404.

    The function is returned unchanged, marked; `register_policies` reads the mark."""

    def decorator(fn: PolicyFn) -> PolicyFn:
        setattr(fn, _MARK, (*getattr(fn, _MARK, ()), (action, hide)))
        return fn

    return decorator


def register_policies(module: ModuleType) -> None:
    """Register every policy `module` declares in the current application; a module that declares
    none (a wrong name in the root's list) or an action decided twice is a programming error."""
    declared = [(action, value, hide) for value in vars(module).values()
                if getattr(value, "__module__", None) == module.__name__
                for action, hide in getattr(value, _MARK, ())]
    if not declared:
        raise RuntimeError(f"{module.__name__} declares no policy")
    policies = current(PolicyRegistry).policies
    for action, fn, hide in declared:
        if action in policies:
            raise RuntimeError(f"policy for {action!r} registered twice")
        policies[action] = (fn, hide)


def can(user: User | None, action: str, obj: Any = None) -> bool:
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    try:
        fn, _hide = current(PolicyRegistry).policies[action]
    except KeyError:  # an unknown action is a programming error, never a grant
        raise RuntimeError(f"no policy registered for action {action!r}") from None
    return bool(fn(user, obj))


def require(user: User | None, action: str, obj: Any = None) -> None:
    if can(user, action, obj):
        return
    _fn, hide = current(PolicyRegistry).policies[action]
    raise NotFound() if hide else Forbidden()


def administers(user: User | None) -> bool:
    """The administrator: accounts, the outbox's failures, every site's settings."""
    return user is not None and getattr(user, "is_authenticated", False) and user.role == Role.ADMIN


# Roles whose accounts own personal records (a household, a childminder's file): an administrator
# never turns them into staff accounts, nor a staff account into one of them.
OWNER_ROLES = frozenset({Role.PARENT, Role.CHILDMINDER})


def may_give_role(user: User, role: Role) -> bool:
    """Whether an administrator may give `user` the role `role`: a parent's or a childminder's account
    keeps its role, and no staff account becomes one of them (create another account instead)."""
    return role == user.role or (role not in OWNER_ROLES and user.role not in OWNER_ROLES)


def gives_up_administration(user: User, role: Role) -> bool:
    """Whether giving `user` the role `role` takes the administrator's role away from the account."""
    return user.role == Role.ADMIN and role != Role.ADMIN


def sees_menu_entry(user: User, roles: frozenset[Role]) -> bool:
    """A menu entry is shown to the roles it is declared for (app/navigation.py)."""
    return user.role in roles


def roles_required(*roles: Role):
    """View decorator: the logged-in user must have one of `roles` (else 403)."""

    def decorator(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            if not current_user.is_authenticated:
                from app.extensions import login_manager

                return login_manager.unauthorized()
            if current_user.role not in roles:
                abort(403)
            return view(*args, **kwargs)

        return wrapped

    return decorator


def registered_actions() -> list[str]:
    return sorted(current(PolicyRegistry).policies)
