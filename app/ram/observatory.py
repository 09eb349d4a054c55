"""Observatory: supply and demand per commune or relais and month, counted from the records.

- demands: demands created during the month;
- met: demands whose contract made them met during the month;
- unmet: demands created by the end of the month, neither met by then nor cancelled;
- free places (under 3, 3 and over): on the first day of the month, the places
  for a child present the whole standard week (Mon–Fri 8–18 h) summed over the
  childminders with a valid licence, within the legal limits;
- atypical demand: demands of the month asking for atypical hours; atypical
  supply: childminders with a valid licence on the first day who offer some.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from flask_babel import gettext as _
from sqlalchemy import select

from app.accounts.access import require
from app.accounts.models import User
from app.exports import Table
from app.extensions import db
from app.families.models import Commune
from app.ram import access as perm
from app.ram import availability as av
from app.ram import schedule as sch
from app.ram.models import CareContract, Childminder, DemandStatus, FamilyDemand, Licence, OwnChild, Relais
from app.ram.services import licence_terms, local_date, today_local

METRICS = ("demands", "met", "unmet", "free_under_3", "free_3_plus", "atypical_demand", "atypical_supply")


def metric_labels() -> dict[str, str]:
    return {"demands": _("Demandes reçues"), "met": _("Demandes satisfaites"), "unmet": _("Demandes en attente"),
            "free_under_3": _("Places libres moins de 3 ans"), "free_3_plus": _("Places libres 3 ans et plus"),
            "atypical_demand": _("Demandes en horaires atypiques"),
            "atypical_supply": _("Assistantes maternelles en horaires atypiques")}


def month_start(day: date) -> date:
    return day.replace(day=1)


def add_months(day: date, n: int) -> date:
    index = day.year * 12 + day.month - 1 + n
    return date(index // 12, index % 12 + 1, 1)


def month_end(first: date) -> date:
    return date.fromordinal(add_months(first, 1).toordinal() - 1)


@dataclass
class Observatory:
    months: list[date]
    group_by: str
    groups: list[tuple[str, str]]  # (key, name)
    cells: dict = field(default_factory=dict)  # (month, group key) -> {metric: n}
    totals: dict = field(default_factory=dict)  # month -> {metric: n}

    def rows(self):
        for month in self.months:
            for key, name in self.groups:
                yield month, name, self.cells[(month, key)]


def compute(user: User, *, group_by: str = "relais", first_month: date | None = None,
            last_month: date | None = None) -> Observatory:
    """Count the observatory's figures. Raises Forbidden (not Relais staff), ValidationFailed."""
    require(user, perm.Action.MANAGE_TERRITORY)
    last = month_start(last_month or today_local())
    first = month_start(first_month or add_months(last, -11))
    if first > last:
        first, last = last, first
    months = []
    month = first
    while month <= last and len(months) < 36:
        months.append(month)
        month = add_months(month, 1)

    if group_by == "commune":
        groups = [(c.insee, c.name) for c in db.session.scalars(select(Commune).order_by(Commune.name))]
        demand_key, cm_key = "commune_insee", "commune_insee"
    else:
        group_by = "relais"
        groups = [(str(r.id), r.name) for r in db.session.scalars(select(Relais).order_by(Relais.name))]
        groups.append(("", _("Sans relais")))
        demand_key, cm_key = "relais_id", "relais_id"

    obs = Observatory(months, group_by, groups)
    for month in months:
        obs.totals[month] = dict.fromkeys(METRICS, 0)
        for key, _name in groups:
            obs.cells[(month, key)] = dict.fromkeys(METRICS, 0)

    def bump(month, key, metric, n=1):
        cell = obs.cells.get((month, key))
        if cell is None:
            return
        cell[metric] += n
        obs.totals[month][metric] += n

    demands = db.session.execute(select(FamilyDemand.commune_insee, FamilyDemand.relais_id, FamilyDemand.created_at,
                                        FamilyDemand.status, FamilyDemand.met_on, FamilyDemand.atypical_hours))
    for row in demands:
        key = str(getattr(row, demand_key) or "")
        created = local_date(row.created_at)
        created_month = month_start(created)
        if created_month in obs.totals:
            bump(created_month, key, "demands")
            if row.atypical_hours:
                bump(created_month, key, "atypical_demand")
        if row.met_on and month_start(row.met_on) in obs.totals:
            bump(month_start(row.met_on), key, "met")
        for month in months:
            end = month_end(month)
            if row.status == DemandStatus.CANCELLED or created > end:
                continue
            if row.met_on and row.met_on <= end:
                continue
            bump(month, key, "unmet")

    for key, profile, atypical in _childminder_profiles(cm_key):
        for month in months:
            if profile.licence_on(month) is None:
                continue
            young, older = av.full_time_places(profile, month)
            bump(month, key, "free_under_3", young)
            bump(month, key, "free_3_plus", older)
            if atypical:
                bump(month, key, "atypical_supply")
    return obs


