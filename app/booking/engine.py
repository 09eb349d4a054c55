"""The booking engine: the one place where a child's place is checked, given, queued or taken back.

Every path that gives or takes a place calls these functions: a family's
booking (web and API, `services.book`), the draw (`allocation_draw.run_draw`),
promotion from the waiting list (after a cancellation, a capacity increase,
a held booking released), a centre's cancellation, the confirmation of a
held booking (`preparation`). No other module writes `taken_*`, a booking's
status or its waiting-list order.

Rules. `check_request` raises the BookingRefused that applies (each with a
stable code and a French reason the family can act on): cancelled session,
already booked, overlapping booking, age, opening, deadline, residents
first, places given by draw. These are booking's own rules, the only ones
that may refuse. The admission checks other domains register
(`admission.evaluate`) may only CONFIRM or HOLD (pending_preparation).

Places. `lock_sessions` locks session rows in ascending id order (SELECT ...
FOR UPDATE on PostgreSQL; on SQLite every writing transaction starts with
BEGIN IMMEDIATE). A family's booking, the hot path of an opening rush, does
the same in Core statements (`lock_counters`, `book_place`: the row's
counters, one conditional counter update, one insert; no ORM object) and
leaves "already booked" to the partial unique index on (child, session) of
active bookings, checked by the database at the insert. `place` claims a place of the child's age band under that
lock or puts the booking at the end of the waiting list. `release` gives a
place back and `promote` gives free places to the first waiting children of
the band whom the rules admit; a child passed over keeps their position and
the reason is stored on the booking for the family to see.

Every function here writes in the caller's transaction and never commits.
"""
from __future__ import annotations

from collections.abc import Iterable
from contextlib import nullcontext
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from flask_babel import format_datetime
from flask_babel import gettext as _
from sqlalchemy import Select, func, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload, selectinload

from app import clock, rules
from app.booking import admission
from app.booking.eligibility import age_refusal
from app.booking.errors import (
    AgeOutOfRange,
    AlreadyBooked,
    BookingClosed,
    BookingNotOpen,
    BookingRefused,
    DrawPending,
    OverlappingBooking,
    ResidentsFirst,
    SessionCancelled,
)
from app.booking.models import (
    ACTIVE_STATUSES,
    CLAIMING_STATUSES,
    PLACE_STATUSES,
    Activity,
    AgeBand,
    Booking,
    BookingStatus,
    Session,
    Unit,
)
from app.extensions import db
from app.families.models import Child, Household
from app.notifications.outbox import notify

PROMOTION_GRACE_DAYS = rules.define(
    "booking.promotion_grace_days", kind=int, default=0,
    label="Délai d'annulation sans frais d'une place obtenue depuis la liste d'attente après la date limite "
          "d'annulation (0 = le jour même)",
    source="Délibération du conseil communautaire", unit="jours", minimum=0)

OFFER_HOURS = rules.define(
    "booking.waitlist_offer_hours", kind=int, default=0,
    label="Liste d'attente : délai donné à une famille pour accepter une place libérée que la direction lui "
          "propose, en heures (0 = la place libérée est donnée aussitôt au premier enfant en attente)",
    source="Règlement intérieur des accueils de loisirs (délibération du conseil communautaire)", unit="heures",
    minimum=0, maximum=336)

# A session's unit, activity and site, loaded with it (the rules and the e-mails need them).
WITH_SITE = joinedload(Session.unit).joinedload(Unit.activity).joinedload(Activity.site)


# ---------------------------------------------------------------- locks and counters

def lock_sessions(session_ids: Iterable[int]) -> dict[int, Session]:
    """Lock the sessions' rows in ascending id order and reload them from the database."""
    ids = sorted(set(session_ids))
    rows = db.session.scalars(select(Session).where(Session.id.in_(ids)).order_by(Session.id)
                              .options(WITH_SITE).with_for_update(of=Session)
                              .execution_options(populate_existing=True))
    return {s.id: s for s in rows}


def lock_booking(booking_id: int) -> tuple[Booking, Session] | None:
    """The booking and its session, the session's row locked; None if there is no such booking."""
    booking = db.session.get(Booking, booking_id)
    if booking is None:
        return None
    session = lock_sessions([booking.session_id])[booking.session_id]
    db.session.refresh(booking)
    return booking, session


