"""Administration of occasional care (administrators): providers, their opening periods,
hourly tariffs by quotient familial band and their coordinators.

Each public function is one use case and one transaction (commits once, rolls
back everything on a refusal). Rules that protect families:

- CareBlock rows copy the capacity of their opening period when first
  created. Changing a period propagates the new capacities to the existing
  blocks from now on (past blocks are history and stay as they were); it is
  refused when a block would end up with fewer places than children already
  holding one, or when a period is shortened, moved or removed while confirmed,
  urgent or waiting requests still use the half hours it gives up. Raising a
  capacity gives the new places to the waiting lists of the days concerned.
- Two tariffs of one provider may not overlap in quotient familial (the QF
  band helpers are billing's, shared).

Concurrency (PostgreSQL; on SQLite writers are serialised): every change of
opening periods or provider settings, and deleting a provider, first locks
the provider row FOR UPDATE and reads its openings again (`_locked_provider`),
then checks. Bookings take the same row FOR SHARE before they read the
openings to create blocks (blocks.py). So a change waits for the bookings in
flight and then sees their blocks and requests (the new capacity reaches a
block a booking has just created, the "places already taken" and "requests on
these half hours" checks count it), a booking waits for the change and then
copies the new capacities, and two administrators' changes of one provider
run one after the other (two overlapping periods cannot both pass the check).
Lock order: provider row, then blocks in ascending id order, as bookings.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from app.accounts.access import require
from app.accounts.models import User
from app.accounts.scopes import assign_scope
from app.billing.registry import money
from app.billing.tariffs import NO_LIMIT, check_price, check_qf_band, qf_band_text, qf_bands_overlap
from app.booking.models import PARIS
from app.errors import Conflict, NotFound, ValidationFailed
from app.extensions import db, utcnow
from app.families.models import Commune
from app.occasional.access import PROVIDER_STAFF_ROLES, Action, coordinates_providers
from app.occasional.blocks import hhmm, lock_provider, long_day
from app.occasional.models import (
    ACTIVE_STATUSES,
    BLOCK_MINUTES,
    CareBand,
    CareBlock,
    OccasionalBooking,
    OccasionalProvider,
    Pricing,
    ProviderKind,
    ProviderOpening,
    ProviderStaff,
    ProviderTariff,
    ShiftPattern,
    block_starts,
    is_public_holiday,
)
from app.occasional.services import release_and_promote
from app.transactions import commit, use_case

MAX_LISTED = 5  # dates named in a refusal, then "and N others"


def weekday_name(weekday: int) -> str:
    """"lundi" (0) in French, "Monday" in English: the locale's own case."""
    from babel.dates import get_day_names
    from flask_babel import get_locale

    return get_day_names("wide", locale=get_locale())[weekday]


def _listing(items: list[str]) -> str:
    text = " ; ".join(items[:MAX_LISTED])
    if len(items) > MAX_LISTED:
        text += " " + ngettext("et %(num)d autre", "et %(num)d autres", len(items) - MAX_LISTED)
    return text


# ---------------------------------------------------------------- reading

def list_providers(user: User) -> list[OccasionalProvider]:
    """Every provider, active or not, by name. Raises Forbidden (not an administrator)."""
    require(user, Action.ADMINISTER)
    return list(db.session.scalars(select(OccasionalProvider).order_by(OccasionalProvider.name)
                                   .options(selectinload(OccasionalProvider.commune))))


def get_provider(user: User, provider_id: int) -> OccasionalProvider:
    """A provider with its openings and tariffs. Raises Forbidden, NotFound."""
    require(user, Action.ADMINISTER)
    provider = db.session.get(OccasionalProvider, provider_id)
    if provider is None:
        raise NotFound()
    return provider


def _locked_provider(user: User, provider_id: int) -> OccasionalProvider:
    """The provider row FOR UPDATE, with its settings and openings read again under the lock
    (see the module's docstring). Call inside the use case's try, before its checks.
    Raises Forbidden, NotFound."""
    require(user, Action.ADMINISTER)
    provider = lock_provider(provider_id, exclusive=True)
    if provider is None:
        raise NotFound()
    return provider


