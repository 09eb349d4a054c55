"""Family demands and introductions (mises en relation). Each public function commits once."""
from __future__ import annotations

import math
from datetime import date

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from app.accounts.access import require
from app.accounts.models import User
from app.errors import Conflict, NotFound, ValidationFailed
from app.extensions import db, utcnow
from app.families.models import Commune
from app.ram import access as perm
from app.ram import schedule as sch
from app.ram.models import (
    CareContract,
    Childminder,
    DemandStatus,
    FamilyDemand,
    Introduction,
    IntroductionOutcome,
    Relais,
)
from app.ram.reminders import notify_introduction
from app.ram.services import PlaceUnavailable, add_contract, lock_childminder, place_problem, today_local
from app.transactions import use_case

DEMAND_FIELDS = ("family_name", "contact_phone", "contact_email", "child_first_name", "child_birth_date",
                 "birth_expected", "start_date", "schedule", "atypical_hours", "needs_meals", "needs_school_pickup",
                 "commune_insee", "max_distance_km", "notes", "relais_id")


def haversine_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    r = 6371.0
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * r * math.asin(math.sqrt(a))


def nearest_relais(commune: Commune) -> Relais | None:
    best, best_km = None, None
    for relais in db.session.scalars(select(Relais).options(selectinload(Relais.commune))):
        if relais.commune is None:
            continue
        km = haversine_km(commune.latitude, commune.longitude, relais.commune.latitude, relais.commune.longitude)
        if best_km is None or km < best_km:
            best, best_km = relais, km
    return best


def _validate(fields: dict, user: User) -> dict:
    try:
        fields["schedule"] = sch.normalise(fields.get("schedule") or {})
    except ValueError as error:
        raise ValidationFailed(_("Les horaires ne sont pas valides : l'heure de fin doit suivre l'heure "
                                 "d'arrivée."), field="schedule") from error
    if not fields["schedule"]:
        raise ValidationFailed(_("Indiquez au moins un jour avec ses horaires."), field="schedule")
    commune = db.session.get(Commune, fields.get("commune_insee") or "")
    if commune is None:
        raise ValidationFailed(_("Choisissez la commune du domicile."), field="commune_insee")
    if not 1 <= int(fields.get("max_distance_km") or 0) <= 100:
        raise ValidationFailed(_("La distance doit être comprise entre 1 et 100 km."), field="max_distance_km")
    if fields["start_date"] < fields["child_birth_date"]:
        raise ValidationFailed(_("L'accueil ne peut pas commencer avant la naissance."), field="start_date")
    if fields["child_birth_date"] > today_local() and not fields.get("birth_expected"):
        raise ValidationFailed(_("Cochez « naissance attendue » pour une date de naissance future."),
                               field="birth_expected")
    if fields.get("relais_id") is not None and db.session.get(Relais, fields["relais_id"]) is None:
        raise ValidationFailed(_("Relais inconnu."), field="relais_id")
    if perm.files_demands_as_family(user) or fields.get("relais_id") is None:
        relais = nearest_relais(commune)
        fields["relais_id"] = relais.id if relais else None
    if sch.to_mask(fields["schedule"]) & sch.ATYPICAL:
        fields["atypical_hours"] = True
    return fields


@use_case
def create_demand(user: User, **fields) -> FamilyDemand:
    """Record a demand: a parent for their own family (online), or Relais staff at the desk.

    Raises Forbidden, ValidationFailed.
    """
    require(user, perm.Action.CREATE_DEMAND)
    unknown = set(fields) - set(DEMAND_FIELDS)
    if unknown:
        raise ValueError(f"unknown fields {unknown}")
    fields = _validate(dict(fields), user)
    demand = FamilyDemand(**fields, created_by_id=user.id)
    if perm.files_demands_as_family(user):
        demand.parent_user_id = user.id
        demand.family_name = demand.family_name or user.last_name
        demand.contact_email = demand.contact_email or user.email
        demand.contact_phone = demand.contact_phone or user.phone
    db.session.add(demand)
    return demand


