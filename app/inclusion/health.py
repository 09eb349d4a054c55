"""The fiche sanitaire de liaison (model Cerfa 10008): vaccinations, treating doctor, medical
information and the guardian's authorisation for emergency care.

It is health data, kept with the inclusion file and under the same protections: read by the
child's guardians and by the staff (directors and animators) of the sites where the child has a
confirmed or held booking, within the access period of app.inclusion.access (ACCESS_MONTHS after
the last booked day); never by other families, other sites or the Relais (404). Every read and
change is written to the inclusion audit trail, and the form is purged with the rest of the file
(services.purge, RETENTION_YEARS). Whether the child has a PAI is the file's own answer
(ChildNeeds.has_pai), shared, never copied.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from app import clock
from app.accounts.access import policy, require
from app.accounts.models import User
from app.errors import NotFound, ValidationFailed
from app.extensions import db, utcnow
from app.families.models import Child
from app.inclusion.access import Action, audit, file_access_until, is_guardian, staff_site_ids, works_at_sites
from app.inclusion.models import ChildNeeds, HealthForm
from app.transactions import use_case

# Children born from 1 January 2018 must have the 11 vaccinations (law of 30 December 2017);
# DT-Polio is compulsory for every child.
ELEVEN_VACCINES_FROM = date(2018, 1, 1)
VACCINES = (
    ("dtp", _l("Diphtérie, tétanos, poliomyélite (DT-Polio)")),
    ("pertussis", _l("Coqueluche")),
    ("hib", _l("Haemophilus influenzae b")),
    ("hepatitis_b", _l("Hépatite B")),
    ("pneumococcus", _l("Pneumocoque")),
    ("meningococcus_c", _l("Méningocoque C")),
    ("mmr", _l("Rougeole, oreillons, rubéole (ROR)")),
    ("bcg", _l("BCG (tuberculose)")),
)
VACCINE_CODES = tuple(code for code, _label in VACCINES)
TEXT_FIELDS = ("vaccination_exemption", "doctor_name", "doctor_phone", "food_allergies", "drug_allergies",
               "other_allergies", "allergy_conduct", "treatments", "past_illnesses", "other_information")
FLAG_FIELDS = ("asthma", "severe_allergy")
LIMITS = {"doctor_name": 150, "doctor_phone": 30, "vaccination_exemption": 2000}


def mandatory_vaccines(birth_date: date) -> tuple[str, ...]:
    """The vaccinations the law requires for a child born on `birth_date`."""
    if birth_date >= ELEVEN_VACCINES_FROM:
        return ("dtp", "pertussis", "hib", "hepatitis_b", "pneumococcus", "meningococcus_c", "mmr")
    return ("dtp",)


def staff_sites_for_health(user: User, child: Child, today: date | None = None) -> set[int]:
    """The sites of this director or animator whose access to the child's file is open today
    (a confirmed or held booking there, within the access period)."""
    if not works_at_sites(user):
        return set()
    return staff_site_ids(user, user.role) & set(file_access_until(child.id, today))


@policy(Action.READ_HEALTH_FORM)
def _can_read_health_form(user: User, child: Child) -> bool:
    return child is not None and (is_guardian(user, child) or bool(staff_sites_for_health(user, child)))


def _child(user: User, child_id: int, action: str) -> Child:
    child = db.session.get(Child, child_id)
    if child is None:
        raise NotFound()
    require(user, action, child)
    return child


def form_of(child_id: int) -> HealthForm | None:
    return db.session.scalar(select(HealthForm).where(HealthForm.child_id == child_id))


def _has_pai(child_id: int) -> bool:
    return bool(db.session.scalar(select(ChildNeeds.has_pai).where(ChildNeeds.child_id == child_id)))


@dataclass
class HealthView:
    child: Child
    form: HealthForm | None
    has_pai: bool
    mandatory: tuple[str, ...]
    missing_mandatory: list[str]
    editable: bool  # the reader is a guardian


@use_case
def read_health_form(user: User, child_id: int) -> HealthView:
    """The child's health form for a guardian or the staff of a site where the child is booked;
    the read is written to the audit trail and committed. Raises NotFound for anyone else."""
    child = _child(user, child_id, Action.READ_HEALTH_FORM)
    form = form_of(child.id)
    mandatory = mandatory_vaccines(child.birth_date)
    vaccinations = (form.vaccinations or {}) if form else {}
    missing = [code for code in mandatory if not vaccinations.get(code)] if not (
        form and form.vaccination_exemption) else []
    audit(user, child.id, "read", "health_form")
    return HealthView(child, form, _has_pai(child.id), mandatory, missing, is_guardian(user, child))


@use_case
def save_health_form(user: User, child_id: int, *, vaccinations: dict[str, date | None], has_pai: bool,
                     emergency_care_authorised: bool, authorisation_signed_by: str = "", **values) -> HealthForm:
    """A guardian fills in or updates the child's health form.

    Vaccination dates must be neither in the future nor before the birth; DT-Polio (and, for a
    child born from 2018, the 11 compulsory vaccinations) need a date unless a medical
    contra-indication is given. The authorisation for emergency care is signed by this guardian
    today, under the name typed. The PAI answer updates the inclusion file (ChildNeeds.has_pai).
    Nothing is written when a check fails. Raises NotFound (not a guardian), ValidationFailed.
    """
    child = _child(user, child_id, Action.EDIT_NEEDS)
    today = clock.today()
    unknown = set(values) - set(TEXT_FIELDS) - set(FLAG_FIELDS)
    if unknown:
        raise ValueError(f"unknown fields {unknown}")
    clean: dict[str, str] = {}
    for code, day in vaccinations.items():
        if code not in VACCINE_CODES:
            raise ValueError(f"unknown vaccine {code!r}")
        if day is None:
            continue
        if day > today:
            raise ValidationFailed(_("La date d'une vaccination ne peut pas être dans le futur."),
                                   field=f"vaccine_{code}")
        if day < child.birth_date:
            raise ValidationFailed(_("La date d'une vaccination ne peut pas précéder la naissance."),
                                   field=f"vaccine_{code}")
        clean[code] = day.isoformat()
    exemption = (values.get("vaccination_exemption") or "").strip()
    missing = [code for code in mandatory_vaccines(child.birth_date) if code not in clean]
    if missing and not exemption:
        labels = dict(VACCINES)
        raise ValidationFailed(
            _("Vaccination obligatoire sans date : %(names)s. Indiquez la date du dernier rappel, ou la "
              "contre-indication médicale (certificat du médecin).",
              names=", ".join(str(labels[code]) for code in missing)), field=f"vaccine_{missing[0]}")
    for name, limit in LIMITS.items():
        if len((values.get(name) or "").strip()) > limit:
            raise ValidationFailed(_("Ce champ est trop long (%(n)d caractères au plus).", n=limit), field=name)
    signer = (authorisation_signed_by or "").strip()
    if emergency_care_authorised and not signer:
        raise ValidationFailed(_("Indiquez votre nom : il vaut signature de l'autorisation."),
                               field="authorisation_signed_by")
    form = form_of(child.id)
    created = form is None
    if created:
        form = HealthForm(child_id=child.id)
        db.session.add(form)
    form.vaccinations = clean
    for name in TEXT_FIELDS:
        setattr(form, name, (values.get(name) or "").strip())
    for name in FLAG_FIELDS:
        setattr(form, name, bool(values.get(name)))
    if emergency_care_authorised:
        if not (form.emergency_care_authorised and form.authorisation_signed_by == signer[:200]):
            form.authorisation_signed_on = today
            form.authorisation_signed_by_id = user.id
        form.authorisation_signed_by = signer[:200]
    else:
        form.authorisation_signed_by, form.authorisation_signed_on, form.authorisation_signed_by_id = "", None, None
    form.emergency_care_authorised = bool(emergency_care_authorised)
    form.updated_at = utcnow()
    form.updated_by_id = user.id
    needs = db.session.scalar(select(ChildNeeds).where(ChildNeeds.child_id == child.id))
    if needs is None and has_pai:
        db.session.add(ChildNeeds(child_id=child.id, has_pai=True, updated_by_id=user.id))
        audit(user, child.id, "create", "needs", "pai")
    elif needs is not None and needs.has_pai != bool(has_pai):
        needs.has_pai = bool(has_pai)
        needs.updated_at, needs.updated_by_id = utcnow(), user.id
        audit(user, child.id, "update", "needs", "pai")
    audit(user, child.id, "create" if created else "update", "health_form")
    return form


@dataclass(frozen=True)
class HealthAlert:
    level: str   # "severe" (act at once: anaphylaxis, asthma) or "info"
    label: str
    text: str


def health_alerts_for(child: Child, on: date, *, viewer: User) -> list[HealthAlert]:
    """What the staff must know about the child on `on` (a register, a day view): a severe allergy
    and what to do, asthma, allergies, treatments, a PAI, a missing emergency-care authorisation.

    Only for a viewer who may read the child's health form on `on` (a guardian, or the staff of a
    site where the child is booked within the access period); anyone else gets []. Each non-empty
    answer writes a "read" entry to the audit trail in the CALLER's transaction (the caller
    commits, as booking's register-card providers do). Severe alerts come first.
    """
    if not (is_guardian(viewer, child) or staff_sites_for_health(viewer, child, on)):
        return []
    form = form_of(child.id)
    alerts: list[HealthAlert] = []
    if form is not None:
        allergies = "; ".join(filter(None, (form.food_allergies, form.drug_allergies, form.other_allergies)))
        if form.severe_allergy:
            alerts.append(HealthAlert("severe", _("Allergie sévère"),
                                      " ".join(filter(None, (allergies, form.allergy_conduct)))
                                      or _("Voir la fiche sanitaire.")))
        elif allergies:
            alerts.append(HealthAlert("info", _("Allergies"),
                                      " ".join(filter(None, (allergies, form.allergy_conduct)))))
        if form.asthma:
            alerts.append(HealthAlert("severe", _("Asthme"), form.allergy_conduct or _("Voir la fiche sanitaire.")))
        if form.treatments:
            alerts.append(HealthAlert("info", _("Traitement en cours"), form.treatments))
        if not form.emergency_care_authorised:
            alerts.append(HealthAlert("info", _("Soins d'urgence"),
                                      _("Pas d'autorisation de soins d'urgence signée : appeler un responsable "
                                        "légal.")))
    if _has_pai(child.id):
        alerts.append(HealthAlert("severe", _("PAI"), _("Projet d'accueil individualisé : suivre le protocole et "
                                                        "emporter la trousse en sortie.")))
    if alerts:
        audit(viewer, child.id, "read", "health_alerts", on.isoformat())
    alerts.sort(key=lambda a: a.level != "severe")
    return alerts


def export_data(child_id: int) -> dict | None:
    """The child's health form as plain values (for the family's GDPR export)."""
    form = form_of(child_id)
    if form is None:
        return None
    out = {name: getattr(form, name) for name in TEXT_FIELDS + FLAG_FIELDS + (
        "emergency_care_authorised", "authorisation_signed_by")}
    out["vaccinations"] = dict(form.vaccinations or {})
    out["authorisation_signed_on"] = form.authorisation_signed_on.isoformat() if form.authorisation_signed_on else None
    out["updated_at"] = form.updated_at.isoformat()
    return out


def require_guardian(user: User, child_id: int) -> Child:
    """The child if `user` is one of its guardians (who alone write the form). Raises NotFound."""
    return _child(user, child_id, Action.EDIT_NEEDS)
