"""The price a booking freezes, through a hook: booking never imports billing.

Billing owns the pricing policy (which tariff applies, what to do when none
does: the dated rule `billing.missing_tariff_fallback`) and registers it at
start-up (`register_pricer`, listed in app/composition.py). A pricer returns the
price or raises `NoApplicableTariff`; it never answers None, so a booking is
never free by accident. Without a registered pricer the tariff grid is read
directly and a missing tariff is refused.
"""
from __future__ import annotations

from collections.abc import Callable
from datetime import date
from decimal import Decimal

from flask_babel import lazy_gettext as _l

from app.booking.errors import BookingRefused
from app.families.models import Household


class NoApplicableTariff(BookingRefused):
    code = "no_applicable_tariff"
    default_message = _l("Aucun tarif ne s'applique à votre foyer pour cette séance (commune ou quotient "
                         "familial) : la réservation ne peut pas être enregistrée. Contactez le service "
                         "enfance-jeunesse du Grand Cahors.")


Pricer = Callable[[int, Household, date], Decimal]


def register_pricer(fn: Pricer) -> Pricer:
    """Set the pricing policy of the current application (one at a time: registering again replaces it)."""
    from app.booking.registry import booking_registry

    booking_registry().pricer = fn
    return fn


def price_for(unit_id: int, household: Household, day: date) -> Decimal:
    """The price of `unit_id` on `day` for `household`. Raises NoApplicableTariff (a BookingRefused)."""
    from app.booking.registry import booking_registry

    pricer = booking_registry().pricer
    if pricer is not None:
        return pricer(unit_id, household, day)
    from app.booking.catalogue import price_for as grid_price

    price = grid_price(unit_id, household, day)
    if price is None:
        raise NoApplicableTariff()
    return price
