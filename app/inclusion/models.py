"""Inclusion models: declared needs and documents, reception plans (versioned),
preparation (meetings, waivers), adaptation periods, and the audit trail.

Health data lives only in these tables; booking sees nothing but
families.Child.needs_particular_care (GDPR art. 9).
"""
from __future__ import annotations

import enum
from datetime import date, datetime, time
from decimal import Decimal

from sqlalchemy import JSON, Enum, ForeignKey, Numeric, String, Text, Time, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.accounts.models import User
from app.extensions import db, utcnow
from app.families.models import Child


def _enum(cls):
    return Enum(cls, native_enum=False, length=30, validate_strings=True)


class ChildNeeds(db.Model):
    """What a family chose to declare about their child's needs (one row per child)."""

    __tablename__ = "child_needs"

    id: Mapped[int] = mapped_column(primary_key=True)
    child_id: Mapped[int] = mapped_column(ForeignKey("child.id", ondelete="CASCADE"), unique=True)
    needs_particular_care: Mapped[bool] = mapped_column(default=False)
    has_pai: Mapped[bool] = mapped_column(default=False)
    allergies: Mapped[str] = mapped_column(Text, default="")
    diet: Mapped[str] = mapped_column(Text, default="")
    medication: Mapped[str] = mapped_column(Text, default="")
    emergency_protocol: Mapped[str] = mapped_column(Text, default="")
    has_aeeh: Mapped[bool] = mapped_column(default=False)
    # The nature of a disability is stored only when the family chooses to share it.
    disability_nature: Mapped[str] = mapped_column(Text, default="")
    rhythm: Mapped[str] = mapped_column(Text, default="")
    communication: Mapped[str] = mapped_column(Text, default="")
    to_avoid: Mapped[str] = mapped_column(Text, default="")
    what_helps: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))

    child: Mapped[Child] = relationship()


class DocumentKind(str, enum.Enum):
    PAI = "pai"
    PRESCRIPTION = "prescription"
    OTHER = "other"


class NeedDocument(db.Model):
    """An uploaded PDF or image; the file is under UPLOAD_DIR with a random name."""

    __tablename__ = "need_document"

    id: Mapped[int] = mapped_column(primary_key=True)
    child_id: Mapped[int] = mapped_column(ForeignKey("child.id", ondelete="CASCADE"), index=True)
    kind: Mapped[DocumentKind] = mapped_column(_enum(DocumentKind))
    original_name: Mapped[str] = mapped_column(String(200))
    stored_name: Mapped[str] = mapped_column(String(80), unique=True)
    content_type: Mapped[str] = mapped_column(String(50))
    size: Mapped[int]
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    uploaded_at: Mapped[datetime] = mapped_column(default=utcnow)