@dataclass
class Counters:
    """A session row's state that a booking decides on, read under the row's lock (no ORM object)."""
    id: int
    day: date
    cancelled: bool
    capacity_under6: int
    capacity_over6: int
    taken_under6: int
    taken_over6: int

    def capacity(self, band: AgeBand) -> int:
        return int(getattr(self, f"capacity_{band.value}"))

    def taken(self, band: AgeBand) -> int:
        return int(getattr(self, f"taken_{band.value}"))


_SESSIONS = Session.__table__
_BOOKINGS = Booking.__table__


def lock_counters(session_ids: Iterable[int]) -> dict[int, Counters]:
    """`lock_sessions` for the booking hot path: the rows locked in ascending id order, their counters only."""
    t = _SESSIONS
    rows = db.session.execute(select(t.c.id, t.c.day, t.c.cancelled, t.c.capacity_under6, t.c.capacity_over6,
                                     t.c.taken_under6, t.c.taken_over6)
                              .where(t.c.id.in_(sorted(set(session_ids)))).order_by(t.c.id).with_for_update())
    return {row.id: Counters(*row) for row in rows}


def claim_counted(counters: Counters, band: AgeBand) -> bool:
    """`claim` for the hot path: take one place of `band` if one is free (row locked by the caller)."""
    if counters.taken(band) >= counters.capacity(band):
        return False
    column = f"taken_{band.value}"
    db.session.execute(update(_SESSIONS).where(_SESSIONS.c.id == counters.id)
                       .values({column: _SESSIONS.c[column] + 1}))
    setattr(counters, column, counters.taken(band) + 1)
    return True


class DuplicateBooking(Exception):
    """The database refused a second active booking of the child for the session (unique index), in a
    transaction that must now be rolled back (see `book_place`)."""


def is_duplicate_booking(error: IntegrityError) -> bool:
    """True when `error` is the unique index of active bookings (child, session) refusing a row."""
    text = str(error.orig)
    return "uq_booking_active_child_session" in text or "booking.child_id, booking.session_id" in text


def book_place(values: dict[str, Any], counters: Counters, decision: admission.Admission, *,
               savepoint: bool, offers: bool | None = None) -> tuple[int, BookingStatus, int | None]:
    """Give a new booking a place of its band or queue it at the end, in Core statements (row locked by the
    caller, cancellation checked). `values` are the booking's columns, with "age_band".

    Returns (booking id, status, waiting-list position or None). "Already booked" is the database's
    answer: with `savepoint` (a submission of several items) the insert runs in a savepoint and a
    refused one raises AlreadyBooked, the other items going on; without (one item: no savepoint to pay
    for) it raises DuplicateBooking and the caller rolls the whole transaction back. `offers`: the
    rule of `offers_on` for the session's day when the caller read it before the lock (see newcomer_queues).
    """
    band = values["age_band"]
    before = (counters.taken_under6, counters.taken_over6)
    try:
        with db.session.begin_nested() if savepoint else nullcontext():
            position = None
            if not newcomer_queues(counters.id, counters.day, band, offers=offers) and claim_counted(counters, band):
                status = BookingStatus.PENDING_PREPARATION if decision.decision == "hold" else BookingStatus.CONFIRMED
                order = None
            else:
                status = BookingStatus.WAITLISTED
                last, waiting = db.session.execute(select(
                    func.max(_BOOKINGS.c.waitlist_order),
                    func.count(_BOOKINGS.c.id).filter(_BOOKINGS.c.status == BookingStatus.WAITLISTED,
                                                      _BOOKINGS.c.age_band == band))
                    .where(_BOOKINGS.c.session_id == counters.id)).one()
                order, position = (last or 0) + 1, waiting + 1  # the new booking is the last of its band
            booking_id = db.session.execute(insert(_BOOKINGS).values(  # type: ignore[attr-defined]
                **values, session_id=counters.id, status=status, waitlist_order=order)).inserted_primary_key[0]
    except IntegrityError as error:
        if not is_duplicate_booking(error):
            raise
        counters.taken_under6, counters.taken_over6 = before
        if savepoint:
            raise AlreadyBooked() from None
        raise DuplicateBooking() from None
    return booking_id, status, position


