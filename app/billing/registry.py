"""Extension points: other domains add statement lines and CAF hours without billing importing them.

- `register_statement_source(fn)`: fn(first, last, household_id, rules) ->
  list[LineDraft] for the month [first, last], all households when
  household_id is None. Occasional care registers its per-hour lines here.
  Each draft has a stable `reference` (e.g. "occasional:17"): after a month
  is closed, a source that later answers differently for a reference
  produces an adjustment line on the next statement.
- `register_caf_hours_source(fn)`: fn(site_id, first, last) ->
  list[AttendedSlot], the slots actually attended at the site.
- `register_aeeh_source(fn)`: fn(child_ids, first, last) -> set of the
  child ids receiving AEEH in that period (inclusion fills it; without it,
  the report shows no AEEH child).
- `register_psu_hours_source(fn)`: fn(user, first, last) -> list[PsuLine],
  the hours of the providers funded by the PSU that `user` may see
  (occasional care: heures réalisées and facturées per provider).
- `register_statement_closed(fn)`: fn(statement) called for each statement
  written by a month's closing, in the closing's transaction (payments issues
  the invoice there: an invoice exists exactly when its statement does).

Each registration is listed in app/composition.py (booking's sources, app/billing/sources.py, too).
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, time
from decimal import ROUND_HALF_UP, Decimal
from typing import TYPE_CHECKING

from app.registries import current

if TYPE_CHECKING:
    from app.accounts.models import User

CENT = Decimal("0.01")


def money(value: Decimal | int | str) -> Decimal:
    """An amount rounded to the cent, half up (0.005 -> 0.01), as the Treasury rounds."""
    return Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class BillingRules:
    charge_late_cancellations: bool = True
    late_cancellation_share: Decimal = Decimal("1.00")
    charge_unjustified_absences: bool = True


@dataclass
class LineDraft:
    household_id: int
    source: str
    reference: str
    kind: str  # a LineKind value
    day: date | None
    child_name: str
    label: str
    detail: str
    unit_price: Decimal | None
    share: Decimal | None
    amount: Decimal


@dataclass(frozen=True)
class AttendedSlot:
    """One slot a child actually attended (any part of it): the CAF counts the whole slot."""

    source: str
    reference: str
    site_id: int
    child_id: int
    child_name: str
    birth_date: date
    household_id: int
    general_scheme: bool  # household of the CAF general scheme
    day: date
    kind: str  # an ActivityKind value
    start: time
    end: time
    with_meal: bool


@dataclass(frozen=True)
class PsuLine:
    """One provider's month for the CAF's PSU: heures réalisées (arrival to departure) and facturées."""

    provider: str
    realised: Decimal
    billed: Decimal
    children: int
    bookings: int


StatementSource = Callable[[date, date, "int | None", BillingRules], list[LineDraft]]
CafHoursSource = Callable[[int, date, date], list[AttendedSlot]]
AeehSource = Callable[[set[int], date, date], set[int]]
PsuHoursSource = Callable[["User", date, date], list[PsuLine]]

@dataclass
class BillingRegistry:
    """What other domains plug into billing, one per application (installed by app/composition.py)."""

    statement_sources: list[StatementSource] = field(default_factory=list)
    caf_hours_sources: list[CafHoursSource] = field(default_factory=list)
    aeeh_sources: list[AeehSource] = field(default_factory=list)
    psu_hours_sources: list[PsuHoursSource] = field(default_factory=list)
    statement_closed: list[Callable] = field(default_factory=list)


def billing_registry() -> BillingRegistry:
    """The current application's billing registry."""
    return current(BillingRegistry)


def _add(registry: list, fn) -> None:
    key = (getattr(fn, "__module__", None), getattr(fn, "__qualname__", repr(fn)))
    registry[:] = [f for f in registry if (getattr(f, "__module__", None),
                                           getattr(f, "__qualname__", repr(f))) != key]
    registry.append(fn)


def register_statement_source(fn: StatementSource) -> StatementSource:
    _add(billing_registry().statement_sources, fn)
    return fn


def register_caf_hours_source(fn: CafHoursSource) -> CafHoursSource:
    _add(billing_registry().caf_hours_sources, fn)
    return fn


def register_aeeh_source(fn: AeehSource) -> AeehSource:
    _add(billing_registry().aeeh_sources, fn)
    return fn


def register_psu_hours_source(fn: PsuHoursSource) -> PsuHoursSource:
    _add(billing_registry().psu_hours_sources, fn)
    return fn


def register_statement_closed(fn: Callable) -> Callable:
    _add(billing_registry().statement_closed, fn)
    return fn


def statement_closed_hooks() -> list[Callable]:
    return list(billing_registry().statement_closed)


def statement_sources() -> list[StatementSource]:
    return list(billing_registry().statement_sources)


def caf_hours_sources() -> list[CafHoursSource]:
    return list(billing_registry().caf_hours_sources)


def aeeh_sources() -> list[AeehSource]:
    return list(billing_registry().aeeh_sources)


def psu_hours_sources() -> list[PsuHoursSource]:
    return list(billing_registry().psu_hours_sources)
