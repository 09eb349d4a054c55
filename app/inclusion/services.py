"""Inclusion use cases on the child's file: needs, documents, consultation trail,
export and retention. Plans and preparation are in plans.py, adaptation periods
in adaptation.py, staffing and reports in reports.py.

Every public function is one transaction (commits once) and writes the audit
trail for what it reads or changes.
"""
from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

from dateutil.relativedelta import relativedelta
from flask_babel import gettext as _
from sqlalchemy import delete, func, select, update
from werkzeug.utils import secure_filename

from app import clock, rules, uploads
from app.accounts.access import require
from app.accounts.models import User
from app.booking.models import Attendance, AttendanceStatus, Booking, BookingStatus, Session
from app.errors import NotFound, ValidationFailed
from app.exports import Table
from app.extensions import db, utcnow
from app.families.models import Child
from app.inclusion.access import Action, audit
from app.inclusion.models import (
    AuditEntry,
    ChildNeeds,
    DocumentKind,
    HealthForm,
    MeetingProposal,
    NeedDocument,
    PlanVersion,
    ReceptionPlan,
)
from app.transactions import commit, use_case

NEEDS_TEXT_FIELDS = ("allergies", "diet", "medication", "emergency_protocol", "disability_nature", "rhythm",
                     "communication", "to_avoid", "what_helps")
NEEDS_FIELDS = ("needs_particular_care", "has_pai", "has_aeeh") + NEEDS_TEXT_FIELDS

# The file checks live in the kernel (app.uploads), shared with families' proofs and certificates;
# the whole file is scanned.
MAGIC, MARKUP, sniff = uploads.MAGIC, uploads.MARKUP, uploads.sniff


def get_child(user: User, child_id: int, action: str = Action.READ_FILE) -> Child:
    child = db.session.get(Child, child_id)
    if child is None:
        raise NotFound()
    require(user, action, child)
    return child


# ---------------------------------------------------------------- needs

def needs_of(child_id: int) -> ChildNeeds | None:
    return db.session.scalar(select(ChildNeeds).where(ChildNeeds.child_id == child_id))


@use_case
def declare_needs(user: User, child_id: int, **values: Any) -> ChildNeeds:
    """A guardian declares or updates the child's needs.

    Keeps families.Child.needs_particular_care in sync (the only thing booking
    sees). The nature of a disability is kept only if the family gives it.
    Raises NotFound (not a guardian of the child).
    """
    child = get_child(user, child_id, Action.EDIT_NEEDS)
    existing = needs_of(child.id)
    created = existing is None
    if existing is None:
        needs = ChildNeeds(child_id=child.id)
        db.session.add(needs)
    else:
        needs = existing
    for name in NEEDS_FIELDS:
        if name in values:
            value = values[name]
            setattr(needs, name, bool(value) if name in ("needs_particular_care", "has_pai", "has_aeeh")
                    else (value or "").strip())
    needs.updated_at = utcnow()
    needs.updated_by_id = user.id
    child.needs_particular_care = bool(needs.needs_particular_care)
    audit(user, child.id, "create" if created else "update", "needs")
    return needs


@dataclass
class ChildFile:
    child: Child
    needs: ChildNeeds | None
    documents: list[NeedDocument]
    plans: list[ReceptionPlan]
    meetings: list[MeetingProposal]
    held: list[Booking]  # bookings kept while the welcome is prepared


@use_case
def read_file(user: User, child_id: int) -> ChildFile:
    """The child's protected file for a guardian or a director of a site where the child is booked.

    The read is written to the audit trail. Raises NotFound for anyone else.
    """
    from app.inclusion.access import director_sites_for_child, is_guardian

    child = get_child(user, child_id)
    plans = list(db.session.scalars(select(ReceptionPlan).where(ReceptionPlan.child_id == child.id)))
    meetings = list(db.session.scalars(select(MeetingProposal).where(MeetingProposal.child_id == child.id)))
    if not is_guardian(user, child):  # a director sees the plans of their own sites only
        sites = director_sites_for_child(user, child)
        plans = [p for p in plans if p.site_id in sites]
        meetings = [m for m in meetings if m.site_id in sites]
    documents = list(db.session.scalars(select(NeedDocument).where(NeedDocument.child_id == child.id)
                                        .order_by(NeedDocument.uploaded_at)))
    held = [b for b in db.session.scalars(select(Booking).join(Session, Booking.session_id == Session.id)
                                          .where(Booking.child_id == child.id,
                                                 Booking.status == BookingStatus.PENDING_PREPARATION)
                                          .order_by(Session.day))
            if is_guardian(user, child) or b.session.unit.activity.site_id in director_sites_for_child(user, child)]
    audit(user, child.id, "read", "file")
    return ChildFile(child, needs_of(child.id), documents, plans, meetings, held)


