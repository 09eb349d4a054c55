"""Booking use cases: book, cancel, waiting-list promotion, session changes, attendance.

Capacity is enforced inside the writing transaction: each session concerned
is locked (SELECT ... FOR UPDATE on PostgreSQL, taken in ascending id order
so that two submissions never deadlock; on SQLite every writing transaction
starts with BEGIN IMMEDIATE, see app/extensions.py), then counted and
written. No place is ever given on a count read in another transaction.
`book()` first reads what it needs in a transaction that locks nothing (see
its docstring); the other use cases run in one transaction. Each public
function commits its writes once.
"""
from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import contains_eager, joinedload

from app import clock
from app.accounts.access import require
from app.accounts.models import User
from app.booking import admission, engine, gates, staffing
from app.booking.access import Action, household_of
from app.booking.errors import (
    AlreadyBooked,
    BookingRefused,
    CancellationClosed,
    NotCancellable,
    OverlappingBooking,
    SessionCancelled,
    SessionNotFound,
)
from app.booking.idempotency import store_response, stored_response
from app.booking.models import (
    ACTIVE_STATUSES,
    Activity,
    AgeBand,
    Booking,
    BookingStatus,
    Session,
    Unit,
)
from app.booking.pricing import price_for
from app.errors import NotFound, ValidationFailed
from app.extensions import db, read_phase, utcnow
from app.families.access import Action as FamiliesAction
from app.families.models import Child, Household, HouseholdMember
from app.notifications.outbox import notify, recipients
from app.transactions import rollback, use_case

STATUS_LABELS = {
    "confirmed": _l("Confirmée"),
    "waitlisted": _l("Liste d'attente"),
    "pending_preparation": _l("Place réservée, en attente de la préparation de l'accueil"),
    "cancelled": _l("Annulée"),
    "late_cancelled": _l("Annulée hors délai"),
    "offered": _l("Place proposée : à accepter avant la date limite"),
    "refused": _l("Refusée"),
}


def status_label(status: str) -> str:
    return str(STATUS_LABELS.get(status, status))


@dataclass
class ItemResult:
    child_id: int
    session_id: int
    status: str  # confirmed, waitlisted, pending_preparation or refused
    booking_id: int | None = None
    waitlist_position: int | None = None
    code: str | None = None
    reason: str | None = None
    price: str | None = None


@dataclass
class SubmissionResult:
    submission_id: str
    items: list[ItemResult] = field(default_factory=list)
    replayed: bool = False
    emailed: int = 0  # summary e-mails queued by this submission (not stored: a replay queues none)
    # (child id, site id) of each booking made by this submission (not stored: a replay reads them again)
    pairs: dict[int, tuple[int, int]] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {"submission_id": self.submission_id, "items": [asdict(i) for i in self.items]}

    @classmethod
    def from_dict(cls, data: dict[str, Any], replayed: bool = False) -> SubmissionResult:
        return cls(data["submission_id"], [ItemResult(**i) for i in data["items"]], replayed)


# ---------------------------------------------------------------- the engine (app/booking/engine.py)

# Kept importable from here: the waiting-list positions are read by pages and the API.
waitlist_position = engine.waitlist_position
waitlist_positions = engine.waitlist_positions
_WITH_SITE = engine.WITH_SITE


@dataclass
class _Checked:
    """One item of a submission that passed the rules before the lock."""
    child: Child
    session: Session
    band: AgeBand
    price: Decimal | None
    admission: admission.Admission | None = None  # foreseen before the lock (one-item submissions)
    offers: bool = False  # freed places are offered by the director (the rule, read before the lock)