def _childminder_profiles(cm_key: str):
    licences: dict[int, list] = {}
    for licence in db.session.scalars(select(Licence).order_by(Licence.valid_from)):
        licences.setdefault(licence.childminder_id, []).append(licence_terms(licence))
    occupants: dict[int, list] = {}
    for c in db.session.scalars(select(CareContract)):
        occupants.setdefault(c.childminder_id, []).append(
            av.Occupant(c.birth_date, sch.to_mask(c.schedule), True, c.start_date, c.end_date))
    for cid, birth in db.session.execute(select(OwnChild.childminder_id, OwnChild.birth_date)):
        occupants.setdefault(cid, []).append(av.Occupant(birth, sch.ALL, False))
    for cm in db.session.scalars(select(Childminder)):
        if cm.id in licences:
            yield (str(getattr(cm, cm_key) or ""), av.Profile(licences[cm.id], occupants.get(cm.id, [])),
                   cm.offers_atypical_hours)


def to_table(obs: Observatory) -> Table:
    labels = metric_labels()
    table = Table("observatoire", _("Observatoire"),
                  [_("Mois"), _("Commune") if obs.group_by == "commune" else _("Relais")]
                  + [labels[m] for m in METRICS])
    for month, name, cell in obs.rows():
        table.add(month.strftime("%Y-%m"), name, *[cell[m] for m in METRICS])
    return table


# --- charts: drawn on the server by pygal (SVG served as an image: no script, no inline style in the page) -------

PALETTE = ("#0b5a8a", "#1b5e20", "#b34700", "#6a1b9a")


def bar_chart(title: str, categories: list[str], series: list[tuple[str, list[int]]], *,
              horizontal: bool = False) -> dict:
    """One chart: its title, categories and series (also the data table shown beside it)."""
    height = max(360, 60 + 34 * len(categories) * max(1, len(series))) if horizontal else 420
    return {"title": title, "categories": categories, "series": series, "horizontal": horizontal,
            "width": 820, "height": height}


def _month_label(month: date) -> str:
    from flask_babel import format_date

    return format_date(month, "MMM yyyy")  # "janv. 2026": short, no overlap once slanted


def render_svg(chart: dict) -> bytes:
    """The chart as a standalone SVG document (pygal): no JavaScript, full labels (never truncated)."""
    import pygal
    from pygal.style import Style

    style = Style(background="#ffffff", plot_background="#ffffff", foreground="#1a1a1a",
                  foreground_strong="#1a1a1a", foreground_subtle="#5b6570", colors=PALETTE,
                  font_family="system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif",
                  label_font_size=14, major_label_font_size=14, legend_font_size=15, title_font_size=17,
                  value_font_size=13, tooltip_font_size=13)
    categories = chart["categories"]
    kind = pygal.HorizontalBar if chart["horizontal"] else pygal.Bar
    svg = kind(style=style, js=[], width=chart["width"], height=chart["height"], title=chart["title"], legend_at_bottom=True,
               legend_at_bottom_columns=1 if chart["horizontal"] else min(3, len(chart["series"])),
               truncate_label=-1, truncate_legend=-1, x_label_rotation=0 if chart["horizontal"] else 35,
               print_values=False, show_y_guides=True,
               min_scale=1, max_scale=6, explicit_size=False, pretty_print=False,
               no_data_text=_("Aucune donnée"), value_formatter=lambda v: format(int(v or 0)))
    svg.x_labels = categories
    for name, values in chart["series"]:
        svg.add(name, values)
    return _without_scripts(svg.render())


def _without_scripts(document: bytes) -> bytes:
    """pygal writes its configuration in a <script> even with js=[]: the image needs none, remove it."""
    from xml.etree import ElementTree

    svg_ns = "http://www.w3.org/2000/svg"
    ElementTree.register_namespace("", svg_ns)
    ElementTree.register_namespace("xlink", "http://www.w3.org/1999/xlink")
    root = ElementTree.fromstring(document)
    for parent in root.iter():
        for child in [c for c in parent if c.tag in (f"{{{svg_ns}}}script", "script")]:
            parent.remove(child)
    return ElementTree.tostring(root, encoding="utf-8", xml_declaration=True)


def charts(obs: Observatory) -> list[dict]:
    labels = metric_labels()
    months = [_month_label(m) for m in obs.months]
    t = obs.totals
    out = [
        bar_chart(_("Demandes par mois sur le territoire"), months,
                  [(labels[k], [t[m][k] for m in obs.months]) for k in ("demands", "met", "unmet")]),
        bar_chart(_("Horaires atypiques : demandes et offre par mois"), months,
                  [(labels[k], [t[m][k] for m in obs.months]) for k in ("atypical_demand", "atypical_supply")]),
    ]
    last = obs.months[-1]
    shown = [(key, name) for key, name in obs.groups
             if any(obs.cells[(last, key)][k] for k in ("free_under_3", "free_3_plus", "demands", "unmet"))]
    from app.formats import day_long

    out.append(bar_chart(_("Places libres par âge au %(day)s", day=day_long(last)),
                         [name for _k, name in shown],
                         [(labels[k], [obs.cells[(last, key)][k] for key, _n in shown])
                          for k in ("free_under_3", "free_3_plus")], horizontal=True))
    return out
