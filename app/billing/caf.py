"""CAF reports: hours actually attended ("heures réalisées") per site and month.

How the CAF counts, as read from shared/domain.md (the reading is ours;
the rules are settings where a number is involved):

- Only slots where the child was marked present count (a late departure is
  a presence); absences, justified or not, never count.
- A whole slot counts as soon as the child attended any part of it: the
  unit's scheduled duration, whatever the arrival and departure times.
- Wednesdays of périscolaire activities (the Plan mercredi) are capped per
  child and per day at the site: at most 9 h when the child's day includes
  a meal (rule caf.wednesday_cap_with_meal_minutes, 540), otherwise at most 4 h
  for each half-day attended (rule caf.wednesday_cap_half_day_minutes, 240): a
  slot covers the morning if it starts before 12:00 and the afternoon if it
  ends after 14:00. Wednesdays of extrascolaire activities (holiday
  Wednesdays) are holiday days and are not capped.
- Age band on the day attended: under 6, or 6 and over.
- Households of the CAF general scheme are counted apart from the others
  (MSA, other schemes).
- AEEH children (complément inclusif): their number and their hours, from
  the AEEH sources registered by the inclusion module. These hours are
  computed here once (`site_hours`), for this report and for the inclusion
  module's AEEH report alike.
- The detail export names children but never shows who receives AEEH
  (health-related data): the CAF needs only the counts and hours.
- Occasional care (PSU): per provider and month, the heures réalisées
  (recorded arrival to departure) and the heures facturées (booked, plus any
  overstay), from the sources registered by the occasional-care module
  (`psu_report`).
"""
from __future__ import annotations

import calendar as pycal
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, time
from decimal import ROUND_HALF_UP, Decimal

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from app import clock, rules
from app.accounts.access import require
from app.accounts.models import User
from app.billing.access import Action
from app.billing.registry import AttendedSlot, PsuLine, aeeh_sources, caf_hours_sources, psu_hours_sources
from app.booking.models import ActivityKind, AgeBand
from app.errors import NotFound
from app.exports import Table
from app.extensions import db
from app.sites.models import Site

AEEH_RATE = rules.define(
    "caf.inclusion_rate_per_hour", kind=Decimal, default=Decimal("4.50"), minimum=Decimal("0"),
    unit=_l("€ par heure réalisée"),
    label=_l("Complément inclusif ALSH : montant par heure réalisée d'un enfant bénéficiaire de l'AEEH"),
    source=_l("CNAF, complément inclusif des accueils de loisirs (depuis 2024)"))

WEDNESDAY_CAP_WITH_MEAL = rules.define(
    "caf.wednesday_cap_with_meal_minutes", kind=int, default=540, minimum=0, maximum=1440, unit=_l("minutes"),
    label=_l("Heures réalisées retenues au plus par enfant un mercredi scolaire avec repas"),
    source=_l("CNAF, prestation de service ALSH, Plan mercredi : 9 h par jour avec repas"))
WEDNESDAY_CAP_HALF_DAY = rules.define(
    "caf.wednesday_cap_half_day_minutes", kind=int, default=240, minimum=0, maximum=720, unit=_l("minutes"),
    label=_l("Heures réalisées retenues au plus par enfant et par demi-journée un mercredi scolaire sans repas"),
    source=_l("CNAF, prestation de service ALSH, Plan mercredi : 4 h par demi-journée"))

KINDS = (ActivityKind.PERISCOLAIRE.value, ActivityKind.EXTRASCOLAIRE.value)
BANDS = (AgeBand.UNDER6.value, AgeBand.OVER6.value)
SCHEMES = ("general", "other")
NOON = time(12, 0)
AFTERNOON_FROM = time(14, 0)