def communes() -> list[Commune]:
    return list(db.session.scalars(select(Commune).order_by(Commune.name)))


# ---------------------------------------------------------------- providers

@dataclass
class ProviderSettings:
    name: str
    kind: str = ProviderKind.MULTI_ACCUEIL.value
    address: str = ""
    commune_insee: str | None = None
    phone: str = ""
    min_age_months: int = 3
    max_age_months: int = 72
    walking_age_months: int = 18
    notice_hours: int = 48
    ratio_not_walking: int = 5
    ratio_walking: int = 8
    closed_on_public_holidays: bool = True
    active: bool = True
    pricing: str = Pricing.OWN_TARIFF.value


def _check_settings(values: ProviderSettings, exclude_id: int | None = None) -> ProviderSettings:
    values.name = (values.name or "").strip()
    if not values.name:
        raise ValidationFailed(_("Indiquez le nom de la structure."), field="name")
    if len(values.name) > 150:
        raise ValidationFailed(_("Le nom ne peut pas dépasser 150 caractères."), field="name")
    taken = db.session.scalar(select(OccasionalProvider.id).where(
        func.lower(OccasionalProvider.name) == values.name.lower(),
        OccasionalProvider.id != (exclude_id or 0)))
    if taken is not None:
        raise ValidationFailed(_("Une structure porte déjà ce nom : choisissez-en un autre."),
                               field="name", code="provider_name_taken")
    try:
        values.kind = ProviderKind(values.kind).value
    except ValueError:
        raise ValidationFailed(_("Type de structure inconnu."), field="kind") from None
    try:
        values.pricing = Pricing(values.pricing).value
    except ValueError:
        raise ValidationFailed(_("Choisissez la tarification dans la liste."), field="pricing") from None
    values.commune_insee = values.commune_insee or None
    if values.commune_insee and db.session.get(Commune, values.commune_insee) is None:
        raise ValidationFailed(_("Commune inconnue."), field="commune_insee")
    if not 0 <= values.min_age_months <= 216:
        raise ValidationFailed(_("L'âge minimal doit être compris entre 0 et 216 mois."), field="min_age_months")
    if not values.min_age_months < values.max_age_months <= 216:
        raise ValidationFailed(_("L'âge maximal doit être supérieur à l'âge minimal (et de 216 mois au plus)."),
                               field="max_age_months")
    if not 0 <= values.walking_age_months <= 72:
        raise ValidationFailed(_("L'âge de la marche doit être compris entre 0 et 72 mois."),
                               field="walking_age_months")
    if not 0 <= values.notice_hours <= 720:
        raise ValidationFailed(_("Le délai de prévenance doit être compris entre 0 et 720 heures (30 jours)."),
                               field="notice_hours")
    for name in ("ratio_not_walking", "ratio_walking"):
        if not 1 <= getattr(values, name) <= 20:
            raise ValidationFailed(_("Un adulte encadre entre 1 et 20 enfants."), field=name)
    values.address = (values.address or "").strip()[:300]
    values.phone = (values.phone or "").strip()[:30]
    return values


def _commit_provider() -> None:
    commit(_("Une structure porte déjà ce nom : choisissez-en un autre."),  # two administrators, one name at once
           ValidationFailed, field="name", code="provider_name_taken")


@use_case
def create_provider(user: User, values: ProviderSettings) -> OccasionalProvider:
    """A new provider (no opening period yet: parents cannot book it until one is added).

    Raises Forbidden, ValidationFailed (name taken, ages, notice, ratios, commune).
    """
    require(user, Action.ADMINISTER)
    values = _check_settings(values)
    provider = OccasionalProvider(**{**values.__dict__, "kind": ProviderKind(values.kind),
                                     "pricing": Pricing(values.pricing)})
    db.session.add(provider)
    _commit_provider()
    return provider


