"""Matching family demands with childminders.

The whole territory is loaded in a fixed number of queries (communes, relais,
childminders, licences, own children, contracts, latest declarations) into a
`MatchIndex` of plain objects; each childminder's slot occupancy is bit masks
(app.ram.availability), so matching one demand is arithmetic in memory.

Hard conditions: a licence valid on the start date; within the family's
travel distance (between commune centres); availability not stale (unless
asked); and, for a full match, a free place for the child's age on every slot
of the schedule on every date from the start date. Partial matches cover
some slots; pairs of partial matches together cover all of them.
"""
from __future__ import annotations

import heapq
import json
from bisect import bisect_right
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from functools import lru_cache

from flask_babel import gettext as _
from sqlalchemy import Text, cast, func, select

from app.accounts.access import require
from app.accounts.models import User
from app.extensions import db
from app.families.models import Commune
from app.ram import access as perm
from app.ram import availability as av
from app.ram import index_cache
from app.ram import schedule as sch
from app.ram.demands import haversine_km
from app.ram.models import (
    AvailabilityDeclaration,
    CareContract,
    Childminder,
    DemandStatus,
    FamilyDemand,
    Licence,
    OwnChild,
    Relais,
)
from app.ram.services import is_stale, local_date, today_local

W_COVERAGE, W_DISTANCE, W_ATYPICAL, W_OFFERS = 50, 25, 15, 10
OFFER_KEYS = ("meals", "school_pickup", "before_8", "after_18", "saturday", "sunday", "nights")
PAIR_POOL = 40  # the best partial matches considered for pairs
MAX_PAIRS = 5


@dataclass
class Candidate:
    id: int
    name: str
    commune_insee: str
    relais_name: str
    offers: dict
    stale: bool
    declared_on: date | None
    profile: av.Profile
    offer_bits: int = 0

    def __post_init__(self):
        if not self.offer_bits:
            self.offer_bits = sum(1 << i for i, key in enumerate(OFFER_KEYS) if self.offers.get(key))


@dataclass
class DemandSpec:
    id: int | None
    mask: int
    start: date
    child_birth: date
    commune_insee: str
    max_km: float
    atypical: bool = False
    needs_meals: bool = False
    needs_school_pickup: bool = False

    @classmethod
    def of(cls, demand: FamilyDemand) -> DemandSpec:
        return cls(demand.id, sch.to_mask(demand.schedule), demand.start_date, demand.child_birth_date,
                   demand.commune_insee, demand.max_distance_km, demand.atypical_hours, demand.needs_meals,
                   demand.needs_school_pickup)


@dataclass(slots=True)
class Match:
    candidate: Candidate
    covered: int
    share: float
    distance_km: float
    score: float
    full: bool
    reasons: list[tuple[str, str]] = field(default_factory=list)  # (status word, text)


@dataclass
class Pair:
    first: Match
    second: Match
    score: float


@dataclass
class MatchResult:
    full: list[Match]
    partial: list[Match]
    pairs: list[Pair]
    excluded: dict[str, int]

    @property
    def has_any(self) -> bool:
        return bool(self.full or self.partial or self.pairs)


