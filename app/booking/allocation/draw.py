"""Allocation by draw: running the draw (or simulating it) and replaying it from the published seed.

The rules, criteria and the pure algorithm live in app/booking/allocation/__init__.py.
"""
from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from datetime import date, datetime

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from app.accounts.models import User
from app.booking import admission, engine
from app.booking.allocation import (
    CRITERIA,
    Candidate,
    Decision,
    Wish,
    _local,
    allocate,
    draw_numbers,
    get_period,
    period_sessions,
    require_manager,
    session_label,
)
from app.booking.allocation.models import AllocationPeriod, AllocationRequest, AllocationRequestItem, PeriodStatus
from app.booking.errors import BookingRefused, OverlappingBooking
from app.booking.models import AgeBand, Booking, Session
from app.booking.pricing import price_for
from app.errors import Conflict, NotFound
from app.extensions import db, utcnow
from app.families.models import Child, Household
from app.transactions import rollback, use_case


class WindowStillOpen(Conflict):
    code = "allocation_window_open"
    default_message = _l("Le tirage ne peut avoir lieu qu'après la clôture des demandes.")


@dataclass
class ItemOutcome:
    item_id: int
    request_id: int
    household_id: int
    child_name: str
    session_id: int
    session_label: str
    day: date
    band: str | None
    rank: int
    status: str
    draw_number: int | None
    waitlist_position: int | None
    reason: str


@dataclass
class DrawResult:
    period_id: int
    seed: str
    simulated: bool
    already_drawn: bool = False
    outcomes: list[ItemOutcome] = field(default_factory=list)
    places: dict[str, int] = field(default_factory=dict)

    def count(self, status: str) -> int:
        return sum(1 for o in self.outcomes if o.status == status)


def lock_period(period_id: int) -> AllocationPeriod:
    period = db.session.scalars(select(AllocationPeriod).where(AllocationPeriod.id == period_id)
                                .with_for_update().execution_options(populate_existing=True)).first()
    if period is None:
        raise NotFound()
    return period


def _eligibility(child: Child, household: Household, session: Session, now: datetime) -> tuple[str | None, str]:
    """(age band, "") when the engine's rules let the child take part in the draw for this session, else
    (None, the French reason of the rule that refuses)."""
    try:
        return engine.check_request(child, household, session, now, drawing=True).value, ""
    except BookingRefused as refusal:
        return None, refusal.message


def _one_per_time_slot(wishes: dict, refused: dict) -> None:
    """A child gets at most one of the wishes that overlap on a day: the one the family ranked first.

    Decided before the draw (so that the published seed replays it): the
    other ones are refused with the reason, as `book()` refuses a second
    booking at the same time of a day.
    """
    kept: dict[int, list[tuple[int, Session]]] = {}
    ordered = sorted((w for w in wishes.items() if w[0] not in refused),
                     key=lambda w: (w[1][0].child_id, w[1][0].rank, w[0]))
    for item_id, (item, _request, session) in ordered:
        mine = kept.setdefault(item.child_id, [])
        clash = next((rank for rank, other in mine if engine.overlaps(session, other)), None)
        if clash is not None:
            refused[item_id] = OverlappingBooking(_(
                "%(name)s a demandé une autre séance à la même heure ce jour-là (préférence %(rank)s) : une seule "
                "des deux peut être attribuée.", name=item.child.first_name, rank=clash)).message
            item.age_band = None
            continue
        mine.append((item.rank, session))


def _reason(status: str, wish_priority: list, period: AllocationPeriod, rank: int, number: int,
            position: int | None, split: bool) -> str:
    met = [str(CRITERIA[code].short) for code, value in zip(period.rules, wish_priority, strict=False) if value]
    priorities = (_("priorité %(list)s", list=", ".join(met)) if met else _("sans critère de priorité"))
    if status in ("confirmed", "pending_preparation"):
        return _("Confirmé : %(p)s, préférence %(rank)s, tirage n° %(n)s.", p=priorities, rank=rank, n=number)
    if split:
        return _("Liste d'attente, position %(pos)s : il ne restait pas assez de places pour accueillir les frères "
                 "et sœurs ensemble (%(p)s, préférence %(rank)s, tirage n° %(n)s).", pos=position, p=priorities,
                 rank=rank, n=number)
    return _("Liste d'attente, position %(pos)s : les places de cette tranche d'âge sont allées à des demandes de "
             "priorité plus haute ou tirées avant (%(p)s, préférence %(rank)s, tirage n° %(n)s).", pos=position,
             p=priorities, rank=rank, n=number)