def claim(session: Session, band: AgeBand) -> bool:
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

def local_moment(moment: datetime) -> str:
    # Translators: a Babel date pattern; translate only the quoted word.
    return str(format_datetime(moment, _("d MMMM yyyy 'à' HH:mm")))


def check_age(child: Child, activity: Activity, day: date) -> AgeBand:
    """The child's age band on `day`, or AgeOutOfRange when the activity does not take the child that day
    (by age in years or months, or from school entry: see booking.eligibility)."""
    refusal = age_refusal(child, activity, day)
    if refusal is not None:
        raise AgeOutOfRange(refusal.reason, code=refusal.code)
    return AgeBand.for_age(child.age_on(day))


def overlaps(a: Session, b: Session) -> bool:
    return a.day == b.day and a.unit.start_time < b.unit.end_time and b.unit.start_time < a.unit.end_time


@dataclass
class Preloaded:
    """What `check_request` reads from the database, loaded at once for many requests (the month calendar):
    the children's active bookings by day, and the allocation periods of the activities."""
    same_day: dict[tuple[int, date], list[Any]] = field(default_factory=dict)  # (child id, day) -> rows
    periods: dict[int, list[Any]] = field(default_factory=dict)  # activity id -> allocation periods

    def period_of(self, session: Session) -> Any:
        return next((p for p in self.periods.get(session.unit.activity_id, [])
                     if p.first_day <= session.day <= p.last_day), None)


def preload(child_ids: Iterable[int], sessions: Iterable[Session]) -> Preloaded:
    """Two queries for `check_request` on every (child, session) pair of `child_ids` × `sessions`."""
    from app.booking.allocation.models import AllocationPeriod

    known = Preloaded()
    sessions = list(sessions)
    if not sessions or not child_ids:
        return known
    first, last = min(s.day for s in sessions), max(s.day for s in sessions)
    for row in db.session.execute(
            _same_day_query().where(Booking.child_id.in_(set(child_ids)), Session.day.between(first, last))):
        known.same_day.setdefault((row.child_id, row.day), []).append(row)
    for period in db.session.scalars(select(AllocationPeriod).where(
            AllocationPeriod.activity_id.in_({s.unit.activity_id for s in sessions}),
            AllocationPeriod.first_day <= last, AllocationPeriod.last_day >= first)):
        known.periods.setdefault(period.activity_id, []).append(period)
    return known


def _same_day_query() -> Select[Any]:
    """The active bookings of children on days (their session's id, day and hours), to be filtered."""
    return (select(Session.id, Session.day, Unit.start_time, Unit.end_time, Booking.child_id)
            .join(Booking, Booking.session_id == Session.id).join(Unit, Session.unit_id == Unit.id)
            .where(Booking.status.in_(ACTIVE_STATUSES), Session.cancelled.is_(False)))


def check_request(child: Child, household: Household | None, session: Session, now: datetime, *, drawing: bool = False,
                  known: Preloaded | None = None) -> AgeBand:
    """Raise the BookingRefused that applies to this request, or return the child's age band that day.

    These rules read the session, the child, the household and the child's
    own bookings: they are checked before the session is locked. What
    concurrent requests change is decided again under the lock: the
    cancellation and the places (`lock_counters`, `book_place`), an active
    booking of the same child by the unique index at the insert.
    With `drawing` (the draw of an allocation period), the opening, the
    residents' priority and the draw-mode rule are the draw's own business.
    With `known` (see `preload`), the child's bookings and the allocation
    periods are read from it instead of the database: the same rules.
    """
    activity = session.unit.activity
    if session.cancelled:
        raise SessionCancelled()
    unit = session.unit
    if known is not None:
        same_day = known.same_day.get((child.id, session.day), [])
    else:
        same_day = list(db.session.execute(
            _same_day_query().where(Booking.child_id == child.id, Session.day == session.day)).all())
    if any(row.id == session.id for row in same_day):
        raise AlreadyBooked()
    if any(row.start_time < unit.end_time and unit.start_time < row.end_time for row in same_day):
        raise OverlappingBooking()
    band = check_age(child, activity, session.day)
    deadline = activity.booking_deadline(session.day)
    if now > deadline:
        if drawing:
            raise BookingClosed(_("La date limite de réservation de cette séance était passée au moment du "
                                  "tirage."))
        raise BookingClosed(_("La date limite de réservation était le %(when)s.", when=local_moment(deadline)))
    if drawing:
        return band
    opens = session.effective_opens_at()
    if opens is not None and now < opens:
        raise BookingNotOpen(_("Les réservations ouvrent le %(when)s.", when=local_moment(opens)))
    if activity.residents_first_until and now < activity.residents_first_until and (
            household is None or not household.is_resident):
        raise ResidentsFirst(_("Jusqu'au %(when)s, les réservations sont réservées aux habitants du Grand Cahors.",
                               when=local_moment(activity.residents_first_until)))
    check_not_drawn(session, known.period_of(session) if known is not None else _UNKNOWN)
    return band


