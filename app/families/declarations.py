"""Declared changes of commune and quotient familial, checked by staff (as portails famille do).

The household's `commune_insee`, `family_quotient` and its validity are the
values a staff member validated: they set the price and the "residents
first" priority. A family's change is a `HouseholdDeclaration`, pending until
an administrator validates it (the values then become the household's) or
refuses it with a reason; either way the family is told by e-mail (outbox).
A proof can be attached (attestation CAF or MSA, avis d'imposition), checked
like every uploaded document (app.uploads). Administrators may validate
without one (they can check the quotient on the CAF's CDAP service).

Who checks: administrators only. Directors and animators run sites, not the
régie: a family's income is none of their business (data minimisation).

A quotient past its validity date no longer counts (`Household.family_quotient_on`:
highest band); a daily job reminds the family ahead of time.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from app import clock, rules, uploads
from app.accounts.access import policy, require
from app.accounts.models import User
from app.errors import Conflict, NotFound, ValidationFailed
from app.extensions import db
from app.families.access import Action
from app.families.models import DeclarationStatus, Household, HouseholdDeclaration, HouseholdMember, ProofKind
from app.transactions import use_case

SUBDIR = "household-proofs"
JOB_NAME = "families.quotient_reminders"

REMINDER_DAYS = rules.define(
    "families.quotient_reminder_days", kind=int, default=30, minimum=1, maximum=180, unit=_l("jours"),
    label=_l("Rappel aux familles avant la fin de validité de leur quotient familial"),
    source=_l("Règlement de fonctionnement des accueils de loisirs du Grand Cahors"))

PROOF_LABELS = {
    ProofKind.CAF_CERTIFICATE: _l("Attestation de quotient familial (CAF ou MSA)"),
    ProofKind.TAX_NOTICE: _l("Avis d'imposition"),
}


@policy(Action.CHECK_DECLARATIONS, hide=False)
def _can_check(user, _obj=None) -> bool:
    from app.families.access import checks_declarations

    return checks_declarations(user)


@dataclass
class Proof:
    content: bytes
    filename: str = ""
    kind: ProofKind | str = ProofKind.CAF_CERTIFICATE


def pending_declaration(household_id: int) -> HouseholdDeclaration | None:
    return db.session.scalar(select(HouseholdDeclaration).where(
        HouseholdDeclaration.household_id == household_id,
        HouseholdDeclaration.status == DeclarationStatus.PENDING).order_by(HouseholdDeclaration.id.desc()).limit(1))


def latest_decision(household_id: int) -> HouseholdDeclaration | None:
    return db.session.scalar(select(HouseholdDeclaration).where(
        HouseholdDeclaration.household_id == household_id,
        HouseholdDeclaration.status.in_((DeclarationStatus.VALIDATED, DeclarationStatus.REFUSED)))
        .order_by(HouseholdDeclaration.decided_at.desc(), HouseholdDeclaration.id.desc()).limit(1))


def _values(obj) -> tuple:
    return obj.commune_insee, obj.family_quotient, obj.family_quotient_valid_until


def record(user: User, household: Household, commune_insee: str | None, family_quotient: int | None,
           valid_until: date | None, proof: Proof | None = None) -> HouseholdDeclaration | None:
    """Record what the family declares, in the caller's transaction (values already checked).

    Nothing is recorded when it matches the pending declaration (a proof is then
    added to it) or, without a pending one, the validated values. A declaration
    back to the validated values withdraws the pending one. Returns the pending
    declaration, or None. Raises ValidationFailed (proof: empty, too large, not
    a PDF/PNG/JPEG, unknown kind).
    """
    declared = (commune_insee, family_quotient, valid_until)
    pending = pending_declaration(household.id) if household.id is not None else None
    stored = _store_proof(proof) if proof is not None and proof.content else None
    try:
        if pending is not None and _values(pending) == declared:
            if stored is not None:
                _attach(pending, stored)
            return pending
        if pending is not None:
            pending.status = DeclarationStatus.SUPERSEDED
        if household.id is not None and _values(household) == declared:
            if stored is not None:
                uploads.path_of(stored[0], SUBDIR).unlink(missing_ok=True)
            db.session.flush()
            return None
        declaration = HouseholdDeclaration(household=household, commune_insee=commune_insee,
                                           family_quotient=family_quotient, family_quotient_valid_until=valid_until,
                                           declared_by_id=user.id, declared_at=clock.now())
        if stored is not None:
            _attach(declaration, stored)
        db.session.add(declaration)
        db.session.flush()
        return declaration
    except Exception:
        if stored is not None:
            uploads.path_of(stored[0], SUBDIR).unlink(missing_ok=True)
        raise


def _store_proof(proof: Proof) -> tuple[str, str, str, ProofKind]:
    try:
        kind = ProofKind(proof.kind)
    except ValueError:
        raise ValidationFailed(_("Choisissez le type de justificatif dans la liste."), field="proof_kind") from None
    content_type, extension = uploads.check_document(proof.content, field="proof")
    stored, _path = uploads.store(proof.content, extension, SUBDIR)
    return stored, uploads.original_name(proof.filename, extension, "justificatif"), content_type, kind


def _attach(declaration: HouseholdDeclaration, stored: tuple[str, str, str, ProofKind]) -> None:
    old = declaration.proof_stored_name
    (declaration.proof_stored_name, declaration.proof_original_name, declaration.proof_content_type,
     declaration.proof_kind) = stored
    if old:
        uploads.path_of(old, SUBDIR).unlink(missing_ok=True)


# ---------------------------------------------------------------- staff: the queue

def queue(user: User) -> list[HouseholdDeclaration]:
    """Pending declarations, oldest first, with the household's validated values. Raises Forbidden."""
    require(user, Action.CHECK_DECLARATIONS)
    return list(db.session.scalars(
        select(HouseholdDeclaration).where(HouseholdDeclaration.status == DeclarationStatus.PENDING)
        .options(selectinload(HouseholdDeclaration.household).selectinload(Household.commune),
                 selectinload(HouseholdDeclaration.commune), selectinload(HouseholdDeclaration.declared_by))
        .order_by(HouseholdDeclaration.declared_at, HouseholdDeclaration.id)))


