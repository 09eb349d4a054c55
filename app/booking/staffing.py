"""Staffing: animators required by the ratios of CASF R227-15/16, beside those planned.

The ratio depends on each session, not on the activity alone:
- extrascolaire (holidays, Saturdays): 1 per 8 under 6, 1 per 12 from 6 (R227-15);
- périscolaire (school days and Wednesdays) without a PEDT: 1 per 10 / 14 for a session of 5 hours
  or less, the extrascolaire ratios beyond (R227-16);
- périscolaire under a PEDT / Plan mercredi: 1 per 14 / 18 up to 5 hours, 1 per 10 / 14 beyond
  (R227-16, as amended by décret 2018-647).
The group is counted as a whole: each band's share is added and the total rounded up. The director
counts as an animator up to 50 minors (R227-17). At most 300 minors at once (R227-1). Every figure is
a dated rule (app.rules), so a session is judged by the rule in force on its day.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, datetime
from fractions import Fraction

from flask_babel import gettext as _

from app import rules
from app.booking.models import ActivityKind, AgeBand, Session, StaffingRegime
from app.errors import ValidationFailed

_R227_15 = "CASF art. R227-15 (accueil de loisirs extrascolaire)"
_R227_16 = "CASF art. R227-16 (accueil de loisirs périscolaire)"
_R227_16_PEDT = "CASF art. R227-16, 2e alinéa (accueil périscolaire organisé dans le cadre d'un PEDT)"


def _ratio(key: str, default: int, label: str, source: str) -> rules.Rule:
    return rules.define(f"staffing.{key}", kind=int, default=default, label=label, source=source,
                        unit="mineurs par animateur", minimum=1, maximum=40)


RATIOS = {
    # (regime, long session) -> (under 6, 6 and over)
    ("extrascolaire", False): (
        _ratio("extrascolaire_under6", 8, "Extrascolaire : mineurs de moins de 6 ans par animateur", _R227_15),
        _ratio("extrascolaire_over6", 12, "Extrascolaire : mineurs de 6 ans ou plus par animateur", _R227_15)),
    ("periscolaire", True): (
        _ratio("periscolaire_long_under6", 8,
               "Périscolaire sans PEDT, séance de plus de 5 h : moins de 6 ans par animateur", _R227_16),
        _ratio("periscolaire_long_over6", 12,
               "Périscolaire sans PEDT, séance de plus de 5 h : 6 ans ou plus par animateur", _R227_16)),
    ("periscolaire", False): (
        _ratio("periscolaire_short_under6", 10,
               "Périscolaire sans PEDT, séance de 5 h ou moins : moins de 6 ans par animateur", _R227_16),
        _ratio("periscolaire_short_over6", 14,
               "Périscolaire sans PEDT, séance de 5 h ou moins : 6 ans ou plus par animateur", _R227_16)),
    ("pedt", True): (
        _ratio("pedt_long_under6", 10,
               "Périscolaire sous PEDT, séance de plus de 5 h : moins de 6 ans par animateur", _R227_16_PEDT),
        _ratio("pedt_long_over6", 14,
               "Périscolaire sous PEDT, séance de plus de 5 h : 6 ans ou plus par animateur", _R227_16_PEDT)),
    ("pedt", False): (
        _ratio("pedt_short_under6", 14,
               "Périscolaire sous PEDT, séance de 5 h ou moins : moins de 6 ans par animateur", _R227_16_PEDT),
        _ratio("pedt_short_over6", 18,
               "Périscolaire sous PEDT, séance de 5 h ou moins : 6 ans ou plus par animateur", _R227_16_PEDT)),
}
LONG_SESSION_MINUTES = rules.define(
    "staffing.long_session_minutes", kind=int, default=300,
    label="Durée au-delà de laquelle une séance périscolaire suit les taux renforcés", source=_R227_16,
    unit="minutes", minimum=60, maximum=720)
DIRECTOR_COUNTS_UP_TO = rules.define(
    "staffing.director_counts_up_to", kind=int, default=50,
    label="Nombre de mineurs jusqu'auquel la direction compte dans l'effectif d'animation",
    source="CASF art. R227-17", unit="mineurs", minimum=0, maximum=300)
MAX_MINORS = rules.define(
    "staffing.max_minors", kind=int, default=300,
    label="Nombre maximal de mineurs accueillis en même temps dans un accueil de loisirs",
    source="CASF art. R227-1", unit="mineurs", minimum=1, maximum=1000)


def regime_of(kind: ActivityKind, regime: StaffingRegime) -> str:
    """"extrascolaire", "periscolaire" (no PEDT) or "pedt". An activity declared extrascolaire by
    either field is counted as such (its ratios are the strictest)."""
    if kind is ActivityKind.EXTRASCOLAIRE or regime is StaffingRegime.EXTRASCOLAIRE:
        return "extrascolaire"
    if regime in (StaffingRegime.PEDT_SHORT, StaffingRegime.PEDT_LONG):
        return "pedt"
    return "periscolaire"


def session_minutes(session: Session) -> int:
    unit = session.unit
    start = datetime.combine(session.day, unit.start_time)
    end = datetime.combine(session.day, unit.end_time)
    return int((end - start).total_seconds() // 60)


def ratios_for(kind: ActivityKind, regime: StaffingRegime, minutes: int, day: date) -> tuple[int, int]:
    """(minors under 6, minors of 6 and over) per animator for a session of `minutes` on `day`."""
    family = regime_of(kind, regime)
    long_session = family != "extrascolaire" and minutes > LONG_SESSION_MINUTES.value(on=day)
    under6, over6 = RATIOS[(family, long_session)]
    return under6.value(on=day), over6.value(on=day)


def required_animators(under6: int, over6: int, ratio_under6: int, ratio_over6: int) -> int:
    """The whole group's need: each band's share added, the total rounded up (exact fractions)."""
    return math.ceil(Fraction(under6, ratio_under6) + Fraction(over6, ratio_over6))


@dataclass(frozen=True)
class Staffing:
    children_under6: int
    children_over6: int
    required: int
    planned: int
    ratio_under6: int = 0
    ratio_over6: int = 0
    director_counts: bool = False  # the director is one of the required animators (R227-17)

    @property
    def shortfall(self) -> int:
        return max(0, self.required - self.planned - (1 if self.director_counts else 0))


def staffing_for(session: Session) -> Staffing:
    """Animators needed for the children holding a place in this session (CASF R227-15/16/17).

    `planned` counts the animators besides the director; up to 50 minors the director is one of them.
    """
    activity = session.unit.activity
    ratio_under6, ratio_over6 = ratios_for(activity.kind, activity.regime, session_minutes(session), session.day)
    under6, over6 = session.taken(AgeBand.UNDER6), session.taken(AgeBand.OVER6)
    required = required_animators(under6, over6, ratio_under6, ratio_over6)
    director_counts = 0 < under6 + over6 <= DIRECTOR_COUNTS_UP_TO.value(on=session.day)
    return Staffing(under6, over6, required, session.animators_planned, ratio_under6, ratio_over6, director_counts)


def check_capacity(capacity_under6: int, capacity_over6: int, day: date) -> None:
    """Refuse a session whose two bands together exceed the legal maximum (CASF R227-1)."""
    limit = MAX_MINORS.value(on=day)
    if capacity_under6 < 0 or capacity_over6 < 0:
        raise ValidationFailed(_("La capacité ne peut pas être négative."), field="capacity_under6")
    if capacity_under6 + capacity_over6 > limit:
        raise ValidationFailed(_("Un accueil de loisirs reçoit au plus %(max)s mineurs en même temps "
                                 "(moins de 6 ans et plus de 6 ans ensemble).", max=limit),
                               field="capacity_over6", code="capacity_over_legal_maximum")


# ---------------------------------------------------------------- extra staff (additive extension point)

def register_extra_staff_provider(provider) -> None:
    """Another domain (inclusion: renfort from reception plans) adds animators to a session's need."""
    from app.booking.registry import add_once, booking_registry

    add_once(booking_registry().extra_staff_providers, provider)


def unregister_extra_staff_provider(provider) -> None:
    from app.booking.registry import booking_registry, remove

    remove(booking_registry().extra_staff_providers, provider)


@dataclass(frozen=True)
class FullStaffing:
    children_under6: int
    children_over6: int
    ratio_required: int
    extra: int
    planned: int
    director_counts: bool = False

    @property
    def required(self) -> int:
        return self.ratio_required + self.extra

    @property
    def shortfall(self) -> int:
        return max(0, self.required - self.planned - (1 if self.director_counts else 0))


def full_staffing_for(session: Session) -> FullStaffing:
    """The ratio-based need (staffing_for) plus the extra staff the registered providers add."""
    base = staffing_for(session)
    from app.booking.registry import booking_registry

    extra = sum(int(provider(session) or 0) for provider in list(booking_registry().extra_staff_providers))
    return FullStaffing(base.children_under6, base.children_over6, base.required, extra, base.planned,
                        base.director_counts)
