"""The composition root (app/composition.py) is the one wiring place: every registry on `app.extensions`
is filled exactly as it says, each application has its own, and a missing module fails create_app.

The declarations made next to what they name (`@policy`, `rules.define`, each API module's `DOC`) only
mark or build values; the root reads those of the modules it lists, and the tests below check that no
declaration sits in a module the root does not list."""
from __future__ import annotations

import importlib
import pkgutil
import re
import sys
from pathlib import Path

import pytest

import app as app_package
from app import create_app
from app.accounts.access import PolicyRegistry
from app.accounts.scopes import ScopeRegistry
from app.api.openapi import ApiRegistry
from app.billing.registry import BillingRegistry
from app.booking.registry import BookingRegistry
from app.families.services import FamiliesRegistry
from app.navigation import NavigationRegistry
from app.notifications.registry import NotificationRegistry
from app.occasional.relais import OccasionalRegistry
from app.registries import installed
from app.rules.registry import RuleRegistry, declared_rules
from config import TestConfig

APP = Path(app_package.__file__).resolve().parent
REGISTRIES = (ScopeRegistry, FamiliesRegistry, NotificationRegistry, BookingRegistry, BillingRegistry,
              OccasionalRegistry, PolicyRegistry, NavigationRegistry, RuleRegistry, ApiRegistry)


def every_app_module():
    """Every module of the app package, imported (as the root imports what it lists)."""
    for info in pkgutil.walk_packages([str(APP)], "app."):
        yield importlib.import_module(info.name)


def names(functions) -> list[str]:
    return [f"{fn.__module__}.{fn.__qualname__}" for fn in functions]


def test_booking_registry_holds_what_the_root_registers(app):
    booking = installed(app, BookingRegistry)
    # Booking eligibility checks (admission): inclusion's preparation check holds a place, never refuses.
    assert names(booking.admission_checks) == ["app.inclusion.plans.preparation_check"]
    assert {code: names(fns) for code, fns in booking.priority_providers.items()} == {
        "reception_plan": ["app.inclusion.plans.has_active_plan"]}
    assert names(booking.day_plan_providers) == ["app.inclusion.adaptation.day_plans"]
    assert names(booking.release_listeners) == ["app.inclusion.plans.cancel_meeting_without_held_bookings"]
    assert names(booking.card_providers) == ["app.inclusion.cards.register_card_provider"]
    assert names(booking.alert_providers) == ["app.inclusion.cards.alert_provider"]
    assert names(booking.extra_staff_providers) == ["app.inclusion.cards.extra_staff_for_session"]
    assert names(booking.household_feed_sources) == ["app.occasional.feeds.household_events"]
    assert names(booking.household_gates) == ["app.payments.services.booking_refusal"]
    assert names([booking.pricer]) == ["app.billing.pricing.booking_price"]


def test_billing_occasional_and_families_registries(app):
    billing = installed(app, BillingRegistry)
    # In this order: a statement lists occasional care, adaptation days, then the bookings.
    assert names(billing.statement_sources) == ["app.occasional.billing.occasional_statement_lines",
                                                "app.inclusion.adaptation.statement_lines",
                                                "app.billing.sources.booking_statement_lines"]
    assert names(billing.caf_hours_sources) == ["app.billing.sources.booking_attended_slots"]
    assert names(billing.aeeh_sources) == ["app.inclusion.reports.aeeh_children"]
    assert names(billing.psu_hours_sources) == ["app.occasional.billing.psu_lines"]
    assert names(billing.statement_closed) == ["app.payments.services.issue_invoice"]
    assert names(installed(app, OccasionalRegistry).relais_bridges) == [
        "app.ram.occasional_bridge.demand_from_occasional_request"]
    assert installed(app, FamiliesRegistry).child_removal_checks == []


