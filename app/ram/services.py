"""Childminders' profiles, licences, children, published availability and its staleness.

Each public function is one use case and commits once.
"""
from __future__ import annotations

import secrets
from datetime import date, datetime
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload
from sqlalchemy.orm.strategy_options import _AbstractLoad

from app import clock
from app.accounts.access import require
from app.accounts.models import Role, User
from app.accounts.passwords import hash_password
from app.accounts.services import find_user_by_email, make_reset_token, normalise_email
from app.errors import Conflict, NotFound, ValidationFailed
from app.extensions import db
from app.families.models import Commune
from app.notifications.links import public_url
from app.notifications.models import OutboxMessage
from app.notifications.outbox import notify
from app.ram import access as perm
from app.ram import availability as av
from app.ram import schedule as sch
from app.ram.models import (
    AvailabilityDeclaration,
    CareContract,
    Childminder,
    Licence,
    OwnChild,
    Relais,
)
from app.ram.staleness import is_stale, last_deadline, next_deadline, previous_deadline  # noqa: F401
from app.transactions import use_case

PARIS = clock.PARIS


class PlaceUnavailable(Conflict):
    code = "no_free_place"


def today_local() -> date:
    return clock.today()


def local_date(moment: datetime) -> date:
    return moment.astimezone(PARIS).date()


# --- relais -----------------------------------------------------------------------------------------

def list_relais() -> list[Relais]:
    return list(db.session.scalars(select(Relais).order_by(Relais.name)))


def list_communes() -> list[Commune]:
    return list(db.session.scalars(select(Commune).order_by(Commune.name)))


def staff_relais(user: User) -> list[Relais]:
    """The relais a staff account belongs to (all of them for an administrator)."""
    if perm.sees_every_relais(user):
        return list_relais()
    ids = perm.relais_ids_of(user)
    return list(db.session.scalars(select(Relais).where(Relais.id.in_(ids)).order_by(Relais.name)))


def _check_commune(insee: str) -> None:
    if db.session.get(Commune, insee) is None:
        raise ValidationFailed(_("Commune inconnue."), field="commune_insee")


def _check_relais(relais_id: int | None) -> None:
    if relais_id is not None and db.session.get(Relais, relais_id) is None:
        raise ValidationFailed(_("Relais inconnu."), field="relais_id")


# --- childminders ------------------------------------------------------------------------------------

def _profile_options() -> tuple[_AbstractLoad, ...]:
    return (selectinload(Childminder.user), selectinload(Childminder.licences),
            selectinload(Childminder.own_children), selectinload(Childminder.contracts),
            selectinload(Childminder.declarations), selectinload(Childminder.commune),
            selectinload(Childminder.relais))


def get_childminder(user: User, childminder_id: int) -> Childminder:
    """The childminder's profile if `user` may edit it. Raises NotFound (also for someone else's)."""
    childminder = db.session.scalar(select(Childminder).where(Childminder.id == childminder_id)
                                    .options(*_profile_options()))
    if childminder is None:
        raise NotFound()
    require(user, perm.Action.EDIT_CHILDMINDER, childminder)
    return childminder


def childminder_of(user: User) -> Childminder:
    """The childminder profile of a childminder account. Raises NotFound when there is none."""
    childminder = db.session.scalar(select(Childminder).where(Childminder.user_id == user.id)
                                    .options(*_profile_options()))
    if childminder is None or not perm.has_childminder_profile(user):
        raise NotFound(_("Votre profil d'assistante maternelle n'est pas encore créé. Contactez votre relais."))
    return childminder


def list_childminders(user: User, *, relais_id: int | None = None, commune_insee: str | None = None,
                      today: date | None = None) -> list[dict[str, Any]]:
    """Every childminder of the territory with licence, free full-time places and staleness (staff)."""
    require(user, perm.Action.MANAGE_TERRITORY)
    today = today or today_local()
    query = select(Childminder).options(*_profile_options()).join(Childminder.user).order_by(User.last_name,
                                                                                            User.first_name)
    if relais_id:
        query = query.where(Childminder.relais_id == relais_id)
    if commune_insee:
        query = query.where(Childminder.commune_insee == commune_insee)
    rows = []
    for childminder in db.session.scalars(query):
        profile = profile_of(childminder)
        rows.append({"childminder": childminder, "licence": childminder.licence_on(today),
                     "places": av.full_time_places(profile, today),
                     "stale": availability_is_stale(childminder, today)})
    return rows


