"""Permissions in one style: every decision that depends on the account's role is taken in an access module.

- Templates never compare `current_user.role` (or any `.role.value`): they call `can(current_user, action, obj)`
  or a helper the view passes from the domain's access module.
- Python modules compare a user's role only in the domains' `access.py` modules (SQL filters on
  `User.role` select accounts and are not decisions). There is no exception: `User` has no role
  helper (`has_role`, `is_staff`) either, so a decision cannot hide behind one.
- Actions are named one way: as the members of the `Action` class of the domain's access module. Code
  and templates (through the root's `actions` global) pass those members to `can(`, `require(` and
  `@policy(`; an action's string is written once, in its class.
- The role rules moved there keep their behaviour (tests/security/test_access_matrix.py and the domains'
  permission tests); a few are checked directly below.
"""
from __future__ import annotations

import ast
import importlib
import re
from pathlib import Path

from app.accounts.models import Role
from tests.factories import make_user

APP = Path(__file__).resolve().parent.parent / "app"

# `user.role == …`, `current_user.role not in …`, `current_api_user().role != …`, `x.role.value == …`
PY_ROLE = re.compile(r"(\w+(?:\(\))?)\.role\s*(?:==|!=|is not\b|is\b|not in\b|in\b)"
                     r"|\.role\.value\s*(?:==|!=|not in\b|in\b)")
TEMPLATE_ROLE = re.compile(r"\.role(?:\.value|\.name)?\s*(?:==|!=|not in\b|in\b|is\b)")


def _python_comparisons() -> dict[str, int]:
    found = {}
    for path in APP.rglob("*.py"):
        if path.name == "access.py":
            continue
        count = sum(1 for m in PY_ROLE.finditer(path.read_text(encoding="utf-8")) if m.group(1) != "User")
        if count:
            found[path.relative_to(APP).as_posix()] = count
    return found


# `can(current_user, "billing.manage")`, `require(user, 'x')`: a quoted action in a template
TEMPLATE_LITERAL_ACTION = re.compile(r"\b(?:can|require)\(\s*[^,()]+,\s*[\"']")
CHECKS = {"can": 1, "require": 1, "policy": 0}  # the function and the position of its action argument
ENDPOINT_FUNCTIONS = {"url_for", "public_url"}


def _name(func: ast.expr) -> str | None:
    return func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else None