def hours(minutes: int) -> Decimal:
    return (Decimal(minutes) / Decimal(60)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def _minutes(start: time, end: time) -> int:
    return (end.hour * 60 + end.minute) - (start.hour * 60 + start.minute)


@dataclass
class Cell:
    children: set = field(default_factory=set)
    minutes: int = 0

    @property
    def count(self) -> int:
        return len(self.children)

    @property
    def hours(self) -> Decimal:
        return hours(self.minutes)


@dataclass
class ChildDay:
    """One child's counted time on one day, in one activity kind."""

    child_id: int
    child_name: str
    day: date
    kind: str
    band: str
    scheme: str
    aeeh: bool
    slots: int
    scheduled_minutes: int
    counted_minutes: int

    @property
    def capped(self) -> bool:
        return self.counted_minutes < self.scheduled_minutes


@dataclass
class CafReport:
    site: Site
    first: date
    last: date
    by_kind_band: dict = field(default_factory=lambda: defaultdict(Cell))  # (kind, band)
    by_scheme: dict = field(default_factory=lambda: defaultdict(Cell))  # (scheme, kind)
    aeeh: Cell = field(default_factory=Cell)
    aeeh_by_kind: dict = field(default_factory=lambda: defaultdict(Cell))
    total: Cell = field(default_factory=Cell)
    days: list[ChildDay] = field(default_factory=list)

    @property
    def kinds(self) -> list[str]:
        """Périscolaire, extrascolaire, then any kind another source reported (occasional care…)."""
        extra = sorted({k for k, _b in self.by_kind_band} - set(KINDS))
        return [*KINDS, *extra]

    def cell(self, kind: str, band: str) -> Cell:
        return self.by_kind_band.get((kind, band), Cell())

    def scheme_cell(self, scheme: str, kind: str) -> Cell:
        return self.by_scheme.get((scheme, kind), Cell())

    def kind_total(self, kind: str) -> Cell:
        cell = Cell()
        for band in BANDS:
            c = self.cell(kind, band)
            cell.children |= c.children
            cell.minutes += c.minutes
        return cell

    def scheme_total(self, scheme: str) -> Cell:
        cell = Cell()
        for kind in self.kinds:
            c = self.scheme_cell(scheme, kind)
            cell.children |= c.children
            cell.minutes += c.minutes
        return cell

    @property
    def aeeh_amount(self) -> Decimal:
        """The indicative complément inclusif: AEEH hours × the rate in force on the month's first day."""
        return (self.aeeh.hours * AEEH_RATE.value(on=self.first)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def _wednesday_cap(slots: list[AttendedSlot]) -> int:
    day = slots[0].day
    if any(s.with_meal for s in slots):
        return WEDNESDAY_CAP_WITH_MEAL.value(on=day)
    halves = set()
    for s in slots:
        if s.start < NOON:
            halves.add("morning")
        if s.end > AFTERNOON_FROM:
            halves.add("afternoon")
    return WEDNESDAY_CAP_HALF_DAY.value(on=day) * max(1, len(halves))


def count_hours(site: Site, first: date, last: date, slots: list[AttendedSlot], aeeh_children: set[int]) -> CafReport:
    """Apply the CAF counting rules to attended slots (pure: no database access)."""
    report = CafReport(site, first, last)
    groups: dict[tuple[int, date, str], list[AttendedSlot]] = defaultdict(list)
    seen = set()
    for s in slots:
        if (s.source, s.reference) in seen:  # one slot counts once
            continue
        seen.add((s.source, s.reference))
        groups[(s.child_id, s.day, s.kind)].append(s)
    for (child_id, day, kind), group in sorted(groups.items(), key=lambda item: (item[0][1], item[1][0].child_name)):
        scheduled = sum(_minutes(s.start, s.end) for s in group)
        counted = scheduled
        if day.weekday() == 2 and kind == ActivityKind.PERISCOLAIRE.value:
            counted = min(scheduled, _wednesday_cap(group))
        first_slot = group[0]
        age = day.year - first_slot.birth_date.year - (
            (day.month, day.day) < (first_slot.birth_date.month, first_slot.birth_date.day))
        band = AgeBand.for_age(age).value
        scheme = "general" if first_slot.general_scheme else "other"
        aeeh = child_id in aeeh_children
        report.days.append(ChildDay(child_id, first_slot.child_name, day, kind, band, scheme, aeeh, len(group),
                                    scheduled, counted))
        for cell in (report.by_kind_band[(kind, band)], report.by_scheme[(scheme, kind)], report.total):
            cell.children.add(child_id)
            cell.minutes += counted
        if aeeh:
            for cell in (report.aeeh, report.aeeh_by_kind[kind]):
                cell.children.add(child_id)
                cell.minutes += counted
    return report


def site_report(user: User, site_id: int, first: date, today: date | None = None) -> CafReport:
    """The CAF report of a site for the month starting `first`, from the attendance records.

    Only attendance recorded for days already come counts (Europe/Paris): a record dated ahead, as
    could be written before attendance was refused in advance, is never declared.

    Raises NotFound (unknown site, or a site the director does not run).
    """
    site = db.session.get(Site, site_id)
    if site is None:
        raise NotFound()
    require(user, Action.VIEW_CAF_REPORT, site)
    return site_hours(site, first, today)


def site_hours(site: Site, first: date, today: date | None = None) -> CafReport:
    """The hours counted for the CAF at `site` in the month of `first` (no access check: callers check).

    The one computation of attended and AEEH hours: the CAF report and the
    inclusion module's AEEH report both read it. Only attendance of days already come
    (Europe/Paris) counts."""
    first = first.replace(day=1)
    last = first.replace(day=pycal.monthrange(first.year, first.month)[1])
    slots: list[AttendedSlot] = []
    today = today or clock.today()
    for source in caf_hours_sources():
        slots.extend(slot for slot in source(site.id, first, last) if slot.day <= today)
    child_ids = {s.child_id for s in slots}
    aeeh: set[int] = set()
    if child_ids:
        for source in aeeh_sources():
            aeeh |= set(source(set(child_ids), first, last)) & child_ids
    return count_hours(site, first, last, slots, aeeh)


@dataclass
class PsuReport:
    """Occasional care for the CAF's PSU, one line per provider, for the month starting `first`."""

    first: date
    last: date
    lines: list[PsuLine]

    @property
    def realised(self) -> Decimal:
        return sum((line.realised for line in self.lines), Decimal("0"))

    @property
    def billed(self) -> Decimal:
        return sum((line.billed for line in self.lines), Decimal("0"))


def psu_report(user: User, first: date) -> PsuReport:
    """Heures réalisées and facturées of the occasional-care providers `user` may report on (an
    administrator: all; a coordinator: theirs), for the month of `first`."""
    first = first.replace(day=1)
    last = first.replace(day=pycal.monthrange(first.year, first.month)[1])
    lines = [line for source in psu_hours_sources() for line in source(user, first, last)]
    return PsuReport(first, last, lines)


def psu_tables(report: PsuReport) -> list[Table]:
    month = report.first.strftime("%Y-%m")
    table = Table("psu", _("Accueil ponctuel (PSU)"),
                  [_("Structure"), _("Mois"), _("Enfants"), _("Demandes"), _("Heures réalisées"),
                   _("Heures facturées")])
    for line in report.lines:
        table.add(line.provider, month, line.children, line.bookings, line.realised, line.billed)
    return [table]


def report_sites(user: User) -> list[Site]:
    """The sites whose reports `user` may read."""
    from app.booking.catalogue import sites_for

    return sites_for(user)


KIND_LABELS = {"periscolaire": _l("Périscolaire (dont mercredis)"), "extrascolaire": _l("Extrascolaire (vacances)")}
BAND_LABELS = {"under6": _l("Moins de 6 ans"), "over6": _l("6 ans et plus")}
SCHEME_LABELS = {"general": _l("Régime général (Caf)"), "other": _l("Autres régimes (MSA…)")}


def report_tables(report: CafReport) -> list[Table]:
    """The report as three tables: the summary by category, the detail per child and day, the total."""
    site, month = report.site.name, report.first.strftime("%Y-%m")
    summary = Table("synthese", _("Synthèse"), [_("Accueil"), _("Mois"), _("Rubrique"), _("Type d'accueil"),
                                                _("Catégorie"), _("Enfants"), _("Heures réalisées")])
    for kind in report.kinds:
        for band in BANDS:
            c = report.cell(kind, band)
            summary.add(site, month, _("Âge"), str(KIND_LABELS.get(kind, kind)), str(BAND_LABELS[band]), c.count,
                        c.hours)
    for scheme in SCHEMES:
        for kind in report.kinds:
            c = report.scheme_cell(scheme, kind)
            summary.add(site, month, _("Régime"), str(KIND_LABELS.get(kind, kind)), str(SCHEME_LABELS[scheme]),
                        c.count, c.hours)
    for kind in report.kinds:
        c = report.aeeh_by_kind.get(kind, Cell())
        summary.add(site, month, _("AEEH"), str(KIND_LABELS.get(kind, kind)),
                    _("Enfants bénéficiaires de l'AEEH"), c.count, c.hours)
    # No AEEH column: beside a child's name it would disclose a disability (counts and hours only).
    detail = Table("detail", _("Détail par enfant et par jour"),
                   [_("Date"), _("Enfant"), _("Type d'accueil"), _("Tranche d'âge"), _("Régime"),
                    _("Créneaux"), _("Heures prévues"), _("Heures retenues")])
    for d in report.days:
        detail.add(d.day, d.child_name, str(KIND_LABELS.get(d.kind, d.kind)), str(BAND_LABELS[d.band]),
                   str(SCHEME_LABELS[d.scheme]), d.slots, hours(d.scheduled_minutes),
                   hours(d.counted_minutes))
    total = Table("total", _("Total"), [_("Accueil"), _("Mois"), _("Enfants"), _("Heures réalisées")])
    total.add(site, month, report.total.count, report.total.hours)
    return [summary, detail, total]


@dataclass
class Bar:
    label: str
    value: Decimal  # hours
    children: int
    css: str
    y: int = 0
    width: int = 0


@dataclass
class Chart:
    id: str
    title: str
    bars: list[Bar]
    height: int = 0
    max_value: Decimal = Decimal("0")


CHART_WIDTH = 360  # drawing width of the longest bar, in SVG units
BAR_HEIGHT = 28
BAR_GAP = 14


def _chart(chart_id: str, title: str, bars: list[Bar]) -> Chart:
    top = max((b.value for b in bars), default=Decimal("0"))
    for index, bar in enumerate(bars):
        bar.y = index * (BAR_HEIGHT + BAR_GAP)
        bar.width = int((bar.value / top * CHART_WIDTH).to_integral_value(rounding=ROUND_HALF_UP)) if top else 0
    return Chart(chart_id, title, bars, len(bars) * (BAR_HEIGHT + BAR_GAP), top)


def charts(report: CafReport) -> list[Chart]:
    """Bar charts drawn server-side as SVG (no script, no inline style), each with its data table."""
    by_age = []
    for kind in report.kinds:
        for band in BANDS:
            c = report.cell(kind, band)
            by_age.append(Bar(f"{KIND_LABELS.get(kind, kind)} – {BAND_LABELS[band]}", c.hours, c.count,
                              f"bar-{band}"))
    by_scheme = []
    for scheme in SCHEMES:
        c = report.scheme_total(scheme)
        by_scheme.append(Bar(str(SCHEME_LABELS[scheme]), c.hours, c.count, f"bar-{scheme}"))
    by_scheme.append(Bar(str(_l("dont enfants bénéficiaires de l'AEEH")), report.aeeh.hours, report.aeeh.count,
                         "bar-aeeh"))
    return [_chart("chart-age", str(_l("Heures réalisées par type d'accueil et tranche d'âge")), by_age),
            _chart("chart-scheme", str(_l("Heures réalisées par régime des familles")), by_scheme)]
