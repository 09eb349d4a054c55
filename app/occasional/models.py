"""Occasional and shifted-hours care: providers, their opening hours, tariffs and
staff; 30-minute care blocks with their capacity per age band; requests
(bookings by the hour), shift patterns and requests handed to the Relais.

Age bands: a child is counted "not walking" while under the provider's
`walking_age_months` (default 18 months) on the day of care, "walking" after.
Walking itself is not recorded anywhere, so the age is the deterministic proxy
used both for capacity and for the staffing ratio (1 adult per 5 / per 8).
"""
from __future__ import annotations

import enum
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from sqlalchemy import JSON, Enum, ForeignKey, Index, Numeric, String, Text, Time, UniqueConstraint, func
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.accounts.models import User
from app.booking.models import PARIS
from app.extensions import db, utcnow
from app.families.models import Child, Commune, Household

BLOCK_MINUTES = 30


def _enum(cls):
    return Enum(cls, native_enum=False, length=30, validate_strings=True)


class ProviderKind(str, enum.Enum):
    MULTI_ACCUEIL = "multi_accueil"  # a crèche with occasional places
    SHIFTED_HOURS = "shifted_hours"  # horaires décalés / atypiques


class Pricing(str, enum.Enum):
    OWN_TARIFF = "own_tariff"  # the provider's hourly tariff by quotient familial band
    CNAF_SCALE = "cnaf_scale"  # the CNAF national scale (PSU): the household's resources × the effort rate


class CareBand(str, enum.Enum):
    NOT_WALKING = "not_walking"  # under the provider's walking age (default 18 months)
    WALKING = "walking"


class RequestStatus(str, enum.Enum):
    CONFIRMED = "confirmed"
    URGENT_PENDING = "urgent_pending"  # inside the notice: places held, the coordinator decides
    WAITLISTED = "waitlisted"
    DECLINED = "declined"  # urgent request declined by the coordinator
    CANCELLED = "cancelled"
    TRANSMITTED = "transmitted"  # handed over to the Relais Petite Enfance


# Statuses holding a place in every block of the range.
HOLDING_STATUSES = (RequestStatus.CONFIRMED, RequestStatus.URGENT_PENDING)
ACTIVE_STATUSES = (*HOLDING_STATUSES, RequestStatus.WAITLISTED)


class OccasionalProvider(db.Model):
    __tablename__ = "occasional_provider"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(150), unique=True)
    kind: Mapped[ProviderKind] = mapped_column(_enum(ProviderKind))
    address: Mapped[str] = mapped_column(String(300), default="")
    commune_insee: Mapped[str | None] = mapped_column(ForeignKey("commune.insee"))
    phone: Mapped[str] = mapped_column(String(30), default="")
    min_age_months: Mapped[int] = mapped_column(default=3)
    max_age_months: Mapped[int] = mapped_column(default=72)  # up to the 6th birthday (exclusive)
    walking_age_months: Mapped[int] = mapped_column(default=18)
    notice_hours: Mapped[int] = mapped_column(default=48)
    # Staffing ratio: children per adult, a setting per provider.
    ratio_not_walking: Mapped[int] = mapped_column(default=5)
    ratio_walking: Mapped[int] = mapped_column(default=8)
    closed_on_public_holidays: Mapped[bool] = mapped_column(default=True)
    active: Mapped[bool] = mapped_column(default=True)
    pricing: Mapped[Pricing] = mapped_column(Enum(Pricing, native_enum=False, length=20, validate_strings=True),
                                             default=Pricing.OWN_TARIFF, server_default=Pricing.OWN_TARIFF.name)

    commune: Mapped[Commune | None] = relationship()
    openings: Mapped[list[ProviderOpening]] = relationship(
        back_populates="provider", order_by="(ProviderOpening.weekday, ProviderOpening.opens_at)",
        cascade="all, delete-orphan")
    tariffs: Mapped[list[ProviderTariff]] = relationship(
        back_populates="provider", order_by="ProviderTariff.qf_min", cascade="all, delete-orphan")

    @property
    def full_address(self) -> str:
        from app.formats import postal_address

        return postal_address(self.address, self.commune.name if self.commune else "")

    def band_for(self, child: Child, day: date) -> CareBand:
        return CareBand.NOT_WALKING if age_in_months(child, day) < self.walking_age_months else CareBand.WALKING

    def opening_for(self, day: date, start: time) -> ProviderOpening | None:
        """The opening period containing the block starting at `start` on `day` (None on a closed holiday)."""
        if self.closed_on_public_holidays and is_public_holiday(day):
            return None
        for opening in self.openings:
            if opening.weekday == day.weekday() and opening.opens_at <= start < opening.closes_at:
                return opening
        return None


