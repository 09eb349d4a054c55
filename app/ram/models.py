"""Relais Petite Enfance: relais, childminders and their licences, family demands,
introductions, workshops.

Weekly schedules are stored as JSON: {"0": [["07:30", "17:30"]], ...}, keys are
weekdays (0 = Monday), values lists of [start, end) "HH:MM" intervals
(see app.ram.schedule).
"""
from __future__ import annotations

import enum
from datetime import date, datetime, time

from sqlalchemy import JSON, Enum, ForeignKey, Index, String, Text, UniqueConstraint, event, func, inspect
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.accounts.models import User
from app.extensions import db, utcnow
from app.families.models import Commune


def _enum(cls):
    return Enum(cls, native_enum=False, length=20, validate_strings=True)


class Relais(db.Model):
    """A Relais Petite Enfance of the territory."""

    __tablename__ = "relais"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    address: Mapped[str] = mapped_column(String(300), default="")
    commune_insee: Mapped[str | None] = mapped_column(ForeignKey("commune.insee"))
    email: Mapped[str] = mapped_column(String(254), default="")
    phone: Mapped[str] = mapped_column(String(30), default="")

    commune: Mapped[Commune | None] = relationship()


class RelaisStaff(db.Model):
    """Scope of a Relais staff account: the relais they belong to."""

    __tablename__ = "relais_staff"
    __table_args__ = (UniqueConstraint("user_id", "relais_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    relais_id: Mapped[int] = mapped_column(ForeignKey("relais.id", ondelete="CASCADE"), index=True)

    user: Mapped[User] = relationship()
    relais: Mapped[Relais] = relationship()


class Childminder(db.Model):
    """An assistante maternelle: a user account of role childminder and its profile."""

    __tablename__ = "childminder"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), unique=True)
    relais_id: Mapped[int | None] = mapped_column(ForeignKey("relais.id", ondelete="SET NULL"), index=True)
    commune_insee: Mapped[str] = mapped_column(ForeignKey("commune.insee"), index=True)
    address: Mapped[str] = mapped_column(String(300), default="")
    show_address: Mapped[bool] = mapped_column(default=False)
    # What families searching the published childminders may see (default: nothing, the Relais puts
    # them in touch).
    show_phone: Mapped[bool] = mapped_column(default=False, server_default="0")
    show_email: Mapped[bool] = mapped_column(default=False, server_default="0")
    # The days and hours the childminder accepts (a weekly schedule, see app.ram.schedule);
    # None: not declared, the licence and contracts alone decide.
    accepted_schedule: Mapped[dict | None] = mapped_column(JSON)
    offers_meals: Mapped[bool] = mapped_column(default=False)
    offers_school_pickup: Mapped[bool] = mapped_column(default=False)
    hours_before_8: Mapped[bool] = mapped_column(default=False)
    hours_after_18: Mapped[bool] = mapped_column(default=False)
    works_saturday: Mapped[bool] = mapped_column(default=False)
    works_sunday: Mapped[bool] = mapped_column(default=False)
    works_nights: Mapped[bool] = mapped_column(default=False)
    presentation: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow, server_default=func.now())

    user: Mapped[User] = relationship()
    relais: Mapped[Relais | None] = relationship()
    commune: Mapped[Commune] = relationship()
    licences: Mapped[list[Licence]] = relationship(back_populates="childminder", cascade="all, delete-orphan",
                                                   order_by="Licence.valid_from")
    own_children: Mapped[list[OwnChild]] = relationship(back_populates="childminder", cascade="all, delete-orphan",
                                                        order_by="OwnChild.birth_date")
    contracts: Mapped[list[CareContract]] = relationship(back_populates="childminder", cascade="all, delete-orphan",
                                                         order_by="CareContract.start_date")
    declarations: Mapped[list[AvailabilityDeclaration]] = relationship(
        back_populates="childminder", cascade="all, delete-orphan", order_by="AvailabilityDeclaration.declared_at")
    absences: Mapped[list[ChildminderAbsence]] = relationship(
        back_populates="childminder", cascade="all, delete-orphan", order_by="ChildminderAbsence.start_date")

    @property
    def offers_atypical_hours(self) -> bool:
        return any((self.hours_before_8, self.hours_after_18, self.works_saturday, self.works_sunday,
                    self.works_nights))

    @property
    def display_name(self) -> str:
        return self.user.display_name

    def licence_on(self, day: date) -> Licence | None:
        for licence in reversed(self.licences):
            if licence.is_valid_on(day):
                return licence
        return None

    @property
    def last_declaration(self) -> AvailabilityDeclaration | None:
        return self.declarations[-1] if self.declarations else None


