"""Staffing: animators required by the regime's ratio, beside those planned."""
from __future__ import annotations

import math
from dataclasses import dataclass

from app.booking.models import STAFFING_RATIOS, AgeBand, Session


@dataclass(frozen=True)
class Staffing:
    children_under6: int
    children_over6: int
    required: int
    planned: int

    @property
    def shortfall(self) -> int:
        return max(0, self.required - self.planned)


def staffing_for(session: Session) -> Staffing:
    """Animators needed for the children holding a place, one band at a time (CASF R227-15/16).

    Each band is rounded up on its own, which never under-staffs a mixed group.
    """
    ratio_under6, ratio_over6 = STAFFING_RATIOS[session.unit.activity.regime]
    under6, over6 = session.taken(AgeBand.UNDER6), session.taken(AgeBand.OVER6)
    required = math.ceil(under6 / ratio_under6) + math.ceil(over6 / ratio_over6)
    return Staffing(under6, over6, required, session.animators_planned)


# ---------------------------------------------------------------- extra staff (additive extension point)

_EXTRA_PROVIDERS: list = []


def register_extra_staff_provider(provider) -> None:
    """Another domain (inclusion: renfort from reception plans) adds animators to a session's need."""
    if provider not in _EXTRA_PROVIDERS:
        _EXTRA_PROVIDERS.append(provider)


def unregister_extra_staff_provider(provider) -> None:
    if provider in _EXTRA_PROVIDERS:
        _EXTRA_PROVIDERS.remove(provider)


@dataclass(frozen=True)
class FullStaffing:
    children_under6: int
    children_over6: int
    ratio_required: int
    extra: int
    planned: int

    @property
    def required(self) -> int:
        return self.ratio_required + self.extra

    @property
    def shortfall(self) -> int:
        return max(0, self.required - self.planned)


def full_staffing_for(session: Session) -> FullStaffing:
    """The ratio-based need (staffing_for) plus the extra staff the registered providers add."""
    base = staffing_for(session)
    extra = sum(int(provider(session) or 0) for provider in list(_EXTRA_PROVIDERS))
    return FullStaffing(base.children_under6, base.children_over6, base.required, extra, base.planned)
