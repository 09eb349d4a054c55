"""Notifications have no demo data of their own: the other domains' demo actions fill the outbox."""
from __future__ import annotations


def load_demo() -> list[str]:
    return []
