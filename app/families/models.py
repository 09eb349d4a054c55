from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import Enum, ForeignKey, String, func
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.accounts.models import User
from app.extensions import db, utcnow


class Commune(db.Model):
    """A commune of the Grand Cahors agglomeration (INSEE code, approximate centre)."""

    __tablename__ = "commune"

    insee: Mapped[str] = mapped_column(String(5), primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    latitude: Mapped[float]
    longitude: Mapped[float]

    def __repr__(self) -> str:
        return f"<Commune {self.insee} {self.name}>"


class BenefitScheme(str, enum.Enum):
    """Which family-benefit body the household depends on (CAF reports split on it)."""

    CAF_GENERAL = "caf_general"
    MSA = "msa"
    OTHER = "other"


class SchoolLevel(str, enum.Enum):
    NONE = "none"
    PS = "ps"
    MS = "ms"
    GS = "gs"
    CP = "cp"
    CE1 = "ce1"
    CE2 = "ce2"
    CM1 = "cm1"
    CM2 = "cm2"
    COLLEGE = "college"


class Household(db.Model):
    """A foyer: one or more guardian accounts and their children."""

    __tablename__ = "household"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(150), default="")
    address: Mapped[str] = mapped_column(String(300), default="")
    # NULL commune means "outside the agglomeration".
    commune_insee: Mapped[str | None] = mapped_column(ForeignKey("commune.insee"))
    family_quotient: Mapped[int | None]
    family_quotient_valid_until: Mapped[date | None]
    benefit_scheme: Mapped[BenefitScheme] = mapped_column(
        Enum(BenefitScheme, native_enum=False, length=20, validate_strings=True),
        default=BenefitScheme.CAF_GENERAL,
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow, server_default=func.now())

    commune: Mapped[Commune | None] = relationship()
    members: Mapped[list[HouseholdMember]] = relationship(
        back_populates="household", cascade="all, delete-orphan"
    )
    children: Mapped[list[Child]] = relationship(
        back_populates="household", cascade="all, delete-orphan", order_by="Child.birth_date"
    )
    pickup_persons: Mapped[list[AuthorisedPickup]] = relationship(
        back_populates="household", cascade="all, delete-orphan"
    )
    emergency_contacts: Mapped[list[EmergencyContact]] = relationship(
        back_populates="household", cascade="all, delete-orphan"
    )

    @property
    def is_resident(self) -> bool:
        return self.commune_insee is not None


class HouseholdMember(db.Model):
    """A guardian account belonging to a household (an account has at most one)."""

    __tablename__ = "household_member"

    id: Mapped[int] = mapped_column(primary_key=True)
    household_id: Mapped[int] = mapped_column(ForeignKey("household.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), unique=True)
    relationship_to_children: Mapped[str] = mapped_column(String(50), default="")
    works: Mapped[bool] = mapped_column(default=False)

    household: Mapped[Household] = relationship(back_populates="members")
    user: Mapped[User] = relationship()


class Child(db.Model):
    __tablename__ = "child"

    id: Mapped[int] = mapped_column(primary_key=True)
    household_id: Mapped[int] = mapped_column(ForeignKey("household.id", ondelete="CASCADE"), index=True)
    first_name: Mapped[str] = mapped_column(String(100))
    last_name: Mapped[str] = mapped_column(String(100))
    birth_date: Mapped[date]
    school_level: Mapped[SchoolLevel] = mapped_column(
        Enum(SchoolLevel, native_enum=False, length=20, validate_strings=True), default=SchoolLevel.NONE
    )
    school_name: Mapped[str] = mapped_column(String(150), default="")
    consent_image: Mapped[bool] = mapped_column(default=False)
    consent_outings: Mapped[bool] = mapped_column(default=False)
    # Only the fact that care is needed: the details belong to the inclusion
    # module and are never read through this table (GDPR art. 9).
    needs_particular_care: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow, server_default=func.now())

    household: Mapped[Household] = relationship(back_populates="children")

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}"

    def age_on(self, day: date) -> int:
        years = day.year - self.birth_date.year
        if (day.month, day.day) < (self.birth_date.month, self.birth_date.day):
            years -= 1
        return years


class AuthorisedPickup(db.Model):
    """A person allowed to collect the household's children."""

    __tablename__ = "authorised_pickup"

    id: Mapped[int] = mapped_column(primary_key=True)
    household_id: Mapped[int] = mapped_column(ForeignKey("household.id", ondelete="CASCADE"), index=True)
    full_name: Mapped[str] = mapped_column(String(150))
    relationship_to_children: Mapped[str] = mapped_column(String(80), default="")
    phone: Mapped[str] = mapped_column(String(30))

    household: Mapped[Household] = relationship(back_populates="pickup_persons")


class EmergencyContact(db.Model):
    __tablename__ = "emergency_contact"

    id: Mapped[int] = mapped_column(primary_key=True)
    household_id: Mapped[int] = mapped_column(ForeignKey("household.id", ondelete="CASCADE"), index=True)
    full_name: Mapped[str] = mapped_column(String(150))
    relationship_to_children: Mapped[str] = mapped_column(String(80), default="")
    phone: Mapped[str] = mapped_column(String(30))

    household: Mapped[Household] = relationship(back_populates="emergency_contacts")


class HouseholdInvitation(db.Model):
    """An invitation for a second guardian to join a household.

    The link carries a token signed with the application's secret; the row
    makes it expiring, single-use and revocable. `nonce` ties the token to
    this row, so a token cannot be replayed once the row is used or revoked.
    """

    __tablename__ = "household_invitation"

    id: Mapped[int] = mapped_column(primary_key=True)
    household_id: Mapped[int] = mapped_column(ForeignKey("household.id", ondelete="CASCADE"), index=True)
    nonce: Mapped[str] = mapped_column(String(64), unique=True)
    invited_email: Mapped[str] = mapped_column(String(254), default="")
    created_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow, server_default=func.now())
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]
    used_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    revoked_at: Mapped[datetime | None]

    household: Mapped[Household] = relationship()
    created_by: Mapped[User | None] = relationship(foreign_keys=[created_by_user_id])

    def is_pending(self, now: datetime) -> bool:
        return self.used_at is None and self.revoked_at is None and self.expires_at > now
