"""Booking's plug-ins into the kernel (the "site" staff scope), and the day-plan registry.

Day plans: another domain (inclusion's adaptation steps) may say that on a
booked day the child keeps other hours than the unit's: when to arrive, when
to be collected, whether a parent stays, whether the child has lunch. A
provider is `fn(booking_ids) -> {booking_id: DayPlan}`; booking shows the plan
on the family's pages, the e-mail, the registers and the calendar feed, and
never imports the provider. Nothing in a plan is health data.
"""
from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime, time

from flask import Flask


@dataclass(frozen=True)
class DayPlan:
    title: str  # e.g. "Adaptation, étape 1 sur 4 : une heure avec un parent"
    arrival: time
    pickup: time
    with_parent: bool
    with_meal: bool

    def starts_at(self, day: date) -> datetime:
        from app.clock import PARIS

        return datetime.combine(day, self.arrival, tzinfo=PARIS)

    def ends_at(self, day: date) -> datetime:
        from app.clock import PARIS

        return datetime.combine(day, self.pickup, tzinfo=PARIS)


DayPlanProvider = Callable[..., dict[int, DayPlan]]
_DAY_PLAN_PROVIDERS: list[DayPlanProvider] = []
_TAKES_PAIRS: set[DayPlanProvider] = set()  # providers that accept `pairs=` (see day_plans)


def register_day_plan_provider(provider: DayPlanProvider) -> None:
    """Register `provider(booking_ids)`; a provider that also takes a keyword argument `pairs`
    ({booking id: (child id, site id)}, given when the caller knows them) may skip reading them."""
    import inspect

    if provider not in _DAY_PLAN_PROVIDERS:
        _DAY_PLAN_PROVIDERS.append(provider)
        if "pairs" in inspect.signature(provider).parameters:
            _TAKES_PAIRS.add(provider)


def unregister_day_plan_provider(provider: DayPlanProvider) -> None:
    if provider in _DAY_PLAN_PROVIDERS:
        _DAY_PLAN_PROVIDERS.remove(provider)
        _TAKES_PAIRS.discard(provider)


def day_plans(booking_ids: Iterable[int], *, pairs: dict[int, tuple[int, int]] | None = None) -> dict[int, DayPlan]:
    """The plans the providers give for these bookings, by booking id (the first provider wins).

    `pairs`: the (child id, site id) of every booking, when the caller knows them (a booking it has just
    made): a provider that takes them need not read them again. The plans are the same with or without.
    """
    ids = sorted({int(i) for i in booking_ids if i is not None})
    plans: dict[int, DayPlan] = {}
    if not ids:
        return plans
    known = pairs if pairs is not None and all(i in pairs for i in ids) else None
    for provider in list(_DAY_PLAN_PROVIDERS):
        given = provider(ids, pairs=known) if known is not None and provider in _TAKES_PAIRS else provider(ids)
        for booking_id, plan in (given or {}).items():
            plans.setdefault(booking_id, plan)
    return plans


def submission_day_plans(submission_id: str) -> list[tuple[object, DayPlan]]:
    """(booking, plan) for the bookings of one submission that carry a plan (the e-mail's list)."""
    from sqlalchemy import select

    from app.booking.models import Booking
    from app.extensions import db

    if not isinstance(submission_id, str) or not submission_id:  # an e-mail rendered without a submission
        return []
    bookings = db.session.scalars(select(Booking).where(Booking.submission_id == submission_id)
                                  .order_by(Booking.id)).all()
    plans = day_plans(b.id for b in bookings)
    return [(b, plans[b.id]) for b in bookings if b.id in plans]


def assign_sites(user, site_ids: list[int]) -> None:
    """Attach a director or animator to sites, in the caller's transaction."""
    from flask_babel import gettext as _
    from sqlalchemy import select

    from app.booking.models import Site, SiteStaff
    from app.errors import ValidationFailed
    from app.extensions import db

    for site_id in site_ids:
        if db.session.get(Site, site_id) is None:
            raise ValidationFailed(_("Accueil inconnu : %(id)s.", id=site_id), field="site_ids")
        exists = db.session.scalar(select(SiteStaff.id).where(SiteStaff.user_id == user.id,
                                                               SiteStaff.site_id == site_id))
        if exists is None:
            db.session.add(SiteStaff(user_id=user.id, site_id=site_id))
    db.session.flush()


def _site_options() -> list[tuple[int, str]]:
    from sqlalchemy import select

    from app.booking.models import Site
    from app.extensions import db

    return [(row.id, row.name) for row in db.session.execute(select(Site.id, Site.name).order_by(Site.name))]


def _sites_of(user) -> set[int]:
    from sqlalchemy import select

    from app.booking.models import SiteStaff
    from app.extensions import db

    return set(db.session.scalars(select(SiteStaff.site_id).where(SiteStaff.user_id == user.id)))


def _withdraw_sites(user, site_ids: set[int]) -> None:
    from sqlalchemy import delete

    from app.booking.models import SiteStaff
    from app.extensions import db

    db.session.execute(delete(SiteStaff).where(SiteStaff.user_id == user.id, SiteStaff.site_id.in_(site_ids)))


def init_app(flask_app: Flask) -> None:
    import app.booking.access  # noqa: F401  (registers the booking policies)
    from app.accounts.scopes import register_scope

    register_scope("site", assign_sites, options=_site_options, current=_sites_of, withdraw=_withdraw_sites)
    # Templates (pages and e-mails) show the day plans without the views knowing who provides them.
    flask_app.add_template_global(day_plans, "day_plans")
    flask_app.add_template_global(submission_day_plans, "submission_day_plans")

    from flask_babel import lazy_gettext as _l

    from app.accounts.models import Role
    from app.booking.reminders import JOB_NAME, send_day_before_reminders
    from app.notifications.jobs import register_daily_job
    from app.notifications.kinds import register_kind

    register_daily_job(JOB_NAME, send_day_before_reminders)
    parent = [Role.PARENT]
    register_kind("booking.submitted", _l("Réponse à une demande de réservation"), roles=parent)
    register_kind("booking.reminder", _l("Rappel la veille d'un accueil réservé"), roles=parent)
    # Essential: a place obtained or lost must reach the family whatever its preferences.
    register_kind("booking.promoted", _l("Place obtenue depuis la liste d'attente"), essential=True, roles=parent)
    register_kind("booking.cancelled", _l("Réservation annulée par l'accueil"), essential=True, roles=parent)
    register_kind("booking.allocation_result", _l("Résultat d'un tirage au sort"), essential=True, roles=parent)
    register_kind("booking.offer", _l("Place libérée proposée depuis la liste d'attente"), essential=True,
                  roles=parent)
    register_kind("booking.offer_lapsed", _l("Place proposée non acceptée dans le délai"), essential=True,
                  roles=parent)
    register_kind("booking.waitlist_removed", _l("Retrait de la liste d'attente"), essential=True, roles=parent)
    from app.booking.waitlist import lapse_offers

    register_daily_job("booking.lapse_offers", lapse_offers)
