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

Billing registers the booking sources itself (app/billing/sources.py).
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, time
from decimal import ROUND_HALF_UP, Decimal
from typing import TYPE_CHECKING

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

_STATEMENT_SOURCES: list[StatementSource] = []
_CAF_HOURS_SOURCES: list[CafHoursSource] = []
_AEEH_SOURCES: list[AeehSource] = []
_PSU_HOURS_SOURCES: list[PsuHoursSource] = []
_STATEMENT_CLOSED: list[Callable] = []


def _add(registry: list, fn) -> None:
    key = (getattr(fn, "__module__", None), getattr(fn, "__qualname__", repr(fn)))
    registry[:] = [f for f in registry if (getattr(f, "__module__", None),
                                           getattr(f, "__qualname__", repr(f))) != key]
    registry.append(fn)


def register_statement_source(fn: StatementSource) -> StatementSource:
    _add(_STATEMENT_SOURCES, fn)
    return fn


def register_caf_hours_source(fn: CafHoursSource) -> CafHoursSource:
    _add(_CAF_HOURS_SOURCES, fn)
    return fn


def register_aeeh_source(fn: AeehSource) -> AeehSource:
    _add(_AEEH_SOURCES, fn)
    return fn


def register_psu_hours_source(fn: PsuHoursSource) -> PsuHoursSource:
    _add(_PSU_HOURS_SOURCES, fn)
    return fn


def register_statement_closed(fn: Callable) -> Callable:
    _add(_STATEMENT_CLOSED, fn)
    return fn


def statement_closed_hooks() -> list[Callable]:
    return list(_STATEMENT_CLOSED)


def statement_sources() -> list[StatementSource]:
    return list(_STATEMENT_SOURCES)


def caf_hours_sources() -> list[CafHoursSource]:
    return list(_CAF_HOURS_SOURCES)


def aeeh_sources() -> list[AeehSource]:
    return list(_AEEH_SOURCES)


def psu_hours_sources() -> list[PsuHoursSource]:
    return list(_PSU_HOURS_SOURCES)
