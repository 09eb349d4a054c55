"""Inclusion's plug-ins into booking: the preparation check, register cards, extra staff, adaptation steps.

Booking never imports inclusion; everything is registered here when the app is created.
"""
from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    import app.inclusion.access  # noqa: F401  (registers the inclusion policies)
    import app.inclusion.health  # noqa: F401  (and the health form's)
    from app.booking.admission import register_check
    from app.booking.allocation import register_priority_provider
    from app.booking.hooks import register_day_plan_provider
    from app.booking.preparation import register_release_listener
    from app.booking.register_cards import register_alert_provider, register_card_provider
    from app.booking.staffing import register_extra_staff_provider
    from app.inclusion.adaptation import day_plans
    from app.inclusion.cards import alert_provider, extra_staff_for_session
    from app.inclusion.cards import register_card_provider as inclusion_cards
    from app.inclusion.plans import cancel_meeting_without_held_bookings, preparation_check
    from app.inclusion.services import purge
    from app.notifications.jobs import register_daily_job

    # The preparation check only ever holds. Adaptation is no admission check: it never refuses nor
    # holds a place; it gives the step's hours to the booked days through booking's day plans.
    register_check(preparation_check)
    register_release_listener(cancel_meeting_without_held_bookings)
    register_day_plan_provider(day_plans)
    register_card_provider(inclusion_cards)
    register_alert_provider(alert_provider)
    register_extra_staff_provider(extra_staff_for_session)
    register_daily_job("inclusion.purge", purge)
    # Allocation by draw may give priority to children with a reception plan;
    # it only learns yes or no, never the content of the plan.
    register_priority_provider("reception_plan", has_active_plan)

    from flask_babel import lazy_gettext as _l

    from app.accounts.models import Role
    from app.billing.registry import register_aeeh_source, register_statement_source
    from app.inclusion.adaptation import statement_lines as adaptation_lines
    from app.inclusion.reports import aeeh_children
    from app.notifications.kinds import register_kind

    register_aeeh_source(aeeh_children)
    # Adaptation days billed at the planned hours or not at all (rule "inclusion.adaptation_billing").
    register_statement_source(adaptation_lines)
    # The preparation of a child's welcome cannot be switched off: it is the point of the module.
    register_kind("inclusion.meeting_proposal", _l("Enfant à préparer avant son arrivée"), essential=True,
                  roles=[Role.DIRECTOR])
    register_kind("inclusion.meeting_invitation", _l("Invitation à la rencontre de préparation"), essential=True,
                  roles=[Role.PARENT])
    register_kind("inclusion.meeting_cancelled", _l("Annulation de la rencontre de préparation"), essential=True,
                  roles=[Role.PARENT])
    register_kind("inclusion.plan_shared", _l("Projet d'accueil à lire et valider"), essential=True,
                  roles=[Role.PARENT])
    register_kind("inclusion.review_due", _l("Bilan d'un projet d'accueil à prévoir"), essential=True,
                  roles=[Role.DIRECTOR])
    from app.inclusion.reviews import JOB_NAME as REVIEW_JOB
    from app.inclusion.reviews import send_review_due_notices

    register_daily_job(REVIEW_JOB, send_review_due_notices)
    register_kind("inclusion.booking_confirmed", _l("Réservation confirmée après la préparation"), essential=True,
                  roles=[Role.PARENT])


def has_active_plan(child, site) -> bool:
    from app.inclusion.plans import active_version

    return active_version(child.id, site.id) is not None
