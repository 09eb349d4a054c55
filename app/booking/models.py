"""Booking domain models: activities, units, tariffs, sessions, bookings,
attendance, school holidays, calendar feed tokens, idempotency keys."""
from __future__ import annotations

import enum
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from sqlalchemy import JSON, Enum, ForeignKey, Index, Numeric, String, Time, UniqueConstraint, false, func, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app import clock
from app.accounts.models import User
from app.extensions import db, utcnow
from app.families.models import Child, Household
from app.sites.models import Site

PARIS = clock.PARIS


def _enum(cls):
    return Enum(cls, native_enum=False, length=30, validate_strings=True)


class ActivityKind(str, enum.Enum):
    PERISCOLAIRE = "periscolaire"
    EXTRASCOLAIRE = "extrascolaire"


class StaffingRegime(str, enum.Enum):
    """The activity's framework for the staffing ratios (CASF R227-15/16): extrascolaire, périscolaire
    without a PEDT, or under a PEDT. The length of each session picks the ratio (booking.staffing);
    the _LONG values are kept for old rows and mean the same as their _SHORT sibling."""

    EXTRASCOLAIRE = "extrascolaire"
    PERISCOLAIRE_LONG = "periscolaire_long"  # same as PERISCOLAIRE_SHORT (kept for old rows)
    PERISCOLAIRE_SHORT = "periscolaire_short"  # périscolaire without PEDT
    PEDT_LONG = "pedt_long"  # same as PEDT_SHORT (kept for old rows)
    PEDT_SHORT = "pedt_short"  # PEDT / Plan mercredi


class UnitKind(str, enum.Enum):
    MORNING = "morning"
    MORNING_WITH_LUNCH = "morning_with_lunch"
    AFTERNOON = "afternoon"
    AFTERNOON_WITH_LUNCH = "afternoon_with_lunch"
    WHOLE_DAY = "whole_day"
    PERISCOLAIRE_MORNING = "periscolaire_morning"
    PERISCOLAIRE_LUNCH = "periscolaire_lunch"
    PERISCOLAIRE_EVENING = "periscolaire_evening"


class AgeBand(str, enum.Enum):
    UNDER6 = "under6"
    OVER6 = "over6"  # 6 and over

    @classmethod
    def for_age(cls, age: int) -> AgeBand:
        return cls.UNDER6 if age < 6 else cls.OVER6


class BookingStatus(str, enum.Enum):
    CONFIRMED = "confirmed"
    WAITLISTED = "waitlisted"
    PENDING_PREPARATION = "pending_preparation"
    CANCELLED = "cancelled"
    LATE_CANCELLED = "late_cancelled"
    # A freed place offered by the director to the next waiting family, until `offer_expires_at`.
    OFFERED = "offered"


ACTIVE_STATUSES = (BookingStatus.CONFIRMED, BookingStatus.WAITLISTED, BookingStatus.PENDING_PREPARATION,
                   BookingStatus.OFFERED)
# Statuses that hold one of the session's places (the child is expected: registers, bills, file access).
PLACE_STATUSES = (BookingStatus.CONFIRMED, BookingStatus.PENDING_PREPARATION)
# Statuses counted in the session's places taken: an offered place is kept for the family until it answers.
CLAIMING_STATUSES = (*PLACE_STATUSES, BookingStatus.OFFERED)


class AttendanceStatus(str, enum.Enum):
    PRESENT = "present"
    ABSENT = "absent"
    ABSENT_JUSTIFIED = "absent_justified"