_UNKNOWN = object()


def check_not_drawn(session: Session, period: Any = _UNKNOWN) -> None:
    """First come, first served is closed on a session whose allocation period waits for its draw."""
    if period is _UNKNOWN:
        from app.booking.allocation import (
            period_of_session,  # allocation's models and queries
        )

        period = period_of_session(session)
    if period is not None and not period.is_drawn:
        raise DrawPending(_("Les places de cette période sont attribuées par tirage au sort : faites une demande "
                            "avant le %(when)s.", when=local_moment(period.requests_close_at)))


def promotion_refusal(booking: Booking, session: Session) -> BookingRefused | None:
    """The rule that keeps a waiting child from this place now (None: the rules admit the child).

    A child's protection: the same age range as when booking, and never two
    places at the same time of a day.
    """
    try:
        check_age(booking.child, session.unit.activity, session.day)
    except BookingRefused as refusal:
        return refusal
    others = db.session.scalars(
        select(Session).join(Booking, Booking.session_id == Session.id)
        .where(Booking.child_id == booking.child_id, Booking.id != booking.id, Booking.status.in_(PLACE_STATUSES),
               Session.day == session.day, Session.cancelled.is_(False)).options(WITH_SITE)).all()
    if any(overlaps(session, other) for other in others):
        return OverlappingBooking(_("%(name)s a déjà une place à la même heure ce jour-là : annulez-la pour "
                                    "recevoir celle-ci.", name=booking.child.first_name))
    return None


# ---------------------------------------------------------------- giving a place

def admit(child: Child, session: Session, foreseen: admission.Admission | None = None) -> admission.Admission:
    """CONFIRM or HOLD from the admission checks (a foreseen CONFIRM stands; a HOLD may have something to write)."""
    if foreseen is admission.CONFIRM:
        return foreseen
    return admission.evaluate(child, session)


def next_waitlist_order(session: Session) -> int:
    current = db.session.scalar(select(func.max(Booking.waitlist_order)).where(Booking.session_id == session.id))
    return (current or 0) + 1


def place(booking: Booking, session: Session, decision: admission.Admission, *, give: bool = True) -> int | None:
    """Give `booking` a place of its band (the session locked by the caller) or queue it at the end.

    With `give` False (the draw's waiting list) it is queued without trying. When freed places are
    offered by the director (`offers_on`), a newcomer never takes a place before the children waiting.
    Returns its waiting-list position, None when it has a place.
    """
    if give and newcomer_queues(session.id, session.day, booking.age_band, booking.id):
        give = False
    if give and claim(session, booking.age_band):
        booking.status = (BookingStatus.PENDING_PREPARATION if decision.decision == "hold"
                          else BookingStatus.CONFIRMED)
        return None
    booking.status = BookingStatus.WAITLISTED
    last, waiting = db.session.execute(select(
        func.max(Booking.waitlist_order),
        func.count(Booking.id).filter(Booking.status == BookingStatus.WAITLISTED,
                                      Booking.age_band == booking.age_band))
        .where(Booking.session_id == session.id)).one()
    booking.waitlist_order = (last or 0) + 1
    return int(waiting) + 1  # the new booking is the last of its band