def is_public_holiday(day: date) -> bool:
    import holidays

    return day in holidays.country_holidays("FR", years=day.year)


def age_in_months(child: Child, day: date) -> int:
    months = (day.year - child.birth_date.year) * 12 + day.month - child.birth_date.month
    if day.day < child.birth_date.day:
        months -= 1
    return months


class ProviderOpening(db.Model):
    """An opening period on a weekday (0 = Monday) with its places per block and age band."""

    __tablename__ = "occasional_opening"

    id: Mapped[int] = mapped_column(primary_key=True)
    provider_id: Mapped[int] = mapped_column(ForeignKey("occasional_provider.id", ondelete="CASCADE"), index=True)
    weekday: Mapped[int]
    opens_at: Mapped[time] = mapped_column(Time)
    closes_at: Mapped[time] = mapped_column(Time)
    capacity_not_walking: Mapped[int] = mapped_column(default=0)
    capacity_walking: Mapped[int] = mapped_column(default=0)

    provider: Mapped[OccasionalProvider] = relationship(back_populates="openings")


class ProviderTariff(db.Model):
    """Price per hour for a quotient familial band (qf_max inclusive, None: no upper bound)."""

    __tablename__ = "occasional_tariff"

    id: Mapped[int] = mapped_column(primary_key=True)
    provider_id: Mapped[int] = mapped_column(ForeignKey("occasional_provider.id", ondelete="CASCADE"), index=True)
    qf_min: Mapped[int] = mapped_column(default=0)
    qf_max: Mapped[int | None]
    hourly_price: Mapped[Decimal] = mapped_column(Numeric(10, 2))

    provider: Mapped[OccasionalProvider] = relationship(back_populates="tariffs")