class Licence(db.Model):
    """An agrément: how many children at once, of which under 3, for which period,
    with an optional temporary extension (extra places between two dates)."""

    __tablename__ = "licence"

    id: Mapped[int] = mapped_column(primary_key=True)
    childminder_id: Mapped[int] = mapped_column(ForeignKey("childminder.id", ondelete="CASCADE"), index=True)
    reference: Mapped[str] = mapped_column(String(50), default="")
    max_children: Mapped[int]
    max_under_3: Mapped[int]
    valid_from: Mapped[date]
    valid_until: Mapped[date]
    extension_from: Mapped[date | None]
    extension_until: Mapped[date | None]
    extension_places: Mapped[int] = mapped_column(default=0)

    childminder: Mapped[Childminder] = relationship(back_populates="licences")

    def is_valid_on(self, day: date) -> bool:
        return self.valid_from <= day <= self.valid_until

    def places_on(self, day: date) -> int:
        extra = 0
        if self.extension_from and self.extension_until and self.extension_from <= day <= self.extension_until:
            extra = self.extension_places
        return self.max_children + extra


class OwnChild(db.Model):
    """A childminder's own child living at home: counts towards the legal limits while under 11."""

    __tablename__ = "childminder_own_child"

    id: Mapped[int] = mapped_column(primary_key=True)
    childminder_id: Mapped[int] = mapped_column(ForeignKey("childminder.id", ondelete="CASCADE"), index=True)
    first_name: Mapped[str] = mapped_column(String(100), default="")
    birth_date: Mapped[date]

    childminder: Mapped[Childminder] = relationship(back_populates="own_children")