@use_case
def create_childminder(staff: User, *, email: str, first_name: str, last_name: str, phone: str = "",
                       commune_insee: str, relais_id: int | None, address: str = "") -> Childminder:
    """Create a childminder account and profile, and e-mail an invitation to choose a password.

    Raises Forbidden (not Relais staff), EmailTaken-like ValidationFailed, ValidationFailed.
    """
    require(staff, perm.Action.MANAGE_TERRITORY)
    _check_commune(commune_insee)
    _check_relais(relais_id)
    email = normalise_email(email)
    if find_user_by_email(email) is not None:
        raise Conflict(_("Un compte existe déjà avec cette adresse e-mail."), code="email_taken", field="email")
    user = User(email=email, password_hash=hash_password(secrets.token_urlsafe(32)), role=Role.CHILDMINDER,
                first_name=first_name.strip(), last_name=last_name.strip(), phone=phone.strip())
    db.session.add(user)
    db.session.flush()
    childminder = Childminder(user=user, commune_insee=commune_insee, relais_id=relais_id, address=address.strip())
    db.session.add(childminder)
    db.session.flush()
    link = public_url("accounts.reset_password", token=make_reset_token(user))
    notify("ram.childminder_invited", user, {"user": user, "set_password_url": link,
                                            "relais_name": childminder.relais.name if childminder.relais else ""})
    return childminder


PROFILE_FIELDS = ("commune_insee", "relais_id", "address", "show_address", "show_phone", "show_email",
                  "offers_meals", "offers_school_pickup",
                  "hours_before_8", "hours_after_18", "works_saturday", "works_sunday", "works_nights",
                  "presentation")


@use_case
def update_profile(user: User, childminder: Childminder, **fields: Any) -> Childminder:
    """Change the profile (commune, relais, address and whether it is shown, offers). Raises NotFound,
    ValidationFailed. Only Relais staff change the relais."""
    require(user, perm.Action.EDIT_CHILDMINDER, childminder)
    unknown = set(fields) - set(PROFILE_FIELDS)
    if unknown:
        raise ValueError(f"unknown fields {unknown}")
    if "commune_insee" in fields:
        _check_commune(fields["commune_insee"])
    if "relais_id" in fields:
        if not perm.is_relais_staff(user):
            fields.pop("relais_id")
        else:
            _check_relais(fields["relais_id"])
    for name, value in fields.items():
        setattr(childminder, name, value)
    return childminder


def _validate_licence(max_children: int, max_under_3: int, valid_from: date, valid_until: date,
                      extension_from: date | None, extension_until: date | None, extension_places: int) -> None:
    if not 1 <= max_children <= av.MAX_UNDER_11:
        raise ValidationFailed(_("Un agrément porte sur 1 à 6 enfants accueillis en même temps."),
                               field="max_children")
    if not 0 <= max_under_3 <= min(max_children, av.MAX_UNDER_3):
        raise ValidationFailed(_("Le nombre d'enfants de moins de 3 ans ne peut dépasser ni l'agrément ni 4."),
                               field="max_under_3")
    if valid_until < valid_from:
        raise ValidationFailed(_("La fin de validité doit suivre le début."), field="valid_until")
    if bool(extension_from) != bool(extension_until):
        raise ValidationFailed(_("Une extension temporaire a une date de début et une date de fin."),
                               field="extension_until")
    if extension_from and extension_until and extension_until < extension_from:
        raise ValidationFailed(_("La fin de l'extension doit suivre son début."), field="extension_until")
    if not 0 <= extension_places <= 2:
        raise ValidationFailed(_("Une extension temporaire ajoute au plus 2 places."), field="extension_places")