class ReceptionPlan(db.Model):
    """The reception plan of a child at a site; its content lives in versions."""

    __tablename__ = "reception_plan"
    __table_args__ = (UniqueConstraint("child_id", "site_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    child_id: Mapped[int] = mapped_column(ForeignKey("child.id", ondelete="CASCADE"), index=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("site.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    child: Mapped[Child] = relationship()
    versions: Mapped[list[PlanVersion]] = relationship(back_populates="plan", order_by="PlanVersion.number",
                                                       cascade="all, delete-orphan")


class PlanStatus(str, enum.Enum):
    DRAFT = "draft"          # editable by the director
    SHARED = "shared"        # shown to the family, waiting for both acknowledgements
    ACTIVE = "active"        # acknowledged by both: in force
    SUPERSEDED = "superseded"


PLAN_TEXT_FIELDS = ("first_meeting_notes", "professionals", "referent", "adapt_rhythm", "adapt_meals",
                    "adapt_rest", "adapt_materials", "adapt_outings", "adapt_transport", "emergency_protocol",
                    "medication", "goals")
PLAN_FIELDS = PLAN_TEXT_FIELDS + ("first_meeting_on", "professionals_consent", "extra_staff",
                                  "extra_staff_hours", "review_on")


class PlanVersion(db.Model):
    __tablename__ = "plan_version"
    __table_args__ = (UniqueConstraint("plan_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("reception_plan.id", ondelete="CASCADE"), index=True)
    number: Mapped[int]
    status: Mapped[PlanStatus] = mapped_column(_enum(PlanStatus), default=PlanStatus.DRAFT)
    first_meeting_on: Mapped[date | None]
    first_meeting_notes: Mapped[str] = mapped_column(Text, default="")
    professionals: Mapped[str] = mapped_column(Text, default="")
    professionals_consent: Mapped[bool] = mapped_column(default=False)
    referent: Mapped[str] = mapped_column(String(150), default="")
    extra_staff: Mapped[int] = mapped_column(default=0)  # extra animators (renfort) per session
    extra_staff_hours: Mapped[Decimal] = mapped_column(Numeric(5, 2), default=Decimal("0"))
    adapt_rhythm: Mapped[str] = mapped_column(Text, default="")
    adapt_meals: Mapped[str] = mapped_column(Text, default="")
    adapt_rest: Mapped[str] = mapped_column(Text, default="")
    adapt_materials: Mapped[str] = mapped_column(Text, default="")
    adapt_outings: Mapped[str] = mapped_column(Text, default="")
    adapt_transport: Mapped[str] = mapped_column(Text, default="")
    emergency_protocol: Mapped[str] = mapped_column(Text, default="")
    medication: Mapped[str] = mapped_column(Text, default="")
    goals: Mapped[str] = mapped_column(Text, default="")
    review_on: Mapped[date | None]
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    shared_at: Mapped[datetime | None]
    parent_ack_at: Mapped[datetime | None]
    parent_ack_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    director_ack_at: Mapped[datetime | None]
    director_ack_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    activated_at: Mapped[datetime | None]

    plan: Mapped[ReceptionPlan] = relationship(back_populates="versions")
    parent_ack_by: Mapped[User | None] = relationship(foreign_keys=[parent_ack_by_id])
    director_ack_by: Mapped[User | None] = relationship(foreign_keys=[director_ack_by_id])

    @property
    def acknowledged(self) -> bool:
        return self.parent_ack_at is not None or self.director_ack_at is not None

    @property
    def editable(self) -> bool:
        return self.status is PlanStatus.DRAFT and not self.acknowledged


class MeetingProposal(db.Model):
    """A preparation meeting proposed by the director (sent as an iCalendar invitation)."""

    __tablename__ = "meeting_proposal"
    __table_args__ = (UniqueConstraint("child_id", "site_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    child_id: Mapped[int] = mapped_column(ForeignKey("child.id", ondelete="CASCADE"), index=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("site.id", ondelete="CASCADE"))
    director_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    starts_at: Mapped[datetime]
    duration_minutes: Mapped[int] = mapped_column(default=60)
    location: Mapped[str] = mapped_column(String(300), default="")
    # iCalendar: one UID per child and site, SEQUENCE bumped at each new proposal.
    sequence: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    director: Mapped[User | None] = relationship()


class PreparationWaiver(db.Model):
    """A director confirmed a held booking without a plan; the reason is kept."""

    __tablename__ = "preparation_waiver"

    id: Mapped[int] = mapped_column(primary_key=True)
    booking_id: Mapped[int] = mapped_column(ForeignKey("booking.id", ondelete="CASCADE"), index=True)
    director_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    reason: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class AdaptationTemplateStep(db.Model):
    """One step of a site's default adaptation period."""

    __tablename__ = "adaptation_template_step"

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("site.id", ondelete="CASCADE"), index=True)
    position: Mapped[int]
    label: Mapped[str] = mapped_column(String(150))
    # When the child arrives and is collected that day (None: the booked unit's start / end),
    # whether a parent stays, whether the child has lunch (only when the booked unit has a meal).
    arrival: Mapped[time | None] = mapped_column(Time)
    pickup: Mapped[time | None] = mapped_column(Time)
    with_parent: Mapped[bool] = mapped_column(default=False)
    with_meal: Mapped[bool] = mapped_column(default=False)


class AdaptationPeriod(db.Model):
    __tablename__ = "adaptation_period"
    __table_args__ = (UniqueConstraint("child_id", "site_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    child_id: Mapped[int] = mapped_column(ForeignKey("child.id", ondelete="CASCADE"), index=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("site.id", ondelete="CASCADE"), index=True)
    skipped: Mapped[bool] = mapped_column(default=False)
    skip_reason: Mapped[str] = mapped_column(String(300), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    steps: Mapped[list[AdaptationStep]] = relationship(back_populates="period", order_by="AdaptationStep.position",
                                                       cascade="all, delete-orphan")


class StepStatus(str, enum.Enum):
    PLANNED = "planned"
    VALIDATED = "validated"
    EXTENDED = "extended"  # went on: a repeat of the step follows it


class AdaptationStep(db.Model):
    __tablename__ = "adaptation_step"

    id: Mapped[int] = mapped_column(primary_key=True)
    period_id: Mapped[int] = mapped_column(ForeignKey("adaptation_period.id", ondelete="CASCADE"), index=True)
    position: Mapped[int]
    label: Mapped[str] = mapped_column(String(150))
    arrival: Mapped[time | None] = mapped_column(Time)
    pickup: Mapped[time | None] = mapped_column(Time)
    with_parent: Mapped[bool] = mapped_column(default=False)
    with_meal: Mapped[bool] = mapped_column(default=False)
    # The director's overrides: the step moved to one of the child's booked days, or skipped.
    day: Mapped[date | None]
    skipped: Mapped[bool] = mapped_column(default=False)
    updated_at: Mapped[datetime | None]
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    status: Mapped[StepStatus] = mapped_column(_enum(StepStatus), default=StepStatus.PLANNED)
    note: Mapped[str] = mapped_column(Text, default="")
    recorded_at: Mapped[datetime | None]
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))

    period: Mapped[AdaptationPeriod] = relationship(back_populates="steps")
    updated_by: Mapped[User | None] = relationship(foreign_keys=[updated_by_id])


class AuditEntry(db.Model):
    """Who read or changed what in a child's protected file, and when (reads included)."""

    __tablename__ = "inclusion_audit_entry"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    # A snapshot: the trail stays readable if the account changes or goes.
    actor_label: Mapped[str] = mapped_column(String(300), default="")
    actor_role: Mapped[str] = mapped_column(String(20), default="")
    child_id: Mapped[int | None] = mapped_column(ForeignKey("child.id", ondelete="CASCADE"), index=True)
    action: Mapped[str] = mapped_column(String(40))  # "read", "create", "update", "delete", "export"...
    target: Mapped[str] = mapped_column(String(60))  # "needs", "document:12", "plan_version:3", "card"...
    detail: Mapped[str] = mapped_column(String(300), default="")


class HealthForm(db.Model):
    """The fiche sanitaire de liaison of a child (model Cerfa 10008), filled in by a guardian.

    Health data (GDPR art. 9): read through app.inclusion.health only, every read audited, purged
    with the rest of the file (services.purge). Whether the child has a PAI is not stored here:
    it is ChildNeeds.has_pai, the one answer the inclusion file and this form share.
    """

    __tablename__ = "health_form"

    id: Mapped[int] = mapped_column(primary_key=True)
    child_id: Mapped[int] = mapped_column(ForeignKey("child.id", ondelete="CASCADE"), unique=True)
    # {vaccine code: "YYYY-MM-DD" of the last dose or booster}; codes in app.inclusion.health.VACCINES.
    vaccinations: Mapped[dict] = mapped_column(JSON, default=dict)
    vaccination_exemption: Mapped[str] = mapped_column(Text, default="")  # contre-indication, with its certificate
    doctor_name: Mapped[str] = mapped_column(String(150), default="")
    doctor_phone: Mapped[str] = mapped_column(String(30), default="")
    asthma: Mapped[bool] = mapped_column(default=False)
    food_allergies: Mapped[str] = mapped_column(Text, default="")
    drug_allergies: Mapped[str] = mapped_column(Text, default="")
    other_allergies: Mapped[str] = mapped_column(Text, default="")
    severe_allergy: Mapped[bool] = mapped_column(default=False)  # risk of anaphylaxis: an emergency kit
    allergy_conduct: Mapped[str] = mapped_column(Text, default="")  # what to do (cause, signs, steps)
    treatments: Mapped[str] = mapped_column(Text, default="")
    past_illnesses: Mapped[str] = mapped_column(Text, default="")
    other_information: Mapped[str] = mapped_column(Text, default="")  # glasses, hearing aids, bed-wetting...
    emergency_care_authorised: Mapped[bool] = mapped_column(default=False)
    authorisation_signed_by: Mapped[str] = mapped_column(String(200), default="")
    authorisation_signed_on: Mapped[date | None]
    authorisation_signed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id",
                                                                              ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))

    child: Mapped[Child] = relationship()
