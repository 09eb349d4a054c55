"""Inclusion's plug-ins into booking: admission checks, register cards, extra staff.

Booking never imports inclusion; everything is registered here when the app is created.
"""
from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    import app.inclusion.access  # noqa: F401  (registers the inclusion policies)
    from app.booking.admission import register_check
    from app.booking.allocation import register_priority_provider
    from app.booking.register_cards import register_card_provider
    from app.booking.staffing import register_extra_staff_provider
    from app.inclusion.adaptation import adaptation_check
    from app.inclusion.cards import extra_staff_for_session
    from app.inclusion.cards import register_card_provider as inclusion_cards
    from app.inclusion.plans import preparation_check
    from app.inclusion.services import purge
    from app.notifications.jobs import register_daily_job

    # The adaptation check may refuse (rhythm only); the preparation check only ever holds.
    register_check(adaptation_check)
    register_check(preparation_check)
    register_card_provider(inclusion_cards)
    register_extra_staff_provider(extra_staff_for_session)
    register_daily_job("inclusion.purge", purge)
    # Allocation by draw may give priority to children with a reception plan;
    # it only learns yes or no, never the content of the plan.
    register_priority_provider("reception_plan", has_active_plan)


def has_active_plan(child, site) -> bool:
    from app.inclusion.plans import active_version

    return active_version(child.id, site.id) is not None
