"""Payments' plug-ins: its policies, the invoice issued at each statement's closing, the daily job."""
from __future__ import annotations

from flask import Flask


def _issue(statement) -> None:
    from app.payments.services import issue_invoice

    issue_invoice(statement)


def _unpaid_balance():
    """The logged-in parent's household's overdue balance (informative, shown before booking)."""
    from flask_login import current_user

    from app.accounts.models import Role
    from app.booking.access import household_of
    from app.payments.services import household_unpaid_balance

    if not getattr(current_user, "is_authenticated", False) or current_user.role != Role.PARENT:
        return None
    household = household_of(current_user)
    if household is None:
        return None
    balance = household_unpaid_balance(household.id)
    return balance if balance > 0 else None


def init_app(flask_app: Flask) -> None:
    import importlib

    importlib.import_module("app.payments.access")  # registers the payments policies
    from app.billing.registry import register_statement_closed
    from app.notifications.jobs import register_daily_job
    from app.payments import services

    register_statement_closed(_issue)
    from app.booking.gates import register_household_gate

    register_household_gate(services.booking_refusal)  # the régie's setting, off by default
    register_daily_job("payments.tresor", services.send_overdue_to_tresor)
    register_daily_job("payments.reminders", services.send_due_reminders)
    from flask_babel import lazy_gettext as _l

    from app.accounts.models import Role
    from app.notifications.kinds import register_kind

    register_kind("payments.due_reminder", _l("Rappel avant la date limite de paiement d'une facture"),
                  roles=[Role.PARENT])
    register_kind("payments.sepa_prenotification", _l("Pré-notification d'un prélèvement SEPA"), essential=True)
    register_kind("payments.sepa_rejected", _l("Prélèvement SEPA rejeté"), essential=True)
    register_kind("payments.tax_certificate", _l("Attestation annuelle de frais de garde"), roles=[Role.PARENT])
    from app.payments import tax

    register_daily_job("payments.tax_certificates", tax.send_certificates)
    from app.payments import sepa

    register_daily_job("payments.sepa_settle", sepa.settle_direct_debits)
    flask_app.add_template_global(_unpaid_balance, "payments_unpaid_balance")
    flask_app.add_template_global(services.STATUS_LABELS, "invoice_status_labels")
    flask_app.add_template_global(services.METHOD_LABELS, "payment_method_labels")
    from app.payments.online import TRANSACTION_LABELS

    flask_app.add_template_global(TRANSACTION_LABELS, "transaction_status_labels")
    if flask_app.config.get("PAYMENT_SIMULATOR") and "payments_simulator" not in flask_app.blueprints:
        from app.payments import simulator

        flask_app.register_blueprint(simulator.bp)