def get_demand(user: User, demand_id: int) -> FamilyDemand:
    """A demand `user` may see. Raises NotFound (also for another family's demand)."""
    demand = db.session.scalar(select(FamilyDemand).where(FamilyDemand.id == demand_id).options(
        selectinload(FamilyDemand.introductions).selectinload(Introduction.childminder)
        .selectinload(Childminder.user), selectinload(FamilyDemand.commune), selectinload(FamilyDemand.relais)))
    if demand is None:
        raise NotFound()
    require(user, perm.Action.VIEW_DEMAND, demand)
    return demand


def list_demands(user: User, *, status: DemandStatus | None = None, relais_id: int | None = None) -> \
        list[FamilyDemand]:
    """Staff: every demand of the territory; a parent: only their own."""
    query = select(FamilyDemand).options(selectinload(FamilyDemand.commune), selectinload(FamilyDemand.relais))
    if perm.is_relais_staff(user):
        pass
    elif perm.files_demands_as_family(user):
        query = query.where(FamilyDemand.parent_user_id == user.id)
    else:
        require(user, perm.Action.MANAGE_TERRITORY)
    if status:
        query = query.where(FamilyDemand.status == status)
    if relais_id:
        query = query.where(FamilyDemand.relais_id == relais_id)
    return list(db.session.scalars(query.order_by(FamilyDemand.start_date, FamilyDemand.id)))


@use_case
def update_demand(user: User, demand: FamilyDemand, **fields) -> FamilyDemand:
    """Change an open demand. Raises NotFound, Conflict (met or cancelled), ValidationFailed."""
    require(user, perm.Action.EDIT_DEMAND, demand)
    if not demand.is_open:
        raise Conflict(_("Cette demande est close : elle ne peut plus être modifiée."))
    current = {name: getattr(demand, name) for name in DEMAND_FIELDS}
    current.update(fields)
    if perm.files_demands_as_family(user):
        current["relais_id"] = None
    current = _validate(current, user)
    for name, value in current.items():
        setattr(demand, name, value)
    return demand


@use_case
def cancel_demand(user: User, demand: FamilyDemand) -> FamilyDemand:
    """Close a demand the family no longer needs. Raises NotFound, Conflict."""
    require(user, perm.Action.EDIT_DEMAND, demand)
    if not demand.is_open:
        raise Conflict(_("Cette demande est déjà close."))
    demand.status = DemandStatus.CANCELLED
    return demand


@use_case
def record_introduction(user: User, demand: FamilyDemand, childminder_id: int, introduced_on: date | None = None,
                        notes: str = "") -> Introduction:
    """Record that staff put the family in touch with a childminder. Raises Forbidden, NotFound, Conflict."""
    require(user, perm.Action.MANAGE_TERRITORY)
    if not demand.is_open:
        raise Conflict(_("Cette demande est close."))
    childminder = db.session.get(Childminder, childminder_id)
    if childminder is None:
        raise NotFound()
    if any(i.childminder_id == childminder_id for i in demand.introductions):
        raise Conflict(_("Cette mise en relation est déjà enregistrée."))
    introduction = Introduction(demand=demand, childminder=childminder, staff_id=user.id,
                                introduced_on=introduced_on or today_local(), notes=notes.strip()[:1000])
    db.session.add(introduction)
    demand.status = DemandStatus.IN_PROGRESS
    db.session.flush()
    notify_introduction(introduction)
    return introduction


def _signed_mask(demand: FamilyDemand) -> int:
    contracts = db.session.scalars(select(CareContract).where(CareContract.demand_id == demand.id))
    mask = 0
    for contract in contracts:
        mask |= sch.to_mask(contract.schedule)
    return mask