class MatchIndex:
    """Every childminder of the territory, in memory, for a batch of matchings."""

    def __init__(self, today: date | None = None):
        self.today = today or today_local()
        self.communes: dict = {}  # insee -> row with .name, .latitude, .longitude
        self.candidates: list[Candidate] = []
        self._distances: dict[tuple[str, str], float] = {}
        self.by_commune: dict[str, list[Candidate]] = {}
        self._nearby: dict[tuple[str, float], tuple[list[tuple[float, list[Candidate]]], int]] = {}
        self._around: dict[str, list[tuple[float, list[Candidate]]]] = {}

    @classmethod
    def load(cls, today: date | None = None, near: tuple[str, float] | None = None) -> MatchIndex:
        """Load the childminders with a licence, in 7 queries.

        `near` = (commune INSEE, km) loads only those whose commune centre is
        within that distance: what one demand needs.
        """
        index = cls(today)
        # Plain rows (insee, name, latitude, longitude): no ORM objects for a read-only lookup.
        index.communes = {row.insee: row for row in db.session.execute(
            select(Commune.insee, Commune.name, Commune.latitude, Commune.longitude))}
        cm_filter = []
        if near is not None:
            insee, km = near
            close = [other for other in index.communes if index.distance(insee, other) <= km]
            cm_filter = [Childminder.commune_insee.in_(close)]
        ids = select(Childminder.id).where(*cm_filter)
        relais = dict(db.session.execute(select(Relais.id, Relais.name)).all())
        licences: dict[int, list[av.LicenceTerms]] = {}
        for row in db.session.execute(select(
                Licence.childminder_id, Licence.max_children, Licence.max_under_3, Licence.valid_from,
                Licence.valid_until, Licence.extension_from, Licence.extension_until, Licence.extension_places)
                .where(Licence.valid_until >= index.today, Licence.childminder_id.in_(ids))
                .order_by(Licence.valid_from)):
            licences.setdefault(row[0], []).append(av.LicenceTerms(*row[1:]))
        occupants: dict[int, list[av.Occupant]] = {}
        masks: dict[str, int] = {}
        # The schedule as its stored text: the same schedules recur, so each is decoded once.
        for cid, birth, schedule, start, end in db.session.execute(select(
                CareContract.childminder_id, CareContract.birth_date, cast(CareContract.schedule, Text),
                CareContract.start_date, CareContract.end_date).where(
                (CareContract.end_date.is_(None)) | (CareContract.end_date >= index.today),
                CareContract.childminder_id.in_(ids))):
            mask = masks.get(schedule)
            if mask is None:
                mask = masks[schedule] = _schedule_mask(schedule)
            occupants.setdefault(cid, []).append(av.Occupant(birth, mask, True, start, end))
        for cid, birth in db.session.execute(select(OwnChild.childminder_id, OwnChild.birth_date)
                                             .where(OwnChild.childminder_id.in_(ids))):
            occupants.setdefault(cid, []).append(av.Occupant(birth, sch.ALL, False))
        declared = dict(db.session.execute(select(AvailabilityDeclaration.childminder_id,
                                                  func.max(AvailabilityDeclaration.declared_at))
                                           .where(AvailabilityDeclaration.childminder_id.in_(ids))
                                           .group_by(AvailabilityDeclaration.childminder_id)).all())
        rows = db.session.execute(select(
            Childminder.id, User.first_name, User.last_name, Childminder.commune_insee, Childminder.relais_id,
            Childminder.offers_meals, Childminder.offers_school_pickup, Childminder.hours_before_8,
            Childminder.hours_after_18, Childminder.works_saturday, Childminder.works_sunday,
            Childminder.works_nights, cast(Childminder.accepted_schedule, Text))
            .join(User, User.id == Childminder.user_id)
            .where(User.active.is_(True), *cm_filter).order_by(Childminder.id))
        # The same declaration moments and offer flags recur: each is converted once per load.
        moments: dict = {}
        offer_bits: dict[tuple, int] = {}
        for cid, first, last, insee, relais_id, *flags, accepted in rows:
            if cid not in licences:
                continue  # no licence now or later: never a match
            raw = declared.get(cid)
            seen = moments.get(raw)
            if seen is None:
                moment = raw
                if isinstance(moment, str):  # SQLite hands aggregates back untyped
                    moment = datetime.fromisoformat(moment).replace(tzinfo=UTC)
                elif moment is not None and moment.tzinfo is None:
                    moment = moment.replace(tzinfo=UTC)
                declared_on = local_date(moment) if moment else None
                seen = moments[raw] = (declared_on, is_stale(declared_on, index.today))
            declared_on, stale = seen
            key = tuple(flags)
            bits = offer_bits.get(key)
            if bits is None:
                bits = offer_bits[key] = sum(1 << i for i, flag in enumerate(key) if flag)
            offers = dict(zip(OFFER_KEYS, flags, strict=False))
            index.candidates.append(Candidate(cid, f"{first} {last}".strip(), insee, relais.get(relais_id, ""),
                                              offers, stale, declared_on,
                                              av.Profile(licences[cid], occupants.get(cid, []),
                                                         _accepted_mask(accepted)), bits))
        index.by_commune = {}
        for cand in index.candidates:
            index.by_commune.setdefault(cand.commune_insee, []).append(cand)
        return index

    def nearby(self, insee: str, max_km: float) -> tuple[list[tuple[float, list[Candidate]]], int]:
        """([(km, candidates of a commune)] within `max_km` of `insee`, in commune order, number too far),
        kept per run."""
        key = (insee, max_km)
        found = self._nearby.get(key)
        if found is None:
            around = self._around.get(insee)
            if around is None:  # every commune with childminders, with its distance: once per commune
                around = self._around[insee] = [(self.distance(insee, other), group)
                                                for other, group in self.by_commune.items()]
            close, too_far = [], 0
            for km, group in around:
                if km > max_km:
                    too_far += len(group)
                else:
                    close.append((km, group))
            found = self._nearby[key] = (close, too_far)
        return found

    def distance(self, a: str, b: str) -> float:
        key = (a, b) if a <= b else (b, a)
        km = self._distances.get(key)
        if km is None:
            ca, cb = self.communes.get(a), self.communes.get(b)
            km = haversine_km(ca.latitude, ca.longitude, cb.latitude, cb.longitude) if ca and cb else 9999.0
            self._distances[key] = km
        return km


