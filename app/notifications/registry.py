"""The notifications' registry, one per application (installed and filled by app/composition.py):
the message kinds, the headings of the preferences page, the daily jobs."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING

from app.registries import current

if TYPE_CHECKING:
    from app.notifications.kinds import MessageKind


@dataclass
class NotificationRegistry:
    kinds: dict[str, MessageKind] = field(default_factory=dict)
    group_labels: dict[str, object] = field(default_factory=dict)
    jobs: dict[str, Callable[[date], int]] = field(default_factory=dict)


def notification_registry() -> NotificationRegistry:
    """The current application's notifications registry."""
    return current(NotificationRegistry)
