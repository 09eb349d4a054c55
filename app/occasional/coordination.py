"""Provider staff use cases: the coordinator's urgent queue, the day view, attendance."""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import date, datetime, time
from decimal import Decimal
from fractions import Fraction

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from app.accounts.access import can, require
from app.accounts.models import User
from app.errors import NotFound, ValidationFailed
from app.extensions import db, utcnow
from app.families.models import Child
from app.notifications.outbox import notify
from app.occasional.access import Action, provider_ids_of
from app.occasional.blocks import availability, parse_time
from app.occasional.errors import NotPending
from app.occasional.models import HOLDING_STATUSES, CareBand, OccasionalBooking, OccasionalProvider, RequestStatus
from app.occasional.services import PATH_MINE, describe, guardians, release_and_promote
from app.transactions import use_case


def staff_needed(provider: OccasionalProvider, not_walking: int, walking: int) -> int:
    """Adults needed for a block: 1 per `ratio_not_walking` children who do not walk and 1 per
    `ratio_walking` who walk, the fractions added before rounding up (1 adult may watch 2 babies
    and 3 toddlers). Both ratios are provider settings (defaults 5 and 8)."""
    need = Fraction(not_walking, provider.ratio_not_walking) + Fraction(walking, provider.ratio_walking)
    return math.ceil(need)


def my_providers(user: User) -> list[OccasionalProvider]:
    ids = provider_ids_of(user)
    return list(db.session.scalars(select(OccasionalProvider).where(OccasionalProvider.id.in_(ids or [0]))
                                   .order_by(OccasionalProvider.name)))


def urgent_queue(user: User) -> list[OccasionalBooking]:
    """Urgent requests waiting for a decision at the providers the user coordinates."""
    ids = [p.id for p in my_providers(user) if _can_manage(user, p.id)]
    return list(db.session.scalars(
        select(OccasionalBooking).where(OccasionalBooking.provider_id.in_(ids or [0]),
                                        OccasionalBooking.status == RequestStatus.URGENT_PENDING)
        .options(selectinload(OccasionalBooking.child), selectinload(OccasionalBooking.provider))
        .order_by(OccasionalBooking.day, OccasionalBooking.starts_at, OccasionalBooking.id)))


def _can_manage(user, provider_id) -> bool:
    from app.accounts.access import can

    return can(user, Action.MANAGE_PROVIDER, provider_id)


@use_case
def decide_urgent(user: User, booking_id: int, accept: bool, note: str = "",
                  now: datetime | None = None) -> OccasionalBooking:
    """The coordinator accepts or declines an urgent request (inside the notice).

    Accepting keeps the places already held and confirms; declining frees
    them (the waiting list is promoted). The guardians are told
    ("occasional.urgent_accepted" / "occasional.urgent_declined").
    Raises NotFound (not their provider), NotPending (already answered).
    """
    now = now or utcnow()
    booking = db.session.get(OccasionalBooking, booking_id)
    if booking is None:
        raise NotFound()
    require(user, Action.MANAGE_PROVIDER, booking.provider_id)
    if accept:
        # A conditional update: two coordinators answering at once cannot both win.
        from sqlalchemy import update

        changed = db.session.execute(
            update(OccasionalBooking).where(OccasionalBooking.id == booking.id,
                                            OccasionalBooking.status == RequestStatus.URGENT_PENDING)
            .values(status=RequestStatus.CONFIRMED, decided_by_id=user.id, decided_at=now,
                    decision_note=note[:500], updated_at=now, sequence=OccasionalBooking.sequence + 1)
        ).rowcount
        if changed != 1:
            raise NotPending()
        db.session.refresh(booking)
        kind = "occasional.urgent_accepted"
    else:
        db.session.refresh(booking)
        if booking.status is not RequestStatus.URGENT_PENDING:
            raise NotPending()
        release_and_promote(booking.provider, [booking], RequestStatus.DECLINED, now)
        booking.cancelled_at = None
        booking.decided_by_id, booking.decided_at, booking.decision_note = user.id, now, note[:500]
        kind = "occasional.urgent_declined"
    for guardian in guardians(booking.child.household):
        notify(kind, guardian, {"child_name": booking.child.first_name, "what": describe(booking),
                                "note": note, "path": PATH_MINE})
    return booking