def test_scopes_jobs_and_kinds(app):
    scopes = installed(app, ScopeRegistry).handlers
    assert {kind: names([h.assign]) for kind, h in scopes.items()} == {
        "site": ["app.sites.scopes.assign_sites"],
        "occasional_provider": ["app.occasional.provider_staff.assign_providers"],
        "relais": ["app.ram.relais_staff.assign_relais"]}
    notifications = installed(app, NotificationRegistry)
    assert sorted(notifications.jobs) == [
        "booking.lapse_offers", "booking.reminders", "families.quotient_reminders", "inclusion.purge",
        "inclusion.review_due", "notifications.purge_sent_messages", "payments.reminders",
        "payments.sepa_settle", "payments.tax_certificates", "payments.tresor", "ram.stale_reminders",
        "ram.workshop_reminders"]
    kinds = notifications.kinds
    by_prefix: dict[str, int] = {}
    for kind in kinds:
        prefix = kind.split(".")[0]
        by_prefix[prefix] = by_prefix.get(prefix, 0) + 1
    assert by_prefix == {"account": 6, "families": 4, "booking": 8, "occasional": 5, "inclusion": 6,
                         "ram": 5, "billing": 1, "payments": 4}
    assert kinds["booking.promoted"].essential and not kinds["booking.reminder"].essential


def test_template_helpers_and_policies(app):
    for name in ("number", "hours", "day_long", "day_short", "euros", "decimal_fr"):
        assert name in app.jinja_env.filters
    for name in ("day_plans", "submission_day_plans", "billing_qf_notice", "payments_unpaid_balance",
                 "invoice_status_labels", "payment_method_labels", "transaction_status_labels"):
        assert name in app.jinja_env.globals


def test_every_policy_declared_in_the_code_is_registered(app):
    from app.composition import POLICY_MODULES

    policies = installed(app, PolicyRegistry).policies
    assert {fn.__module__ for fn, _hide in policies.values()} == set(POLICY_MODULES)
    # Each `@policy(...)` line of the code is one registered action: none sits in a module the root misses.
    declared = {}
    for path in APP.rglob("*.py"):
        count = len(re.findall(r"^@policy\(", path.read_text(encoding="utf-8"), flags=re.M))
        if count:
            module = "app." + path.relative_to(APP).with_suffix("").as_posix().replace("/", ".")
            declared[module.removesuffix(".__init__")] = count
    registered: dict[str, int] = {}
    for fn, _hide in policies.values():
        registered[fn.__module__] = registered.get(fn.__module__, 0) + 1
    assert registered == declared
    from app.booking.access import Action

    assert policies[Action.BOOK_FOR_CHILD][1] is True and policies["accounts.manage_accounts"][1] is False


def test_every_rule_declared_in_the_code_is_registered(app):
    from app.composition import RULE_MODULES

    registered = installed(app, RuleRegistry).rules
    found = {rule.key: rule for module in every_app_module() for rule in declared_rules(module)}
    assert found == registered
    assert all(declared_rules(importlib.import_module(name)) for name in RULE_MODULES)
    assert {"booking.promotion_grace_days", "payments.block_booking_when_unpaid",
            "staffing.pedt_short_over6", "occasional.cnaf_effort_rate_4_7"} <= set(registered)


def test_the_menu_and_the_api_document_are_the_roots(app):
    from app.composition import API_MODULES

    items = installed(app, NavigationRegistry).items
    endpoints = [item.endpoint for item in items]
    assert len(endpoints) == len(set(endpoints)) == 37
    assert set(endpoints) <= {rule.endpoint for rule in app.url_map.iter_rules()}
    api = installed(app, ApiRegistry)
    modules = [importlib.import_module(name) for name in API_MODULES]
    assert sorted(api.paths) == sorted({path for m in modules for path in m.DOC.paths})
    assert set(api.schemas) == {name for m in modules for name in m.DOC.schemas}
    assert {"/auth/token", "/openapi.json", "/bookings", "/children", "/occasional/bookings"} <= set(api.paths)
    # Every API module of the code is listed (its routes are on the blueprint, its paths in the document).
    assert {m.__name__ for m in every_app_module() if m.__name__.startswith("app.api.")
            and hasattr(m, "DOC")} == set(API_MODULES)