def _literal_actions(source: str) -> list[str]:
    """The calls of `source` that name their action with a string literal (or an f-string)."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Call) and _name(node.func) in CHECKS:
            position = CHECKS[_name(node.func)]
            arg = node.args[position] if len(node.args) > position else next(
                (k.value for k in node.keywords if k.arg == "action"), None)
            if isinstance(arg, ast.JoinedStr) or (isinstance(arg, ast.Constant) and isinstance(arg.value, str)):
                found.append(f"line {node.lineno}: {ast.unparse(node)[:80]}")
    return found


def _strings_outside_action_classes(source: str) -> set[str]:
    """Every string constant of `source` except docstrings and the members of `class Action`."""
    tree = ast.parse(source)
    skipped = {id(body[0].value) for node in ast.walk(tree)
               if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef)
               and (body := node.body) and isinstance(body[0], ast.Expr)}
    for node in ast.walk(tree):
        if isinstance(node, ast.ClassDef) and node.name == "Action":
            skipped |= {id(sub) for sub in ast.walk(node)}
        elif isinstance(node, ast.Call) and _name(node.func) in ENDPOINT_FUNCTIONS and node.args:
            skipped.add(id(node.args[0]))  # an endpoint may share an action's name ("families.add_child")
    return {node.value for node in ast.walk(tree)
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in skipped}


def test_actions_are_never_string_literals():
    offenders = {path.relative_to(APP).as_posix(): found for path in APP.rglob("*.py")
                 if (found := _literal_actions(path.read_text(encoding="utf-8")))}
    offenders |= {path.relative_to(APP).as_posix(): [m.group(0) for m in found] for path in APP.rglob("*.html")
                  if (found := list(TEMPLATE_LITERAL_ACTION.finditer(path.read_text(encoding="utf-8"))))}
    assert not offenders, (f"actions named by a string: {offenders}; use the member of the domain's "
                           "`Action` class (templates: `actions.<domain>.NAME`)")


def test_every_action_is_a_member_of_its_domains_action_class(app):
    """Every registered action is named in one `Action` class (exposed to templates), and its string
    appears nowhere else in app/ (a helper taking an action cannot be handed a literal either)."""
    from app.accounts.access import PolicyRegistry
    from app.composition import ACTION_MODULES
    from app.registries import current

    members: dict[str, str] = {}
    for module_name in ACTION_MODULES:
        domain = module_name.split(".")[1]
        for name, value in vars(importlib.import_module(module_name).Action).items():
            if not name.startswith("_"):
                assert value.startswith(f"{domain}."), (module_name, name, value)
                assert value not in members, f"{value} named twice: {members.get(value)} and {name}"
                members[value] = name
    with app.app_context():
        registered = set(current(PolicyRegistry).policies)
        assert app.jinja_env.globals["actions"]["billing"].MANAGE_BILLING == "billing.manage"
    assert registered == set(members), (registered ^ set(members))
    elsewhere = {path.relative_to(APP).as_posix(): sorted(strings & registered) for path in APP.rglob("*.py")
                 if (strings := _strings_outside_action_classes(path.read_text(encoding="utf-8"))) & registered}
    assert not elsewhere, elsewhere
    templates = {path.relative_to(APP).as_posix() for path in APP.rglob("*.html") for value in registered
                 if re.search(rf"(?<!url_for\()[\"']{re.escape(value)}[\"']", path.read_text(encoding="utf-8"))}
    assert not templates, templates


def test_the_scan_sees_a_literal_action():
    assert _literal_actions('require(user, "families.add_child", household)')
    assert _literal_actions('@policy("families.view_child")\ndef f(user, child): ...')
    assert _literal_actions('ok = access.can(user, f"booking.{name}")')
    assert not _literal_actions("require(user, Action.ADD_CHILD, household)\nrequire(user, action, child)")
    assert not _literal_actions("@policy(Action.VIEW_CHILD, hide=False)\ndef f(user, child): ...")
    assert TEMPLATE_LITERAL_ACTION.search("{% if can(current_user, 'billing.manage') %}")
    assert TEMPLATE_LITERAL_ACTION.search('{% if can(current_user, "payments.pay_invoice", invoice) %}')
    assert not TEMPLATE_LITERAL_ACTION.search("{% if can(current_user, actions.payments.MANAGE) %}")
    assert _strings_outside_action_classes('class Action:\n    A = "x.a"\n\nB = "x.b"\nurl_for("x.c")\n') == {"x.b"}


def test_templates_call_can_instead_of_comparing_roles():
    offenders = [f"{path.relative_to(APP)}: {m.group(0)}" for path in APP.rglob("*.html")
                 for m in TEMPLATE_ROLE.finditer(path.read_text(encoding="utf-8"))]
    assert not offenders, offenders


def test_role_comparisons_stay_in_the_access_modules():
    found = _python_comparisons()
    assert not found, (f"role comparisons outside the access modules: {found}; name the decision in the "
                       "domain's access.py (e.g. can_view_register(user, site)) and call it")


def test_the_user_model_has_no_role_helper():
    """A role helper on the model would be a way around the scan: decisions are named in access modules."""
    from app.accounts.models import User

    assert not [name for name in ("has_role", "is_staff", "is_admin", "is_parent") if hasattr(User, name)]


def test_permission_modules_share_one_name():
    assert not [p for p in APP.rglob("permissions.py") if "import" not in p.read_text(encoding="utf-8")
                or "def " in p.read_text(encoding="utf-8")], "permission rules live in access.py modules"


def test_the_scan_sees_a_role_comparison():
    assert PY_ROLE.search("if current_user.role != Role.ADMIN:")
    assert PY_ROLE.search("if current_api_user().role not in (Role.DIRECTOR,):")
    assert not [m for m in PY_ROLE.finditer("select(User).where(User.role == Role.DIRECTOR)")
                if m.group(1) != "User"]
    assert TEMPLATE_ROLE.search("{% if current_user.role.value == 'parent' %}")


def test_the_named_rules_decide_as_the_roles_did(app):
    from app.billing import access as billing
    from app.booking import access as booking
    from app.inclusion import access as inclusion
    from app.occasional import access as occasional
    from app.payments import access as payments
    from app.ram import access as ram

    users = {role: make_user(role) for role in Role}
    expected = {
        booking.works_at_sites: {Role.DIRECTOR, Role.ANIMATOR},
        booking.manages_sites: {Role.DIRECTOR, Role.ADMIN},
        booking.requests_places: {Role.PARENT},
        booking.creates_sites: {Role.ADMIN},
        booking.creates_sessions: {Role.DIRECTOR, Role.ADMIN},
        booking.books_as_family: {Role.PARENT},
        inclusion.works_at_sites: {Role.DIRECTOR, Role.ANIMATOR},
        inclusion.directs_sites: {Role.DIRECTOR},
        occasional.coordinates_providers: {Role.DIRECTOR},
        occasional.requests_care: {Role.PARENT},
        ram.files_demands_as_family: {Role.PARENT},
        ram.has_childminder_profile: {Role.CHILDMINDER},
        ram.sees_every_relais: {Role.ADMIN},
        billing.sees_quotient_notice: {Role.PARENT},
        payments.sees_unpaid_notice: {Role.PARENT},
        occasional.may_join_provider: {Role.DIRECTOR, Role.ANIMATOR},
    }
    for rule, roles in expected.items():
        assert {role for role, user in users.items() if rule(user)} == roles, rule.__qualname__
    from app.accounts.access import can

    assert {r for r, u in users.items() if can(u, billing.Action.CAF_REPORTS_HOME)} == {Role.DIRECTOR}
    assert {r for r, u in users.items() if can(u, billing.Action.LIST_SITE_CERTIFICATES)} == {Role.DIRECTOR,
                                                                                              Role.ADMIN}
    assert {r for r, u in users.items() if can(u, booking.Action.REQUEST_PLACES)} == {Role.PARENT}
    assert {r for r, u in users.items() if can(u, booking.Action.CREATE_SITE)} == {Role.ADMIN}


def test_the_account_rules_decide_as_the_roles_did(app):
    from app.accounts.access import gives_up_administration, may_give_role, sees_menu_entry
    from app.occasional.access import may_join_provider

    owners, staff = {Role.PARENT, Role.CHILDMINDER}, set(Role) - {Role.PARENT, Role.CHILDMINDER}
    for role in Role:
        user = make_user(role)
        # An owner's account keeps its role; staff roles change among themselves.
        given = {new for new in Role if may_give_role(user, new)}
        assert given == ({role} if role in owners else staff), role
        assert {new for new in Role if gives_up_administration(user, new)} == (
            set(Role) - {Role.ADMIN} if role == Role.ADMIN else set()), role
        assert sees_menu_entry(user, frozenset({role})) and not sees_menu_entry(user, frozenset(set(Role) - {role}))
    inactive = make_user(Role.DIRECTOR, active=False)
    assert not may_join_provider(inactive)