@lru_cache(maxsize=4096)
def _schedule_mask(text: str) -> int:
    """The slot mask of a schedule as stored (JSON text)."""
    return sch.to_mask(json.loads(text))


def _accepted_mask(text: str | None) -> int:
    """The slots a childminder accepts, from her declared schedule as stored (every slot if none)."""
    if text is None or text == "null":  # never declared, or cleared (JSON null)
        return sch.ALL
    return _schedule_mask(text)


def _needed_atypical(spec: DemandSpec) -> dict[str, bool]:
    return {"before_8": bool(spec.mask & sch.BEFORE_8), "after_18": bool(spec.mask & sch.AFTER_18),
            "saturday": bool(spec.mask & sch.SATURDAY), "sunday": bool(spec.mask & sch.SUNDAY),
            "nights": bool(spec.mask & sch.NIGHTS)}


def _rank(index: MatchIndex, spec: DemandSpec, include_stale: bool, needed: dict[str, bool],
          build_full: bool = True) -> tuple[list[Match], int, list, dict[str, int]]:
    """(full matches, how many, partial matches, exclusions), unsorted. Without `build_full` the
    full matches are only counted and the partial ones are (sort key…, covered slots) tuples: what
    the territory-wide count needs."""
    wanted_slots = sch.popcount(spec.mask)
    n_needed = sum(needed.values())
    needed_bits = sum(1 << i for i, key in enumerate(OFFER_KEYS) if needed.get(key))
    excluded = {"no_licence": 0, "too_far": 0, "stale": 0, "no_place": 0}
    full: list[Match] = []
    partial: list[Match] = []
    nearby, excluded["too_far"] = index.nearby(spec.commune_insee, spec.max_km)
    wanted, start = spec.mask, spec.start
    reach = max(spec.max_km, 1)
    third = av.third_birthday(spec.child_birth)
    state_on = av.state_on
    young_at_start = start < third
    meals, pickup = spec.needs_meals, spec.needs_school_pickup
    n_stale = n_no_licence = n_no_place = n_full = 0
    for km, group in nearby:
        near_score = W_DISTANCE * max(0.0, 1 - km / reach)
        for cand in group:
            if cand.stale and not include_stale:
                n_stale += 1
                continue
            # av.state_on, inlined: one state per stretch of dates, not per start date.
            profile = cand.profile
            cuts = profile._cuts
            state = profile._by_cut.get(bisect_right(cuts, start), False) if cuts is not None else False
            if state is False:
                state = state_on(profile, start)
            if state is None:
                n_no_licence += 1
                continue
            # av.blocked_after, inlined: this loop runs for every candidate of every demand.
            _licence, at_young, at_older, k, dates, young, older = state
            blocked = at_young if young_at_start else at_older
            n = len(dates)
            while k < n and dates[k] < third:
                blocked |= young[k]
                k += 1
            covered = wanted & ~(blocked | older[k]) if wanted_slots else 0
            if not covered:
                n_no_place += 1
                continue
            is_full = covered == wanted
            if is_full:
                n_full += 1
                if not build_full:
                    continue
            n_covered = covered.bit_count()
            share = n_covered / wanted_slots
            score = W_COVERAGE * share + near_score
            if n_needed:
                score += W_ATYPICAL * (cand.offer_bits & needed_bits).bit_count() / n_needed
            if meals and cand.offers["meals"]:
                score += W_OFFERS / 2
            if pickup and cand.offers["school_pickup"]:
                score += W_OFFERS / 2
            if build_full:
                (full if is_full else partial).append(Match(cand, covered, share, km, round(score, 1), is_full))
            else:  # a partial match as its sort key (share as the slot count: same order) and its slots
                partial.append((-n_covered, -round(score, 1), cand.id, covered))
    excluded["stale"], excluded["no_licence"], excluded["no_place"] = n_stale, n_no_licence, n_no_place
    return full, n_full, partial, excluded


