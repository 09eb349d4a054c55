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
