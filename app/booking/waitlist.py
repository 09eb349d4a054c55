"""The director's waiting-list actions and the family's answer to an offered place.

Each use case is one transaction; every change of status goes through the engine
(`engine.offer`, `accept_offer`, `end_waiting`, `lapse_expired`) and each step is recorded
as a WaitlistEvent, shown to the director (session page) and to the family (offer page),
and told to the family by e-mail (outbox, same transaction).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from app.accounts.access import require
from app.accounts.models import User
from app.booking import engine
from app.booking.access import Action
from app.booking.models import AgeBand, Booking, BookingStatus, Session, WaitlistEvent, WaitlistEventKind
from app.errors import NotFound
from app.extensions import db, utcnow
from app.notifications.outbox import notify
from app.transactions import commit, use_case

OFFER_PATH = "/accueils/mes-reservations/{id}/place-proposee"

EVENT_LABELS = {
    WaitlistEventKind.OFFERED.value: _l("Place proposée"),
    WaitlistEventKind.ACCEPTED.value: _l("Place acceptée par la famille"),
    WaitlistEventKind.DECLINED.value: _l("Place refusée par la famille"),
    WaitlistEventKind.LAPSED.value: _l("Délai de réponse dépassé : retrait de la liste"),
    WaitlistEventKind.REMOVED.value: _l("Retrait de la liste d'attente"),
}


def _record(booking: Booking, kind: WaitlistEventKind, user: User | None, now: datetime, note: str = "") -> None:
    label = f"{user.display_name} ({user.role.label})" if user is not None else ""
    db.session.add(WaitlistEvent(booking_id=booking.id, kind=kind, at=now, actor_id=user.id if user else None,
                                 actor_label=label[:300], note=note[:300]))


def _tell_family(kind: str, booking: Booking, session: Session, **extra) -> None:
    from app.booking.engine import _guardians, describe

    context = {"child_name": booking.child.first_name, "session": describe(session),
               "path": OFFER_PATH.format(id=booking.id), **extra}
    for guardian in _guardians(booking.child):
        notify(kind, guardian, context)


def _lapse(session: Session, now: datetime) -> list[Booking]:
    lapsed = engine.lapse_expired(session, now)
    for booking in lapsed:
        _record(booking, WaitlistEventKind.LAPSED, None, now)
        _tell_family("booking.offer_lapsed", booking, session)
    return lapsed


def _managed_session(user: User, session_id: int) -> Session:
    session = db.session.get(Session, session_id)
    if session is None:
        raise NotFound()
    require(user, Action.MANAGE_WAITLIST, session.unit.activity.site_id)
    return engine.lock_sessions([session.id])[session.id]


@use_case
def offer_place(user: User, session_id: int, band: AgeBand | str, now: datetime | None = None) -> Booking:
    """The director offers a free place of `band` to the next waiting family, who has until now + the rule
    `booking.waitlist_offer_hours` to accept. Expired offers lapse first. The family is told by e-mail.

    Raises NotFound (not a director of the site), Conflict (offers_off, no_free_place, nobody_waiting),
    SessionCancelled."""
    now = now or utcnow()
    session = _managed_session(user, session_id)
    _lapse(session, now)
    booking = engine.offer(session, AgeBand(band), now)
    _record(booking, WaitlistEventKind.OFFERED, user, now)
    _tell_family("booking.offer", booking, session, deadline=engine.local_moment(booking.offer_expires_at))
    return booking


@use_case
def remove(user: User, booking_id: int, now: datetime | None = None, note: str = "") -> Booking:
    """The director takes a family off the waiting list at its request (a waiting or offered booking is
    cancelled; an offered place is free again). Recorded with the note; the family is told by e-mail.

    Raises NotFound (not a director of the site, no such booking), Conflict (not_waiting)."""
    now = now or utcnow()
    booking = db.session.get(Booking, booking_id)
    if booking is None:
        raise NotFound()
    _managed_session(user, booking.session_id)
    db.session.refresh(booking)
    session = booking.session
    engine.end_waiting(booking, session, now)
    _record(booking, WaitlistEventKind.REMOVED, user, now, note or _("à la demande de la famille"))
    _tell_family("booking.waitlist_removed", booking, session)
    return booking


def _family_booking(user: User, booking_id: int) -> Booking:
    booking = db.session.get(Booking, booking_id)
    if booking is None:
        raise NotFound()
    require(user, Action.BOOK_FOR_CHILD, booking.child)
    return booking


@use_case
def respond(user: User, booking_id: int, accept: bool, now: datetime | None = None) -> Booking:
    """A guardian accepts or declines the place offered to their child. Accepting after the deadline is
    refused (the offer lapses then, in this transaction's place: it is recorded and the place freed).

    Raises NotFound (another household), Conflict (not_offered, offer_expired), BookingRefused."""
    from app.errors import Conflict

    now = now or utcnow()
    booking = _family_booking(user, booking_id)
    booking, session = engine.lock_booking(booking.id)
    expired = (booking.status is BookingStatus.OFFERED and booking.offer_expires_at is not None
               and now > booking.offer_expires_at)
    if expired:
        _lapse(session, now)
        commit()  # the lapse is recorded although the acceptance is refused
        raise Conflict(_("Le délai pour accepter cette place est passé : elle a été proposée à une autre famille "
                         "ou le sera."), code="offer_expired")
    if accept:
        engine.accept_offer(booking, session, now)
    elif booking.status is BookingStatus.OFFERED:
        engine.end_waiting(booking, session, now)
    else:
        raise Conflict(_("Cette place n'est pas, ou plus, proposée à votre famille."), code="not_offered")
    _record(booking, WaitlistEventKind.ACCEPTED if accept else WaitlistEventKind.DECLINED, user, now)
    return booking


def lapse_offers(today: date | None = None, now: datetime | None = None) -> int:
    """Daily job (and safe at any time): the offers past their deadline lapse, each recorded and told."""
    now = now or utcnow()
    session_ids = sorted(set(db.session.scalars(select(Booking.session_id).where(
        Booking.status == BookingStatus.OFFERED, Booking.offer_expires_at < now))))
    count = 0
    for session_id in session_ids:
        session = engine.lock_sessions([session_id])[session_id]
        count += len(_lapse(session, now))
        commit()  # one session at a time: its lock is released before the next one
    return count


def history(booking_ids) -> dict[int, list[WaitlistEvent]]:
    ids = list(booking_ids)
    events: dict[int, list[WaitlistEvent]] = {}
    if not ids:
        return events
    for event in db.session.scalars(select(WaitlistEvent).where(WaitlistEvent.booking_id.in_(ids))
                                    .order_by(WaitlistEvent.at, WaitlistEvent.id)):
        events.setdefault(event.booking_id, []).append(event)
    return events


@dataclass
class SessionWaitlist:
    offers_on: bool
    hours: int
    free: dict  # band value -> free places
    offered: list[Booking]
    events: dict = field(default_factory=dict)  # booking id -> events
    ended: list[Booking] = field(default_factory=list)  # bookings that left the list, with their events
    names: dict = field(default_factory=dict)  # booking id -> child's name, for the history


def session_waitlist(session: Session, waiting: list[Booking]) -> SessionWaitlist:
    """What the session page shows of the waiting list beyond the queue: offers pending, free places,
    and the recorded steps (offers, answers, lapses, removals)."""
    offered = list(db.session.scalars(select(Booking).where(Booking.session_id == session.id,
                                                            Booking.status == BookingStatus.OFFERED)
                                      .order_by(Booking.offer_expires_at, Booking.id)))
    ended_ids = set(db.session.scalars(select(WaitlistEvent.booking_id).join(Booking).where(
        Booking.session_id == session.id)))
    events = history({b.id for b in waiting} | {b.id for b in offered} | ended_ids)
    current = {b.id for b in waiting} | {b.id for b in offered}
    ended = [db.session.get(Booking, i) for i in sorted(ended_ids - current)]
    names = {b.id: b.child.full_name for b in [*waiting, *offered, *ended]}
    return SessionWaitlist(engine.offers_on(session), engine.OFFER_HOURS.value(on=session.day),
                           {band.value: max(0, session.capacity(band) - session.taken(band)) for band in AgeBand},
                           offered, events, ended, names)


def family_offer(user: User, booking_id: int) -> tuple[Booking, list[WaitlistEvent]]:
    """A guardian's view of a booking's waiting-list steps (and the offer to answer). Raises NotFound."""
    booking = _family_booking(user, booking_id)
    return booking, history([booking.id]).get(booking.id, [])
