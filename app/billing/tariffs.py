"""Tariff administration (administrator): prices per unit, QF band, residency and validity period.

The Tariff model belongs to booking; bookings freeze their price when
made, so a new grid only applies to bookings made afterwards. Two tariffs
of the same unit and residency may not overlap both in QF band and in
validity, otherwise the price of a booking would be ambiguous.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from app import clock
from app.accounts.access import require
from app.accounts.models import User
from app.billing.access import Action
from app.billing.registry import money
from app.booking.models import Activity, Tariff, Unit
from app.errors import Conflict, NotFound, ValidationFailed
from app.extensions import db
from app.sites.models import Site
from app.transactions import use_case

FAR_FUTURE = date.max
NO_LIMIT = 10**9


def _fr(value: Decimal) -> str:
    return f"{value:.2f}".replace(".", ",")


def qf_band_text(qf_min: int, qf_max: int | None) -> str:
    """"QF 0 à 600" or "QF 1201 et plus" (also used by occasional care's hourly tariffs)."""
    return (_("QF %(a)s à %(b)s", a=qf_min, b=qf_max) if qf_max is not None
            else _("QF %(a)s et plus", a=qf_min))


def qf_bands_overlap(a_min: int, a_max: int | None, b_min: int, b_max: int | None) -> bool:
    """Whether two quotient familial bands (ends inclusive, None: no upper bound) share a value."""
    return a_min <= (b_max if b_max is not None else NO_LIMIT) and b_min <= (
        a_max if a_max is not None else NO_LIMIT)


def check_price(price, field: str = "price") -> Decimal:
    """The price as a Decimal; ValidationFailed when negative or finer than a cent."""
    price = Decimal(price)
    if price < 0 or money(price) != price:
        raise ValidationFailed(_("Le prix doit être positif, au centime près."), field=field)
    return price


def check_qf_band(qf_min: int, qf_max: int | None, field: str = "qf_max") -> None:
    """ValidationFailed when the band is empty (upper bound below the lower one) or negative."""
    if qf_min < 0 or (qf_max is not None and qf_max < qf_min):
        raise ValidationFailed(_("La tranche de quotient familial n'est pas valide : la borne haute "
                                 "doit être au moins égale à la borne basse."), field=field)


def describe(tariff: Tariff) -> str:
    band = qf_band_text(tariff.qf_min, tariff.qf_max)
    period = (_("du %(a)s au %(b)s", a=tariff.valid_from.strftime("%d/%m/%Y"), b=tariff.valid_until.strftime("%d/%m/%Y"))
              if tariff.valid_until else _("à partir du %(a)s", a=tariff.valid_from.strftime("%d/%m/%Y")))
    who = _("habitants du Grand Cahors") if tariff.resident else _("hors Grand Cahors")
    return f"{band}, {who}, {period} : {_fr(tariff.price)} €"


def overlapping(unit_id: int, resident: bool, qf_min: int, qf_max: int | None, valid_from: date,
                valid_until: date | None, exclude_id: int | None = None) -> list[Tariff]:
    """The unit's tariffs of the same residency whose QF band and validity both intersect these (ends inclusive)."""
    rows = db.session.scalars(select(Tariff).where(Tariff.unit_id == unit_id, Tariff.resident == resident))
    result = []
    for t in rows:
        if exclude_id is not None and t.id == exclude_id:
            continue
        qf_overlap = qf_bands_overlap(t.qf_min, t.qf_max, qf_min, qf_max)
        date_overlap = t.valid_from <= (valid_until or FAR_FUTURE) and valid_from <= (t.valid_until or FAR_FUTURE)
        if qf_overlap and date_overlap:
            result.append(t)
    return result


@dataclass
class UnitGrid:
    unit: Unit
    tariffs: list[Tariff]


def tariff_grid(user: User) -> list[tuple[Site, list[tuple[Activity, list[UnitGrid]]]]]:
    """Every site, activity and unit with its tariffs (administrator). Raises Forbidden."""
    require(user, Action.MANAGE_BILLING)
    sites = db.session.scalars(select(Site).order_by(Site.name).options(
        selectinload(Site.activities).selectinload(Activity.units).selectinload(Unit.tariffs)))
    result = []
    for site in sites:
        activities = [(a, [UnitGrid(u, sorted(u.tariffs, key=lambda t: (not t.resident, t.valid_from, t.qf_min)))
                           for u in a.units]) for a in site.activities]
        result.append((site, activities))
    return result


def get_unit(user: User, unit_id: int) -> UnitGrid:
    require(user, Action.MANAGE_BILLING)
    unit = db.session.get(Unit, unit_id)
    if unit is None:
        raise NotFound()
    return UnitGrid(unit, sorted(unit.tariffs, key=lambda t: (not t.resident, t.valid_from, t.qf_min)))


@use_case
def add_tariff(user: User, unit_id: int, *, qf_min: int, qf_max: int | None, resident: bool, price: Decimal,
               valid_from: date, valid_until: date | None = None) -> Tariff:
    """Add a price for a QF band, residents or not, over a validity period (ends inclusive).

    Raises Forbidden (not an administrator), NotFound (unit), ValidationFailed
    (negative price, empty band or period), Conflict (overlaps another tariff).
    """
    require(user, Action.MANAGE_BILLING)
    unit = db.session.get(Unit, unit_id)
    if unit is None:
        raise NotFound()
    price = check_price(price)
    check_qf_band(qf_min, qf_max)
    if valid_until is not None and valid_until < valid_from:
        raise ValidationFailed(_("La fin de validité précède son début."), field="valid_until")
    clashes = overlapping(unit.id, resident, qf_min, qf_max, valid_from, valid_until)
    if clashes:
        raise Conflict(_("Ce tarif chevauche un tarif existant de la même unité, pour la même tranche de "
                         "quotient familial et la même catégorie de familles : %(other)s. Fixez une date de fin "
                         "à l'ancien tarif ou changez la tranche ou les dates.", other=describe(clashes[0])),
                       code="tariff_overlap")
    tariff = Tariff(unit=unit, qf_min=qf_min, qf_max=qf_max, resident=resident, price=money(price),
                    valid_from=valid_from, valid_until=valid_until)
    db.session.add(tariff)
    return tariff


@use_case
def end_tariff(user: User, tariff_id: int, valid_until: date) -> Tariff:
    """Set the last day a tariff applies (inclusive), e.g. before a new school year's grid.

    Bookings already made keep their price. Raises Forbidden, NotFound, ValidationFailed.
    """
    require(user, Action.MANAGE_BILLING)
    tariff = db.session.get(Tariff, tariff_id)
    if tariff is None:
        raise NotFound()
    if valid_until < tariff.valid_from:
        raise ValidationFailed(_("La fin de validité précède son début."), field="valid_until")
    if tariff.valid_until is not None and valid_until > tariff.valid_until:
        clashes = overlapping(tariff.unit_id, tariff.resident, tariff.qf_min, tariff.qf_max, tariff.valid_from,
                              valid_until, exclude_id=tariff.id)
        if clashes:
            raise Conflict(_("Prolonger ce tarif le ferait chevaucher : %(other)s.", other=describe(clashes[0])),
                           code="tariff_overlap")
    tariff.valid_until = valid_until
    return tariff


@use_case
def delete_tariff(user: User, tariff_id: int, today: date | None = None) -> None:
    """Delete a tariff not yet in force (a mistake). Raises Forbidden, NotFound, Conflict (already in force)."""
    require(user, Action.MANAGE_BILLING)
    tariff = db.session.get(Tariff, tariff_id)
    if tariff is None:
        raise NotFound()
    if tariff.valid_from <= (today or clock.today()):
        raise Conflict(_("Ce tarif est déjà entré en vigueur : fixez plutôt sa date de fin."),
                       code="tariff_in_force")
    db.session.delete(tariff)


@use_case
def renew_grid(user: User, activity_id: int, starts_on: date, increase_percent: Decimal = Decimal("0")) -> int:
    """Start a new grid (e.g. a new school year) for every unit of an activity.

    Each tariff in force the day before `starts_on` ends that day, and a copy
    with the same QF band and residency starts on `starts_on`, its price raised
    by `increase_percent` (rounded half up to the cent). Bookings already made
    keep their price. Returns the number of tariffs created. Raises Forbidden,
    NotFound, ValidationFailed (nothing in force, increase out of range),
    Conflict (a tariff already starts on or after that day).
    """
    from datetime import timedelta

    require(user, Action.MANAGE_BILLING)
    activity = db.session.get(Activity, activity_id)
    if activity is None:
        raise NotFound()
    increase = Decimal(increase_percent)
    if not Decimal("-50") <= increase <= Decimal("100"):
        raise ValidationFailed(_("La hausse doit être comprise entre -50 et 100 %."), field="increase_percent")
    eve = starts_on - timedelta(days=1)
    created = 0
    for unit in activity.units:
        current = [t for t in unit.tariffs if t.valid_from <= eve and (t.valid_until is None or t.valid_until >= eve)]
        for tariff in current:
            tariff.valid_until = eve
        db.session.flush()
        for tariff in current:
            until = None
            clashes = overlapping(unit.id, tariff.resident, tariff.qf_min, tariff.qf_max, starts_on, until)
            if clashes:
                raise Conflict(_("L'unité « %(unit)s » a déjà un tarif à partir de cette date : %(other)s.",
                                 unit=unit.label, other=describe(clashes[0])), code="tariff_overlap")
            db.session.add(Tariff(unit=unit, qf_min=tariff.qf_min, qf_max=tariff.qf_max,
                                  resident=tariff.resident, valid_from=starts_on, valid_until=None,
                                  price=money(tariff.price * (1 + increase / 100))))
            db.session.flush()
            created += 1
    if not created:
        raise ValidationFailed(_("Aucun tarif n'est en vigueur la veille de cette date : ajoutez les tarifs "
                                 "unité par unité."), field="starts_on")
    return created