class CareContract(db.Model):
    """A child currently (or soon) minded under contract, with its weekly schedule."""

    __tablename__ = "care_contract"

    id: Mapped[int] = mapped_column(primary_key=True)
    childminder_id: Mapped[int] = mapped_column(ForeignKey("childminder.id", ondelete="CASCADE"), index=True)
    child_first_name: Mapped[str] = mapped_column(String(100), default="")
    birth_date: Mapped[date]
    schedule: Mapped[dict] = mapped_column(JSON)
    start_date: Mapped[date]
    end_date: Mapped[date | None]
    demand_id: Mapped[int | None] = mapped_column(ForeignKey("family_demand.id", ondelete="SET NULL"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow, server_default=func.now())

    childminder: Mapped[Childminder] = relationship(back_populates="contracts")

    def is_active_on(self, day: date) -> bool:
        return self.start_date <= day and (self.end_date is None or day <= self.end_date)


class AvailabilityDeclaration(db.Model):
    """A publication (or confirmation) of the availability, as R421-39 requires."""

    __tablename__ = "availability_declaration"

    id: Mapped[int] = mapped_column(primary_key=True)
    childminder_id: Mapped[int] = mapped_column(ForeignKey("childminder.id", ondelete="CASCADE"), index=True)
    declared_at: Mapped[datetime] = mapped_column(default=utcnow)
    valid_from: Mapped[date]
    declared_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    note: Mapped[str] = mapped_column(String(500), default="")

    childminder: Mapped[Childminder] = relationship(back_populates="declarations")
    declared_by: Mapped[User | None] = relationship()


class ChildminderAbsence(db.Model):
    """A period when the childminder takes no new child (leave, training, health): declared by her."""

    __tablename__ = "childminder_absence"

    id: Mapped[int] = mapped_column(primary_key=True)
    childminder_id: Mapped[int] = mapped_column(ForeignKey("childminder.id", ondelete="CASCADE"), index=True)
    start_date: Mapped[date]
    end_date: Mapped[date]
    reason: Mapped[str] = mapped_column(String(200), default="")

    childminder: Mapped[Childminder] = relationship(back_populates="absences")

    def covers(self, day: date) -> bool:
        return self.start_date <= day <= self.end_date


class DemandStatus(str, enum.Enum):
    OPEN = "open"
    IN_PROGRESS = "in_progress"
    MET = "met"
    CANCELLED = "cancelled"

    @property
    def label(self) -> str:
        from flask_babel import gettext as _

        return {DemandStatus.OPEN: _("En attente"), DemandStatus.IN_PROGRESS: _("Mise en relation en cours"),
                DemandStatus.MET: _("Solution trouvée"), DemandStatus.CANCELLED: _("Annulée")}[self]


class FamilyDemand(db.Model):
    """A family's demand for a childminder (recorded online by a parent or by Relais staff)."""

    __tablename__ = "family_demand"
    __table_args__ = (Index("ix_family_demand_status_created_at", "status", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    parent_user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"),
                                                       index=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    relais_id: Mapped[int | None] = mapped_column(ForeignKey("relais.id", ondelete="SET NULL"), index=True)
    family_name: Mapped[str] = mapped_column(String(150), default="")
    contact_phone: Mapped[str] = mapped_column(String(30), default="")
    contact_email: Mapped[str] = mapped_column(String(254), default="")
    child_first_name: Mapped[str] = mapped_column(String(100), default="")
    child_birth_date: Mapped[date]
    birth_expected: Mapped[bool] = mapped_column(default=False)
    start_date: Mapped[date]
    schedule: Mapped[dict] = mapped_column(JSON)
    atypical_hours: Mapped[bool] = mapped_column(default=False)
    needs_meals: Mapped[bool] = mapped_column(default=False)
    needs_school_pickup: Mapped[bool] = mapped_column(default=False)
    commune_insee: Mapped[str] = mapped_column(ForeignKey("commune.insee"), index=True)
    max_distance_km: Mapped[int] = mapped_column(default=10)
    notes: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[DemandStatus] = mapped_column(_enum(DemandStatus), default=DemandStatus.OPEN)
    met_on: Mapped[date | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow, server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    commune: Mapped[Commune] = relationship()
    relais: Mapped[Relais | None] = relationship()
    parent: Mapped[User | None] = relationship(foreign_keys=[parent_user_id])
    introductions: Mapped[list[Introduction]] = relationship(back_populates="demand", cascade="all, delete-orphan",
                                                             order_by="Introduction.created_at")

    @property
    def is_open(self) -> bool:
        return self.status in (DemandStatus.OPEN, DemandStatus.IN_PROGRESS)


class IntroductionOutcome(str, enum.Enum):
    PENDING = "pending"
    CONTRACT_SIGNED = "contract_signed"
    DECLINED = "declined"
    NO_ANSWER = "no_answer"

    @property
    def label(self) -> str:
        from flask_babel import gettext as _

        return {IntroductionOutcome.PENDING: _("En attente de réponse"),
                IntroductionOutcome.CONTRACT_SIGNED: _("Contrat signé"),
                IntroductionOutcome.DECLINED: _("Refusée"),
                IntroductionOutcome.NO_ANSWER: _("Sans réponse")}[self]


class Introduction(db.Model):
    """A mise en relation: Relais staff put a family in touch with a childminder."""

    __tablename__ = "introduction"
    __table_args__ = (UniqueConstraint("demand_id", "childminder_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    demand_id: Mapped[int] = mapped_column(ForeignKey("family_demand.id", ondelete="CASCADE"), index=True)
    childminder_id: Mapped[int] = mapped_column(ForeignKey("childminder.id", ondelete="CASCADE"), index=True)
    staff_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    introduced_on: Mapped[date]
    outcome: Mapped[IntroductionOutcome] = mapped_column(_enum(IntroductionOutcome),
                                                         default=IntroductionOutcome.PENDING)
    outcome_on: Mapped[date | None]
    contract_id: Mapped[int | None] = mapped_column(ForeignKey("care_contract.id", ondelete="SET NULL"))
    notes: Mapped[str] = mapped_column(String(1000), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow, server_default=func.now())

    demand: Mapped[FamilyDemand] = relationship(back_populates="introductions")
    childminder: Mapped[Childminder] = relationship()
    staff: Mapped[User | None] = relationship()


class Workshop(db.Model):
    """An atelier d'éveil run by a relais. Capacity counts children and adults."""

    __tablename__ = "workshop"

    id: Mapped[int] = mapped_column(primary_key=True)
    relais_id: Mapped[int] = mapped_column(ForeignKey("relais.id", ondelete="CASCADE"), index=True)
    theme: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    day: Mapped[date] = mapped_column(index=True)
    start_time: Mapped[time]
    end_time: Mapped[time]
    place: Mapped[str] = mapped_column(String(300))
    capacity: Mapped[int]
    cancelled: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow, server_default=func.now())
    # iCalendar: SEQUENCE and DTSTAMP of the event, raised by every change a calendar shows.
    sequence: Mapped[int] = mapped_column(default=0, server_default="0")
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, server_default=func.now())

    relais: Mapped[Relais] = relationship()
    registrations: Mapped[list[WorkshopRegistration]] = relationship(
        back_populates="workshop", cascade="all, delete-orphan", order_by="WorkshopRegistration.created_at")

    @property
    def persons_registered(self) -> int:
        return sum(r.persons for r in self.registrations)

    @property
    def places_left(self) -> int:
        return max(0, self.capacity - self.persons_registered)


class WorkshopRegistration(db.Model):
    """A childminder's registration to a workshop with the children they bring."""

    __tablename__ = "workshop_registration"
    __table_args__ = (UniqueConstraint("workshop_id", "childminder_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    workshop_id: Mapped[int] = mapped_column(ForeignKey("workshop.id", ondelete="CASCADE"), index=True)
    childminder_id: Mapped[int] = mapped_column(ForeignKey("childminder.id", ondelete="CASCADE"), index=True)
    # First names of the children brought (minded children or own children).
    children: Mapped[list] = mapped_column(JSON, default=list)
    created_at: Mapped[datetime] = mapped_column(default=utcnow, server_default=func.now())

    workshop: Mapped[Workshop] = relationship(back_populates="registrations")
    childminder: Mapped[Childminder] = relationship()

    @property
    def persons(self) -> int:
        return 1 + len(self.children or [])


__all__ = ["Relais", "RelaisStaff", "Childminder", "Licence", "OwnChild", "CareContract",
           "AvailabilityDeclaration", "ChildminderAbsence", "DemandStatus", "FamilyDemand", "IntroductionOutcome", "Introduction",
           "Workshop", "WorkshopRegistration"]


WORKSHOP_CALENDAR_FIELDS = ("theme", "description", "day", "start_time", "end_time", "place", "cancelled")


@event.listens_for(Workshop, "before_update")
def _workshop_changed(_mapper, _connection, workshop: Workshop) -> None:
    """Any change a calendar shows raises SEQUENCE and moves DTSTAMP, whatever code made it."""
    state = inspect(workshop)
    if any(state.attrs[name].history.has_changes() for name in WORKSHOP_CALENDAR_FIELDS):
        workshop.sequence = (workshop.sequence or 0) + 1
        workshop.updated_at = utcnow()


class RamIndexVersion(db.Model):
    """One row: bumped in the transaction of every write that changes what the matching index
    loads (app.ram.index_cache), so each process knows when its in-memory index is stale."""

    __tablename__ = "ram_index_version"

    id: Mapped[int] = mapped_column(primary_key=True)
    version: Mapped[int] = mapped_column(default=0)
