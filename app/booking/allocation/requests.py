"""Allocation by draw: configuring a period, families' requests, transparency and export.

Each public function is one use case and commits at most once.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from app.accounts.access import can, require
from app.accounts.models import User
from app.booking import access
from app.booking.access import Action, household_of
from app.booking.allocation import (
    CRITERIA,
    _local,
    get_period,
    period_sessions,
    require_manager,
    rules_labels,
    session_label,
)
from app.booking.allocation.draw import lock_period
from app.booking.allocation.models import AllocationPeriod, AllocationRequest, AllocationRequestItem
from app.booking.models import Activity, AgeBand
from app.errors import Conflict, NotFound, ValidationFailed
from app.exports import Table
from app.extensions import db, utcnow
from app.families.models import Child
from app.sites.access import site_ids_of
from app.transactions import use_case

DEFAULT_RULES = ["reception_plan", "resident", "guardians_working", "siblings", "fewer_last_time"]


class WindowClosed(Conflict):
    code = "allocation_window_closed"
    default_message = _l("La période de demandes est close.")


# ---------------------------------------------------------------- periods (director)

def _check_rules(rules) -> list[str]:
    rules = [str(r) for r in (rules or [])]
    unknown = [r for r in rules if r not in CRITERIA]
    if unknown or len(set(rules)) != len(rules):
        raise ValidationFailed(_("Les règles de priorité ne sont pas valides."), field="rules")
    return rules


def _check_dates(first_day: date, last_day: date, opens: datetime, closes: datetime) -> None:
    if last_day < first_day:
        raise ValidationFailed(_("Le dernier jour précède le premier."), field="last_day")
    if closes <= opens:
        raise ValidationFailed(_("La clôture des demandes doit suivre leur ouverture."), field="requests_close_at")


@use_case
def create_period(user: User, activity_id: int, *, label: str, first_day: date, last_day: date,
                  requests_open_at: datetime, requests_close_at: datetime, rules=None) -> AllocationPeriod:
    """Put an activity's date range in draw mode (its director). No overlap with another period.

    From then on, first-come bookings of its sessions are refused until the draw.
    Raises NotFound, ValidationFailed.
    """
    activity = db.session.get(Activity, activity_id)
    if activity is None:
        raise NotFound()
    require(user, Action.MANAGE_SITE, activity.site_id)
    _check_dates(first_day, last_day, requests_open_at, requests_close_at)
    overlap = db.session.scalar(select(AllocationPeriod.id).where(
        AllocationPeriod.activity_id == activity_id, AllocationPeriod.first_day <= last_day,
        AllocationPeriod.last_day >= first_day))
    if overlap:
        raise ValidationFailed(_("Une autre période de tirage couvre déjà ces dates."), field="first_day")
    period = AllocationPeriod(activity_id=activity_id, label=label.strip() or _("Période"), first_day=first_day,
                              last_day=last_day, requests_open_at=requests_open_at,
                              requests_close_at=requests_close_at,
                              rules=_check_rules(DEFAULT_RULES if rules is None else rules),
                              created_by_id=user.id)
    db.session.add(period)
    return period


@use_case
def update_period(user: User | None, period_id: int, *, label: str | None = None,
                  requests_open_at: datetime | None = None, requests_close_at: datetime | None = None,
                  rules=None) -> AllocationPeriod:
    """Change the window or the priority rules before the draw. Raises NotFound, Conflict, ValidationFailed."""
    period = get_period(period_id)
    require_manager(user, period)
    if period.is_drawn:
        raise Conflict(_("Le tirage a eu lieu : les règles ne peuvent plus changer."))
    if label is not None:
        period.label = label.strip() or period.label
    if requests_open_at is not None:
        period.requests_open_at = requests_open_at
    if requests_close_at is not None:
        period.requests_close_at = requests_close_at
    _check_dates(period.first_day, period.last_day, period.requests_open_at, period.requests_close_at)
    if rules is not None:
        period.rules = _check_rules(rules)
    return period


@use_case
def close_requests_now(user: User | None, period_id: int, now: datetime | None = None) -> AllocationPeriod:
    """End the request window now (the draw may then run). Raises NotFound, Conflict."""
    now = now or utcnow()
    period = get_period(period_id)
    require_manager(user, period)
    if period.is_drawn or now >= period.requests_close_at:
        raise Conflict(_("Les demandes sont déjà closes."))
    period.requests_close_at = now
    if period.requests_open_at > now:
        period.requests_open_at = now
    return period


def find_period(activity_ref: str, period_ref: str) -> AllocationPeriod:
    """A period by activity id and (period id or first day YYYY-MM-DD), for the command line."""
    query = select(AllocationPeriod).where(AllocationPeriod.activity_id == int(activity_ref))
    try:
        query = query.where(AllocationPeriod.first_day == date.fromisoformat(period_ref))
    except ValueError:
        query = query.where(AllocationPeriod.id == int(period_ref))
    period = db.session.scalar(query)
    if period is None:
        raise NotFound()
    return period


# ---------------------------------------------------------------- lists

def periods_for(user: User) -> list[AllocationPeriod]:
    """Periods a user may see: a director's sites for staff, every period for parents."""
    query = (select(AllocationPeriod).join(Activity).options(
        selectinload(AllocationPeriod.activity).selectinload(Activity.site))
        .order_by(AllocationPeriod.first_day.desc(), AllocationPeriod.id))
    if access.works_at_sites(user):
        query = query.where(Activity.site_id.in_(site_ids_of(user) or {-1}))
    elif not access.sees_every_allocation_period(user):
        return []
    return list(db.session.scalars(query))