def match(index: MatchIndex, spec: DemandSpec, *, include_stale: bool = False, with_reasons: bool = True,
          limit: int | None = 30) -> MatchResult:
    """Rank the childminders for one demand. Full matches first, then partial ones; pairs apart."""
    needed = _needed_atypical(spec)
    full, _n_full, partial, excluded = _rank(index, spec, include_stale, needed)
    full.sort(key=lambda m: (-m.score, m.distance_km, m.candidate.id))
    partial.sort(key=lambda m: (-m.share, -m.score, m.candidate.id))
    pairs = _pairs(spec, partial)
    if limit is not None:
        full, partial = full[:limit], partial[:limit]
    if with_reasons:
        texts = _reason_texts(index, spec, needed)
        for m in full + partial + [p.first for p in pairs] + [p.second for p in pairs]:
            if not m.reasons:
                m.reasons = reasons(index, spec, m, needed, texts)
    return MatchResult(full, partial, pairs, excluded)


def _pairs(spec: DemandSpec, partial: list[Match]) -> list[Pair]:
    pool = partial[:PAIR_POOL]
    pairs = []
    for i, a in enumerate(pool):
        for b in pool[i + 1:]:
            if (a.covered | b.covered) & spec.mask == spec.mask:
                pairs.append(Pair(a, b, round((a.score + b.score) / 2, 1)))
    pairs.sort(key=lambda p: (-p.score, p.first.candidate.id, p.second.candidate.id))
    return pairs[:MAX_PAIRS]


def reasons(index: MatchIndex, spec: DemandSpec, m: Match, needed: dict[str, bool],
            texts: dict | None = None) -> list[tuple[str, str]]:
    """Why this childminder is proposed, in French, each with a status word (not a colour).

    `texts` (from `_reason_texts`) holds what is the same for every childminder of the demand:
    translated once per demand, not once per childminder."""
    if texts is None:
        texts = _reason_texts(index, spec, needed)
    cand = m.candidate
    out = []
    licence = cand.profile.licence_on(spec.start)
    out.append(("ok", _("Agrément valable le %(day)s (jusqu'au %(until)s).", day=texts["day"],
                        until=licence.valid_until.strftime("%d/%m/%Y"))))
    if m.full:
        out.append(("ok", texts["full"]))
    else:
        out.append(("partial", _("Couvre %(pct)d %% des horaires. Pas de place : %(slots)s.",
                                 pct=round(m.share * 100), slots=sch.describe_text(spec.mask & ~m.covered))))
    there = index.communes.get(cand.commune_insee)
    out.append(("ok", _("À %(km)s km (%(from)s → %(to)s).", km=f"{m.distance_km:.1f}".replace(".", ","), **{
        "from": texts["from"], "to": there.name if there else cand.commune_insee}
    )))
    offers = cand.offers
    for key, (yes, no) in texts["needed"]:
        out.append(yes if offers[key] else no)
    if cand.stale:
        out.append(texts["stale"])
    return out


