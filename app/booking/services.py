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
from dataclasses import asdict, dataclass, field
from datetime import date, datetime

from flask_babel import format_datetime
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload, selectinload

from app import clock
from app.accounts.models import User
from app.accounts.permissions import require
from app.booking import admission
from app.booking.access import Action, household_of
from app.booking.errors import (AdmissionRefused, AgeOutOfRange, AlreadyBooked, BookingClosed, BookingNotOpen,
                                BookingRefused, CancellationClosed, NotCancellable, OverlappingBooking,
                                ResidentsFirst, SessionCancelled, SessionNotFound)
from app.booking.idempotency import KEY_MAX, stored_response
from app.booking.models import (ACTIVE_STATUSES, PLACE_STATUSES, Activity, AgeBand, Booking, BookingStatus,
                                IdempotencyKey, Session, Unit)
from app.booking.pricing import price_for
from app.errors import NotFound, ValidationFailed
from app.extensions import db, read_phase, utcnow
from app.families.models import Child, Household, HouseholdMember
from app.notifications.outbox import notify, recipients

STATUS_LABELS = {
    "confirmed": _l("Confirmée"),
    "waitlisted": _l("Liste d'attente"),
    "pending_preparation": _l("Confirmée, accueil en préparation"),
    "cancelled": _l("Annulée"),
    "late_cancelled": _l("Annulée hors délai"),
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

    def to_dict(self) -> dict:
        return {"submission_id": self.submission_id, "items": [asdict(i) for i in self.items]}

    @classmethod
    def from_dict(cls, data: dict, replayed: bool = False) -> SubmissionResult:
        return cls(data["submission_id"], [ItemResult(**i) for i in data["items"]], replayed)


# ---------------------------------------------------------------- locking (the capacity guard)

# A session's unit, activity and site, loaded with it (the rules and the e-mail need them).
_WITH_SITE = joinedload(Session.unit).joinedload(Unit.activity).joinedload(Activity.site)


def _lock_sessions(session_ids) -> dict[int, Session]:
    """Lock the sessions' rows in ascending id order and reload them from the database."""
    ids = sorted(set(session_ids))
    rows = db.session.scalars(select(Session).where(Session.id.in_(ids)).order_by(Session.id)
                              .options(_WITH_SITE).with_for_update(of=Session)
                              .execution_options(populate_existing=True))
    return {s.id: s for s in rows}


def _claim_place(session: Session, band: AgeBand) -> bool:
    """Take one place of `band` if one is free. The session row is locked by the caller."""
    if session.taken(band) >= session.capacity(band):
        return False
    _add_taken(session, band, 1)
    return True


def _add_taken(session: Session, band: AgeBand, delta: int) -> None:
    if band is AgeBand.UNDER6:
        session.taken_under6 = session.taken_under6 + delta
    else:
        session.taken_over6 = session.taken_over6 + delta


# ---------------------------------------------------------------- rules

def _local(moment: datetime) -> str:
    # Translators: a Babel date pattern; translate only the quoted word.
    return format_datetime(moment, _("d MMMM yyyy 'à' HH:mm"))


def _already_booked(child: Child, session: Session) -> bool:
    return db.session.scalar(select(Booking.id).where(Booking.child_id == child.id, Booking.session_id == session.id,
                                                      Booking.status.in_(ACTIVE_STATUSES))) is not None


def _check_rules(child: Child, household: Household, session: Session, now: datetime) -> AgeBand:
    """Raise the BookingRefused that applies, or return the child's age band on that day.

    These rules read the session, the child and the household, and the
    child's own bookings: they are checked before the session is locked.
    What concurrent requests change (cancellation, an active booking of the
    same child, the places) is checked again under the lock, in `_book_item`.
    """
    activity = session.unit.activity
    if session.cancelled:
        raise SessionCancelled()
    unit = session.unit
    same_day = db.session.execute(
        select(Session.id, Unit.start_time, Unit.end_time).join(Booking, Booking.session_id == Session.id)
        .join(Unit, Session.unit_id == Unit.id)
        .where(Booking.child_id == child.id, Booking.status.in_(ACTIVE_STATUSES), Session.day == session.day,
               Session.cancelled.is_(False))).all()
    if any(row.id == session.id for row in same_day):
        raise AlreadyBooked()
    if any(row.start_time < unit.end_time and unit.start_time < row.end_time for row in same_day):
        raise OverlappingBooking()
    age = child.age_on(session.day)
    if not activity.min_age <= age <= activity.max_age:
        raise AgeOutOfRange(_("%(name)s aura %(age)s ans ce jour-là ; cette activité accueille les enfants "
                              "de %(min)s à %(max)s ans.", name=child.first_name, age=age,
                              min=activity.min_age, max=activity.max_age))
    opens = session.effective_opens_at()
    if opens is not None and now < opens:
        raise BookingNotOpen(_("Les réservations ouvrent le %(when)s.", when=_local(opens)))
    deadline = activity.booking_deadline(session.day)
    if now > deadline:
        raise BookingClosed(_("La date limite de réservation était le %(when)s.", when=_local(deadline)))
    if activity.residents_first_until and now < activity.residents_first_until and not household.is_resident:
        raise ResidentsFirst(_("Jusqu'au %(when)s, les réservations sont réservées aux habitants du Grand Cahors.",
                               when=_local(activity.residents_first_until)))
    return AgeBand.for_age(age)


def _next_waitlist_order(session: Session) -> int:
    current = db.session.scalar(select(func.max(Booking.waitlist_order)).where(Booking.session_id == session.id))
    return (current or 0) + 1


def waitlist_position(booking: Booking) -> int | None:
    """Position (1 = next) among the children of the same age band waiting for this session."""
    if booking.status is not BookingStatus.WAITLISTED:
        return None
    return db.session.scalar(select(func.count(Booking.id)).where(
        Booking.session_id == booking.session_id, Booking.status == BookingStatus.WAITLISTED,
        Booking.age_band == booking.age_band, Booking.waitlist_order <= booking.waitlist_order))


def waitlist_positions(bookings) -> dict[int, int]:
    """{booking id: position} for the waitlisted ones among `bookings`, in one query (see waitlist_position)."""
    waiting = [b for b in bookings if b.status is BookingStatus.WAITLISTED]
    if not waiting:
        return {}
    rows = db.session.execute(select(Booking.id, Booking.session_id, Booking.age_band, Booking.waitlist_order)
                              .where(Booking.session_id.in_({b.session_id for b in waiting}),
                                     Booking.status == BookingStatus.WAITLISTED)).all()
    positions = {}
    for b in waiting:
        positions[b.id] = sum(1 for r in rows if r.session_id == b.session_id and r.age_band == b.age_band
                              and r.waitlist_order <= b.waitlist_order)
    return positions


@dataclass
class _Checked:
    """One item of a submission that passed the rules before the lock."""
    child: Child
    session: Session
    band: AgeBand
    price: object
    admission: admission.Admission | None = None  # foreseen before the lock (one-item submissions)


def _overlaps(a: Session, b: Session) -> bool:
    return (a.day == b.day and a.unit.start_time < b.unit.end_time and b.unit.start_time < a.unit.end_time)


def _book_item(user: User, item: _Checked, booked_here: list[Session], locked: dict[int, Session],
               now: datetime, submission_id: str, requested_at: datetime | None) -> tuple[Booking, int | None]:
    """Book one checked item: admission checks, then the claim under the session's lock.

    `booked_here` holds the sessions this submission already booked for the
    same child (they are not visible to the rules checked before the lock).
    `locked` holds the sessions already locked; any other is locked here,
    after the admission checks. Returns the booking and its waiting-list
    position (None when it has a place).
    """
    child, session = item.child, item.session
    if any(_overlaps(session, other) for other in booked_here):
        raise OverlappingBooking()
    decision = item.admission
    if decision is None or decision.decision == "hold":  # a hold may have something to write
        decision = admission.evaluate(child, session)
    if decision.decision == "refuse":
        raise AdmissionRefused(decision.reason or None, code=decision.code)
    session = locked.get(session.id) or _lock_sessions([session.id])[session.id]
    if session.cancelled:
        raise SessionCancelled()
    if _already_booked(child, session):
        raise AlreadyBooked()
    booking = Booking(child_id=child.id, session_id=session.id, age_band=item.band, submission_id=submission_id,
                      booked_by_id=user.id, price=item.price, created_at=now, updated_at=now,
                      requested_at=requested_at)
    position = None
    if _claim_place(session, item.band):
        booking.status = (BookingStatus.PENDING_PREPARATION if decision.decision == "hold"
                          else BookingStatus.CONFIRMED)
    else:
        booking.status = BookingStatus.WAITLISTED
        last, waiting = db.session.execute(select(
            func.max(Booking.waitlist_order),
            func.count(Booking.id).filter(Booking.status == BookingStatus.WAITLISTED,
                                          Booking.age_band == item.band))
            .where(Booking.session_id == session.id)).one()
        booking.waitlist_order = (last or 0) + 1
        position = waiting + 1  # the new booking is the last of its band
    db.session.add(booking)
    db.session.flush()
    return booking, position


# ---------------------------------------------------------------- use cases

def _own_children(user: User, child_ids: set[int]) -> dict[int, Child]:
    """The children, with their household and its guardians, when they all belong to `user`'s household.

    Raises NotFound (no such child) or the permission error of a child of another household.
    """
    rows = db.session.scalars(
        select(Child).join(HouseholdMember, HouseholdMember.household_id == Child.household_id)
        .where(HouseholdMember.user_id == user.id, Child.id.in_(child_ids))
        .options(joinedload(Child.household).selectinload(Household.members).joinedload(HouseholdMember.user)))
    children = {child.id: child for child in rows}
    for child_id in child_ids - set(children):
        child = db.session.get(Child, child_id)
        if child is None:
            raise NotFound()
        require(user, Action.BOOK_FOR_CHILD, child)  # raises: not the user's household
        raise NotFound()  # unreachable unless the policy changes: never book for another household
    return children


def _load_sessions(session_ids) -> dict[int, Session]:
    """The sessions with their unit, activity and site, in one query (no lock)."""
    rows = db.session.scalars(select(Session).where(Session.id.in_(set(session_ids))).options(_WITH_SITE))
    return {s.id: s for s in rows}


def book(user: User, items, idempotency_key: str | None = None, now: datetime | None = None,
         requested_at: datetime | None = None) -> SubmissionResult:
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
    try:
        with read_phase():
            if idempotency_key:
                stored = _stored_answer(user, idempotency_key)
                if stored is not None:
                    return stored
            children = _own_children(user, {c for c, _s in pairs})
            household = next(iter(children.values())).household
            sessions = _load_sessions(s for _c, s in pairs)
            if {s for _c, s in pairs} - set(sessions):
                raise SessionNotFound()
            checked: dict[tuple[int, int], _Checked | BookingRefused] = {}
            for child_id, session_id in pairs:
                child, session = children[child_id], sessions[session_id]
                try:
                    band = _check_rules(child, household, session, now)
                    price = price_for(session.unit_id, household, session.day)
                except BookingRefused as refusal:
                    checked[child_id, session_id] = refusal
                    continue
                checked[child_id, session_id] = _Checked(
                    child, session, band, price,
                    # One item: its admission checks need not wait for the writing transaction.
                    admission.foresee(child, session) if len(pairs) == 1 else None)
            guardians = recipients("booking.submitted", _guardians(household))

        result = SubmissionResult(str(uuid.uuid4()))
        # Several items: lock every session first, in ascending id order, then book in the family's
        # order. One item (the API's case): lock its session only after the admission checks.
        locked = _lock_sessions(sessions) if len(pairs) > 1 else {}
        booked_here: dict[int, list[Session]] = {}
        for child_id, session_id in pairs:
            item = checked[child_id, session_id]
            try:
                if isinstance(item, BookingRefused):
                    raise item
                booking, position = _book_item(user, item, booked_here.setdefault(child_id, []), locked, now,
                                               result.submission_id, requested_at)
            except BookingRefused as refusal:
                result.items.append(ItemResult(child_id, session_id, "refused", code=refusal.code,
                                               reason=refusal.message))
                continue
            booked_here[child_id].append(item.session)
            result.items.append(ItemResult(child_id, session_id, booking.status.value, booking.id,
                                           position, price=_money(booking.price)))
        if idempotency_key:
            db.session.add(IdempotencyKey(user_id=user.id, key=idempotency_key[:KEY_MAX], response=result.to_dict()))
        _notify_submission(guardians, result, children, sessions)
        try:
            db.session.commit()
        except IntegrityError:
            # The same submission was answered meanwhile by a concurrent request (the key is
            # unique): forget this one's bookings and e-mail, and give that answer.
            db.session.rollback()
            stored = _stored_answer(user, idempotency_key) if idempotency_key else None
            if stored is None:
                raise
            return stored
    except Exception:
        db.session.rollback()
        raise
    return result


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


def _money(value) -> str | None:
    return None if value is None else f"{value:.2f}"


def _guardians(household: Household) -> list[User]:
    return [m.user for m in household.members if m.user.active]


def _describe(session: Session) -> str:
    unit = session.unit
    return f"{session.day:%d/%m/%Y} – {unit.activity.site.name}, {unit.activity.name} ({unit.label})"


def _notify_submission(guardians: list[User], result: SubmissionResult, children, sessions) -> None:
    if all(item.status == "refused" for item in result.items):
        return
    lines = []
    for item in result.items:
        child, session = children[item.child_id], sessions[item.session_id]
        text = status_label(item.status)
        if item.status == "waitlisted":
            text = _("Liste d'attente, position %(n)s", n=item.waitlist_position)
        elif item.status == "refused":
            text = _("Refusée : %(reason)s", reason=item.reason)
        lines.append({"child": child.first_name, "session": _describe(session), "result": text})
    for guardian in guardians:
        notify("booking.submitted", guardian, {"lines": lines, "path": "/accueils/mes-reservations",
                                               "submission_id": result.submission_id}, preferences_checked=True)


def _promote(session: Session, now: datetime) -> list[Booking]:
    """Give the session's free places to the first eligible waiting children (row already locked)."""
    promoted = []
    if session.cancelled:
        return promoted
    for band in AgeBand:
        if session.taken(band) >= session.capacity(band):
            continue
        waiting = db.session.scalars(
            select(Booking).where(Booking.session_id == session.id, Booking.status == BookingStatus.WAITLISTED,
                                  Booking.age_band == band)
            .order_by(Booking.waitlist_order, Booking.id).options(selectinload(Booking.child))).all()
        for booking in waiting:
            if session.taken(band) >= session.capacity(band):
                break
            decision = admission.evaluate(booking.child, session)
            if decision.decision == "refuse":
                continue
            booking.status = (BookingStatus.PENDING_PREPARATION if decision.decision == "hold"
                              else BookingStatus.CONFIRMED)
            booking.updated_at = now
            booking.sequence += 1
            _add_taken(session, band, 1)
            promoted.append(booking)
            for guardian in _guardians(booking.child.household):
                notify("booking.promoted", guardian, {"child_name": booking.child.first_name,
                                                      "session": _describe(session),
                                                      "path": "/accueils/mes-reservations"})
    db.session.flush()
    return promoted


def _release(booking: Booking, session: Session, status: BookingStatus, now: datetime) -> None:
    if booking.status in PLACE_STATUSES:
        _add_taken(session, booking.age_band, -1)
    booking.status = status
    booking.cancelled_at = now
    booking.updated_at = now
    booking.sequence += 1


def _locked_booking(booking_id: int) -> tuple[Booking, Session]:
    booking = db.session.get(Booking, booking_id)
    if booking is None:
        raise NotFound()
    session = _lock_sessions([booking.session_id])[booking.session_id]
    db.session.refresh(booking)
    return booking, session


def cancel_booking(user: User, booking_id: int, now: datetime | None = None) -> Booking:
    """A guardian cancels a booking (or leaves the waiting list).

    After the activity's cancellation deadline the booking is recorded as
    late_cancelled. The freed place goes at once to the first eligible
    waiting child. Raises NotFound (another household), NotCancellable,
    CancellationClosed (the session is over).
    """
    now = now or utcnow()
    booking = db.session.get(Booking, booking_id)
    if booking is None:
        raise NotFound()
    require(user, Action.BOOK_FOR_CHILD, booking.child)
    booking, session = _locked_booking(booking_id)
    if booking.status not in ACTIVE_STATUSES:
        raise NotCancellable()
    if now > session.ends_at():
        raise CancellationClosed()
    late = booking.status in PLACE_STATUSES and now > session.unit.activity.cancel_deadline(session.day)
    _release(booking, session, BookingStatus.LATE_CANCELLED if late else BookingStatus.CANCELLED, now)
    _promote(session, now)
    db.session.commit()
    return booking


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
    _release(booking, session, BookingStatus.CANCELLED, now)
    for guardian in _guardians(booking.child.household):
        notify("booking.cancelled", guardian, {"child_name": booking.child.first_name,
                                               "session": _describe(session), "path": "/accueils/mes-reservations"})
    _promote(session, now)
    db.session.commit()
    return booking


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
    session = _lock_sessions([session_id])[session_id]
    for band, value in ((AgeBand.UNDER6, capacity_under6), (AgeBand.OVER6, capacity_over6)):
        if value is None:
            continue
        if value < session.taken(band):
            raise ValidationFailed(_("%(n)s places sont déjà réservées : la capacité ne peut pas être plus basse.",
                                     n=session.taken(band)), field=f"capacity_{band.value}")
        setattr(session, f"capacity_{band.value}", value)
    if animators_planned is not None:
        if animators_planned < 0:
            raise ValidationFailed(_("Nombre d'animateurs non valide."), field="animators_planned")
        session.animators_planned = animators_planned
    if opens_at is not None or clear_opens_at:
        session.opens_at = opens_at
    promoted = _promote(session, now)
    db.session.commit()
    return promoted


def cancel_session(user: User, session_id: int, now: datetime | None = None) -> int:
    """Cancel a whole session: every active booking is cancelled and the families told.

    Returns the number of bookings cancelled. Raises NotFound.
    """
    now = now or utcnow()
    session = db.session.get(Session, session_id)
    if session is None:
        raise NotFound()
    require(user, Action.MANAGE_SITE, session.unit.activity.site_id)
    session = _lock_sessions([session_id])[session_id]
    session.cancelled = True
    bookings = db.session.scalars(select(Booking).where(Booking.session_id == session.id,
                                                        Booking.status.in_(ACTIVE_STATUSES))).all()
    for booking in bookings:
        _release(booking, session, BookingStatus.CANCELLED, now)
        for guardian in _guardians(booking.child.household):
            notify("booking.cancelled", guardian, {"child_name": booking.child.first_name,
                                                   "session": _describe(session),
                                                   "path": "/accueils/mes-reservations"})
    session.taken_under6 = session.taken_over6 = 0
    db.session.commit()
    return len(bookings)


# ---------------------------------------------------------------- reading

def household_bookings(user: User, include_past: bool = False, today: date | None = None) -> list[Booking]:
    """The bookings of the user's household (newest sessions last)."""
    household = household_of(user)
    if household is None:
        return []
    query = (select(Booking).join(Child).join(Session).where(Child.household_id == household.id)
             .options(selectinload(Booking.child),
                      selectinload(Booking.session).selectinload(Session.unit).selectinload(Unit.activity)
                      .selectinload(Activity.site))
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