@use_case
def update_provider(user: User, provider_id: int, values: ProviderSettings,
                    now: datetime | None = None) -> OccasionalProvider:
    """Change a provider's settings. Requests already made keep their band and price.

    Closing on public holidays is refused while active requests fall on one.
    Deactivating hides the provider from parents; its requests stay valid.
    Raises Forbidden, NotFound, ValidationFailed, Conflict.
    """
    now = now or utcnow()
    provider = _locked_provider(user, provider_id)
    values = _check_settings(values, exclude_id=provider.id)
    if values.closed_on_public_holidays and not provider.closed_on_public_holidays:
        holidays = [b for b in _future_requests(provider, now) if is_public_holiday(b.day)]
        if holidays:
            raise Conflict(_("Des demandes sont prévues un jour férié ; annulez-les ou prévenez les familles "
                             "avant de fermer les jours fériés : %(list)s.",
                             list=_listing(_describe_requests(holidays))),
                           code="requests_on_public_holidays", field="closed_on_public_holidays")
    for name, value in values.__dict__.items():
        setattr(provider, name, ProviderKind(value) if name == "kind" else Pricing(value) if name == "pricing"
                else value)
    _commit_provider()
    return provider


def future_request_count(provider: OccasionalProvider, now: datetime | None = None) -> int:
    return len(_future_requests(provider, now or utcnow()))


@use_case
def delete_provider(user: User, provider_id: int) -> None:
    """Delete a provider that never received a request (a mistake); otherwise deactivate it.

    Raises Forbidden, NotFound, Conflict (it has requests or patterns).
    """
    provider = _locked_provider(user, provider_id)  # waits for the requests in flight, then counts them
    used = db.session.scalar(select(func.count(OccasionalBooking.id)).where(
        OccasionalBooking.provider_id == provider.id)) or db.session.scalar(
        select(func.count(ShiftPattern.id)).where(ShiftPattern.provider_id == provider.id))
    if used:
        raise Conflict(_("Cette structure a déjà reçu des demandes de garde : elle ne peut pas être "
                         "supprimée. Désactivez-la plutôt (décochez « Structure active »)."),
                       code="provider_in_use")
    for model in (CareBlock, ProviderStaff):
        for row in db.session.scalars(select(model).where(model.provider_id == provider.id)):
            db.session.delete(row)
    db.session.delete(provider)


# ---------------------------------------------------------------- opening periods

def _future_requests(provider: OccasionalProvider, now: datetime) -> list[OccasionalBooking]:
    """The provider's confirmed, urgent and waiting requests that have not ended yet."""
    today = now.astimezone(PARIS).date()
    rows = db.session.scalars(select(OccasionalBooking).where(
        OccasionalBooking.provider_id == provider.id, OccasionalBooking.day >= today,
        OccasionalBooking.status.in_(ACTIVE_STATUSES))
        .order_by(OccasionalBooking.day, OccasionalBooking.starts_at, OccasionalBooking.id))
    return [b for b in rows if b.ends() > now]


def _describe_requests(bookings: list[OccasionalBooking]) -> list[str]:
    seen, out = set(), []
    for b in bookings:
        key = (b.day, b.starts_at, b.ends_at)
        if key not in seen:
            seen.add(key)
            out.append(_("%(day)s de %(start)s à %(end)s", day=long_day(b.day), start=hhmm(b.starts_at),
                         end=hhmm(b.ends_at)))
    return out