@use_case
def save_licence(user: User, childminder: Childminder, *, licence_id: int | None = None, reference: str = "",
                 max_children: int, max_under_3: int, valid_from: date, valid_until: date,
                 extension_from: date | None = None, extension_until: date | None = None,
                 extension_places: int = 0) -> Licence:
    """Record or correct a licence (Relais staff, from the PMI's decision). Raises Forbidden, NotFound,
    ValidationFailed."""
    require(user, perm.Action.EDIT_LICENCE, childminder)
    _validate_licence(max_children, max_under_3, valid_from, valid_until, extension_from, extension_until,
                      extension_places)
    if licence_id is None:
        licence = Licence(childminder=childminder)
        db.session.add(licence)
    else:
        existing = db.session.get(Licence, licence_id)
        if existing is None or existing.childminder_id != childminder.id:
            raise NotFound()
        licence = existing
    licence.reference = reference.strip()
    licence.max_children, licence.max_under_3 = max_children, max_under_3
    licence.valid_from, licence.valid_until = valid_from, valid_until
    licence.extension_from, licence.extension_until = extension_from, extension_until
    licence.extension_places = extension_places if extension_from else 0
    return licence


@use_case
def add_own_child(user: User, childminder: Childminder, first_name: str, birth_date: date) -> OwnChild:
    """Record one of the childminder's own children (counted while under 11). Raises NotFound, ValidationFailed."""
    require(user, perm.Action.EDIT_CHILDMINDER, childminder)
    if birth_date > today_local():
        raise ValidationFailed(_("La date de naissance ne peut pas être dans le futur."), field="birth_date")
    child = OwnChild(childminder=childminder, first_name=first_name.strip(), birth_date=birth_date)
    db.session.add(child)
    return child


@use_case
def remove_own_child(user: User, childminder: Childminder, child_id: int) -> None:
    """Remove an own child (moved out, or recorded by mistake). Raises NotFound."""
    require(user, perm.Action.EDIT_CHILDMINDER, childminder)
    child = db.session.get(OwnChild, child_id)
    if child is None or child.childminder_id != childminder.id:
        raise NotFound()
    db.session.delete(child)


def lock_childminder(childminder_id: int) -> None:
    """Serialise the changes of one childminder's children (SELECT ... FOR UPDATE on PostgreSQL;
    SQLite transactions already start with BEGIN IMMEDIATE)."""
    db.session.execute(select(Childminder.id).where(Childminder.id == childminder_id).with_for_update())


def place_problem(childminder: Childminder, schedule: dict[str, Any], birth_date: date, start: date,
                  end: date | None = None) -> int:
    """The slots of `schedule` where this child would break the licence or the legal limits between
    `start` and `end` (open-ended without one) (0: none)."""
    wanted = sch.to_mask(schedule)
    return wanted & ~av.covered_mask(profile_of(childminder), wanted, start, birth_date, end=end)


@use_case
def add_contract(user: User, childminder: Childminder, *, child_first_name: str, birth_date: date,
                 schedule: dict[str, Any], start_date: date, end_date: date | None = None,
                 demand_id: int | None = None) -> CareContract:
    """Record a minded child under contract, if it fits the licence and the legal limits on every
    slot from its start date. Raises NotFound, ValidationFailed, PlaceUnavailable (with the slots)."""
    require(user, perm.Action.EDIT_CHILDMINDER, childminder)
    try:
        schedule = sch.normalise(schedule)
    except ValueError as error:
        raise ValidationFailed(_("Les horaires ne sont pas valides."), field="schedule") from error
    if not schedule:
        raise ValidationFailed(_("Indiquez au moins un jour d'accueil."), field="schedule")
    if end_date and end_date < start_date:
        raise ValidationFailed(_("La fin du contrat doit suivre son début."), field="end_date")
    lock_childminder(childminder.id)
    db.session.refresh(childminder)
    problem = place_problem(childminder, schedule, birth_date, start_date, end_date)
    if problem:
        licence = childminder.licence_on(start_date)
        if licence is None:
            raise PlaceUnavailable(_("Pas d'agrément valable au %(day)s.", day=start_date.strftime("%d/%m/%Y")))
        raise PlaceUnavailable(_("Pas de place dans les limites de l'agrément et de la loi sur : %(slots)s.",
                                 slots=sch.describe_text(problem)))
    contract = CareContract(childminder=childminder, child_first_name=child_first_name.strip(),
                            birth_date=birth_date, schedule=schedule, start_date=start_date, end_date=end_date,
                            demand_id=demand_id)
    db.session.add(contract)
    db.session.flush()
    return contract


