"""Billing's pricing policy, registered in booking (`app.booking.pricing.register_pricer`).

The price of a booking is the tariff of its unit for the household's
validated quotient familial band and residency on the session's day (see
`booking.catalogue.pick_price`: no validated or an expired QF pays the highest
band). When no tariff of the household's residency applies, the dated rule
`billing.missing_tariff_fallback` decides: refuse the booking with a clear
message, or charge the highest price of the unit's grid in force that day.
A booking is never free by accident; a tariff of 0.00 € set on purpose stays.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from app import clock, rules
from app.accounts.access import require
from app.accounts.models import User
from app.billing.access import Action
from app.billing.tariffs import NO_LIMIT, qf_band_text
from app.booking.catalogue import pick_price
from app.booking.models import Activity, Tariff, Unit
from app.booking.pricing import NoApplicableTariff
from app.extensions import db
from app.families.models import Household
from app.sites.models import Site

REFUSE = "refuse"
HIGHEST = "highest_band"

MISSING_TARIFF_FALLBACK = rules.define(
    "billing.missing_tariff_fallback", kind=str, default=REFUSE,
    label=_l("Réservation sans tarif applicable à la catégorie du foyer (par exemple hors agglomération "
             "sans tarif extérieur)"),
    source=_l("Délibération du conseil communautaire fixant la grille tarifaire"),
    choices=((REFUSE, _l("refuser la réservation")),
             (HIGHEST, _l("appliquer le tarif le plus élevé de la grille de l'unité"))))


def _valid_on(tariffs, day: date) -> list[Tariff]:
    return [t for t in tariffs if t.valid_from <= day and (t.valid_until is None or t.valid_until >= day)]


def booking_price(unit_id: int, household: Household, day: date) -> Decimal:
    """The price a booking of `unit_id` on `day` freezes for `household`. Raises NoApplicableTariff."""
    tariffs = list(db.session.scalars(select(Tariff).where(Tariff.unit_id == unit_id)))
    price = pick_price(tariffs, household, day)
    if price is not None:
        return price
    in_force = _valid_on(tariffs, day)
    if in_force and MISSING_TARIFF_FALLBACK.value(on=day) == HIGHEST:
        return max(t.price for t in in_force)
    raise NoApplicableTariff()


# ---------------------------------------------------------------- tariff gaps (administrators)

@dataclass(frozen=True)
class TariffGap:
    site: str
    activity: str
    unit: str
    unit_id: int
    resident: bool
    bands: tuple[str, ...]  # the QF bands without a tariff ("QF 0 et plus": none at all)


def uncovered_bands(bands: list[tuple[int, int | None]]) -> list[tuple[int, int | None]]:
    """The QF values from 0 upwards that none of `bands` (inclusive, None: no upper bound) covers."""
    gaps: list[tuple[int, int | None]] = []
    start = 0
    for low, high in sorted(bands, key=lambda band: band[0]):
        if low > start:
            gaps.append((start, low - 1))
        top = NO_LIMIT if high is None else high
        start = max(start, top + 1)
        if start > NO_LIMIT:
            return gaps
    gaps.append((start, None))
    return gaps


def tariff_gaps(user: User, on: date | None = None) -> list[TariffGap]:
    """Per unit and residency (habitants / hors Grand Cahors), the QF bands with no tariff on `on`.

    A unit with no tariff at all for a residency shows "QF 0 et plus". Raises Forbidden.
    """
    require(user, Action.MANAGE_BILLING)
    day = on or clock.today()
    sites = db.session.scalars(select(Site).order_by(Site.name).options(
        selectinload(Site.activities).selectinload(Activity.units).selectinload(Unit.tariffs)))
    result = []
    for site in sites:
        for activity in site.activities:
            for unit in activity.units:
                in_force = _valid_on(unit.tariffs, day)
                for resident in (True, False):
                    bands = [(t.qf_min, t.qf_max) for t in in_force if t.resident == resident]
                    gaps = uncovered_bands(bands)
                    if gaps:
                        result.append(TariffGap(site.name, activity.name, unit.label, unit.id, resident,
                                                tuple(qf_band_text(low, high) for low, high in gaps)))
    return result