def test_each_application_has_its_own_registries(app):
    other = create_app(TestConfig)
    for kind in REGISTRIES:
        assert installed(other, kind) is not installed(app, kind), kind
        assert installed(other, kind) == installed(app, kind), kind  # filled alike, by the same root
    with other.app_context():
        from app.booking.admission import register_check, unregister_check

        def refuse_nothing(child, session):  # pragma: no cover - never called
            raise AssertionError

        register_check(refuse_nothing)
        try:
            assert refuse_nothing in installed(other, BookingRegistry).admission_checks
            assert refuse_nothing not in installed(app, BookingRegistry).admission_checks
        finally:
            unregister_check(refuse_nothing)
        from app.navigation import register_nav

        register_nav("Essai", "main.index", [], order=99)
        assert [i.endpoint for i in installed(other, NavigationRegistry).items][-1] == "main.index"
        assert "main.index" not in [i.endpoint for i in installed(app, NavigationRegistry).items]


def test_no_registry_outside_an_application_built_by_the_root():
    from flask import Flask

    from app.accounts.access import can
    from app.accounts.models import Role
    from app.api.openapi import openapi_document
    from app.booking.registry import booking_registry
    from app.navigation import navigation_for
    from app.rules import all_rules

    class Someone:  # no database is touched
        is_authenticated = is_active = True
        role = Role.ADMIN

    bare = Flask("bare")
    with bare.test_request_context():
        for read in (booking_registry, all_rules, openapi_document, lambda: can(Someone(), "payments.manage"),
                     lambda: navigation_for(Someone())):
            with pytest.raises(LookupError, match="app/composition.py"):
                read()


def test_no_declaration_is_kept_in_a_module_global():
    """The former module-global registries are gone (the values live on app.extensions)."""
    from app import navigation
    from app.accounts import access
    from app.api import openapi
    from app.rules import registry

    assert not [name for module, name in ((access, "_POLICIES"), (navigation, "_ITEMS"), (registry, "_RULES"),
                                          (openapi, "_PATHS"), (openapi, "_SCHEMAS")) if hasattr(module, name)]


@pytest.mark.parametrize("missing", ["app.desk.models", "app.desk.views", "app.occasional.cli",
                                     "app.payments.access", "app.billing.caf", "app.api.children"])
def test_a_missing_module_fails_create_app(monkeypatch, missing):
    monkeypatch.setitem(sys.modules, missing, None)  # as if the file had been deleted
    with pytest.raises(ModuleNotFoundError):
        create_app(TestConfig)


def test_a_missing_plug_in_fails_create_app(monkeypatch):
    """A module the root imports for a registration (the Relais bridge) is not skipped when missing."""
    monkeypatch.delitem(sys.modules, "app.composition")
    monkeypatch.setitem(sys.modules, "app.ram.occasional_bridge", None)
    with pytest.raises(ModuleNotFoundError):
        create_app(TestConfig)


@pytest.mark.parametrize(("listing", "module", "message"), [
    ("POLICY_MODULES", "app.formats", "declares no policy"),
    ("RULE_MODULES", "app.formats", "declares no rule"),
])
def test_a_listed_module_that_declares_nothing_fails_create_app(monkeypatch, listing, module, message):
    """A wrong name in the root's lists is not skipped: the module must declare what the list says."""
    from app import composition

    monkeypatch.setattr(composition, listing, (*getattr(composition, listing), module))
    with pytest.raises(RuntimeError, match=message):
        create_app(TestConfig)


def test_an_api_module_without_its_document_fails_create_app(monkeypatch):
    from app import composition

    monkeypatch.setattr(composition, "API_MODULES", (*composition.API_MODULES, "app.api.fields"))
    with pytest.raises(AttributeError, match="DOC"):
        create_app(TestConfig)


def test_an_action_decided_twice_fails_create_app(monkeypatch):
    from app import composition

    monkeypatch.setattr(composition, "POLICY_MODULES", (*composition.POLICY_MODULES, "app.payments.access"))
    with pytest.raises(RuntimeError, match="registered twice"):
        create_app(TestConfig)
