"""Billing's plug-ins: its policies, the booking sources, template helpers (prices, QF notice)."""
from __future__ import annotations

from decimal import Decimal

from flask import Flask

from app import clock


def euros(value) -> str:
    """1234.5 -> "1 234,50 €" (French format; the value is a Decimal rounded to the cent)."""
    if value is None:
        return ""
    from app.billing.registry import money

    text = f"{money(Decimal(value)):,.2f}".replace(",", "\u202f").replace(".", ",")
    return f"{text}\u00a0€"


def decimal_fr(value, places: int = 2) -> str:
    """12.5 -> "12,50" (hours and counts in French pages)."""
    if value is None:
        return ""
    return f"{Decimal(value):.{places}f}".replace(".", ",")


def qf_notice() -> dict | None:
    """The logged-in parent's quotient familial and its validity, shown with the prices."""

    from flask_login import current_user

    from app.accounts.models import Role
    from app.booking.access import household_of

    if not getattr(current_user, "is_authenticated", False) or current_user.role != Role.PARENT:
        return None
    household = household_of(current_user)
    if household is None:
        return None
    valid_until = household.family_quotient_valid_until
    return {"family_quotient": household.family_quotient, "valid_until": valid_until,
            "expired": valid_until is not None and valid_until < clock.today(),
            "resident": household.is_resident}


def init_app(flask_app: Flask) -> None:
    import importlib

    importlib.import_module("app.billing.access")  # registers the billing policies
    from app.billing.registry import register_caf_hours_source, register_statement_source
    from app.billing.sources import booking_attended_slots, booking_statement_lines

    register_statement_source(booking_statement_lines)
    register_caf_hours_source(booking_attended_slots)
    from app.billing.pricing import booking_price
    from app.booking.pricing import register_pricer

    register_pricer(booking_price)
    flask_app.add_template_filter(euros, "euros")
    flask_app.add_template_filter(decimal_fr, "decimal_fr")
    flask_app.add_template_global(qf_notice, "billing_qf_notice")

    from flask_babel import lazy_gettext as _l

    from app.accounts.models import Role
    from app.notifications.kinds import register_kind

    register_kind("billing.statement_ready", _l("Relevé mensuel disponible"), roles=[Role.PARENT])