class ProviderStaff(db.Model):
    """A coordinator (director role) or staff member (animator role) of a provider: their scope."""

    __tablename__ = "occasional_provider_staff"
    __table_args__ = (UniqueConstraint("user_id", "provider_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    provider_id: Mapped[int] = mapped_column(ForeignKey("occasional_provider.id", ondelete="CASCADE"), index=True)

    user: Mapped[User] = relationship()
    provider: Mapped[OccasionalProvider] = relationship()


class CareBlock(db.Model):
    """A 30-minute block of a provider on a date: its capacity and places taken per age band.

    Created on first use from the opening period; `taken_*` change only while
    the row is locked (see occasional.services).
    """

    __tablename__ = "occasional_block"
    __table_args__ = (UniqueConstraint("provider_id", "day", "starts_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    provider_id: Mapped[int] = mapped_column(ForeignKey("occasional_provider.id", ondelete="CASCADE"))
    day: Mapped[date]
    starts_at: Mapped[time] = mapped_column(Time)
    capacity_not_walking: Mapped[int] = mapped_column(default=0)
    capacity_walking: Mapped[int] = mapped_column(default=0)
    taken_not_walking: Mapped[int] = mapped_column(default=0)
    taken_walking: Mapped[int] = mapped_column(default=0)

    def capacity(self, band: CareBand) -> int:
        return self.capacity_not_walking if band is CareBand.NOT_WALKING else self.capacity_walking

    def taken(self, band: CareBand) -> int:
        return self.taken_not_walking if band is CareBand.NOT_WALKING else self.taken_walking

    def free(self, band: CareBand) -> int:
        return max(0, self.capacity(band) - self.taken(band))

    def add_taken(self, band: CareBand, delta: int) -> None:
        if band is CareBand.NOT_WALKING:
            self.taken_not_walking = self.taken_not_walking + delta
        else:
            self.taken_walking = self.taken_walking + delta


class PatternKind(str, enum.Enum):
    ALTERNATING = "alternating"  # early week / late week
    CHOSEN_DATES = "chosen_dates"


class ShiftPattern(db.Model):
    """A rotating-shift pattern submitted once; each occurrence is an OccasionalBooking."""

    __tablename__ = "occasional_pattern"

    id: Mapped[int] = mapped_column(primary_key=True)
    child_id: Mapped[int] = mapped_column(ForeignKey("child.id", ondelete="CASCADE"), index=True)
    provider_id: Mapped[int] = mapped_column(ForeignKey("occasional_provider.id", ondelete="CASCADE"))
    kind: Mapped[PatternKind] = mapped_column(_enum(PatternKind))
    description: Mapped[str] = mapped_column(Text, default="")
    first_day: Mapped[date]
    last_day: Mapped[date]
    cancelled_from: Mapped[date | None]
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    child: Mapped[Child] = relationship()
    provider: Mapped[OccasionalProvider] = relationship()
    bookings: Mapped[list[OccasionalBooking]] = relationship(
        back_populates="pattern", order_by="(OccasionalBooking.day, OccasionalBooking.starts_at)")


class OccasionalBooking(db.Model):
    """A child's request for a time range on a date at a provider, and its answer."""

    __tablename__ = "occasional_booking"
    __table_args__ = (Index("ix_occasional_booking_provider_day", "provider_id", "day", "status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    child_id: Mapped[int] = mapped_column(ForeignKey("child.id", ondelete="CASCADE"), index=True)
    provider_id: Mapped[int] = mapped_column(ForeignKey("occasional_provider.id", ondelete="CASCADE"))
    pattern_id: Mapped[int | None] = mapped_column(ForeignKey("occasional_pattern.id", ondelete="SET NULL"),
                                                   index=True)
    day: Mapped[date]
    starts_at: Mapped[time] = mapped_column(Time)
    ends_at: Mapped[time] = mapped_column(Time)
    band: Mapped[CareBand] = mapped_column(_enum(CareBand))
    status: Mapped[RequestStatus] = mapped_column(_enum(RequestStatus))
    hourly_price: Mapped[Decimal | None] = mapped_column(Numeric(10, 2))
    price: Mapped[Decimal | None] = mapped_column(Numeric(10, 2))
    waitlist_order: Mapped[int | None]
    submission_id: Mapped[str] = mapped_column(String(36), index=True)
    booked_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow, server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    cancelled_at: Mapped[datetime | None]
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    decided_at: Mapped[datetime | None]
    decision_note: Mapped[str] = mapped_column(Text, default="")
    # Attendance (local times on `day`).
    arrived_at: Mapped[time | None] = mapped_column(Time)
    left_at: Mapped[time | None] = mapped_column(Time)
    sequence: Mapped[int] = mapped_column(default=0)  # iCalendar SEQUENCE
    ever_held: Mapped[bool] = mapped_column(default=False)

    child: Mapped[Child] = relationship()
    provider: Mapped[OccasionalProvider] = relationship()
    pattern: Mapped[ShiftPattern | None] = relationship(back_populates="bookings")

    @property
    def hours(self) -> Decimal:
        return _hours_between(self.starts_at, self.ends_at)

    @property
    def attended_hours(self) -> Decimal | None:
        if self.arrived_at is None or self.left_at is None:
            return None
        return _hours_between(self.arrived_at, self.left_at)

    def starts(self) -> datetime:
        return datetime.combine(self.day, self.starts_at, tzinfo=PARIS)

    def ends(self) -> datetime:
        return datetime.combine(self.day, self.ends_at, tzinfo=PARIS)

    def block_starts(self) -> list[time]:
        return block_starts(self.starts_at, self.ends_at)


def _hours_between(start: time, end: time) -> Decimal:
    minutes = (end.hour * 60 + end.minute) - (start.hour * 60 + start.minute)
    return (Decimal(max(0, minutes)) / Decimal(60)).quantize(Decimal("0.01"))


def block_starts(start: time, end: time) -> list[time]:
    """The start of every 30-minute block of [start, end)."""
    out = []
    current = datetime.combine(date.min, start)
    stop = datetime.combine(date.min, end)
    while current < stop:
        out.append(current.time())
        current += timedelta(minutes=BLOCK_MINUTES)
    return out


class RelaisTransmission(db.Model):
    """A request handed to the Relais Petite Enfance when no occasional place fits.

    Always recorded here; when the Relais module registered a bridge, its
    demand reference is kept in `relais_reference`.
    """

    __tablename__ = "occasional_relais_transmission"

    id: Mapped[int] = mapped_column(primary_key=True)
    household_id: Mapped[int] = mapped_column(ForeignKey("household.id", ondelete="CASCADE"), index=True)
    child_id: Mapped[int] = mapped_column(ForeignKey("child.id", ondelete="CASCADE"))
    booking_id: Mapped[int | None] = mapped_column(ForeignKey("occasional_booking.id", ondelete="SET NULL"))
    schedule: Mapped[list] = mapped_column(JSON)  # [{"day", "start", "end"}]
    atypical_hours: Mapped[bool] = mapped_column(default=False)
    message: Mapped[str] = mapped_column(Text, default="")
    relais_reference: Mapped[str | None] = mapped_column(String(100))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    household: Mapped[Household] = relationship()
    child: Mapped[Child] = relationship()
