"""The composition root (app/composition.py) is the one wiring place: every registry on `app.extensions`
is filled exactly as it says, each application has its own, and a missing module fails create_app."""
from __future__ import annotations

import sys

import pytest

from app import create_app
from app.accounts import access as permissions
from app.accounts.scopes import ScopeRegistry
from app.billing.registry import BillingRegistry
from app.booking.registry import BookingRegistry
from app.families.services import FamiliesRegistry
from app.notifications.registry import NotificationRegistry
from app.occasional.relais import OccasionalRegistry
from app.registries import installed
from config import TestConfig


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
    # Every module listed as declaring policies declares at least one, and they all are loaded.
    from app.composition import POLICY_MODULES

    declared = {fn.__module__ for fn, _hide in permissions._POLICIES.values()}
    assert declared == set(POLICY_MODULES)


def test_each_application_has_its_own_registries(app):
    other = create_app(TestConfig)
    assert installed(other, BookingRegistry) is not installed(app, BookingRegistry)
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


def test_no_registry_outside_an_application_built_by_the_root():
    from flask import Flask

    bare = Flask("bare")
    with bare.app_context(), pytest.raises(LookupError, match="app/composition.py"):
        from app.booking.registry import booking_registry

        booking_registry()


@pytest.mark.parametrize("missing", ["app.desk.models", "app.desk.views", "app.occasional.cli",
                                     "app.payments.access"])
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