def _reason_texts(index: MatchIndex, spec: DemandSpec, needed: dict[str, bool]) -> dict:
    """The reasons' texts that depend on the demand only, translated once."""
    day = spec.start.strftime("%d/%m/%Y")
    young = av.age_on(spec.child_birth, spec.start) < 3
    age_text = _("un enfant de moins de 3 ans") if young else _("un enfant de 3 ans ou plus")
    here = index.communes.get(spec.commune_insee)
    labels = {"before_8": _("avant 8 h"), "after_18": _("après 18 h"), "saturday": _("le samedi"),
              "sunday": _("le dimanche"), "nights": _("la nuit")}
    wanted = []  # (offer key, (reason if offered, reason if not)), in the order shown
    for key, is_needed in needed.items():
        if is_needed:
            wanted.append((key, (("ok", _("Accueille %(when)s, comme demandé.", when=labels[key])),
                                 ("warning", _("N'indique pas accueillir %(when)s.", when=labels[key])))))
    if spec.needs_meals:
        wanted.append(("meals", (("ok", _("Fournit les repas.")), ("warning", _("Ne fournit pas les repas.")))))
    if spec.needs_school_pickup:
        wanted.append(("school_pickup", (("ok", _("Assure les trajets école.")),
                                         ("warning", _("N'assure pas les trajets école.")))))
    return {"day": day,
            "full": _("Place libre pour %(age)s sur tous les créneaux demandés, dès le %(day)s, dans les "
                      "limites de l'agrément et de la loi.", age=age_text, day=day),
            "from": here.name if here else spec.commune_insee,
            "needed": wanted,
            "stale": ("warning", _("Disponibilités non confirmées depuis la dernière échéance légale."))}


def match_demand(user: User, demand: FamilyDemand, *, include_stale: bool = False) -> MatchResult:
    """The ranked childminders for a demand (Relais staff). Raises Forbidden."""
    require(user, perm.Action.MANAGE_TERRITORY)
    index = index_cache.territory_index(today_local())
    if index is None:  # nothing cacheable: the childminders within reach only
        index = MatchIndex.load(near=(demand.commune_insee, demand.max_distance_km))
        return match(index, DemandSpec.of(demand), include_stale=include_stale)
    result = match(index, DemandSpec.of(demand), include_stale=include_stale)
    # The nearby load never sees those too far: keep the page's answer the same either way.
    result.excluded["too_far"] = 0
    return result


def open_demands() -> list[FamilyDemand]:
    return list(db.session.scalars(select(FamilyDemand).where(
        FamilyDemand.status.in_([DemandStatus.OPEN, DemandStatus.IN_PROGRESS])).order_by(FamilyDemand.start_date,
                                                                                         FamilyDemand.id)))


def has_any_match(index: MatchIndex, spec: DemandSpec, *, include_stale: bool = False) -> bool:
    """Whether any childminder takes the child on at least one slot (a pair needs two such)."""
    third = av.third_birthday(spec.child_birth)
    for _km, group in index.nearby(spec.commune_insee, spec.max_km)[0]:
        for cand in group:
            if cand.stale and not include_stale:
                continue
            state = av.state_on(cand.profile, spec.start)
            if state and spec.mask & ~av.blocked_after(state, spec.start, third):
                return True
    return False


def match_all(index: MatchIndex, specs: list[DemandSpec], include_stale: bool = False) -> dict:
    """{demand id: (full matches, partial matches, pairs)} for many demands, without reasons."""
    out = {}
    for spec in specs:
        _full, n_full, partial, _excluded = _rank(index, spec, include_stale, _needed_atypical(spec),
                                                  build_full=False)
        # The pairs come from the PAIR_POOL best partial matches, in match()'s order (-share, -score, id).
        pool = [row[3] for row in heapq.nsmallest(PAIR_POOL, partial)]
        out[spec.id] = (n_full, len(partial), _count_pairs(spec.mask, pool))
    return out


def _count_pairs(wanted: int, pool: list[int]) -> int:
    """How many pairs `_pairs` keeps from partial matches covering `pool` (best first)."""
    found = 0
    for i, a in enumerate(pool):
        missing = wanted & ~a
        for b in pool[i + 1:]:
            if not missing & ~b:
                found += 1
                if found == MAX_PAIRS:
                    return found
    return found


def unmatched_demands(user: User, include_stale: bool = False) -> list[tuple[FamilyDemand, dict]]:
    """Open demands with no match at all (no full, partial nor pair), with why (staff). Raises Forbidden."""
    require(user, perm.Action.MANAGE_TERRITORY)
    index = MatchIndex.load()
    out = []
    for demand in open_demands():
        spec = DemandSpec.of(demand)
        if has_any_match(index, spec, include_stale=include_stale):
            continue
        result = match(index, spec, include_stale=include_stale, with_reasons=False)
        out.append((demand, result.excluded))
    return out