@use_case
def run_draw(user: User | None, period_id: int, *, seed: str | None = None, simulate: bool = False,
             now: datetime | None = None) -> DrawResult:
    """Allocate the period's places by priority and seeded draw, in one transaction.

    Books through the booking engine (sessions locked in ascending id order,
    places per age band, waiting lists in draw order), records each item's
    outcome and reason, queues one "booking.allocation_result" e-mail per
    guardian, then switches the period to first come, first served.
    Idempotent: on a drawn period it returns the stored result and changes
    nothing. With `simulate`, the same algorithm runs on the current requests
    (window open or not) and everything is rolled back.
    `user` None means the command line. Raises NotFound (not the site's
    director), WindowStillOpen (real draw before the close).
    """
    now = now or utcnow()
    period = lock_period(period_id)
    require_manager(user, period)
    if period.is_drawn:
        result = stored_result(period)
        result.already_drawn = True
        rollback()
        return result
    if not simulate and now < period.requests_close_at:
        raise WindowStillOpen(_("Les demandes sont ouvertes jusqu'au %(when)s : le tirage aura lieu après.",
                                when=_local(period.requests_close_at)))
    seed = (seed or "").strip() or secrets.token_hex(8)
    sessions = {s.id: s for s in period_sessions(period)}
    locked = engine.lock_sessions(sessions)
    requests = list(db.session.scalars(
        select(AllocationRequest).where(AllocationRequest.period_id == period.id,
                                        AllocationRequest.withdrawn_at.is_(None))
        .options(selectinload(AllocationRequest.items).selectinload(AllocationRequestItem.child),
                 selectinload(AllocationRequest.household).selectinload(Household.members))
        .order_by(AllocationRequest.id)))
    numbers = draw_numbers((r.id for r in requests), seed)
    places = {(sid, band.value): s.remaining(band) for sid, s in locked.items() for band in AgeBand}
    candidates, refused, wishes, prices = [], {}, {}, {}
    for request in requests:
        request.draw_number = numbers[request.id]
        for item in request.items:
            session = locked.get(item.session_id)
            if session is None:  # session moved out of the period since the request
                refused[item.id] = _("Cette séance ne fait plus partie de la période.")
                continue
            band, why = _eligibility(item.child, request.household, session, now)
            wish = Wish(item, request, request.household, item.child, session)
            item.priority = [CRITERIA[code].value(wish, period) for code in period.rules if code in CRITERIA]
            item.age_band = band
            wishes[item.id] = (item, request, session)
            if band is None:
                refused[item.id] = why
                continue
            try:  # never free by accident: no applicable tariff refuses the wish
                prices[item.id] = price_for(session.unit_id, request.household, session.day)
            except BookingRefused as refusal:
                refused[item.id] = refusal.message
    _one_per_time_slot(wishes, refused)
    for item_id, (item, request, _session) in wishes.items():
        if item_id not in refused:
            candidates.append(Candidate(item.id, request.id, item.child_id, item.session_id, item.age_band,
                                        item.rank, tuple(item.priority), request.siblings_together))
    decisions = allocate(candidates, places, seed)
    booked_by = user.id if user is not None else None
    for decision in decisions:
        item, request, session = wishes[decision.item_id]
        booking = Booking(child_id=item.child_id, session_id=session.id, age_band=AgeBand(item.age_band),
                          submission_id=f"draw-{period.id}", booked_by_id=booked_by, created_at=now,
                          updated_at=now, price=prices[item.id])
        given = decision.status == "confirmed"
        engine.place(booking, session, engine.admit(item.child, session) if given else admission.CONFIRM,
                     give=given)
        db.session.add(booking)
        db.session.flush()
        item.booking_id = booking.id
        item.outcome = booking.status.value
        item.draw_order = decision.order
    split = {d.item_id for d in decisions if d.split}
    for item_id, (item, request, _session) in wishes.items():
        if item_id in refused:
            item.outcome, item.reason = "refused", refused[item_id]
            item.booking_id = item.draw_order = item.waitlist_position = None
            continue
        booking = db.session.get(Booking, item.booking_id)
        item.waitlist_position = engine.waitlist_position(booking)
        item.reason = _reason(item.outcome, item.priority, period, item.rank, request.draw_number,
                              item.waitlist_position, item_id in split)
    for item_id, why in refused.items():
        if item_id not in wishes:
            item = db.session.get(AllocationRequestItem, item_id)
            item.outcome, item.reason = "refused", why
    for request in requests:
        request.items_requested = len(request.items)
        request.items_confirmed = sum(1 for i in request.items
                                      if i.outcome in ("confirmed", "pending_preparation"))
    period.seed = seed
    period.places_at_draw = {f"{sid}:{band}": n for (sid, band), n in places.items()}
    period.status = PeriodStatus.DRAWN
    period.drawn_at = now
    period.drawn_by_id = user.id if user is not None else None
    db.session.flush()
    result = stored_result(period)
    result.simulated = simulate
    if simulate:
        rollback()
        return result
    _notify_families(period, requests)
    return result


