"""Occasional care use cases for families: request a range, shift patterns, cancel, waiting list.

Reuses booking's machinery: the parent rule (booking.access BOOK_FOR_CHILD),
the idempotency-key table (booking.idempotency), the outbox, and the same
capacity guard (the provider row FOR SHARE, then the blocks locked in
ascending id order, see blocks.py). Each public function is one transaction
(app.transactions.use_case)
and commits once; any unexpected error rolls everything back, so a pattern
is never half written.
"""
from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from app import clock
from app.accounts.access import can
from app.accounts.models import Role, User
from app.booking import engine
from app.booking.access import Action as BookingAction
from app.booking.access import household_of
from app.booking.idempotency import store_response, stored_response
from app.booking.models import PARIS
from app.errors import Forbidden, ValidationFailed
from app.extensions import db, utcnow
from app.families.models import Child, Household
from app.notifications.outbox import notify
from app.occasional.access import requests_care
from app.occasional.billing import household_cnaf_rate
from app.occasional.blocks import (
    check_range,
    ensure_and_lock,
    free_ranges,
    hhmm,
    lock_provider,
    long_day,
    parse_day,
    parse_time,
)
from app.occasional.errors import (
    AgeOutOfRange,
    AlreadyRequested,
    ChildNotFound,
    Closed,
    DayInPast,
    InvalidPattern,
    NotCancellable,
    ProviderNotFound,
    RequestRefused,
)
from app.occasional.models import (
    ACTIVE_STATUSES,
    HOLDING_STATUSES,
    OccasionalBooking,
    OccasionalProvider,
    PatternKind,
    Pricing,
    ProviderStaff,
    RequestStatus,
    ShiftPattern,
    age_in_months,
    block_starts,
    is_public_holiday,
)
from app.transactions import use_case

PATH_MINE = "/garde-ponctuelle/mes-demandes"
MAX_PATTERN_DAYS = 56  # 8 weeks

STATUS_LABELS = {
    "confirmed": "Confirmée",
    "urgent_pending": "Demande urgente : en attente de la coordinatrice",
    "waitlisted": "Liste d'attente",
    "declined": "Refusée par la structure",
    "cancelled": "Annulée",
    "transmitted": "Transmise au Relais Petite Enfance",
    "refused": "Refusée",
    "full": "Complet",
}


def status_label(status: str) -> str:
    return str(_(STATUS_LABELS.get(status, status)))


@dataclass
class Answer:
    """The answer to one requested range (a single request or a pattern occurrence)."""

    day: str
    start: str
    end: str
    status: str  # confirmed, urgent_pending, waitlisted, refused, full
    booking_id: int | None = None
    waitlist_position: int | None = None
    code: str | None = None
    reason: str | None = None
    price: str | None = None
    full_blocks: list[str] = field(default_factory=list)
    alternatives: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class Submission:
    submission_id: str
    provider_id: int
    child_id: int
    answers: list[Answer] = field(default_factory=list)
    pattern_id: int | None = None
    replayed: bool = False

    def to_dict(self) -> dict[str, Any]:
        return {"submission_id": self.submission_id, "provider_id": self.provider_id, "child_id": self.child_id,
                "pattern_id": self.pattern_id, "answers": [asdict(a) for a in self.answers]}

    @classmethod
    def from_dict(cls, data: dict[str, Any], replayed: bool = False) -> Submission:
        return cls(data["submission_id"], data["provider_id"], data["child_id"],
                   [Answer(**a) for a in data["answers"]], data.get("pattern_id"), replayed)


# ---------------------------------------------------------------- loading and rules

def get_provider(provider_id: Any, *, lock: bool = False) -> OccasionalProvider:
    """An active provider. With `lock`, its row FOR SHARE and its openings read again under the lock
    (the provider guard of blocks.py): the request's rules then see any administrator's change
    committed before. Raises ProviderNotFound."""
    if lock:
        provider = lock_provider(provider_id)
        if provider is None or not provider.active:
            raise ProviderNotFound(_("Structure inconnue."), field="provider_id")
        return provider
    try:
        provider = db.session.get(OccasionalProvider, int(provider_id))
    except (TypeError, ValueError):
        provider = None
    if provider is None or not provider.active:
        raise ProviderNotFound(_("Structure inconnue."), field="provider_id")
    return provider


