"""Register cards and alerts: short notes other domains add beside a child in a session's register.

A provider is `fn(user, session, child_ids) -> dict[child_id, list[RegisterCard]]`;
it decides itself who may see what (and records the reads it must). Booking
only displays the cards and never imports the providers (inclusion registers
its "what to know today" card through app/composition.py).
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from app.booking.registry import add_once, booking_registry, remove


@dataclass(frozen=True)
class RegisterCard:
    title: str
    lines: tuple[tuple[str, str], ...] = field(default_factory=tuple)  # (label, text)
    url: str | None = None  # a page with more, for those allowed


CardProvider = Callable[[object, object, list[int]], dict[int, list[RegisterCard]]]


def register_card_provider(provider: CardProvider) -> None:
    add_once(booking_registry().card_providers, provider)


def unregister_card_provider(provider: CardProvider) -> None:
    remove(booking_registry().card_providers, provider)


def cards_for(user, session, child_ids: list[int]) -> dict[int, list[RegisterCard]]:
    """Every provider's cards for the children of a session's register, by child id."""
    cards: dict[int, list[RegisterCard]] = {}
    for provider in list(booking_registry().card_providers):
        for child_id, items in (provider(user, session, list(child_ids)) or {}).items():
            cards.setdefault(child_id, []).extend(items)
    return cards


# Alerts: one short line per child (a severe allergy, a PAI) shown wherever staff care for the child that
# day: a session's register and occasional care's day view read the same providers, so both show the same
# alert. A provider is `fn(user, child_ids, detail) -> dict[child_id, list[str]]`; the caller passes only
# children the user is caring for (its own access rule decided it) and `detail` says where, for the trail
# the provider writes (inclusion records each read of health data).
AlertProvider = Callable[[object, list[int], str], dict[int, list[str]]]


def register_alert_provider(provider: AlertProvider) -> None:
    add_once(booking_registry().alert_providers, provider)


def unregister_alert_provider(provider: AlertProvider) -> None:
    remove(booking_registry().alert_providers, provider)


def alerts_for(user, child_ids: list[int], detail: str) -> dict[int, list[str]]:
    """Every provider's alerts for these children (whom `user` cares for), by child id."""
    alerts: dict[int, list[str]] = {}
    if not child_ids:
        return alerts
    for provider in list(booking_registry().alert_providers):
        for child_id, items in (provider(user, list(child_ids), detail) or {}).items():
            alerts.setdefault(child_id, []).extend(items)
    return alerts
