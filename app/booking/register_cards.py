"""Register cards: short notes other domains add beside a child in a session's register.

A provider is `fn(user, session, child_ids) -> dict[child_id, list[RegisterCard]]`;
it decides itself who may see what (and records the reads it must). Booking
only displays the cards and never imports the providers (inclusion registers
its "what to know today" card from its hooks).
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass(frozen=True)
class RegisterCard:
    title: str
    lines: tuple[tuple[str, str], ...] = field(default_factory=tuple)  # (label, text)
    url: str | None = None  # a page with more, for those allowed


CardProvider = Callable[[object, object, list[int]], dict[int, list[RegisterCard]]]
_PROVIDERS: list[CardProvider] = []


def register_card_provider(provider: CardProvider) -> None:
    if provider not in _PROVIDERS:
        _PROVIDERS.append(provider)


def unregister_card_provider(provider: CardProvider) -> None:
    if provider in _PROVIDERS:
        _PROVIDERS.remove(provider)


def cards_for(user, session, child_ids: list[int]) -> dict[int, list[RegisterCard]]:
    """Every provider's cards for the children of a session's register, by child id."""
    cards: dict[int, list[RegisterCard]] = {}
    for provider in list(_PROVIDERS):
        for child_id, items in (provider(user, session, list(child_ids)) or {}).items():
            cards.setdefault(child_id, []).extend(items)
    return cards