def _notify_families(period: AllocationPeriod, requests: list[AllocationRequest]) -> None:
    from app.notifications.outbox import notify

    path = f"/accueils/tirages/{period.id}"
    for request in requests:
        lines = [{"child": item.child.first_name, "session": session_label(item.session), "result": item.reason}
                 for item in request.items]
        for member in request.household.members:
            if member.user.active:
                notify("booking.allocation_result", member.user,
                       {"period": period.label, "lines": lines, "seed": period.seed, "path": path},
                       dedup_key=f"allocation:{period.id}:{request.id}:{member.user_id}")


def stored_result(period: AllocationPeriod) -> DrawResult:
    """The period's recorded outcomes (after a draw, or inside a simulation before its rollback)."""
    items = db.session.scalars(
        select(AllocationRequestItem).join(AllocationRequest).where(AllocationRequest.period_id == period.id,
                                                                     AllocationRequest.withdrawn_at.is_(None))
        .options(selectinload(AllocationRequestItem.child),
                 selectinload(AllocationRequestItem.request),
                 selectinload(AllocationRequestItem.session).selectinload(Session.unit))
        .order_by(AllocationRequestItem.request_id, AllocationRequestItem.rank, AllocationRequestItem.id)).all()
    result = DrawResult(period.id, period.seed or "", simulated=False, places=dict(period.places_at_draw or {}))
    for item in items:
        result.outcomes.append(ItemOutcome(
            item.id, item.request_id, item.request.household_id, item.child.first_name, item.session_id,
            session_label(item.session), item.session.day, item.age_band, item.rank, item.outcome or "",
            item.request.draw_number, item.waitlist_position, item.reason or ""))
    return result


def replay_draw(period_id: int, seed: str | None = None) -> tuple[bool, list[Decision]]:
    """Recompute a drawn period's allocation from its stored snapshot (places, priorities, ranks, seed).

    Returns (same as recorded, decisions). Anyone holding the published seed
    gets the same order. Raises NotFound, Conflict (not drawn yet).
    """
    period = get_period(period_id)
    if not period.is_drawn:
        raise Conflict(_("Le tirage de cette période n'a pas encore eu lieu."))
    places = {(int(key.split(":")[0]), key.split(":")[1]): n for key, n in (period.places_at_draw or {}).items()}
    candidates, recorded = [], {}
    for request in period.requests:
        if not request.active:
            continue
        for item in request.items:
            if item.outcome == "refused" or item.age_band is None:
                continue
            candidates.append(Candidate(item.id, request.id, item.child_id, item.session_id, item.age_band,
                                        item.rank, tuple(item.priority or ()), request.siblings_together))
            recorded[item.id] = "waitlisted" if item.outcome == "waitlisted" else "confirmed"
    decisions = allocate(candidates, places, seed or period.seed or "")
    same = all(recorded[d.item_id] == d.status for d in decisions) and len(decisions) == len(recorded)
    return same, decisions
