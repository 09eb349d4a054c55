"""Payments' plug-ins: its policies, the invoice issued at each statement's closing, the daily job."""
from __future__ import annotations

from flask import Flask


def _issue(statement) -> None:
    from app.payments.services import issue_invoice

    issue_invoice(statement)


def init_app(flask_app: Flask) -> None:
    import importlib

    importlib.import_module("app.payments.access")  # registers the payments policies
    from app.billing.registry import register_statement_closed
    from app.notifications.jobs import register_daily_job
    from app.payments import services

    register_statement_closed(_issue)
    register_daily_job("payments.tresor", services.send_overdue_to_tresor)
    flask_app.add_template_global(services.STATUS_LABELS, "invoice_status_labels")
    flask_app.add_template_global(services.METHOD_LABELS, "payment_method_labels")
    from app.payments.online import TRANSACTION_LABELS

    flask_app.add_template_global(TRANSACTION_LABELS, "transaction_status_labels")
    if flask_app.config.get("PAYMENT_SIMULATOR") and "payments_simulator" not in flask_app.blueprints:
        from app.payments import simulator

        flask_app.register_blueprint(simulator.bp)