def _book_item(user: User, item: _Checked, booked_here: list[Session], locked: dict[int, engine.Counters],
               now: datetime, submission_id: str, requested_at: datetime | None,
               several: bool) -> tuple[int, BookingStatus, int | None]:
    """Book one checked item: admission checks, then the claim under the session's lock.

    `booked_here` holds the sessions this submission already booked for the
    same child (they are not visible to the rules checked before the lock).
    `locked` holds the sessions already locked; any other is locked here,
    after the admission checks. Returns the booking's id, its status and its
    waiting-list position (None when it has a place). Core statements only
    (engine.book_place); "already booked" is the unique index's answer.
    """
    child, session = item.child, item.session
    if any(engine.overlaps(session, other) for other in booked_here):
        raise OverlappingBooking()
    decision = engine.admit(child, session, item.admission)
    counters = locked.get(session.id) or engine.lock_counters([session.id])[session.id]
    if counters.cancelled:
        raise SessionCancelled()
    return engine.book_place(
        {"child_id": child.id, "age_band": item.band, "submission_id": submission_id, "booked_by_id": user.id,
         "price": item.price, "created_at": now, "updated_at": now, "requested_at": requested_at},
        counters, decision, savepoint=several, offers=item.offers)


# ---------------------------------------------------------------- use cases

def _own_children(user: User, child_ids: set[int]) -> dict[int, Child]:
    """The children, with their household and its guardians, when they all belong to `user`'s household.

    Raises NotFound (no such child) or the permission error of a child of another household.
    """
    rows = db.session.scalars(  # one statement: the children, their household, its members and accounts
        select(Child).join(HouseholdMember, HouseholdMember.household_id == Child.household_id)
        .where(HouseholdMember.user_id == user.id, Child.id.in_(child_ids))
        .options(joinedload(Child.household).joinedload(Household.members).joinedload(HouseholdMember.user))).unique()
    children = {child.id: child for child in rows}
    for child_id in child_ids - set(children):
        child = db.session.get(Child, child_id)
        if child is None:
            raise NotFound()
        require(user, Action.BOOK_FOR_CHILD, child)  # raises: not the user's household
        raise NotFound()  # unreachable unless the policy changes: never book for another household
    return children


@dataclass
class ActingFor:
    """A staff member books or cancels for a family present at a desk (app.desk).

    The same rules apply as for the family itself; only who may act changes (the named action
    "families.act_at_desk", and the household must be the one named here). `record` writes the
    trace of the action (who, for whom, with which consent) in the same transaction as the booking.
    """

    household_id: int
    record: Callable[[Any], None]


def _household_children(user: User, acting: ActingFor, child_ids: set[int]) -> dict[int, Child]:
    """The children of the household a desk acts for. Raises Forbidden (no desk right), NotFound."""
    require(user, FamiliesAction.ACT_AT_DESK)
    rows = db.session.scalars(
        select(Child).where(Child.household_id == acting.household_id, Child.id.in_(child_ids))
        .options(joinedload(Child.household).selectinload(Household.members).joinedload(HouseholdMember.user)))
    children = {child.id: child for child in rows}
    if set(children) != child_ids:
        raise NotFound()
    return children


def _load_sessions(session_ids: Iterable[int]) -> dict[int, Session]:
    """The sessions with their unit, activity and site, in one query (no lock)."""
    rows = db.session.scalars(select(Session).where(Session.id.in_(set(session_ids))).options(_WITH_SITE))
    return {s.id: s for s in rows}


