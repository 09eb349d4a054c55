"""Families search the published childminders (as monenfant.fr lets them): by commune and distance,
child's age, days and hours; each result says where she has a place and shows her contact details
only as she consents (otherwise the Relais puts the family in touch).

The conditions are those of the Relais's matching (app.ram.matching: licence valid on the start
date, within the distance between commune centres, availability published and not stale, a free
place for the child's age on the wanted slots from the start date on, within her declared hours),
not a second copy: a search is a demand that is not recorded.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from app.accounts.access import require
from app.accounts.models import User
from app.errors import ValidationFailed
from app.extensions import db
from app.families.models import Commune
from app.ram import access as perm
from app.ram import availability as av
from app.ram import matching
from app.ram import schedule as sch
from app.ram.hours import first_day_available
from app.ram.models import Childminder
from app.ram.services import today_local

PER_PAGE = 10
DISTANCES = (0, 5, 10, 15, 20, 30)  # km between commune centres; 0: the commune only


@dataclass(frozen=True)
class SearchQuery:
    commune_insee: str
    max_km: int
    child_birth: date
    start: date
    schedule: dict


@dataclass
class Contact:
    phone: str = ""
    email: str = ""
    address: str = ""

    @property
    def any(self) -> bool:
        return bool(self.phone or self.email or self.address)


@dataclass
class Result:
    id: int
    name: str
    commune: str
    distance_km: float
    full: bool
    share: float
    covered_text: str
    missing_text: str
    relais_name: str
    relais_phone: str
    relais_email: str
    contact: Contact
    offers: list[str] = field(default_factory=list)
    presentation: str = ""
    available_from: date | None = None  # set when an absence covers the start date


@dataclass
class SearchPage:
    query: SearchQuery
    results: list[Result]
    total: int
    full_count: int
    page: int
    pages: int
    young: bool  # the child is under 3 on the start date


def validate(commune_insee: str, max_km: int, child_birth: date | None, start: date | None,
             schedule: dict) -> SearchQuery:
    """A clean query, or ValidationFailed with a French message beside the field."""
    if not commune_insee or db.session.get(Commune, commune_insee) is None:
        raise ValidationFailed(_("Choisissez la commune où l'enfant sera gardé."), field="commune_insee")
    if max_km not in DISTANCES:
        raise ValidationFailed(_("Choisissez une distance de la liste."), field="max_km")
    if child_birth is None:
        raise ValidationFailed(_("Indiquez la date de naissance de l'enfant (ou la date prévue)."),
                               field="child_birth")
    start = start or today_local()
    if start < child_birth:
        raise ValidationFailed(_("L'accueil ne peut pas commencer avant la naissance."), field="start")
    if av.age_on(child_birth, start) >= 11:
        raise ValidationFailed(_("Une assistante maternelle accueille des enfants de moins de 11 ans."),
                               field="child_birth")
    try:
        schedule = sch.normalise(schedule)
    except ValueError as error:
        raise ValidationFailed(_("L'heure de départ doit suivre l'heure d'arrivée."), field="departure") from error
    if not schedule:
        raise ValidationFailed(_("Cochez au moins un jour."), field="days")
    return SearchQuery(commune_insee, max_km, child_birth, start, schedule)


def _offer_labels(offers: dict) -> list[str]:
    labels = {"meals": _("Repas fournis"), "school_pickup": _("Trajets école"), "before_8": _("Avant 8 h"),
              "after_18": _("Après 18 h"), "saturday": _("Samedi"), "sunday": _("Dimanche"), "nights": _("Nuit")}
    return [labels[key] for key in matching.OFFER_KEYS if offers.get(key)]


def search(user: User, query: SearchQuery, page: int = 1, per_page: int = PER_PAGE) -> SearchPage:
    """The published childminders with a place for the child on all (first) or some of the wanted
    slots, best first (the matching's ranking), one page at a time. Contact details are those the
    childminder agreed to show; the Relais's are always given. Reads only. Raises Forbidden."""
    require(user, perm.Action.SEARCH_CHILDMINDERS)
    index = matching.MatchIndex.load(near=(query.commune_insee, query.max_km))
    spec = matching.DemandSpec(None, sch.to_mask(query.schedule), query.start, query.child_birth,
                               query.commune_insee, query.max_km)
    found = matching.match(index, spec, include_stale=False, with_reasons=False, limit=None)
    ranked = found.full + found.partial
    total = len(ranked)
    pages = max(1, -(-total // per_page))
    page = min(max(1, page), pages)
    chosen = ranked[(page - 1) * per_page:page * per_page]
    rows = {c.id: c for c in db.session.scalars(
        select(Childminder).where(Childminder.id.in_([m.candidate.id for m in chosen])).options(
            selectinload(Childminder.user), selectinload(Childminder.relais), selectinload(Childminder.commune),
            selectinload(Childminder.absences)))}
    results = []
    for m in chosen:
        cm = rows[m.candidate.id]
        contact = Contact(phone=cm.user.phone if cm.show_phone else "",
                          email=cm.user.email if cm.show_email else "",
                          address=cm.address if cm.show_address else "")
        free_from = first_day_available(cm.absences, query.start)
        results.append(Result(
            cm.id, cm.display_name, cm.commune.name if cm.commune else cm.commune_insee, m.distance_km, m.full,
            m.share, sch.describe_text(m.covered), sch.describe_text(spec.mask & ~m.covered),
            cm.relais.name if cm.relais else "", cm.relais.phone if cm.relais else "",
            cm.relais.email if cm.relais else "", contact, _offer_labels(m.candidate.offers), cm.presentation,
            free_from if free_from != query.start else None))
    return SearchPage(query, results, total, len(found.full), page, pages,
                      av.age_on(query.child_birth, query.start) < 3)