def managed_activities(user: User) -> list[Activity]:
    ids = site_ids_of(user) if access.manages_sites(user) else set()
    if not ids:
        return []
    return list(db.session.scalars(select(Activity).where(Activity.site_id.in_(ids)).order_by(Activity.name)))


# ---------------------------------------------------------------- requests (families)

def get_own_request(user: User, period_id: int) -> AllocationRequest | None:
    period = get_period(period_id)
    household = household_of(user)
    if household is None:
        return None
    return db.session.scalar(select(AllocationRequest).where(AllocationRequest.period_id == period.id,
                                                             AllocationRequest.household_id == household.id))


@use_case
def submit_request(user: User, period_id: int, items, *, siblings_together: bool = False,
                   now: datetime | None = None) -> AllocationRequest:
    """Create or replace the household's request: (child_id, session_id, rank) items, rank 1 = most wanted.

    Only while the window is open; nothing is booked or decided here.
    Raises NotFound (a child of another household, unknown period), WindowClosed, ValidationFailed.
    """
    return _submit_request(user, period_id, items, siblings_together, now)  # a refusal releases the period's lock


@use_case
def _submit_request(user: User, period_id: int, items, siblings_together: bool,
                    now: datetime | None) -> AllocationRequest:
    now = now or utcnow()
    # Locked like the draw locks it: a request is either in the draw or refused, never half-seen.
    period = lock_period(period_id)
    household = household_of(user)
    if household is None or not access.requests_places(user):
        raise NotFound()
    if not period.window_open(now):
        raise WindowClosed(_("Les demandes ne sont pas ouvertes (du %(a)s au %(b)s).",
                             a=_local(period.requests_open_at), b=_local(period.requests_close_at)))
    sessions = {s.id: s for s in period_sessions(period) if not s.cancelled}
    wanted = {}
    for child_id, session_id, rank in items:
        child = db.session.get(Child, int(child_id))
        if child is None:
            raise NotFound()
        require(user, Action.BOOK_FOR_CHILD, child)
        if int(session_id) not in sessions:
            raise ValidationFailed(_("Cette séance ne fait pas partie de la période."), field="items")
        if int(rank) < 1:
            raise ValidationFailed(_("Le rang de préférence commence à 1."), field="items")
        wanted[(child.id, int(session_id))] = int(rank)
    if not wanted:
        raise ValidationFailed(_("Choisissez au moins une séance et un enfant."), field="items")
    request = db.session.scalar(select(AllocationRequest).where(AllocationRequest.period_id == period.id,
                                                                AllocationRequest.household_id == household.id))
    if request is None:
        request = AllocationRequest(period=period, household_id=household.id, created_at=now)
        db.session.add(request)
    request.items.clear()
    db.session.flush()
    for (child_id, session_id), rank in sorted(wanted.items()):
        request.items.append(AllocationRequestItem(child_id=child_id, session_id=session_id, rank=rank))
    request.siblings_together = bool(siblings_together)
    request.submitted_by_id = user.id
    request.updated_at = now
    request.withdrawn_at = None
    return request


@use_case
def withdraw_request(user: User, period_id: int, now: datetime | None = None) -> None:
    """Withdraw the household's request before the close. Raises NotFound, WindowClosed."""
    now = now or utcnow()
    period = lock_period(period_id)
    request = get_own_request(user, period_id)
    if request is None or not request.active:
        raise NotFound()
    if not period.window_open(now):
        raise WindowClosed()
    request.withdrawn_at = now
    request.updated_at = now


# ---------------------------------------------------------------- transparency

@dataclass
class SessionStats:
    session_id: int
    label: str
    day: date
    band: str
    places: int | None  # offered at the draw (None before it)
    requests: int
    confirmed: int = 0
    waitlisted: int = 0
    refused: int = 0