def _check_period(provider: OccasionalProvider, weekday: int, opens_at: time, closes_at: time,
                  capacity_not_walking: int, capacity_walking: int, exclude_id: int | None = None) -> None:
    if weekday not in range(7):
        raise ValidationFailed(_("Jour de la semaine inconnu."), field="weekday")
    for value, name in ((opens_at, "opens_at"), (closes_at, "closes_at")):
        if value is None:
            raise ValidationFailed(_("Indiquez l'heure (HH:MM)."), field=name)
        if value.minute % BLOCK_MINUTES or value.second or value.microsecond:
            raise ValidationFailed(_("Les heures d'ouverture et de fermeture doivent tomber sur une demi-heure "
                                     "(par exemple 7:00 ou 7:30) : les places se réservent par demi-heure."),
                                   field=name, code="period_not_aligned")
    if closes_at <= opens_at:
        raise ValidationFailed(_("L'heure de fermeture doit être après l'heure d'ouverture (une période ne "
                                 "passe pas minuit : saisissez-en une par jour)."), field="closes_at",
                               code="period_invalid")
    for value, name in ((capacity_not_walking, "capacity_not_walking"), (capacity_walking, "capacity_walking")):
        if value is None or value < 0 or value > 200:
            raise ValidationFailed(_("Le nombre de places doit être compris entre 0 et 200."), field=name)
    if capacity_not_walking == 0 and capacity_walking == 0:
        raise ValidationFailed(_("Indiquez au moins une place, pour les enfants qui ne marchent pas ou pour "
                                 "ceux qui marchent."), field="capacity_not_walking", code="period_without_places")
    for other in provider.openings:
        if other.id != exclude_id and other.weekday == weekday and other.opens_at < closes_at \
                and opens_at < other.closes_at:
            raise ValidationFailed(_("Cette période chevauche celle du %(day)s de %(a)s à %(b)s : modifiez "
                                     "plutôt celle-ci, ou choisissez des horaires qui ne se recouvrent pas.",
                                     day=weekday_name(weekday), a=hhmm(other.opens_at), b=hhmm(other.closes_at)),
                                   field="opens_at", code="period_overlap")


@dataclass
class _Period:
    weekday: int
    opens_at: time
    closes_at: time
    capacity_not_walking: int = 0
    capacity_walking: int = 0

    def starts(self) -> set[time]:
        return set(block_starts(self.opens_at, self.closes_at))


def _apply_period_change(provider: OccasionalProvider, old: _Period | None, new: _Period | None,
                         now: datetime) -> list[date]:
    """Check and apply a period change to the existing future blocks (caller's transaction,
    which holds the provider row FOR UPDATE: see the module's docstring).

    Returns the days whose waiting lists may now get a place. Raises Conflict.
    """
    # 1. The half hours given up must not be used by an active request.
    given_up: set[time] = set()
    if old is not None:
        given_up = old.starts() - (new.starts() if new is not None and new.weekday == old.weekday else set())
    if given_up:
        users = [b for b in _future_requests(provider, now)
                 if b.day.weekday() == old.weekday and given_up & set(b.block_starts())]
        if users:
            raise Conflict(_("Des familles ont des demandes confirmées, urgentes ou en liste d'attente sur les "
                             "horaires retirés : %(list)s. Annulez-les (ou laissez-les passer) avant de réduire "
                             "ou de supprimer cette période.", list=_listing(_describe_requests(users))),
                           code="period_in_use", field="opens_at")
    # 2. Lock the provider's future blocks of the weekdays concerned (ascending ids, as booking does).
    weekdays = {p.weekday for p in (old, new) if p is not None}
    today = now.astimezone(PARIS).date()
    blocks = [b for b in db.session.scalars(
        select(CareBlock).where(CareBlock.provider_id == provider.id, CareBlock.day >= today)
        .order_by(CareBlock.id).with_for_update().execution_options(populate_existing=True))
        if b.day.weekday() in weekdays
        and datetime.combine(b.day, b.starts_at, tzinfo=PARIS) + timedelta(minutes=BLOCK_MINUTES) > now]
    # 3. New capacities, never below the places already taken.
    raised_days: set[date] = set()
    if new is not None:
        starts = new.starts()
        mine = [b for b in blocks if b.day.weekday() == new.weekday and b.starts_at in starts]
        too_small = []
        for block in mine:
            for band, label in ((CareBand.NOT_WALKING, _("qui ne marchent pas")),
                                (CareBand.WALKING, _("qui marchent"))):
                wanted = getattr(new, f"capacity_{band.value}")
                if block.taken(band) > wanted:
                    too_small.append(_("%(day)s à %(time)s : %(taken)s %(band)s déjà inscrits",
                                       day=long_day(block.day), time=hhmm(block.starts_at),
                                       taken=ngettext("%(num)d enfant", "%(num)d enfants", block.taken(band)),
                                       band=label))
        if too_small:
            raise Conflict(_("Impossible de réduire la capacité en dessous des places déjà prises : %(list)s. "
                             "Gardez au moins ce nombre de places, ou attendez que ces demandes soient annulées.",
                             list=_listing(too_small)), code="capacity_below_taken", field="capacity_not_walking")
        for block in mine:
            if (new.capacity_not_walking > block.capacity_not_walking
                    or new.capacity_walking > block.capacity_walking):
                raised_days.add(block.day)
            block.capacity_not_walking = new.capacity_not_walking
            block.capacity_walking = new.capacity_walking
    # 4. Blocks of the half hours given up hold nobody (checked above): they go.
    if old is not None and given_up:
        for block in blocks:
            if block.day.weekday() == old.weekday and block.starts_at in given_up:
                if block.taken_not_walking or block.taken_walking:  # inconsistent counters: refuse, never lose
                    raise Conflict(_("Des places sont encore comptées le %(day)s à %(time)s.",
                                     day=long_day(block.day), time=hhmm(block.starts_at)), code="period_in_use")
                db.session.delete(block)
    db.session.flush()
    return sorted(raised_days)