@use_case
def book(user: User, items: Iterable[Any], idempotency_key: str | None = None, now: datetime | None = None,
         requested_at: datetime | None = None, *, acting: ActingFor | None = None) -> SubmissionResult:
    """Book several (child_id, session_id) items at once.

    Each item is confirmed, waitlisted (with its position) or refused with a
    French reason (not open yet, past the deadline, residents first, age,
    cancelled session, already booked, admission check). Refusals do not
    stop the other items; any unexpected failure writes nothing at all.
    With `idempotency_key`, a repeated submission returns the first answer
    (`replayed=True`) and books nothing more. Queues a "booking.submitted"
    e-mail to the household's guardians. `requested_at` (when the HTTP request
    arrived) is stored on the new bookings so that fairness can be audited.
    Raises NotFound (a child of another household), SessionNotFound, ValidationFailed.
    With `acting`, a staff member books for that household at a desk (see ActingFor; Forbidden
    without the right), and its trace is written before the commit.

    Two transactions. The first only reads (the account's household and
    children, the sessions, the rules that do not depend on the places, the
    prices, and for a one-item submission the admission checks, see
    `admission.foresee`): on SQLite it does not take the write lock, on
    PostgreSQL it locks nothing. The second writes everything at once: per
    item, the admission checks not done yet, the session's row lock, the
    checks that concurrent requests can change (cancelled, already booked),
    the claim of a place and the booking; then the idempotency key and the
    e-mail. With one item the row stays locked for that short end only; with
    several, every session is locked first, in ascending id order, so that
    two submissions never deadlock, and each item's admission checks see the
    items booked before it.
    """
    now = now or utcnow()
    pairs = list(dict.fromkeys((int(c), int(s)) for c, s in items))
    if not pairs:
        raise ValidationFailed(_("Choisissez au moins une séance."), field="items")
    with read_phase():
        if idempotency_key:
            stored = _stored_answer(user, idempotency_key)
            if stored is not None:
                return stored
        child_ids = {c for c, _s in pairs}
        children = (_own_children(user, child_ids) if acting is None
                    else _household_children(user, acting, child_ids))
        household = next(iter(children.values())).household
        sessions = _load_sessions(s for _c, s in pairs)
        if {s for _c, s in pairs} - set(sessions):
            raise SessionNotFound()
        checked: dict[tuple[int, int], _Checked | BookingRefused] = {}
        closed = _gate_refusal(household, now)
        # Several items: the children's bookings of those days and the allocation periods in two
        # statements for all of them (the same rules, see engine.preload).
        known = engine.preload(child_ids, sessions.values()) if len(pairs) > 1 else None
        for child_id, session_id in pairs:
            child, session = children[child_id], sessions[session_id]
            try:
                if closed is not None:
                    raise closed
                band = engine.check_request(child, household, session, now, known=known)
                price = price_for(session.unit_id, household, session.day)  # never free by accident
            except BookingRefused as refusal:
                checked[child_id, session_id] = refusal
                continue
            checked[child_id, session_id] = _Checked(
                child, session, band, price,
                # One item: its admission checks need not wait for the writing transaction.
                admission.foresee(child, session) if len(pairs) == 1 else None,
                offers=engine.offers_on(session))  # a dated rule: read here, not under the lock
        guardians = recipients("booking.submitted", _guardians(household))

    result = SubmissionResult(str(uuid.uuid4()))
    # Several items: lock every session first, in ascending id order, then book in the family's
    # order. One item (the API's case): lock its session only after the admission checks.
    several = len(pairs) > 1
    locked = engine.lock_counters(sessions) if several else {}
    booked_here: dict[int, list[Session]] = {}
    for child_id, session_id in pairs:
        item = checked[child_id, session_id]
        try:
            if isinstance(item, BookingRefused):
                raise item
            booking_id, status, position = _book_item(user, item, booked_here.setdefault(child_id, []),
                                                      locked, now, result.submission_id, requested_at, several)
        except engine.DuplicateBooking:
            # One item, booked meanwhile by a concurrent request: nothing of this one is kept.
            rollback()
            already = AlreadyBooked()
            result.items.append(ItemResult(child_id, session_id, "refused", code=already.code,
                                           reason=already.message))
            continue
        except BookingRefused as refusal:
            result.items.append(ItemResult(child_id, session_id, "refused", code=refusal.code,
                                           reason=refusal.message))
            continue
        booked_here[child_id].append(item.session)
        result.items.append(ItemResult(child_id, session_id, status.value, booking_id,
                                       position, price=_money(item.price)))
        result.pairs[booking_id] = (child_id, item.session.unit.activity.site_id)
    if idempotency_key:
        twin = store_response(user.id, idempotency_key, result.to_dict())
        if twin is not None:
            # The same submission was answered meanwhile by a concurrent request (the key is
            # unique): this one's bookings are forgotten, and that answer is given.
            return SubmissionResult.from_dict(twin, replayed=True)
    result.emailed = _notify_submission(guardians, result, children, sessions)
    if acting is not None:
        acting.record(result)
    return result