@dataclass
class Transparency:
    period: AllocationPeriod
    rules: list[str]
    seed: str | None
    requests_count: int
    sessions: list[SessionStats] = field(default_factory=list)
    own_items: list[AllocationRequestItem] = field(default_factory=list)
    own_request: AllocationRequest | None = None
    can_manage: bool = False


BAND_LABELS = {AgeBand.UNDER6.value: _l("moins de 6 ans"), AgeBand.OVER6.value: _l("6 ans et plus"), "": "—"}


def transparency(user: User, period_id: int) -> Transparency:
    """The period's rules, seed, demand and places per session, and the user's own outcomes only.

    Raises NotFound, Forbidden (roles without access).
    """
    period = get_period(period_id)
    require(user, Action.VIEW_ALLOCATION_RESULTS, period)
    sessions = period_sessions(period)
    items = db.session.scalars(
        select(AllocationRequestItem).join(AllocationRequest)
        .where(AllocationRequest.period_id == period.id, AllocationRequest.withdrawn_at.is_(None))).all()
    places = period.places_at_draw or {}
    stats: dict[tuple[int, str], SessionStats] = {}
    by_session = defaultdict(list)
    for item in items:
        by_session[item.session_id].append(item)
    for session in sessions:
        bands = [AgeBand.UNDER6.value, AgeBand.OVER6.value]
        for band in bands:
            key = f"{session.id}:{band}"
            stats[(session.id, band)] = SessionStats(session.id, session_label(session), session.day, band,
                                                     places.get(key) if period.is_drawn else
                                                     session.capacity(AgeBand(band)), 0)
        for item in by_session.get(session.id, []):
            band = item.age_band or (AgeBand.for_age(item.child.age_on(session.day)).value)
            row = stats[(session.id, band)]
            row.requests += 1
            if item.outcome in ("confirmed", "pending_preparation"):
                row.confirmed += 1
            elif item.outcome == "waitlisted":
                row.waitlisted += 1
            elif item.outcome == "refused":
                row.refused += 1
    result = Transparency(period, rules_labels(period), period.seed if period.is_drawn else None,
                          len({i.request_id for i in items}),
                          [s for s in stats.values() if s.requests or s.places])
    result.can_manage = can(user, Action.MANAGE_SITE, period.activity.site_id)
    if access.requests_places(user):
        result.own_request = get_own_request(user, period.id)
        if result.own_request is not None and result.own_request.active:
            result.own_items = list(result.own_request.items)
    return result


def export_tables(user: User, period_id: int) -> list[Table]:
    """The committee's export, three tables: places and outcomes per session and age band, the draw
    list (draw number, criteria met, items asked and obtained), the rules and the seed. No names, no
    identifiers of families."""
    data = transparency(user, period_id)
    period = data.period
    sessions = Table("seances", _("Séances"), [_("Date"), _("Séance"), _("Tranche d'âge"), _("Places"),
                                               _("Demandes"), _("Confirmées"), _("Liste d'attente"), _("Refusées")])
    for row in data.sessions:
        sessions.add(row.day, row.label.split(" – ", 1)[-1], str(BAND_LABELS[row.band]), row.places, row.requests,
                     row.confirmed, row.waitlisted, row.refused)
    draw = Table("tirage", _("Tirage"), [_("Numéro de tirage"), _("Critères remplis"), _("Demandes"),
                                         _("Obtenues")])
    if period.is_drawn:
        requests = sorted((r for r in period.requests if r.active and r.draw_number),
                          key=lambda r: r.draw_number)
        for request in requests:
            met = set()
            for item in request.items:
                for code, value in zip(period.rules, item.priority or [], strict=False):
                    if value:
                        met.add(code)
            labels = [str(CRITERIA[c].short) for c in period.rules if c in met]
            draw.add(request.draw_number, ", ".join(labels), request.items_requested or 0,
                     request.items_confirmed or 0)
    settings = Table("regles", _("Règles"), [_("Règles de priorité, dans l'ordre"), _("Graine du tirage")])
    settings.add(" > ".join(str(r) for r in data.rules), data.seed or "")
    return [sessions, draw, settings]


def get_managed_period(user: User, period_id: int) -> AllocationPeriod:
    """The period, if `user` directs its site. Raises NotFound."""
    period = get_period(period_id)
    require_manager(user, period)
    return period


def request_form_data(user: User, period_id: int):
    """(period, the household's children, the period's open sessions, current {(child, session): rank}).

    Raises NotFound (not a parent with a household)."""
    period = get_period(period_id)
    household = household_of(user)
    if household is None or not access.requests_places(user):
        raise NotFound()
    sessions = [s for s in period_sessions(period) if not s.cancelled]
    request = get_own_request(user, period_id)
    current = {}
    if request is not None and request.active:
        current = {(i.child_id, i.session_id): i.rank for i in request.items}
    return period, list(household.children), sessions, request, current