def _period_of(opening: ProviderOpening) -> _Period:
    return _Period(opening.weekday, opening.opens_at, opening.closes_at, opening.capacity_not_walking,
                   opening.capacity_walking)


@use_case
def add_opening(user: User, provider_id: int, weekday: int, opens_at: time, closes_at: time,
                capacity_not_walking: int, capacity_walking: int, now: datetime | None = None) -> ProviderOpening:
    """Add an opening period (half hours, places per 30-minute block and age band).

    Raises Forbidden, NotFound, ValidationFailed (not on half hours, closing
    before opening, no place, overlap with another period that weekday).
    """
    now = now or utcnow()
    provider = _locked_provider(user, provider_id)  # then the overlap check sees any period just saved
    _check_period(provider, weekday, opens_at, closes_at, capacity_not_walking, capacity_walking)
    opening = ProviderOpening(weekday=weekday, opens_at=opens_at, closes_at=closes_at,
                              capacity_not_walking=capacity_not_walking, capacity_walking=capacity_walking)
    provider.openings.append(opening)
    db.session.flush()
    _apply_period_change(provider, None, _period_of(opening), now)
    return opening


def _get_opening(user: User, provider_id: int, opening_id: int, lock: bool = False) -> ProviderOpening:
    provider = _locked_provider(user, provider_id) if lock else get_provider(user, provider_id)
    opening = next((o for o in provider.openings if o.id == opening_id), None)
    if opening is None:
        raise NotFound()
    return opening


def get_opening(user: User, provider_id: int, opening_id: int) -> ProviderOpening:
    """An opening period of the provider. Raises Forbidden, NotFound."""
    return _get_opening(user, provider_id, opening_id)


