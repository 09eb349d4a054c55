"""The one "contains, any case" condition of the search boxes (accounts, desk households).

`%`, `_` and `\\` typed by the user are matched literally (escaped), on SQLite and PostgreSQL alike.
"""
from __future__ import annotations

from sqlalchemy import func


def contains(column, text: str):
    """`column` contains `text`, ignoring case (text is lower-cased and escaped here)."""
    escaped = text.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return func.lower(column).like(f"%{escaped}%", escape="\\")