def waitlist_position(booking: Booking) -> int | None:
    """Position (1 = next) among the children of the same age band waiting for this session."""
    if booking.status is not BookingStatus.WAITLISTED:
        return None
    return db.session.scalar(select(func.count(Booking.id)).where(
        Booking.session_id == booking.session_id, Booking.status == BookingStatus.WAITLISTED,
        Booking.age_band == booking.age_band, Booking.waitlist_order <= booking.waitlist_order))


def waitlist_positions(bookings: Iterable[Booking]) -> dict[int, int]:
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


def describe(session: Session) -> str:
    unit = session.unit
    return f"{session.day:%d/%m/%Y} – {unit.activity.site.name}, {unit.activity.name} ({unit.label})"


def _guardians(child: Child) -> list[Any]:
    return [m.user for m in child.household.members if m.user.active]


def promote(session: Session, now: datetime) -> list[Booking]:
    """Give the session's free places to the first waiting children whom the rules admit (row locked).

    Per age band, in waiting-list order. A child the rules keep from the
    place now is passed over: they keep their position and the reason is
    stored on their booking (`passed_over_code`, `passed_over_reason`).
    Each promoted family is told ("booking.promoted").
    """
    promoted: list[Booking] = []
    if session.cancelled or offers_on(session):
        # With offers, a freed place waits for the director to offer it (`offer`).
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
            refusal = promotion_refusal(booking, session)
            if refusal is not None:
                booking.passed_over_code, booking.passed_over_reason = refusal.code, refusal.message[:500]
                continue
            decision = admission.evaluate(booking.child, session)
            claim(session, band)
            booking.status = (BookingStatus.PENDING_PREPARATION if decision.decision == "hold"
                              else BookingStatus.CONFIRMED)
            booking.promoted_at = now
            booking.passed_over_code = booking.passed_over_reason = None
            booking.updated_at = now
            booking.sequence += 1
            promoted.append(booking)
            for guardian in _guardians(booking.child):
                notify("booking.promoted", guardian, {"child_name": booking.child.first_name,
                                                      "session": describe(session),
                                                      "path": "/accueils/mes-reservations"})
    db.session.flush()
    return promoted


def confirm_held(booking: Booking, now: datetime) -> bool:
    """Confirm a held (pending_preparation) booking: it keeps the place it holds. False if it was not held.

    The session's row is locked first, so that a concurrent cancellation is seen.
    """
    lock_sessions([booking.session_id])
    db.session.refresh(booking)
    if booking.status is not BookingStatus.PENDING_PREPARATION:
        return False
    booking.status = BookingStatus.CONFIRMED
    booking.updated_at = now
    booking.sequence += 1
    db.session.flush()
    return True


# ---------------------------------------------------------------- taking a place back

def cancellation_status(booking: Booking, session: Session, now: datetime) -> BookingStatus:
    """CANCELLED, or LATE_CANCELLED (charged) when a family cancels a place after the cancellation deadline.

    Never late: a waiting-list booking, a booking held for preparation (the
    family never pays for a welcome the centre did not prepare), and a place
    given from the waiting list after the deadline, until the grace period
    (`booking.promotion_grace_days`, in days after the day it was given) ends.
    """
    if booking.status is not BookingStatus.CONFIRMED:
        return BookingStatus.CANCELLED
    deadline = session.unit.activity.cancel_deadline(session.day)
    if now <= deadline:
        return BookingStatus.CANCELLED
    given = booking.promoted_at
    if given is not None and given > deadline:
        given_day = clock.local_date(given)
        if clock.local_date(now) <= given_day + timedelta(days=PROMOTION_GRACE_DAYS.value(on=given_day)):
            return BookingStatus.CANCELLED
    return BookingStatus.LATE_CANCELLED