# ---------------------------------------------------------------- documents

def upload_dir() -> Path:
    return uploads.directory()


@use_case
def upload_document(user: User, child_id: int, *, filename: str, content: bytes,
                    kind: DocumentKind | str = DocumentKind.PAI) -> NeedDocument:
    """A guardian adds a PDF, PNG or JPEG document (PAI, prescription).

    The type is read from the content, the size capped by MAX_UPLOAD_BYTES;
    the file is stored under UPLOAD_DIR with a random name. Raises NotFound,
    ValidationFailed (empty, too large, not a PDF/PNG/JPEG).
    """
    child = get_child(user, child_id, Action.EDIT_NEEDS)
    content_type, extension = uploads.check_document(content, field="document")
    try:
        kind = DocumentKind(kind)
    except ValueError:
        raise ValidationFailed(_("Type de document inconnu."), field="kind") from None
    original = secure_filename(os.path.basename((filename or "").replace("\\", "/")))[:150] or f"document.{extension}"
    stored, path = uploads.store(content, extension)  # mode 0600, random name
    try:
        document = NeedDocument(child_id=child.id, kind=kind, original_name=original, stored_name=stored,
                                content_type=content_type, size=len(content), uploaded_by_id=user.id)
        db.session.add(document)
        db.session.flush()
        audit(user, child.id, "create", f"document:{document.id}", original)
        commit()  # before the file is kept: a refused write removes it
    except Exception:
        path.unlink(missing_ok=True)
        raise
    return document


@use_case
def open_document(user: User, document_id: int) -> tuple[NeedDocument, Path]:
    """The document and its file path, for a reader of the child's file (the read is audited).

    Raises NotFound.
    """
    document = db.session.get(NeedDocument, document_id)
    if document is None:
        raise NotFound()
    get_child(user, document.child_id)
    path = upload_dir() / document.stored_name
    if not path.is_file():
        raise NotFound()
    audit(user, document.child_id, "read", f"document:{document.id}", document.original_name)
    return document, path


@use_case
def delete_document(user: User, document_id: int) -> int:
    """A guardian removes a document (row and file); returns the child's id. Raises NotFound."""
    document = db.session.get(NeedDocument, document_id)
    if document is None:
        raise NotFound()
    get_child(user, document.child_id, Action.EDIT_NEEDS)
    stored = document.stored_name
    audit(user, document.child_id, "delete", f"document:{document.id}", document.original_name)
    child_id = document.child_id
    db.session.delete(document)
    commit()  # the row first: the file goes once nothing refers to it
    (upload_dir() / stored).unlink(missing_ok=True)
    return child_id


# ---------------------------------------------------------------- trail, export

def consultations(user: User, child_id: int) -> list[AuditEntry]:
    """For a guardian: every read and change of the child's file, newest first. Raises NotFound."""
    return consultations_of(user, child_id).entries


@dataclass
class FileTrail:
    child: Child
    entries: list[AuditEntry]
    readers: list[Any]  # access.Reader: who else can read the file today, and until when


def _audit_action_labels() -> dict[str, str]:
    return {"read": _("Consultation"), "create": _("Ajout"), "update": _("Modification"),
            "delete": _("Suppression"), "export": _("Téléchargement"), "acknowledge": _("Accord"),
            "purge": _("Suppression (fin de la durée de conservation)")}


def _audit_target_text(target: str, detail: str) -> str:
    return str(_audit_target_label(target, detail))


def _audit_target_label(target: str, detail: str) -> Any:
    kind, _sep, _number = (target or "").partition(":")
    version = detail[1:] if detail.startswith("v") and detail[1:].isdigit() else ""
    if kind == "plan_version":
        if version:
            return _("du projet d'accueil (version %(n)s)", n=version)
        if detail == "shared":
            return _("du projet d'accueil (partagé avec la famille)")
        return _("du projet d'accueil")
    if kind == "document":
        return _("du document « %(name)s »", name=detail) if detail else _("d'un document")
    simple = {"file": _("du dossier d'accueil"), "needs": _("des besoins déclarés"),
              "card": _("de la fiche « à savoir aujourd'hui »"), "meeting": _("d'une rencontre"),
              "booking": _("d'une réservation (confirmée sans projet d'accueil)"),
              "adaptation": _("de la période d'adaptation"), "adaptation_step": _("d'une étape d'adaptation"),
              "audit_trail": _("du journal des accès"), "health_form": _("de la fiche sanitaire"),
              "health_alerts": _("des alertes de santé du registre"), "alert": _("des alertes de santé du registre")}
    return simple.get(kind, _("du dossier d'accueil"))