@use_case
def end_contract(user: User, childminder: Childminder, contract_id: int, end_date: date) -> CareContract:
    """Set the last day of a contract (the place frees the day after). Raises NotFound, ValidationFailed."""
    require(user, perm.Action.EDIT_CHILDMINDER, childminder)
    contract = db.session.get(CareContract, contract_id)
    if contract is None or contract.childminder_id != childminder.id:
        raise NotFound()
    if end_date < contract.start_date:
        raise ValidationFailed(_("La fin du contrat doit suivre son début."), field="end_date")
    contract.end_date = end_date
    return contract


# --- availability ------------------------------------------------------------------------------------

def licence_terms(licence: Licence) -> av.LicenceTerms:
    return av.LicenceTerms(licence.max_children, licence.max_under_3, licence.valid_from, licence.valid_until,
                           licence.extension_from, licence.extension_until, licence.extension_places)


def profile_of(childminder: Childminder) -> av.Profile:
    occupants = [av.Occupant(c.birth_date, sch.to_mask(c.schedule), True, c.start_date, c.end_date)
                 for c in childminder.contracts]
    occupants += [av.Occupant(c.birth_date, sch.ALL, False) for c in childminder.own_children]
    return av.Profile([licence_terms(lic) for lic in childminder.licences], occupants,
                      accepted_mask(childminder))


def accepted_mask(childminder: Childminder) -> int:
    """The slots the childminder accepts: her declared days and hours, every slot if she declared none."""
    if not childminder.accepted_schedule:
        return sch.ALL
    return sch.to_mask(childminder.accepted_schedule)


def availability_is_stale(childminder: Childminder, today: date | None = None) -> bool:
    last = childminder.last_declaration
    return is_stale(local_date(last.declared_at) if last else None, today or today_local())


@use_case
def publish_availability(user: User, childminder: Childminder, valid_from: date, note: str = "") -> \
        AvailabilityDeclaration:
    """Publish or confirm the availability as computed today (by the childminder or Relais staff for
    them). Raises NotFound, ValidationFailed."""
    require(user, perm.Action.EDIT_CHILDMINDER, childminder)
    if not childminder.licences:
        raise ValidationFailed(_("Un agrément doit être enregistré avant de publier des disponibilités."))
    declaration = AvailabilityDeclaration(childminder=childminder, valid_from=valid_from,
                                          declared_by_id=user.id, note=note.strip()[:500])
    db.session.add(declaration)
    return declaration


@use_case
def send_stale_reminders(today: date | None = None) -> int:
    """E-mail every active childminder whose availability is stale, once per deadline.

    The dedup key (childminder, deadline) makes a second run send nothing.
    Returns the number of e-mails queued.
    """
    today = today or today_local()
    deadline = last_deadline(today)
    latest = (select(AvailabilityDeclaration.childminder_id, func.max(AvailabilityDeclaration.declared_at))
              .group_by(AvailabilityDeclaration.childminder_id))
    declared = {cid: moment for cid, moment in db.session.execute(latest)}
    already = set(db.session.scalars(select(OutboxMessage.dedup_key).where(
        OutboxMessage.kind == "ram.availability_stale",
        OutboxMessage.dedup_key.like(f"ram.availability_stale:%:{deadline.isoformat()}"))))
    count = 0
    query = select(Childminder).join(Childminder.user).where(User.active.is_(True)).options(
        selectinload(Childminder.user)).order_by(Childminder.id)
    for childminder in db.session.scalars(query):
        moment = declared.get(childminder.id)
        if not is_stale(local_date(moment) if moment else None, today):
            continue
        key = f"ram.availability_stale:{childminder.id}:{deadline.isoformat()}"
        if key in already:
            continue
        notify("ram.availability_stale", childminder.user,
               {"user": childminder.user, "deadline": deadline.strftime("%d/%m/%Y"),
                "last_declared": local_date(moment).strftime("%d/%m/%Y") if moment else "",
                "url": public_url("ram.childminder_availability", childminder_id=childminder.id)},
               dedup_key=key)
        count += 1
    return count