def _pending_for(user: User, declaration_id: int) -> HouseholdDeclaration:
    require(user, Action.CHECK_DECLARATIONS)
    declaration = db.session.get(HouseholdDeclaration, declaration_id, with_for_update=True)
    if declaration is None:
        raise NotFound()
    if declaration.status is not DeclarationStatus.PENDING:
        raise Conflict(_("Cette déclaration a déjà été traitée ou remplacée par une plus récente."),
                       code="declaration_decided")
    return declaration


def _notify(declaration: HouseholdDeclaration) -> None:
    from app.notifications.outbox import notify

    household = declaration.household
    context = {"validated": declaration.status is DeclarationStatus.VALIDATED,
               "commune": declaration.commune.name if declaration.commune else _("Hors agglomération du Grand Cahors"),
               "family_quotient": declaration.family_quotient,
               "valid_until": (declaration.family_quotient_valid_until.strftime("%d/%m/%Y")
                               if declaration.family_quotient_valid_until else ""),
               "reason": declaration.refusal_reason, "path": "/foyer/"}
    for member in household.members:
        if member.user.active:
            notify("families.declaration_decided", member.user, context)


@use_case
def validate(user: User, declaration_id: int) -> HouseholdDeclaration:
    """Validate a pending declaration: its commune and QF become the household's, from now on.

    Bookings already made keep their price. Tells the family (outbox). Raises
    Forbidden, NotFound, Conflict (already decided), ValidationFailed (the
    quotient's validity date has passed meanwhile).
    """
    declaration = _pending_for(user, declaration_id)
    valid_until = declaration.family_quotient_valid_until
    if valid_until is not None and valid_until < clock.today():
        raise ValidationFailed(_("La date de validité de ce quotient familial est passée : refusez la "
                                 "déclaration en demandant une attestation récente."), field="decision")
    household = declaration.household
    household.commune_insee = declaration.commune_insee
    household.family_quotient = declaration.family_quotient
    household.family_quotient_valid_until = valid_until
    _decide(declaration, user, DeclarationStatus.VALIDATED)
    return declaration


def _decide(declaration: HouseholdDeclaration, user: User, status: DeclarationStatus) -> None:
    """Record the staff member's decision and tell the family (outbox), in the caller's transaction."""
    declaration.status = status
    declaration.decided_by_id = user.id
    declaration.decided_at = clock.now()
    _notify(declaration)


@use_case
def refuse(user: User, declaration_id: int, reason: str) -> HouseholdDeclaration:
    """Refuse a pending declaration with a reason the family reads; the household keeps its values.

    Raises Forbidden, NotFound, Conflict (already decided), ValidationFailed (no reason)."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed(_("Indiquez à la famille pourquoi la déclaration est refusée (par exemple : "
                                 "attestation illisible, adresse hors de la commune déclarée)."), field="reason")
    if len(reason) > 1000:
        raise ValidationFailed(_("Le motif est limité à 1000 caractères."), field="reason")
    declaration = _pending_for(user, declaration_id)
    declaration.refusal_reason = reason
    _decide(declaration, user, DeclarationStatus.REFUSED)
    return declaration


def open_proof(user: User, declaration_id: int) -> tuple[HouseholdDeclaration, Path]:
    """The proof of a declaration, for staff who check declarations. Raises Forbidden, NotFound."""
    require(user, Action.CHECK_DECLARATIONS)
    declaration = db.session.get(HouseholdDeclaration, declaration_id)
    if declaration is None or not declaration.proof_stored_name:
        raise NotFound()
    path = uploads.path_of(declaration.proof_stored_name, SUBDIR)
    if not path.is_file():
        raise NotFound()
    return declaration, path


# ---------------------------------------------------------------- daily job: expiry reminders

@use_case
def send_quotient_reminders(today: date) -> int:
    """Remind each household whose validated QF ends within the reminder period (or ended yesterday).

    One message per guardian and day (dedup key): running twice the same day
    sends nothing twice. Reminders are sent on the day the period starts, a
    week before the end, and the day after it (the highest band now applies).
    Returns the number of messages queued.
    """
    from app.notifications.jobs import job_dedup_key
    from app.notifications.models import OutboxMessage
    from app.notifications.outbox import notify

    ahead = REMINDER_DAYS.value(on=today)
    targets = {today + timedelta(days=ahead), today + timedelta(days=7), today - timedelta(days=1)}
    households = db.session.scalars(
        select(Household).where(Household.family_quotient.is_not(None),
                                Household.family_quotient_valid_until.in_(sorted(targets)))
        .options(selectinload(Household.members).selectinload(HouseholdMember.user))
        .order_by(Household.id))
    queued = 0
    for household in households:
        valid_until = household.family_quotient_valid_until
        for member in household.members:
            if not member.user.active:
                continue
            key = job_dedup_key(JOB_NAME, today, household.id, member.user_id)
            if db.session.scalar(select(OutboxMessage.id).where(OutboxMessage.dedup_key == key)):
                continue
            message = notify("families.quotient_expiring", member.user,
                             {"valid_until": valid_until.strftime("%d/%m/%Y"), "expired": valid_until < today,
                              "path": "/foyer/modifier"}, dedup_key=key)
            queued += message is not None
    return queued
