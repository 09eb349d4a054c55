from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import Enum, ForeignKey, String, Text, func
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

    # commune_insee, family_quotient and its validity are the values a staff member validated
    # (HouseholdDeclaration): they set the price and the "residents first" priority.

    @property
    def is_resident(self) -> bool:
        return self.commune_insee is not None

    def family_quotient_on(self, day: date) -> int | None:
        """The validated quotient familial, or None (highest band) when there is none or it expired before `day`."""
        if self.family_quotient is None:
            return None
        if self.family_quotient_valid_until is not None and self.family_quotient_valid_until < day:
            return None
        return self.family_quotient


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


class DeclarationStatus(str, enum.Enum):
    PENDING = "pending"
    VALIDATED = "validated"
    REFUSED = "refused"
    SUPERSEDED = "superseded"  # replaced by a newer declaration before anyone checked it


class ProofKind(str, enum.Enum):
    CAF_CERTIFICATE = "caf_certificate"  # attestation de quotient familial CAF or MSA
    TAX_NOTICE = "tax_notice"  # avis d'imposition


class HouseholdDeclaration(db.Model):
    """A change of commune or quotient familial declared by a family, waiting for a staff check.

    Until it is validated the household keeps its validated values (or none:
    non-resident, highest band)."""

    __tablename__ = "household_declaration"

    id: Mapped[int] = mapped_column(primary_key=True)
    household_id: Mapped[int] = mapped_column(ForeignKey("household.id", ondelete="CASCADE"), index=True)
    # NULL commune means "outside the agglomeration".
    commune_insee: Mapped[str | None] = mapped_column(ForeignKey("commune.insee"))
    family_quotient: Mapped[int | None]
    family_quotient_valid_until: Mapped[date | None]
    status: Mapped[DeclarationStatus] = mapped_column(
        Enum(DeclarationStatus, native_enum=False, length=20, validate_strings=True),
        default=DeclarationStatus.PENDING, index=True)
    proof_kind: Mapped[ProofKind | None] = mapped_column(
        Enum(ProofKind, native_enum=False, length=20, validate_strings=True))
    proof_stored_name: Mapped[str | None] = mapped_column(String(80))
    proof_original_name: Mapped[str] = mapped_column(String(200), default="")
    proof_content_type: Mapped[str] = mapped_column(String(50), default="")
    declared_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    declared_at: Mapped[datetime] = mapped_column(default=utcnow)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    decided_at: Mapped[datetime | None]
    refusal_reason: Mapped[str] = mapped_column(Text, default="")

    household: Mapped[Household] = relationship()
    commune: Mapped[Commune | None] = relationship()
    declared_by: Mapped[User | None] = relationship(foreign_keys=[declared_by_id])