def release(booking: Booking, session: Session, status: BookingStatus, now: datetime) -> None:
    """End an active booking with `status` (the session row locked); its place, if any, is freed.

    Releasing a held booking tells preparation's listeners (inclusion cancels a meeting
    that no longer has a purpose)."""
    was_held = booking.status is BookingStatus.PENDING_PREPARATION
    if booking.status in CLAIMING_STATUSES:
        _add_taken(session, booking.age_band, -1)
    booking.status = status
    booking.cancelled_at = now
    booking.updated_at = now
    booking.sequence += 1
    if was_held:
        from app.booking.preparation import held_booking_released  # preparation imports the engine

        held_booking_released(booking, now)


def close_session(session: Session, now: datetime) -> list[Booking]:
    """Cancel a whole session (row locked): every active booking is cancelled; returns them."""
    session.cancelled = True
    bookings = db.session.scalars(select(Booking).where(Booking.session_id == session.id,
                                                        Booking.status.in_(ACTIVE_STATUSES))).all()
    for booking in bookings:
        release(booking, session, BookingStatus.CANCELLED, now)
    session.taken_under6 = session.taken_over6 = 0
    return list(bookings)


def set_capacity(session: Session, band: AgeBand, value: int) -> None:
    """Set a band's capacity (row locked); the caller checked it is not below the places taken."""
    setattr(session, f"capacity_{band.value}", value)


# ---------------------------------------------------------------- units counted otherwise (occasional care)
# Occasional care counts its places per 30-minute block (app/occasional/models.py, OccasionalBlock,
# with `free(band)` and `add_taken(band, delta)`); it locks its blocks in ascending id order
# (occasional.blocks.ensure_and_lock) and takes or gives back its places here, all blocks or none.

def claim_all(blocks: Iterable[Any], band: Any) -> bool:
    """Take one place of `band` in every block (rows locked by the caller), or none if one is full."""
    if any(block.free(band) <= 0 for block in blocks):
        return False
    for block in blocks:
        block.add_taken(band, 1)
    return True


def give_back(blocks: Iterable[Any], band: Any) -> None:
    """Give back one place of `band` in every block (rows locked by the caller)."""
    for block in blocks:
        block.add_taken(band, -1)


def next_order(column: Any, *where: Any) -> int:
    """The next waiting-list order: one more than the largest `column` among the rows matching `where`."""
    return (db.session.scalar(select(func.max(column)).where(*where)) or 0) + 1


def record_past(booking: Booking, session: Session) -> None:
    """Count a booking written as history (demo data of past months): it holds a place if its status does."""
    if booking.status in CLAIMING_STATUSES:
        _add_taken(session, booking.age_band, 1)



# ---------------------------------------------------------------- offers from the waiting list
# With the rule `booking.waitlist_offer_hours` above 0, a freed place is not given at once: the director
# offers it to the next waiting family of its age band, whose booking becomes OFFERED and keeps the place
# (it counts in `taken_*`) until the family accepts (CONFIRMED, or held by the admission checks), declines
# or lets the deadline pass (CANCELLED: the place is free again for the next family).

def offers_on(session: Session) -> bool:
    """Whether freed places of this session are offered by the director (the rule in force on its day)."""
    return bool(OFFER_HOURS.value(on=session.day) > 0)


def newcomer_queues(session_id: int, day: date, band: AgeBand, exclude_id: int | None = None, *,
                    offers: bool | None = None) -> bool:
    """Whether a new booking of `band` must queue behind the children already waiting in it: when freed
    places are offered by the director (the rule in force on the session's day), a newcomer never takes a
    place before them. One rule for the ORM paths (`place`) and the Core hot path (`book_place`).
    `offers`: that rule's answer when the caller read it already (a booking reads it before the lock)."""
    if not (OFFER_HOURS.value(on=day) > 0 if offers is None else offers):
        return False
    query = select(Booking.id).where(Booking.session_id == session_id, Booking.status == BookingStatus.WAITLISTED,
                                     Booking.age_band == band)
    if exclude_id is not None:
        query = query.where(Booking.id != exclude_id)
    return db.session.execute(query.limit(1)).first() is not None