@dataclass
class BlockRow:
    start: time
    end: time
    not_walking: int
    walking: int
    capacity: dict
    staff_needed: int
    children: list = field(default_factory=list)


@dataclass
class DayView:
    provider: OccasionalProvider
    day: date
    blocks: list[BlockRow]
    bookings: list[OccasionalBooking]
    waiting: list[OccasionalBooking]
    # Child id -> short health alerts (a severe allergy, a PAI): the same providers as the registers'.
    alerts: dict = field(default_factory=dict)

    @property
    def peak_staff(self) -> int:
        return max((b.staff_needed for b in self.blocks), default=0)

    @property
    def attended_hours(self) -> Decimal:
        return sum((b.attended_hours or Decimal(0) for b in self.bookings), Decimal(0))


def day_view(user: User, provider_id: int, day: date) -> DayView:
    """Children per block (by age band), staff needed per block, the day's children and waiting list.

    Raises NotFound (not a provider of the user's scope).
    """
    provider = db.session.get(OccasionalProvider, provider_id)
    if provider is None:
        raise NotFound()
    require(user, Action.VIEW_PROVIDER, provider_id)
    bookings = list(db.session.scalars(
        select(OccasionalBooking).join(Child).where(
            OccasionalBooking.provider_id == provider_id, OccasionalBooking.day == day,
            OccasionalBooking.status.in_([*HOLDING_STATUSES, RequestStatus.WAITLISTED]))
        .options(selectinload(OccasionalBooking.child))
        .order_by(OccasionalBooking.starts_at, Child.last_name, Child.first_name)))
    holding = [b for b in bookings if b.status in HOLDING_STATUSES]
    rows = []
    for block in availability(provider, day):
        present = [b for b in holding if b.starts_at <= block.start < b.ends_at]
        nw = sum(1 for b in present if b.band is CareBand.NOT_WALKING)
        w = len(present) - nw
        rows.append(BlockRow(block.start, block.end, nw, w, block.capacity, staff_needed(provider, nw, w),
                             [b.child.first_name for b in present]))
    waiting = sorted((b for b in bookings if b.status is RequestStatus.WAITLISTED), key=lambda b: b.waitlist_order)
    # The staff of the provider care for the children holding a place that day: they see their alerts
    # (each read recorded by the provider of the alerts).
    from app.booking.register_cards import alerts_for

    alerts = alerts_for(user, sorted({b.child_id for b in holding}), f"occasional {provider_id} {day.isoformat()}")
    return DayView(provider, day, rows, holding, waiting, alerts)


def staff_booking(user: User, booking_id: int) -> OccasionalBooking:
    """A booking of a provider the user coordinates. Raises NotFound for any other, existing or
    not: a stranger learns neither that it exists nor its provider and day."""
    booking = db.session.get(OccasionalBooking, booking_id)
    if booking is None or not can(user, Action.VIEW_PROVIDER, booking.provider_id):
        raise NotFound()
    return booking


@use_case
def record_attendance(user: User, booking_id: int, arrived_at, left_at) -> OccasionalBooking:
    """Record arrival and departure times (hours actually attended). Raises NotFound, ValidationFailed."""
    booking = staff_booking(user, booking_id)
    if booking.status is not RequestStatus.CONFIRMED:
        raise ValidationFailed(_("Cet enfant n'a pas de place confirmée sur cette plage."))
    arrived = parse_time(arrived_at, "arrived_at") if arrived_at not in (None, "") else None
    left = parse_time(left_at, "left_at") if left_at not in (None, "") else None
    if arrived and left and left <= arrived:
        raise ValidationFailed(_("L'heure de départ doit être après l'heure d'arrivée."), field="left_at")
    booking.arrived_at, booking.left_at = arrived, left
    return booking