def audit_entry_text(entry: AuditEntry) -> str:
    """The trail entry in plain French for the family: "Consultation du projet d'accueil (version 2)".

    Never the stored code ("plan_version:2", "file", "meeting:1"): those stay in the administrator's export.
    """
    action = _audit_action_labels().get(entry.action, _("Accès"))
    return f"{action} {_audit_target_text(entry.target, entry.detail or '')}"


def consultations_of(user: User, child_id: int) -> FileTrail:
    """For a guardian: the child, the trail of their file, and the directors who can read it today with
    the last day of their access. Raises NotFound."""
    from app.inclusion.access import readers_of

    child = get_child(user, child_id, Action.EDIT_NEEDS)
    entries = list(db.session.scalars(select(AuditEntry).where(AuditEntry.child_id == child.id)
                                      .order_by(AuditEntry.at.desc(), AuditEntry.id.desc())))
    return FileTrail(child, entries, readers_of(child))


@use_case
def export_audit(user: User) -> Table:
    """The administrator's export of the whole trail (one table). Raises Forbidden."""
    require(user, Action.EXPORT_AUDIT)
    table = Table("journal", _("Journal des accès"),
                  [_("Date et heure (Paris)"), _("N° de l'auteur"), _("Auteur"), _("Rôle"), _("N° de l'enfant"),
                   _("Action"), _("Objet"), _("Détail")])
    for e in db.session.scalars(select(AuditEntry).order_by(AuditEntry.at, AuditEntry.id)):
        table.add(e.at, e.actor_id, e.actor_label, e.actor_role, e.child_id, e.action, e.target, e.detail)
    audit(user, None, "export", "audit_trail")
    return table


