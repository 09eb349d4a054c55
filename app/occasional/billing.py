"""Occasional care on the monthly statement (billing asks each domain for its lines), the CNAF national
scale (PSU) as dated rules, and the hours the CAF funds: réalisées (recorded arrival to departure)
versus facturées (booked, plus any overstay)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, time
from decimal import Decimal

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from app import rules
from app.billing.models import LineKind
from app.billing.registry import BillingRules, LineDraft, PsuLine, aeeh_sources, money
from app.extensions import db
from app.families.models import Child, Household
from app.occasional.models import OccasionalBooking, OccasionalProvider, RequestStatus

SOURCE = "occasional"


def occasional_statement_lines(first: date, last: date, household_id: int | None,
                               rules: BillingRules) -> list[LineDraft]:
    """One line per confirmed occasional-care request of the month: the hours booked at the
    hourly price frozen when it was confirmed (a child who stays longer than booked is not
    charged more here; the provider records it in the day view)."""
    query = (select(OccasionalBooking).join(Child)
             .where(OccasionalBooking.day.between(first, last), OccasionalBooking.status == RequestStatus.CONFIRMED)
             .options(selectinload(OccasionalBooking.child), selectinload(OccasionalBooking.provider))
             .order_by(OccasionalBooking.day, OccasionalBooking.starts_at, OccasionalBooking.id))
    if household_id is not None:
        query = query.where(Child.household_id == household_id)
    drafts = []
    for booking in db.session.scalars(query):
        hours = booking.hours
        price = booking.price if booking.price is not None else (booking.hourly_price or Decimal("0")) * hours
        detail = _("%(hours)s h à %(rate)s € de l'heure", hours=f"{hours:.2f}".replace(".", ","),
                   rate=f"{(booking.hourly_price or Decimal('0')):.2f}".replace(".", ","))
        drafts.append(LineDraft(
            household_id=booking.child.household_id, source=SOURCE, reference=f"occasional:{booking.id}",
            kind=LineKind.BOOKING.value, day=booking.day, child_name=booking.child.full_name,
            label=_("Garde ponctuelle – %(provider)s, %(start)s–%(end)s", provider=booking.provider.name,
                    start=booking.starts_at.strftime("%H:%M"), end=booking.ends_at.strftime("%H:%M")),
            detail=detail, unit_price=booking.hourly_price, share=Decimal("1.00"), amount=money(price)))
    return drafts


# ---------------------------------------------------------------- CNAF national scale (PSU) and CAF hours

_BAREME = ("CNAF, barème national des participations familiales en établissement d'accueil du jeune enfant "
           "(PSU), circulaire 2019-005")


def _effort(key: str, default: str, children: str) -> rules.Rule:
    return rules.define(f"occasional.cnaf_effort_rate_{key}", kind=Decimal, default=Decimal(default),
                        label=f"Taux d'effort horaire, accueil collectif : {children}", source=_BAREME,
                        unit="fraction des ressources mensuelles par heure (0,000619 = 0,0619 %)",
                        minimum=Decimal("0"), maximum=Decimal("0.01"))


EFFORT_RATES = (  # by number of dependent children: 1, 2, 3, 4 to 7, 8 and more
    _effort("1", "0.000619", "1 enfant à charge"),
    _effort("2", "0.000516", "2 enfants à charge"),
    _effort("3", "0.000413", "3 enfants à charge"),
    _effort("4_7", "0.000310", "4 à 7 enfants à charge"),
    _effort("8", "0.000206", "8 enfants à charge ou plus"),
)
RESOURCES_FLOOR = rules.define(
    "occasional.cnaf_resources_floor", kind=Decimal, default=Decimal("801.00"),
    label="Plancher de ressources mensuelles du barème national (valeur publiée chaque année par la CNAF)",
    source=_BAREME, unit="€ / mois", minimum=Decimal("0"))
RESOURCES_CEILING = rules.define(
    "occasional.cnaf_resources_ceiling", kind=Decimal, default=Decimal("7000.00"),
    label="Plafond de ressources mensuelles du barème national (valeur publiée chaque année par la CNAF)",
    source=_BAREME, unit="€ / mois", minimum=Decimal("0"))
ROUNDING_MINUTES = rules.define(
    "occasional.psu_rounding_minutes", kind=int, default=30,
    label="Unité de comptage des heures d'accueil ponctuel (toute unité commencée est due et comptée)",
    source=_BAREME + " ; règlement de fonctionnement de la structure", unit="minutes", minimum=1, maximum=60)


def effort_rate(children: int, on: date, *, disabled_child: bool = False) -> Decimal:
    """The hourly effort rate for a household with `children` dependent children. A household with a
    child receiving AEEH takes the rate of the next band (one more child), as the scale provides."""
    if children < 1:
        raise ValueError("a household has at least one child")
    count = children + (1 if disabled_child else 0)
    index = 0 if count == 1 else 1 if count == 2 else 2 if count == 3 else 3 if count <= 7 else 4
    return EFFORT_RATES[index].value(on=on)


def cnaf_hourly_rate(monthly_resources: Decimal, children: int, on: date, *, disabled_child: bool = False) -> Decimal:
    """The family's hourly price by the national scale: monthly resources, kept between the floor and the
    ceiling in force on `on`, times the effort rate; rounded to the cent."""
    floor, ceiling = RESOURCES_FLOOR.value(on=on), RESOURCES_CEILING.value(on=on)
    resources = min(max(Decimal(monthly_resources), floor), ceiling)
    return money(resources * effort_rate(children, on, disabled_child=disabled_child))


def quotient_parts(children: int, disabled_children: int = 0) -> Decimal:
    """The CAF's number of parts of a household: 2 for the parent or parents, ½ for each of the first two
    children, 1 from the third on, and ½ more for each child receiving AEEH."""
    return (Decimal(2) + Decimal("0.5") * min(children, 2) + max(children - 2, 0)
            + Decimal("0.5") * disabled_children)


def _dependent_children(household: Household, on: date) -> list[Child]:
    """The household's children under 20 on `on` (children "à charge" for the CAF)."""
    return [c for c in household.children if c.birth_date <= on and
            (on.year - c.birth_date.year - ((on.month, on.day) < (c.birth_date.month, c.birth_date.day))) < 20]