@use_case
def update_opening(user: User, provider_id: int, opening_id: int, weekday: int, opens_at: time, closes_at: time,
                   capacity_not_walking: int, capacity_walking: int, now: datetime | None = None) -> ProviderOpening:
    """Change a period; the existing blocks from now on take the new capacities, all or nothing.

    Refused (Conflict, nothing written) when a block would have fewer places
    than children already holding one, or when the half hours given up
    (shortened or moved period) carry confirmed, urgent or waiting requests;
    the message names the dates and times. New places go to the waiting lists.
    Raises Forbidden, NotFound, ValidationFailed, Conflict.
    """
    now = now or utcnow()
    opening = _get_opening(user, provider_id, opening_id, lock=True)
    provider = opening.provider
    _check_period(provider, weekday, opens_at, closes_at, capacity_not_walking, capacity_walking,
                  exclude_id=opening.id)
    old = _period_of(opening)
    opening.weekday, opening.opens_at, opening.closes_at = weekday, opens_at, closes_at
    opening.capacity_not_walking, opening.capacity_walking = capacity_not_walking, capacity_walking
    raised = _apply_period_change(provider, old, _period_of(opening), now)
    if raised:
        release_and_promote(provider, [], None, now, extra_days=raised)
    return opening


@use_case
def remove_opening(user: User, provider_id: int, opening_id: int, now: datetime | None = None) -> None:
    """Remove a period. Refused (Conflict, naming the dates) while requests use it from now on.

    Raises Forbidden, NotFound, Conflict.
    """
    now = now or utcnow()
    opening = _get_opening(user, provider_id, opening_id, lock=True)
    provider = opening.provider
    _apply_period_change(provider, _period_of(opening), None, now)
    provider.openings.remove(opening)


# ---------------------------------------------------------------- hourly tariffs

def _fr(value: Decimal) -> str:
    return f"{value:.2f}".replace(".", ",")


def _check_tariff(provider: OccasionalProvider, qf_min: int, qf_max: int | None, hourly_price,
                  exclude_id: int | None = None) -> Decimal:
    if qf_min is None:
        raise ValidationFailed(_("Indiquez la borne basse du quotient familial."), field="qf_min")
    price = check_price(hourly_price, field="hourly_price")
    check_qf_band(qf_min, qf_max)
    for other in provider.tariffs:
        if other.id != exclude_id and qf_bands_overlap(other.qf_min, other.qf_max, qf_min, qf_max):
            raise ValidationFailed(_("Cette tranche chevauche la tranche %(band)s (%(price)s € de l'heure) : deux "
                                     "tranches ne peuvent pas couvrir le même quotient familial. Modifiez d'abord "
                                     "l'autre tranche, ou changez les bornes.",
                                     band=qf_band_text(other.qf_min, other.qf_max), price=_fr(other.hourly_price)),
                                   field="qf_min", code="tariff_overlap")
    return price


@use_case
def add_tariff(user: User, provider_id: int, qf_min: int, qf_max: int | None, hourly_price) -> ProviderTariff:
    """An hourly price for a QF band (ends inclusive, qf_max None: no upper bound).

    Requests already made keep the price frozen when they were answered.
    Raises Forbidden, NotFound, ValidationFailed (negative or sub-cent price, empty band, overlap).
    """
    provider = _locked_provider(user, provider_id)  # two administrators never both pass the overlap check
    price = _check_tariff(provider, qf_min, qf_max, hourly_price)
    tariff = ProviderTariff(qf_min=qf_min, qf_max=qf_max, hourly_price=money(price))
    provider.tariffs.append(tariff)
    return tariff


def _get_tariff(user: User, provider_id: int, tariff_id: int) -> ProviderTariff:
    provider = get_provider(user, provider_id)
    tariff = db.session.get(ProviderTariff, tariff_id)
    if tariff is None or tariff.provider_id != provider.id:
        raise NotFound()
    return tariff


def get_tariff(user: User, provider_id: int, tariff_id: int) -> ProviderTariff:
    """A tariff of the provider. Raises Forbidden, NotFound."""
    return _get_tariff(user, provider_id, tariff_id)


@use_case
def update_tariff(user: User, provider_id: int, tariff_id: int, qf_min: int, qf_max: int | None,
                  hourly_price) -> ProviderTariff:
    """Change a band or its price (for requests answered from now on). Raises as add_tariff, and NotFound."""
    provider = _locked_provider(user, provider_id)
    tariff = _get_tariff(user, provider.id, tariff_id)
    price = _check_tariff(provider, qf_min, qf_max, hourly_price, exclude_id=tariff.id)
    tariff.qf_min, tariff.qf_max, tariff.hourly_price = qf_min, qf_max, money(price)
    return tariff