def active_providers() -> list[OccasionalProvider]:
    return list(db.session.scalars(select(OccasionalProvider).where(OccasionalProvider.active.is_(True))
                                   .options(selectinload(OccasionalProvider.openings))
                                   .order_by(OccasionalProvider.name)))


def _child_for(user: User, child_id: Any) -> Child:
    """The user's household child; Forbidden for non-parents, ChildNotFound for another household's."""
    if not requests_care(user):
        raise Forbidden(_("Seuls les parents peuvent demander une garde pour leur enfant."))
    try:
        child = db.session.get(Child, int(child_id))
    except (TypeError, ValueError):
        child = None
    # Another household's child answers exactly like a child that does not exist.
    if child is None or not can(user, BookingAction.BOOK_FOR_CHILD, child):
        raise ChildNotFound(field="child_id")
    return child


def hourly_price(provider: OccasionalProvider, household: Household | None, day: date) -> Decimal | None:
    """The household's hourly price on `day`: by the CNAF national scale when the provider applies it,
    else the provider's tariff for the household's validated quotient familial band (highest band if
    there is none or it expired)."""
    if provider.pricing is Pricing.CNAF_SCALE:
        return household_cnaf_rate(household, day)
    tariffs = sorted(provider.tariffs, key=lambda t: t.qf_min)
    if not tariffs:
        return None
    qf = household.family_quotient_on(day) if household else None
    if qf is None:
        return tariffs[-1].hourly_price
    for tariff in tariffs:
        if tariff.qf_min <= qf and (tariff.qf_max is None or qf <= tariff.qf_max):
            return tariff.hourly_price
    return tariffs[-1].hourly_price


def _check_rules(provider: OccasionalProvider, child: Child, day: date, start: time, end: time, now: datetime,
                 ignore_ids: Iterable[int] = ()) -> list[time]:
    """The range's block starts, or the RequestRefused / ValidationFailed that applies."""
    if not any(o.weekday == day.weekday() for o in provider.openings) or (
            provider.closed_on_public_holidays and is_public_holiday(day)):
        raise Closed(_("%(name)s est fermé le %(day)s.", name=provider.name, day=long_day(day)))
    starts = check_range(provider, day, start, end)
    if datetime.combine(day, start, tzinfo=PARIS) <= now:
        raise DayInPast()
    months = age_in_months(child, day)
    if not provider.min_age_months <= months < provider.max_age_months:
        raise AgeOutOfRange(_("%(name)s aura %(m)s mois ce jour-là ; %(provider)s accueille les enfants de "
                              "%(min)s à %(max)s mois.", name=child.first_name, m=months, provider=provider.name,
                              min=provider.min_age_months, max=provider.max_age_months - 1))
    overlapping = db.session.scalar(
        select(OccasionalBooking.id).where(
            OccasionalBooking.child_id == child.id, OccasionalBooking.day == day,
            OccasionalBooking.status.in_(ACTIVE_STATUSES), OccasionalBooking.starts_at < end,
            OccasionalBooking.ends_at > start, OccasionalBooking.id.not_in(list(ignore_ids) or [0])).limit(1))
    if overlapping:
        raise AlreadyRequested()
    return starts


def is_urgent(provider: OccasionalProvider, day: date, start: time, now: datetime) -> bool:
    return datetime.combine(day, start, tzinfo=PARIS) - now < timedelta(hours=provider.notice_hours)


def _money(value: Decimal | None) -> str | None:
    return None if value is None else f"{value:.2f}"


def _next_waitlist_order(provider_id: int, day: date) -> int:
    return engine.next_order(OccasionalBooking.waitlist_order, OccasionalBooking.provider_id == provider_id,
                             OccasionalBooking.day == day)