def household_cnaf_rate(household: Household | None, on: date) -> Decimal:
    """The household's hourly price by the national scale on `on`.

    Resources: the monthly resources behind the household's validated quotient familial (QF × the CAF's
    parts); a quotient declared but not validated yet, or past its validity date, does not count, and a
    household without one pays at the ceiling of the scale (as the highest band of a tariff). The number
    of dependent children sets the effort rate; a child receiving AEEH moves the household one band down.
    """
    children = _dependent_children(household, on) if household is not None else []
    ids = {c.id for c in children}
    disabled: set[int] = set()
    for source in aeeh_sources() if ids else ():
        disabled |= set(source(ids, on, on)) & ids
    count = max(len(children), 1)
    qf = household.family_quotient_on(on) if household is not None else None
    resources = (RESOURCES_CEILING.value(on=on) if qf is None
                 else Decimal(qf) * quotient_parts(count, len(disabled)))
    return cnaf_hourly_rate(resources, count, on, disabled_child=bool(disabled))


def _minutes(t: time) -> int:
    return t.hour * 60 + t.minute


def _rounded_hours(minutes: int, unit: int) -> Decimal:
    """Minutes counted in whole units (a started unit counts), as hours."""
    if minutes <= 0:
        return Decimal("0")
    units = -(-minutes // unit)
    return (Decimal(units * unit) / 60).quantize(Decimal("0.01"))


@dataclass(frozen=True)
class PsuHours:
    """Occasional-care hours of a provider for the CAF (PSU): attended ("réalisées") and billed
    ("facturées": the hours booked, plus any time the child stayed beyond them)."""

    realised: Decimal
    billed: Decimal
    children: int
    bookings: int


def booking_psu_hours(booking: OccasionalBooking, unit: int) -> tuple[Decimal, Decimal]:
    """(heures réalisées, heures facturées) of one confirmed booking, from the recorded arrival and
    departure; a booking without a recorded arrival counts no hour réalisée but stays billed."""
    booked = _minutes(booking.ends_at) - _minutes(booking.starts_at)
    if booking.arrived_at is None or booking.left_at is None:
        return Decimal("0"), _rounded_hours(booked, unit)
    present = _minutes(booking.left_at) - _minutes(booking.arrived_at)
    billed = (max(_minutes(booking.ends_at), _minutes(booking.left_at))
              - min(_minutes(booking.starts_at), _minutes(booking.arrived_at)))
    return _rounded_hours(present, unit), _rounded_hours(billed, unit)


def provider_psu_hours(provider_id: int, first: date, last: date) -> PsuHours:
    """The CAF's occasional-care hours of one provider for the days [first, last]."""
    bookings = list(db.session.scalars(
        select(OccasionalBooking).where(OccasionalBooking.provider_id == provider_id,
                                        OccasionalBooking.day.between(first, last),
                                        OccasionalBooking.status == RequestStatus.CONFIRMED)))
    realised = billed = Decimal("0")
    for booking in bookings:
        r, b = booking_psu_hours(booking, ROUNDING_MINUTES.value(on=booking.day))
        realised += r
        billed += b
    return PsuHours(realised, billed, len({b.child_id for b in bookings}), len(bookings))


def psu_lines(user, first: date, last: date) -> list[PsuLine]:
    """The CAF report's occasional-care lines: one per provider `user` coordinates (every provider for an
    administrator), with its heures réalisées and facturées of [first, last]."""
    from app.accounts.access import can
    from app.occasional.access import Action, provider_ids_of

    ids = [pid for pid in provider_ids_of(user) if can(user, Action.MANAGE_PROVIDER, pid)]
    providers = db.session.scalars(select(OccasionalProvider).where(OccasionalProvider.id.in_(ids))
                                   .order_by(OccasionalProvider.name)) if ids else []
    lines = []
    for provider in providers:
        hours = provider_psu_hours(provider.id, first, last)
        lines.append(PsuLine(provider.name, hours.realised, hours.billed, hours.children, hours.bookings))
    return lines