@use_case
def remove_tariff(user: User, provider_id: int, tariff_id: int) -> None:
    """Remove a band; requests already made keep their price. Raises Forbidden, NotFound."""
    tariff = _get_tariff(user, provider_id, tariff_id)
    tariff.provider.tariffs.remove(tariff)


@dataclass
class TariffRow:
    tariff: ProviderTariff
    band: str
    hourly: str  # "1,20 €"
    three_hours: str  # what a 3-hour request costs


@dataclass
class TariffTable:
    rows: list[TariffRow]
    gaps: list[str] = field(default_factory=list)  # QF values no band covers
    fallback: str | None = None  # the band applied to households without a QF (and in the gaps)


def tariff_table(provider: OccasionalProvider) -> TariffTable:
    """What a family pays per hour at each band, and which quotients no band covers.

    Mirrors services.hourly_price: a household without a known quotient, or in
    a gap between bands, pays the highest band's price.
    """
    tariffs = sorted(provider.tariffs, key=lambda t: t.qf_min)
    rows = [TariffRow(t, qf_band_text(t.qf_min, t.qf_max), _fr(t.hourly_price) + " €",
                      _fr(money(t.hourly_price * 3)) + " €") for t in tariffs]
    gaps, expected = [], 0
    for t in tariffs:
        if t.qf_min > expected:
            gaps.append(qf_band_text(expected, t.qf_min - 1))
        expected = NO_LIMIT + 1 if t.qf_max is None else max(expected, t.qf_max + 1)
    if tariffs and expected <= NO_LIMIT:
        gaps.append(qf_band_text(expected, None))
    return TariffTable(rows, gaps, rows[-1].band if rows else None)


# ---------------------------------------------------------------- coordinators and staff

def provider_staff(provider: OccasionalProvider) -> list[User]:
    return list(db.session.scalars(
        select(User).join(ProviderStaff, ProviderStaff.user_id == User.id)
        .where(ProviderStaff.provider_id == provider.id).order_by(User.role, User.last_name, User.email)))


def staff_candidates(provider: OccasionalProvider) -> list[User]:
    """Active directors (coordinators) and animators not yet attached to the provider."""
    attached = select(ProviderStaff.user_id).where(ProviderStaff.provider_id == provider.id)
    return list(db.session.scalars(
        select(User).where(User.role.in_(PROVIDER_STAFF_ROLES), User.active.is_(True), User.id.not_in(attached))
        .order_by(User.role, User.last_name, User.first_name, User.email)))


@use_case
def assign_staff(user: User, provider_id: int, staff_user_id) -> User:
    """Attach a director (coordinator) or an animator to the provider, with the rule the CLI uses
    (occasional.provider_staff.assign_providers). Raises Forbidden, NotFound, ValidationFailed."""
    provider = get_provider(user, provider_id)
    try:
        staff = db.session.get(User, int(staff_user_id))
    except (TypeError, ValueError):
        staff = None
    if staff is None:
        raise ValidationFailed(_("Choisissez un compte dans la liste."), field="user_id")
    assign_scope("occasional_provider", staff, [provider.id])
    return staff


@use_case
def remove_staff(user: User, provider_id: int, staff_user_id: int) -> bool:
    """Detach an account from the provider. Returns whether a coordinator (director) remains.

    Raises Forbidden, NotFound (not attached).
    """
    provider = get_provider(user, provider_id)
    row = db.session.scalar(select(ProviderStaff).where(ProviderStaff.provider_id == provider.id,
                                                         ProviderStaff.user_id == staff_user_id))
    if row is None:
        raise NotFound()
    db.session.delete(row)
    return any(coordinates_providers(u) for u in provider_staff(provider))