def _gate_refusal(household: Household, now: datetime) -> BookingRefused | None:
    """The household gates' answer (app/booking/gates.py): a refusal of every item, or None."""
    refusal = gates.refusal(household, clock.local_date(now))
    return None if refusal is None else BookingRefused(refusal.reason, code=refusal.code)


@dataclass
class PreviewItem:
    """What sending one item of a basket would give now: a place, the waiting list, or a refusal."""
    child: Child
    session: Session
    outcome: str  # "place", "waitlist" or "refused"
    reason: str | None = None
    price: Decimal | None = None

    @property
    def item(self) -> str:
        return f"{self.child.id}:{self.session.id}"


@dataclass
class Preview:
    items: list[PreviewItem]

    @property
    def sendable(self) -> list[PreviewItem]:
        return [i for i in self.items if i.outcome != "refused"]

    @property
    def refused(self) -> list[PreviewItem]:
        return [i for i in self.items if i.outcome == "refused"]

    @property
    def total(self) -> Decimal:
        """The price of the places the basket would get now (a waiting-list item is paid only if it gets one)."""
        return sum((i.price for i in self.items if i.outcome == "place" and i.price is not None), Decimal(0))

    @property
    def waitlist_total(self) -> Decimal:
        return sum((i.price for i in self.items if i.outcome == "waitlist" and i.price is not None), Decimal(0))


def preview(user: User, items: Iterable[Any], now: datetime | None = None) -> Preview:
    """What `book(user, items)` would answer now, without writing anything: for the review step.

    The same checks as `book`: the engine's rules (`engine.check_request`), two items of the basket at
    the same time for one child, the price (`pricing.price_for`, the one a booking freezes), and the
    places left, counted with the basket's own items. The answer may still change before the family
    sends (another family may take the last place); `book` decides. Raises NotFound (a child of
    another household) or SessionNotFound.
    """
    now = now or utcnow()
    pairs = list(dict.fromkeys((int(c), int(s)) for c, s in items))
    if not pairs:
        return Preview([])
    with read_phase():  # reads only: on SQLite, no write lock while the family looks
        children = _own_children(user, {c for c, _s in pairs})
        household = next(iter(children.values())).household
        sessions = _load_sessions(s for _c, s in pairs)
        if {s for _c, s in pairs} - set(sessions):
            raise SessionNotFound()
        chosen: dict[int, list[Session]] = {}
        claimed: dict[tuple[int, AgeBand], int] = {}
        result = []
        closed = _gate_refusal(household, now)
        known = engine.preload({c for c, _s in pairs}, sessions.values()) if len(pairs) > 1 else None
        for child_id, session_id in pairs:  # in the family's order, as `book` takes them
            child, session = children[child_id], sessions[session_id]
            try:
                if closed is not None:
                    raise closed
                band = engine.check_request(child, household, session, now, known=known)
                if any(engine.overlaps(session, other) for other in chosen.get(child_id, [])):
                    raise OverlappingBooking(_("Vous avez choisi deux séances à la même heure ce jour-là pour "
                                               "%(name)s.", name=child.first_name))
                price = price_for(session.unit_id, household, session.day)
            except BookingRefused as refusal:
                result.append(PreviewItem(child, session, "refused", refusal.message))
                continue
            chosen.setdefault(child_id, []).append(session)
            taken = claimed.get((session_id, band), 0)
            claimed[session_id, band] = taken + 1
            outcome = "place" if session.remaining(band) > taken else "waitlist"
            result.append(PreviewItem(child, session, outcome, None, price))
    result.sort(key=lambda i: (i.session.day, i.session.unit.start_time, i.child.first_name))
    return Preview(result)


