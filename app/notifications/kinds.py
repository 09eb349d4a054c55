"""The registry of message kinds: what each kind is called and whether it is essential.

The composition root (app/composition.py) registers every kind on the application:

    register_kind("booking.promoted", _l("Place obtenue sur liste d'attente"), essential=True)
    register_kind("booking.reminder", _l("Rappel la veille d'une séance"), roles=[Role.PARENT])

Essential kinds (security of the account, a decision the person must act on)
are always sent; the others can be switched off on the preferences page.
A kind nobody registered is treated as non-essential (and logged).
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l

from app.accounts.models import Role
from app.notifications.registry import notification_registry


@dataclass(frozen=True)
class MessageKind:
    kind: str
    label: object  # a lazy string
    essential: bool
    roles: frozenset[Role] | None  # None: may concern every role

    @property
    def group(self) -> str:
        return self.kind.split(".", 1)[0]

    def concerns(self, role: Role) -> bool:
        return self.roles is None or role in self.roles


# Headings of the preferences page, by the prefix of the kind ("booking.reminder" -> "booking").
_GROUP_LABELS: dict[str, object] = {
    "account": _l("Votre compte"),
    "booking": _l("Réservations des accueils de loisirs"),
    "occasional": _l("Garde ponctuelle"),
    "inclusion": _l("Besoins et accueil de votre enfant"),
    "payments": _l("Factures et paiements"),
    "ram": _l("Relais Petite Enfance"),
    "billing": _l("Relevés et factures"),
    "families": _l("Votre foyer"),
    "notifications": _l("Messages de service"),
}


def register_kind(kind: str, label, essential: bool = False, *, roles: Iterable[Role] | None = None) -> MessageKind:
    """Declare a message kind on the current application. Registering the same kind again replaces it."""
    if not kind or "/" in kind or kind != kind.strip():
        raise ValueError(f"invalid message kind {kind!r}")
    entry = MessageKind(kind, label, bool(essential), frozenset(roles) if roles is not None else None)
    notification_registry().kinds[kind] = entry
    return entry


def register_group(prefix: str, label) -> None:
    """Name a heading of the preferences page (for a domain whose prefix is not known here)."""
    notification_registry().group_labels[prefix] = label


def group_label(prefix: str) -> str:
    # Never the code itself as a heading: a prefix nobody named goes under "Autres messages".
    label = notification_registry().group_labels.get(prefix) or _GROUP_LABELS.get(prefix)
    return str(label or _l("Autres messages"))


def get_kind(kind: str) -> MessageKind | None:
    return notification_registry().kinds.get(kind)


def is_essential(kind: str) -> bool:
    entry = notification_registry().kinds.get(kind)
    return bool(entry and entry.essential)


def registered_kinds() -> list[MessageKind]:
    return sorted(notification_registry().kinds.values(), key=lambda k: k.kind)


def kinds_for(role: Role) -> list[MessageKind]:
    """The kinds that may be sent to a person of `role`, in registry order."""
    return [k for k in registered_kinds() if k.concerns(role)]


def unregister_kind(kind: str) -> None:
    """Remove a kind (tests)."""
    notification_registry().kinds.pop(kind, None)