@use_case
def record_outcome(user: User, introduction_id: int, outcome: IntroductionOutcome, outcome_on: date | None = None,
                   notes: str = "") -> Introduction:
    """Record how an introduction ended.

    A signed contract adds the child to the childminder's current children for
    the slots of the demand not yet covered by another contract and that the
    childminder can take; the demand is met when every slot is covered.
    Raises Forbidden, NotFound, Conflict (already decided), PlaceUnavailable.
    """
    require(user, perm.Action.MANAGE_TERRITORY)
    introduction = db.session.get(Introduction, introduction_id)
    if introduction is None:
        raise NotFound()
    if introduction.outcome != IntroductionOutcome.PENDING:
        raise Conflict(_("L'issue de cette mise en relation est déjà enregistrée."))
    if outcome == IntroductionOutcome.PENDING:
        raise ValidationFailed(_("Choisissez une issue."), field="outcome")
    demand = introduction.demand
    outcome_on = outcome_on or today_local()
    introduction.outcome = outcome
    introduction.outcome_on = outcome_on
    if notes:
        introduction.notes = (introduction.notes + "\n" + notes.strip()).strip()[:1000]
    if outcome == IntroductionOutcome.CONTRACT_SIGNED:
        childminder = introduction.childminder
        lock_childminder(childminder.id)
        wanted = sch.to_mask(demand.schedule)
        remaining = wanted & ~_signed_mask(demand)
        if not remaining:
            raise Conflict(_("Tous les horaires de cette demande sont déjà couverts par un contrat."))
        start = max(demand.start_date, outcome_on)
        blocked = place_problem(childminder, sch.restrict(demand.schedule, remaining), demand.child_birth_date,
                                start)
        taken = remaining & ~blocked
        if not taken:
            raise PlaceUnavailable(_("Cette assistante maternelle n'a plus de place pour ces horaires."))
        contract = add_contract(user, childminder, child_first_name=demand.child_first_name or demand.family_name,
                                birth_date=demand.child_birth_date, schedule=sch.restrict(demand.schedule, taken),
                                start_date=start, demand_id=demand.id)
        introduction.contract_id = contract.id
        if remaining & ~taken == 0:
            demand.status = DemandStatus.MET
            demand.met_on = outcome_on
            if demand.parent is not None:
                from app.notifications.links import public_url
                from app.notifications.outbox import notify

                notify("ram.demand_met", demand.parent, {
                    "user": demand.parent, "childminder_name": childminder.display_name,
                    "start": start.strftime("%d/%m/%Y"), "url": public_url("ram.demand", demand_id=demand.id)})
    elif demand.status == DemandStatus.IN_PROGRESS and not any(
            i.outcome == IntroductionOutcome.PENDING for i in demand.introductions if i is not introduction):
        demand.status = DemandStatus.OPEN
    demand.updated_at = utcnow()
    return introduction


def demand_from_dated_ranges(user: User, child, ranges: list[tuple[date, str, str]], *, atypical_hours: bool,
                             notes: str = "") -> FamilyDemand | None:
    """A demand built from dated care ranges that found no place elsewhere (occasional care).

    The weekly schedule takes each weekday of `ranges` with its widest hours;
    the start date is the first day. Written in the caller's transaction (no
    commit). Returns None when the family lives outside the agglomeration
    (the Relais matches by commune of residence).
    """
    household = child.household
    if household.commune_insee is None:
        return None
    weekly: dict[str, list[list[str]]] = {}
    for day, start, end in ranges:
        slots = weekly.setdefault(str(day.weekday()), [])
        if slots:
            slots[0] = [min(slots[0][0], start), max(slots[0][1], end)]
        else:
            slots.append([start, end])
    dates = ", ".join(day.strftime("%d/%m/%Y") + f" {start}–{end}" for day, start, end in ranges)
    demand = FamilyDemand(
        parent_user_id=user.id if perm.files_demands_as_family(user) else None, created_by_id=user.id,
        family_name=user.last_name if perm.files_demands_as_family(user) else "", contact_email=user.email,
        contact_phone=user.phone, child_first_name=child.first_name, child_birth_date=child.birth_date,
        start_date=min(day for day, _s, _e in ranges), schedule=sch.normalise(weekly), atypical_hours=atypical_hours,
        commune_insee=household.commune_insee, relais=nearest_relais(household.commune),
        notes=(_("Demande transmise depuis la garde ponctuelle : %(dates)s.", dates=dates) + "\n" + notes).strip())
    db.session.add(demand)
    db.session.flush()
    return demand