def book_one(user: User, child_id: int, session_id: int, idempotency_key: str | None = None,
             now: datetime | None = None) -> ItemResult:
    """Book one session for one child; a refusal is raised as its BookingRefused error (409).

    With an idempotency key the refusal is stored too, so a retry gets the same answer.
    """
    result = book(user, [(child_id, session_id)], idempotency_key=idempotency_key, now=now)
    item = result.items[0]
    if item.status == "refused":
        raise BookingRefused(item.reason, code=item.code)
    return item


def _stored_answer(user: User, key: str) -> SubmissionResult | None:
    stored = stored_response(user.id, key)
    return None if stored is None else SubmissionResult.from_dict(stored, replayed=True)


def _money(value: Decimal | None) -> str | None:
    return None if value is None else f"{value:.2f}"


def _guardians(household: Household) -> list[User]:
    return [m.user for m in household.members if m.user.active]


_describe = engine.describe


def _notify_submission(guardians: list[User], result: SubmissionResult, children: dict[int, Child],
                       sessions: dict[int, Session]) -> int:
    """Queue the summary e-mail to each guardian who wants it; returns how many were queued."""
    if all(item.status == "refused" for item in result.items):
        return 0
    lines = []
    for item in result.items:
        child, session = children[item.child_id], sessions[item.session_id]
        text = status_label(item.status)
        if item.status == "waitlisted":
            text = _("Liste d'attente, position %(n)s", n=item.waitlist_position)
        elif item.status == "refused":
            text = _("Refusée : %(reason)s", reason=item.reason)
        lines.append({"child": child.first_name, "session": _describe(session), "result": text})
    queued = 0
    for guardian in guardians:
        # Rendered by the sender (the template looks up the adaptation steps): nothing of it under the lock.
        if notify("booking.submitted", guardian, {"lines": lines, "path": "/accueils/mes-reservations",
                                                  "submission_id": result.submission_id},
                  preferences_checked=True, render_later=True) is not None:
            queued += 1
    return queued


def _locked_booking(booking_id: int) -> tuple[Booking, Session]:
    found = engine.lock_booking(booking_id)
    if found is None:
        raise NotFound()
    return found


@use_case
def cancel_booking(user: User, booking_id: int, now: datetime | None = None, *,
                   acting: ActingFor | None = None) -> Booking:
    """A guardian cancels a booking (or leaves the waiting list); with `acting`, a desk does it for
    the family present (Forbidden without the right, NotFound for another household's booking).

    After the activity's cancellation deadline the booking is recorded as
    late_cancelled. The freed place goes at once to the first eligible
    waiting child. Raises NotFound (another household), NotCancellable,
    CancellationClosed (the session is over).
    """
    now = now or utcnow()
    booking = db.session.get(Booking, booking_id)
    if booking is None:
        raise NotFound()
    if acting is None:
        require(user, Action.BOOK_FOR_CHILD, booking.child)
    else:
        require(user, FamiliesAction.ACT_AT_DESK)
        if booking.child.household_id != acting.household_id:
            raise NotFound()
    booking, session = _locked_booking(booking_id)
    if booking.status not in ACTIVE_STATUSES:
        raise NotCancellable()
    if now > session.ends_at():
        raise CancellationClosed()
    engine.release(booking, session, engine.cancellation_status(booking, session, now), now)
    engine.promote(session, now)
    if acting is not None:
        acting.record(booking)
    return booking


def cancellation_would_be_late(booking: Booking, now: datetime | None = None) -> bool:
    """Whether cancelling `booking` now would be recorded late (charged): the engine's rule, nothing written."""
    return engine.cancellation_status(booking, booking.session, now or utcnow()) is BookingStatus.LATE_CANCELLED


@use_case
def cancel_by_centre(user: User, booking_id: int, now: datetime | None = None) -> Booking:
    """The site's director cancels a booking (never late for the family); promotes the waiting list.

    Raises NotFound (not their site), NotCancellable.
    """
    now = now or utcnow()
    booking = db.session.get(Booking, booking_id)
    if booking is None:
        raise NotFound()
    require(user, Action.MANAGE_SITE, booking.session.unit.activity.site_id)
    booking, session = _locked_booking(booking_id)
    if booking.status not in ACTIVE_STATUSES:
        raise NotCancellable()
    engine.release(booking, session, BookingStatus.CANCELLED, now)
    for guardian in _guardians(booking.child.household):
        notify("booking.cancelled", guardian, {"child_name": booking.child.first_name,
                                               "session": _describe(session), "path": "/accueils/mes-reservations"})
    engine.promote(session, now)
    return booking