def _plain(obj: object, fields: Iterable[str]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name in fields:
        value = getattr(obj, name)
        if hasattr(value, "isoformat"):
            value = value.isoformat()
        elif hasattr(value, "value"):
            value = value.value
        elif value is not None and not isinstance(value, (str, int, bool, float)):
            value = str(value)
        out[name] = value
    return out


@use_case
def export_child_data(user: User, child_id: int) -> dict[str, Any]:
    """Everything the inclusion module holds about the child, for a guardian (GDPR access right).

    Raises NotFound.
    """
    from app.inclusion.models import PLAN_FIELDS, AdaptationPeriod

    child = get_child(user, child_id, Action.EDIT_NEEDS)
    needs = needs_of(child.id)
    data = {
        "child": {"id": child.id, "first_name": child.first_name, "last_name": child.last_name,
                  "birth_date": child.birth_date.isoformat(),
                  "needs_particular_care": child.needs_particular_care},
        "needs": _plain(needs, NEEDS_FIELDS + ("created_at", "updated_at")) if needs else None,
        "documents": [_plain(d, ("id", "kind", "original_name", "content_type", "size", "uploaded_at"))
                      for d in db.session.scalars(select(NeedDocument).where(NeedDocument.child_id == child.id))],
        "reception_plans": [
            {"site_id": p.site_id,
             "versions": [_plain(v, ("number", "status") + PLAN_FIELDS + (
                 "shared_at", "parent_ack_at", "director_ack_at", "activated_at")) for v in p.versions]}
            for p in db.session.scalars(select(ReceptionPlan).where(ReceptionPlan.child_id == child.id))],
        "meetings": [_plain(m, ("site_id", "starts_at", "duration_minutes", "location"))
                     for m in db.session.scalars(select(MeetingProposal).where(MeetingProposal.child_id == child.id))],
        "adaptation_periods": [
            {"site_id": p.site_id, "skipped": p.skipped,
             "steps": [_plain(s, ("position", "label", "status", "note", "recorded_at")) for s in p.steps]}
            for p in db.session.scalars(select(AdaptationPeriod).where(AdaptationPeriod.child_id == child.id))],
        "health_form": _health_export(child.id),
        "audit_trail": [_plain(e, ("at", "actor_label", "action", "target"))
                        for e in db.session.scalars(select(AuditEntry).where(AuditEntry.child_id == child.id)
                                                    .order_by(AuditEntry.at))],
    }
    audit(user, child.id, "export", "file")
    return data


def _health_export(child_id: int) -> dict[str, Any] | None:
    from app.inclusion.health import export_data

    return export_data(child_id)


# ---------------------------------------------------------------- retention

RETENTION_YEARS = rules.define(
    "inclusion.health_data_retention_years", kind=int, default=3,
    label="Durée de conservation des données de santé d'un enfant (besoins, PAI, protocole d'urgence, "
          "projets d'accueil), comptée depuis le dernier contact : dernière présence, dernière réservation, "
          "dernière déclaration de la famille",
    source="RGPD art. 5 (1) e) (limitation de la conservation) ; CNIL, référentiel relatif aux traitements "
           "de données à caractère personnel dans le secteur de l'enfance",
    unit="ans", minimum=1, maximum=10)


def _as_day(value: date | datetime | None) -> date | None:
    if value is None:
        return None
    if isinstance(value, datetime):
        return clock.local_date(value if value.tzinfo else value.replace(tzinfo=clock.UTC))
    return value


def last_contact_day(child_id: int) -> date | None:
    """The latest of: the last attended day, the last booked day (and the day the booking was made,
    a waitlisted or held one included), the family's last declaration (needs, document, plan, meeting).

    A file is never purged while any of these is recent: a child who comes back after years keeps the
    needs, PAI and emergency protocol the family declared again.
    """
    candidates = [
        db.session.scalar(select(func.max(Session.day)).join(Booking, Booking.session_id == Session.id)
                          .join(Attendance, Attendance.booking_id == Booking.id)
                          .where(Booking.child_id == child_id, Attendance.status == AttendanceStatus.PRESENT)),
        db.session.scalar(select(func.max(Session.day)).join(Booking, Booking.session_id == Session.id)
                          .where(Booking.child_id == child_id)),
        _as_day(db.session.scalar(select(func.max(Booking.created_at)).where(Booking.child_id == child_id))),
        _as_day(db.session.scalar(select(func.max(ChildNeeds.updated_at)).where(ChildNeeds.child_id == child_id))),
        _as_day(db.session.scalar(select(func.max(ChildNeeds.created_at)).where(ChildNeeds.child_id == child_id))),
        _as_day(db.session.scalar(select(func.max(NeedDocument.uploaded_at))
                                  .where(NeedDocument.child_id == child_id))),
        _as_day(db.session.scalar(select(func.max(PlanVersion.updated_at))
                                  .join(ReceptionPlan, ReceptionPlan.id == PlanVersion.plan_id)
                                  .where(ReceptionPlan.child_id == child_id))),
        _as_day(db.session.scalar(select(func.max(MeetingProposal.starts_at))
                                  .where(MeetingProposal.child_id == child_id))),
        _as_day(db.session.scalar(select(func.max(HealthForm.updated_at)).where(HealthForm.child_id == child_id))),
    ]
    days = [day for day in candidates if day is not None]
    return max(days) if days else None


def retention_limit(today: date) -> date:
    """Files whose last contact is before this day are purged (the rule in force today)."""
    limit: date = today - relativedelta(years=RETENTION_YEARS.value(on=today))
    return limit


@use_case
def purge(today: date | None = None) -> int:
    """Delete needs, documents (files too), plans, meetings and health forms of children whose last contact
    (`last_contact_day`) is more than the retention period (a dated rule) before `today`.
    Idempotent: safe to run daily.

    Returns the number of children purged. The trail keeps a "purge" entry, and its earlier entries
    lose the documents' file names (a file name can itself be health data: "pai-epilepsie.pdf").
    """
    today = today or clock.today()
    limit = retention_limit(today)
    child_ids = set(db.session.scalars(select(ChildNeeds.child_id)))
    child_ids |= set(db.session.scalars(select(NeedDocument.child_id)))
    child_ids |= set(db.session.scalars(select(ReceptionPlan.child_id)))
    child_ids |= set(db.session.scalars(select(MeetingProposal.child_id)))
    child_ids |= set(db.session.scalars(select(HealthForm.child_id)))
    purged = 0
    files: list[str] = []
    for child_id in sorted(child_ids):
        last = last_contact_day(child_id)
        if last is not None and last >= limit:
            continue
        files += list(db.session.scalars(select(NeedDocument.stored_name).where(NeedDocument.child_id == child_id)))
        db.session.execute(delete(NeedDocument).where(NeedDocument.child_id == child_id))
        db.session.execute(delete(ChildNeeds).where(ChildNeeds.child_id == child_id))
        plan_ids = list(db.session.scalars(select(ReceptionPlan.id).where(ReceptionPlan.child_id == child_id)))
        if plan_ids:
            db.session.execute(delete(PlanVersion).where(PlanVersion.plan_id.in_(plan_ids)))
            db.session.execute(delete(ReceptionPlan).where(ReceptionPlan.id.in_(plan_ids)))
        db.session.execute(delete(MeetingProposal).where(MeetingProposal.child_id == child_id))
        db.session.execute(delete(HealthForm).where(HealthForm.child_id == child_id))
        db.session.execute(update(AuditEntry)
                           .where(AuditEntry.child_id == child_id, AuditEntry.target.like("document:%"))
                           .values(detail="")
                           .execution_options(synchronize_session=False))
        child = db.session.get(Child, child_id)
        if child is not None:
            child.needs_particular_care = False
        audit(None, child_id, "purge", "file", f"last day {last.isoformat()}" if last else "")
        purged += 1
    commit()  # the rows first: the files go once nothing refers to them
    directory = upload_dir()
    for name in files:
        (directory / name).unlink(missing_ok=True)
    return purged