def waitlist_position(booking: OccasionalBooking) -> int | None:
    """Position (1 = next) among the requests waiting at this provider on this day."""
    if booking.status is not RequestStatus.WAITLISTED:
        return None
    return db.session.scalar(select(func.count(OccasionalBooking.id)).where(
        OccasionalBooking.provider_id == booking.provider_id, OccasionalBooking.day == booking.day,
        OccasionalBooking.status == RequestStatus.WAITLISTED,
        OccasionalBooking.waitlist_order <= booking.waitlist_order))


def alternatives(child: Child, provider: OccasionalProvider, day: date, start: time, end: time,
                 per_provider: int = 3) -> list[dict[str, Any]]:
    """The nearest free ranges of the same length on `day`: this provider first, then the others."""
    duration = len(check_range(provider, day, start, end)) if provider.opening_for(day, start) else 0
    if not duration:
        minutes = (end.hour * 60 + end.minute) - (start.hour * 60 + start.minute)
        duration = max(1, minutes // 30)
    out: list[dict[str, Any]] = []
    others = [p for p in active_providers() if p.id != provider.id]
    for candidate in [provider, *others]:
        months = age_in_months(child, day)
        if not candidate.min_age_months <= months < candidate.max_age_months:
            continue
        band = candidate.band_for(child, day)
        found = [r for r in free_ranges(candidate, day, band, duration, start)
                 if not (candidate.id == provider.id and r == (start, end))][:per_provider]
        out.extend({"provider_id": candidate.id, "provider_name": candidate.name, "day": day.isoformat(),
                    "start": hhmm(s), "end": hhmm(e)} for s, e in found)
    return out


def _coordinators(provider_id: int) -> list[User]:
    return list(db.session.scalars(select(User).join(ProviderStaff, ProviderStaff.user_id == User.id).where(
        ProviderStaff.provider_id == provider_id, User.role == Role.DIRECTOR, User.active.is_(True))))


def guardians(household: Household) -> list[User]:
    return [m.user for m in household.members if m.user.active]


def describe(booking: OccasionalBooking) -> str:
    """The request in an e-mail: "mardi 1 décembre 2026 de 05:30 à 08:00 – <provider>" (always French)."""
    return (f"{long_day(booking.day, email=True)} de {hhmm(booking.starts_at)} à {hhmm(booking.ends_at)} – "
            f"{booking.provider.name}")


# ---------------------------------------------------------------- the core: one range

def _answer_range(user: User, provider: OccasionalProvider, child: Child, household: Household, day: date,
                  start: time, end: time, now: datetime, submission_id: str, *,
                  waitlist_when_full: bool, pattern: ShiftPattern | None = None,
                  locked: dict[Any, Any] | None = None) -> Answer:
    """Answer one range inside the caller's transaction (blocks locked here or by the caller)."""
    answer = Answer(day.isoformat(), hhmm(start), hhmm(end), "refused")
    try:
        starts = _check_rules(provider, child, day, start, end, now)
    except (RequestRefused, ValidationFailed) as refusal:
        answer.code, answer.reason = refusal.code, refusal.message
        return answer
    band = provider.band_for(child, day)
    if locked is None:
        locked = ensure_and_lock(provider, [(day, s) for s in starts])
    blocks = [locked[(day, s)] for s in starts]
    full = [b for b in blocks if b.free(band) <= 0]  # the answer lists them; engine.claim_all decides
    hourly = hourly_price(provider, household, day)
    booking = OccasionalBooking(
        child_id=child.id, provider_id=provider.id, pattern_id=pattern.id if pattern else None, day=day, starts_at=start,
        ends_at=end,
        band=band, submission_id=submission_id, booked_by_id=user.id, hourly_price=hourly, created_at=now,
        updated_at=now)
    booking.price = None if hourly is None else (hourly * booking.hours).quantize(Decimal("0.01"))
    if full:
        answer.full_blocks = [hhmm(b.starts_at) for b in full]
        if not waitlist_when_full:
            answer.status, answer.code = "full", "blocks_full"
            answer.reason = _("Complet de %(blocks)s pour un enfant de cet âge.",
                              blocks=", ".join(answer.full_blocks))
            answer.alternatives = alternatives(child, provider, day, start, end)
            return answer
        booking.status = RequestStatus.WAITLISTED
        booking.waitlist_order = _next_waitlist_order(provider.id, day)
    else:
        engine.claim_all(blocks, band)  # every block has a place (checked above, rows locked)
        booking.ever_held = True
        booking.status = (RequestStatus.URGENT_PENDING if is_urgent(provider, day, start, now)
                          else RequestStatus.CONFIRMED)
    db.session.add(booking)
    db.session.flush()
    answer.status, answer.booking_id, answer.price = booking.status.value, booking.id, _money(booking.price)
    answer.waitlist_position = waitlist_position(booking)
    if booking.status is RequestStatus.URGENT_PENDING:
        for coordinator in _coordinators(provider.id):
            notify("occasional.urgent_requested", coordinator, {
                "child_name": child.first_name, "what": describe(booking), "path": "/garde-ponctuelle/coordination"})
    return answer


def _notify_submission(household: Household, submission: Submission) -> None:
    if all(a.status in ("refused", "full") for a in submission.answers):
        return
    lines = [{"what": f"{long_day(a.day, email=True)} {a.start}–{a.end}", "result": status_label(a.status)
              + (f" ({a.reason})" if a.reason else "")} for a in submission.answers]
    for guardian in guardians(household):
        notify("occasional.submitted", guardian, {"lines": lines, "path": PATH_MINE})


@use_case
def request_care(user: User, child_id: Any, provider_id: Any, day: Any, start: Any, end: Any, *, join_waitlist: bool = False,
                 idempotency_key: str | None = None, now: datetime | None = None) -> Submission:
    """A parent asks for [start, end) on `day` at a provider for a child.

    Confirmed only if every 30-minute block has a place for the child's age
    band; all blocks are claimed together. Inside the provider's notice the
    places are held and the request waits for the coordinator
    (urgent_pending). When a block is full nothing is written: the answer
    lists the full blocks and the nearest free ranges here and elsewhere,
    unless `join_waitlist` asks to wait for this exact range. A refusal (age,
    closed, past, overlap) is an answer with status "refused" and its reason.
    With `idempotency_key` a retry returns the first answer (replayed=True).
    Raises Forbidden (not a parent), ChildNotFound (another household's
    child), ProviderNotFound, RangeNotAligned / InvalidRange /
    OutsideOpeningHours (422).
    """
    now = now or utcnow()
    child = _child_for(user, child_id)
    provider = get_provider(provider_id)
    day, start, end = parse_day(day), parse_time(start, "start"), parse_time(end, "end")
    check_range(provider, day, start, end)
    provider = get_provider(provider.id, lock=True)  # the rules below read the openings under the lock
    key = "occasional:" + idempotency_key if idempotency_key else None
    stored = stored_response(user.id, key) if key else None
    if stored is not None:  # a retry: the first answer
        return Submission.from_dict(stored, replayed=True)
    submission = Submission(str(uuid.uuid4()), provider.id, child.id)
    household = child.household
    submission.answers.append(_answer_range(user, provider, child, household, day, start, end, now,
                                            submission.submission_id, waitlist_when_full=join_waitlist))
    if key:
        twin = store_response(user.id, key, submission.to_dict())
        if twin is not None:  # a concurrent twin answered first: its answer, nothing of ours
            return Submission.from_dict(twin, replayed=True)
    _notify_submission(household, submission)
    return submission


# ---------------------------------------------------------------- shift patterns

def alternating_occurrences(first_monday: date, weeks: int, early: tuple[time, time], late: tuple[time, time],
                            weekdays: Iterable[int] = (0, 1, 2, 3, 4), early_first: bool = True) -> list[tuple[date, time, time]]:
    """"Early week / late week" alternating over `weeks` weeks from the week of `first_monday`."""
    monday = first_monday - timedelta(days=first_monday.weekday())
    out: list[tuple[date, time, time]] = []
    for week in range(weeks):
        start, end = early if (week % 2 == 0) == early_first else late
        for weekday in sorted(set(weekdays)):
            out.append((monday + timedelta(days=7 * week + weekday), start, end))
    return out


@use_case
def submit_pattern(user: User, child_id: Any, provider_id: Any, occurrences: Iterable[Any], *, kind: PatternKind | str,
                   description: str = "", idempotency_key: str | None = None,
                   now: datetime | None = None) -> Submission:
    """Submit a shift pattern once: every occurrence gets its own answer.

    Each occurrence is confirmed, held for the coordinator (inside the
    notice), waitlisted when a block is full, or refused with its reason.
    All the blocks of all occurrences are locked together in ascending id
    order; any unexpected failure writes nothing at all (no pattern, no
    occurrence, no place taken). At most 8 weeks. Idempotent with a key.
    Raises Forbidden, ChildNotFound, ProviderNotFound, InvalidPattern,
    RangeNotAligned / InvalidRange.
    """
    now = now or utcnow()
    child = _child_for(user, child_id)
    provider = get_provider(provider_id)
    items = sorted({(parse_day(d), parse_time(s, "start"), parse_time(e, "end")) for d, s, e in occurrences})
    if not items:
        raise InvalidPattern(_("Indiquez au moins une date."), field="occurrences")
    if (items[-1][0] - items[0][0]).days >= MAX_PATTERN_DAYS:
        raise InvalidPattern(_("Un rythme couvre au plus 8 semaines."), field="occurrences")
    for _d, s, e in items:
        check_range_shape(s, e)
    provider = get_provider(provider.id, lock=True)  # the openings read below are those under the lock
    key = "occasional:" + idempotency_key if idempotency_key else None
    stored = stored_response(user.id, key) if key else None
    if stored is not None:  # a retry: the first answer
        return Submission.from_dict(stored, replayed=True)
    pattern = ShiftPattern(child_id=child.id, provider_id=provider.id, kind=PatternKind(kind),
                           description=description[:500], first_day=items[0][0], last_day=items[-1][0],
                           created_by_id=user.id, created_at=now)
    db.session.add(pattern)
    db.session.flush()
    submission = Submission(str(uuid.uuid4()), provider.id, child.id, pattern_id=pattern.id)
    wanted: list[tuple[date, time]] = []
    for day, start, end in items:
        wanted.extend((day, s) for s in block_starts(start, end) if provider.opening_for(day, s))
    locked = ensure_and_lock(provider, wanted)
    household = child.household
    for day, start, end in items:
        submission.answers.append(_answer_range(
            user, provider, child, household, day, start, end, now, submission.submission_id,
            waitlist_when_full=True, pattern=pattern, locked=locked))
    if key:
        twin = store_response(user.id, key, submission.to_dict())
        if twin is not None:  # a concurrent twin answered first: its answer, nothing of ours
            return Submission.from_dict(twin, replayed=True)
    _notify_submission(household, submission)
    return submission


def check_range_shape(start: time, end: time) -> None:
    from app.occasional.errors import InvalidRange, RangeNotAligned

    for value, name in ((start, "start"), (end, "end")):
        if value.minute % 30 or value.second:
            raise RangeNotAligned(field=name)
    if end <= start:
        raise InvalidRange(field="end")


@use_case
def cancel_pattern(user: User, pattern_id: int, from_day: Any, now: datetime | None = None) -> int:
    """Cancel every active occurrence of a pattern from `from_day` on (never a past one).

    Frees the places and promotes the waiting lists of the days concerned.
    Returns the number of occurrences cancelled. Raises NotFound.
    """
    from app.errors import NotFound

    now = now or utcnow()
    from_day = parse_day(from_day, "from_day")
    pattern = db.session.get(ShiftPattern, pattern_id)
    if pattern is None:
        raise NotFound()
    _child_for(user, pattern.child_id)
    today = now.astimezone(PARIS).date()
    targets = [b for b in pattern.bookings if b.day >= max(from_day, today) and b.status in ACTIVE_STATUSES
               and b.starts() > now]
    release_and_promote(pattern.provider, targets, RequestStatus.CANCELLED, now)
    if from_day <= pattern.last_day:
        pattern.cancelled_from = from_day
    return len(targets)


# ---------------------------------------------------------------- releasing and the waiting list

def release_and_promote(provider: OccasionalProvider, bookings: list[OccasionalBooking], status: RequestStatus,
                         now: datetime, extra_days: Iterable[date] = ()) -> list[OccasionalBooking]:
    """Release the bookings' places (status given), then promote the waiting lists of their days
    (and of `extra_days`, e.g. after an administrator raised a capacity).

    Takes the provider row FOR SHARE (blocks.py's provider guard), then locks,
    in one ascending-id pass, the blocks of the released bookings and of
    every request waiting on those days.
    """
    days = sorted({b.day for b in bookings} | set(extra_days))
    if not days:
        return []
    lock_provider(provider.id)  # before reading the waiting lists (the provider may be inactive: still valid)
    waiting = list(db.session.scalars(
        select(OccasionalBooking).where(OccasionalBooking.provider_id == provider.id,
                                        OccasionalBooking.day.in_(days),
                                        OccasionalBooking.status == RequestStatus.WAITLISTED)
        .options(selectinload(OccasionalBooking.child))
        .order_by(OccasionalBooking.day, OccasionalBooking.waitlist_order, OccasionalBooking.id)))
    wanted = {(b.day, s) for b in [*bookings, *waiting] for s in b.block_starts()}
    locked = ensure_and_lock(provider, list(wanted))
    released = {b.id for b in bookings}
    for booking in bookings:
        db.session.refresh(booking)
        if booking.status in HOLDING_STATUSES:
            engine.give_back([locked[(booking.day, s)] for s in booking.block_starts()], booking.band)
        booking.status = status
        booking.cancelled_at = booking.updated_at = now
        booking.sequence += 1
    promoted = []
    for booking in waiting:
        if booking.id in released or booking.starts() <= now:
            continue
        db.session.refresh(booking)
        if booking.status is not RequestStatus.WAITLISTED:
            continue
        blocks = [locked[(booking.day, s)] for s in booking.block_starts()]
        if engine.claim_all(blocks, booking.band):
            booking.status = RequestStatus.CONFIRMED
            booking.ever_held = True
            booking.updated_at = now
            booking.sequence += 1
            promoted.append(booking)
            for guardian in guardians(booking.child.household):
                notify("occasional.promoted", guardian, {"child_name": booking.child.first_name,
                                                         "what": describe(booking), "path": PATH_MINE})
    db.session.flush()
    return promoted


@use_case
def cancel_request(user: User, booking_id: int, now: datetime | None = None) -> OccasionalBooking:
    """A guardian cancels a request (or leaves the waiting list); the freed places go to the waiting list.

    Raises NotFound (another household), NotCancellable (inactive or already started).
    """
    from app.errors import NotFound

    now = now or utcnow()
    booking = db.session.get(OccasionalBooking, booking_id)
    if booking is None:
        raise NotFound()
    _child_for(user, booking.child_id)
    if booking.status not in ACTIVE_STATUSES or booking.starts() <= now:
        raise NotCancellable()
    release_and_promote(booking.provider, [booking], RequestStatus.CANCELLED, now)
    return booking


# ---------------------------------------------------------------- reading

def household_requests(user: User, today: date | None = None) -> list[OccasionalBooking]:
    household = household_of(user)
    if household is None:
        return []
    today = today or clock.today()
    return list(db.session.scalars(
        select(OccasionalBooking).join(Child).where(Child.household_id == household.id,
                                                    OccasionalBooking.day >= today - timedelta(days=7))
        .options(selectinload(OccasionalBooking.child), selectinload(OccasionalBooking.provider))
        .order_by(OccasionalBooking.day, OccasionalBooking.starts_at, OccasionalBooking.id)))


def household_patterns(user: User) -> list[ShiftPattern]:
    household = household_of(user)
    if household is None:
        return []
    return list(db.session.scalars(
        select(ShiftPattern).join(Child).where(Child.household_id == household.id)
        .options(selectinload(ShiftPattern.child), selectinload(ShiftPattern.provider))
        .order_by(ShiftPattern.first_day.desc())))


def get_request_for_household(user: User, booking_id: int) -> OccasionalBooking:
    from app.errors import NotFound

    booking = db.session.get(OccasionalBooking, booking_id)
    if booking is None:
        raise NotFound()
    _child_for(user, booking.child_id)
    return booking