@use_case
def adjust_session(user: User, session_id: int, *, capacity_under6: int | None = None,
                   capacity_over6: int | None = None, animators_planned: int | None = None,
                   opens_at: datetime | None = None, clear_opens_at: bool = False,
                   now: datetime | None = None) -> list[Booking]:
    """Change one session's capacity, planned animators or opening; returns the bookings promoted.

    A capacity may not go below the places already taken. Raising it gives
    the new places to the waiting list in the same transaction.
    Raises NotFound, ValidationFailed.
    """
    now = now or utcnow()
    session = db.session.get(Session, session_id)
    if session is None:
        raise NotFound()
    require(user, Action.MANAGE_SITE, session.unit.activity.site_id)
    session = engine.lock_sessions([session_id])[session_id]
    for band, value in ((AgeBand.UNDER6, capacity_under6), (AgeBand.OVER6, capacity_over6)):
        if value is None:
            continue
        if value < session.taken(band):
            raise ValidationFailed(_("%(n)s places sont déjà réservées : la capacité ne peut pas être plus basse.",
                                     n=session.taken(band)), field=f"capacity_{band.value}")
        engine.set_capacity(session, band, value)
    staffing.check_capacity(session.capacity_under6, session.capacity_over6, session.day)
    if animators_planned is not None:
        if animators_planned < 0:
            raise ValidationFailed(_("Nombre d'animateurs non valide."), field="animators_planned")
        session.animators_planned = animators_planned
    if opens_at is not None or clear_opens_at:
        session.opens_at = opens_at
    promoted = engine.promote(session, now)
    return promoted


@use_case
def cancel_session(user: User, session_id: int, now: datetime | None = None) -> int:
    """Cancel a whole session: every active booking is cancelled and the families told.

    Returns the number of bookings cancelled. Raises NotFound.
    """
    now = now or utcnow()
    session = db.session.get(Session, session_id)
    if session is None:
        raise NotFound()
    require(user, Action.MANAGE_SITE, session.unit.activity.site_id)
    session = engine.lock_sessions([session_id])[session_id]
    bookings = engine.close_session(session, now)
    for booking in bookings:
        for guardian in _guardians(booking.child.household):
            notify("booking.cancelled", guardian, {"child_name": booking.child.first_name,
                                                   "session": _describe(session),
                                                   "path": "/accueils/mes-reservations"})
    return len(bookings)


# ---------------------------------------------------------------- reading

def household_bookings(user: User, include_past: bool = False, today: date | None = None) -> list[Booking]:
    """The bookings of the user's household (newest sessions last)."""
    household = household_of(user)
    if household is None:
        return []
    # One statement: each booking with its child, session, unit, activity and site.
    query = (select(Booking).join(Booking.child).join(Booking.session).join(Session.unit).join(Unit.activity)
             .join(Activity.site).where(Child.household_id == household.id)
             .options(contains_eager(Booking.child),
                      contains_eager(Booking.session).contains_eager(Session.unit).contains_eager(Unit.activity)
                      .contains_eager(Activity.site))
             .order_by(Session.day, Booking.id))
    if not include_past:
        query = query.where(Session.day >= (today or clock.today()))
    return list(db.session.scalars(query))


def get_booking_for_household(user: User, booking_id: int) -> Booking:
    booking = db.session.get(Booking, booking_id)
    if booking is None:
        raise NotFound()
    require(user, Action.BOOK_FOR_CHILD, booking.child)
    return booking


# Registers and attendance live in app.booking.attendance; kept importable from here.
from app.booking.attendance import RegisterRow, mark_attendance, session_register  # noqa: E402,F401