class Activity(db.Model):
    __tablename__ = "activity"

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("site.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(150))
    kind: Mapped[ActivityKind] = mapped_column(_enum(ActivityKind))
    min_age: Mapped[int] = mapped_column(default=3)
    max_age: Mapped[int] = mapped_column(default=11)
    # Lower bound in months instead of min_age years (None: use min_age); see booking.eligibility.
    min_age_months: Mapped[int | None]
    # Also admits a child from the rentrée of the year they turn 3 (petite section), before their birthday.
    admits_from_school_entry: Mapped[bool] = mapped_column(default=False, server_default=false())
    regime: Mapped[StaffingRegime] = mapped_column(_enum(StaffingRegime), default=StaffingRegime.EXTRASCOLAIRE)
    # Booking rules (configurable by the director).
    opens_at: Mapped[datetime | None]  # None: open as soon as sessions exist
    booking_deadline_days: Mapped[int] = mapped_column(default=2)
    booking_deadline_time: Mapped[time] = mapped_column(Time, default=time(12, 0))
    cancel_deadline_days: Mapped[int] = mapped_column(default=2)
    cancel_deadline_time: Mapped[time] = mapped_column(Time, default=time(12, 0))
    residents_first_until: Mapped[datetime | None]

    site: Mapped[Site] = relationship(back_populates="activities")
    units: Mapped[list[Unit]] = relationship(back_populates="activity", order_by="Unit.start_time")

    def booking_deadline(self, day: date) -> datetime:
        """Last moment (aware UTC) to book a session on `day`."""
        return _local_deadline(day, self.booking_deadline_days, self.booking_deadline_time)

    def cancel_deadline(self, day: date) -> datetime:
        return _local_deadline(day, self.cancel_deadline_days, self.cancel_deadline_time)


# A site's activities, by name. Site lives in the kernel (app/sites), which names no domain: booking adds the
# relationship to it here (Activity.site is its other side).
Site.activities = relationship(Activity, back_populates="site", order_by=Activity.name)


def _local_deadline(day: date, days_before: int, at: time) -> datetime:
    local = datetime.combine(day - timedelta(days=days_before), at, tzinfo=PARIS)
    return local.astimezone(clock.UTC)


class Unit(db.Model):
    """A bookable unit of an activity: half-day, whole day, périscolaire slot."""

    __tablename__ = "unit"

    id: Mapped[int] = mapped_column(primary_key=True)
    activity_id: Mapped[int] = mapped_column(ForeignKey("activity.id", ondelete="CASCADE"), index=True)
    label: Mapped[str] = mapped_column(String(100))
    kind: Mapped[UnitKind] = mapped_column(_enum(UnitKind))
    start_time: Mapped[time] = mapped_column(Time)
    end_time: Mapped[time] = mapped_column(Time)
    with_meal: Mapped[bool] = mapped_column(default=False)

    activity: Mapped[Activity] = relationship(back_populates="units")
    tariffs: Mapped[list[Tariff]] = relationship(back_populates="unit", order_by="Tariff.qf_min")

    @property
    def hours(self) -> float:
        start = datetime.combine(date.min, self.start_time)
        end = datetime.combine(date.min, self.end_time)
        return (end - start).total_seconds() / 3600


class Tariff(db.Model):
    """Price of a unit for a quotient familial band, residents or not, over a validity period."""

    __tablename__ = "tariff"

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id", ondelete="CASCADE"), index=True)
    qf_min: Mapped[int] = mapped_column(default=0)
    qf_max: Mapped[int | None]  # inclusive; None: no upper bound
    resident: Mapped[bool] = mapped_column(default=True)
    price: Mapped[Decimal] = mapped_column(Numeric(10, 2))
    valid_from: Mapped[date]
    valid_until: Mapped[date | None]  # inclusive; None: until further notice

    unit: Mapped[Unit] = relationship(back_populates="tariffs")


class Session(db.Model):
    """A unit on a date, with its capacity per age band.

    `taken_*` count the places held (confirmed + pending preparation); they
    change only while the row is locked (see booking.engine).
    """

    __tablename__ = "booking_session"
    __table_args__ = (UniqueConstraint("unit_id", "day"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id", ondelete="CASCADE"), index=True)
    day: Mapped[date] = mapped_column(index=True)
    capacity_under6: Mapped[int] = mapped_column(default=0)
    capacity_over6: Mapped[int] = mapped_column(default=0)
    taken_under6: Mapped[int] = mapped_column(default=0)
    taken_over6: Mapped[int] = mapped_column(default=0)
    opens_at: Mapped[datetime | None]  # overrides the activity's opening
    cancelled: Mapped[bool] = mapped_column(default=False)
    animators_planned: Mapped[int] = mapped_column(default=0)

    unit: Mapped[Unit] = relationship()

    @property
    def activity(self) -> Activity:
        return self.unit.activity

    def capacity(self, band: AgeBand) -> int:
        return self.capacity_under6 if band is AgeBand.UNDER6 else self.capacity_over6

    def taken(self, band: AgeBand) -> int:
        return self.taken_under6 if band is AgeBand.UNDER6 else self.taken_over6

    def remaining(self, band: AgeBand) -> int:
        return max(0, self.capacity(band) - self.taken(band))

    def effective_opens_at(self) -> datetime | None:
        return self.opens_at or self.unit.activity.opens_at

    def starts_at(self) -> datetime:
        return datetime.combine(self.day, self.unit.start_time, tzinfo=PARIS)

    def ends_at(self) -> datetime:
        return datetime.combine(self.day, self.unit.end_time, tzinfo=PARIS)


class Booking(db.Model):
    __tablename__ = "booking"
    __table_args__ = (
        # One active booking per child and session; cancelled ones stay as history. The column stores
        # the statuses' names (CONFIRMED...). The booking engine relies on it (no look-up under the lock).
        Index("uq_booking_active_child_session", "child_id", "session_id", unique=True,
              postgresql_where=text("status IN ('CONFIRMED', 'WAITLISTED', 'PENDING_PREPARATION', 'OFFERED')"),
              sqlite_where=text("status IN ('CONFIRMED', 'WAITLISTED', 'PENDING_PREPARATION', 'OFFERED')")),
        Index("ix_booking_session_status", "session_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    child_id: Mapped[int] = mapped_column(ForeignKey("child.id", ondelete="CASCADE"), index=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("booking_session.id", ondelete="CASCADE"))
    status: Mapped[BookingStatus] = mapped_column(_enum(BookingStatus))
    age_band: Mapped[AgeBand] = mapped_column(_enum(AgeBand))
    price: Mapped[Decimal | None] = mapped_column(Numeric(10, 2))
    created_at: Mapped[datetime] = mapped_column(default=utcnow, server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    cancelled_at: Mapped[datetime | None]
    # Arrival order on the waiting list (strictly increasing per session).
    waitlist_order: Mapped[int | None]
    submission_id: Mapped[str] = mapped_column(String(36), index=True)
    booked_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    # iCalendar SEQUENCE: bumped on every change the family's calendar must see.
    sequence: Mapped[int] = mapped_column(default=0)
    # When the request that made this booking reached the server (the start of the HTTP request,
    # before waiting for any lock); None for bookings made outside a request. Audits fairness.
    requested_at: Mapped[datetime | None]
    # When the place was given from the waiting list (the free-cancellation grace period runs from it).
    promoted_at: Mapped[datetime | None]
    # Why promotion passed this waiting child over (the child keeps their position); shown to the family.
    passed_over_code: Mapped[str | None] = mapped_column(String(40))
    passed_over_reason: Mapped[str | None] = mapped_column(String(500))
    # The last day and hour to accept a place offered from the waiting list (status OFFERED).
    offer_expires_at: Mapped[datetime | None]

    child: Mapped[Child] = relationship()
    session: Mapped[Session] = relationship()
    attendance: Mapped[Attendance | None] = relationship(back_populates="booking", uselist=False)

    @property
    def is_active(self) -> bool:
        return self.status in ACTIVE_STATUSES


class IdempotencyKey(db.Model):
    """A submission's first answer, replayed when the same key is sent again."""

    __tablename__ = "idempotency_key"
    __table_args__ = (UniqueConstraint("user_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(String(100))
    response: Mapped[dict] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class WaitlistEventKind(str, enum.Enum):
    OFFERED = "offered"
    ACCEPTED = "accepted"
    DECLINED = "declined"
    LAPSED = "lapsed"
    REMOVED = "removed"


class WaitlistEvent(db.Model):
    """One step of a booking's life on the waiting list, shown to the director and the family."""

    __tablename__ = "waitlist_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    booking_id: Mapped[int] = mapped_column(ForeignKey("booking.id", ondelete="CASCADE"), index=True)
    kind: Mapped[WaitlistEventKind] = mapped_column(_enum(WaitlistEventKind))
    at: Mapped[datetime] = mapped_column(default=utcnow)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    # Who acted, as shown then ("Claire Martin (direction)"); empty for the daily job.
    actor_label: Mapped[str] = mapped_column(String(300), default="")
    note: Mapped[str] = mapped_column(String(300), default="")


class Attendance(db.Model):
    __tablename__ = "attendance"

    id: Mapped[int] = mapped_column(primary_key=True)
    booking_id: Mapped[int] = mapped_column(ForeignKey("booking.id", ondelete="CASCADE"), unique=True)
    status: Mapped[AttendanceStatus] = mapped_column(_enum(AttendanceStatus))
    late_departure: Mapped[bool] = mapped_column(default=False)
    marked_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    marked_at: Mapped[datetime] = mapped_column(default=utcnow)

    booking: Mapped[Booking] = relationship(back_populates="attendance")


class SchoolHolidayPeriod(db.Model):
    """School holidays of a zone; `last_day` is the last day without classes (inclusive)."""

    __tablename__ = "school_holiday_period"
    __table_args__ = (UniqueConstraint("zone", "first_day"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    zone: Mapped[str] = mapped_column(String(1))
    label: Mapped[str] = mapped_column(String(150))
    first_day: Mapped[date]
    last_day: Mapped[date]


class CalendarFeedToken(db.Model):
    """A revocable secret URL for an iCalendar subscription (a household's or a site's)."""

    __tablename__ = "calendar_feed_token"

    id: Mapped[int] = mapped_column(primary_key=True)
    token: Mapped[str] = mapped_column(String(64), unique=True)
    household_id: Mapped[int | None] = mapped_column(ForeignKey("household.id", ondelete="CASCADE"), index=True)
    site_id: Mapped[int | None] = mapped_column(ForeignKey("site.id", ondelete="CASCADE"), index=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    revoked_at: Mapped[datetime | None]
    # The creator's User.feed_generation when issued: the URL dies with a "log out everywhere",
    # a deactivation or a new password of its creator (app.booking.feeds.is_live).
    creator_feed_generation: Mapped[int | None]

    household: Mapped[Household | None] = relationship()
    created_by: Mapped[User | None] = relationship()
    site: Mapped[Site | None] = relationship()
from app.booking.allocation.models import AllocationPeriod, AllocationRequest, AllocationRequestItem  # noqa: E402,F401