def next_in_line(session: Session, band: AgeBand) -> Booking | None:
    """The first waiting child of `band` whom the rules admit now (those passed over keep their position
    and learn why, as in `promote`)."""
    waiting = db.session.scalars(
        select(Booking).where(Booking.session_id == session.id, Booking.status == BookingStatus.WAITLISTED,
                              Booking.age_band == band)
        .order_by(Booking.waitlist_order, Booking.id).options(selectinload(Booking.child))).all()
    for booking in waiting:
        refusal = promotion_refusal(booking, session)
        if refusal is None:
            return booking
        booking.passed_over_code, booking.passed_over_reason = refusal.code, refusal.message[:500]
    return None


def offer(session: Session, band: AgeBand, now: datetime) -> Booking:
    """Offer a free place of `band` to the next waiting child (session row locked by the caller): the
    booking becomes OFFERED, keeps the place, and must be accepted before now + the rule's hours.
    Expired offers of the session lapse first. Raises Conflict (offers_off, no_free_place, nobody_waiting)."""
    from app.errors import Conflict

    hours = OFFER_HOURS.value(on=session.day)
    if hours <= 0:
        raise Conflict(_("Les places libérées de cette séance sont données automatiquement au premier enfant en "
                         "attente : il n'y a pas de proposition à faire."), code="offers_off")
    if session.cancelled:
        raise SessionCancelled()
    lapse_expired(session, now)
    booking = next_in_line(session, band)
    if booking is None:
        raise Conflict(_("Aucun enfant de cette tranche d'âge n'attend une place que les règles lui permettent "
                         "de recevoir."), code="nobody_waiting")
    if not claim(session, band):
        raise Conflict(_("Aucune place n'est libre dans cette tranche d'âge."), code="no_free_place")
    booking.status = BookingStatus.OFFERED
    booking.offer_expires_at = now + timedelta(hours=hours)
    booking.passed_over_code = booking.passed_over_reason = None
    booking.updated_at = now
    booking.sequence += 1
    db.session.flush()
    return booking


def accept_offer(booking: Booking, session: Session, now: datetime) -> admission.Admission:
    """The family accepts an offered place before its deadline (session row locked): CONFIRMED, or held for
    preparation by the admission checks. Raises Conflict (not_offered, offer_expired) or the BookingRefused
    that keeps the child from the place now (the offer is then withdrawn and the place freed)."""
    from app.errors import Conflict

    if booking.status is not BookingStatus.OFFERED:
        raise Conflict(_("Cette place n'est pas, ou plus, proposée à votre famille."), code="not_offered")
    if booking.offer_expires_at is not None and now > booking.offer_expires_at:
        raise Conflict(_("Le délai pour accepter cette place est passé : elle a été proposée à une autre "
                         "famille ou le sera."), code="offer_expired")
    refusal = promotion_refusal(booking, session)
    if refusal is not None:
        raise refusal
    decision = admission.evaluate(booking.child, session)
    booking.status = (BookingStatus.PENDING_PREPARATION if decision.decision == "hold" else BookingStatus.CONFIRMED)
    booking.promoted_at = now
    booking.updated_at = now
    booking.sequence += 1
    db.session.flush()
    return decision


def end_waiting(booking: Booking, session: Session, now: datetime) -> None:
    """Take a waiting or offered booking off the list (declined, lapsed, or removed at the family's
    request): CANCELLED, and an offered place is free again (session row locked by the caller).
    Raises Conflict (not_waiting)."""
    from app.errors import Conflict

    if booking.status not in (BookingStatus.WAITLISTED, BookingStatus.OFFERED):
        raise Conflict(_("Cet enfant n'est pas sur la liste d'attente."), code="not_waiting")
    release(booking, session, BookingStatus.CANCELLED, now)


def expired_offers(session: Session, now: datetime) -> list[Booking]:
    return [b for b in db.session.scalars(select(Booking).where(
        Booking.session_id == session.id, Booking.status == BookingStatus.OFFERED,
        Booking.offer_expires_at.is_not(None)).order_by(Booking.id))
        if b.offer_expires_at is not None and b.offer_expires_at < now]


def lapse_expired(session: Session, now: datetime) -> list[Booking]:
    """Offers whose deadline has passed lapse (session row locked): their places are free again."""
    lapsed = expired_offers(session, now)
    for booking in lapsed:
        end_waiting(booking, session, now)
    return lapsed
