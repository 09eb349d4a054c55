"""The communes of the Grand Cahors agglomeration (reference data)."""
from __future__ import annotations

import csv
from pathlib import Path

from sqlalchemy import select

from app.extensions import db
from app.families.models import Commune
from app.transactions import use_case

DEFAULT_COMMUNES_CSV = Path(__file__).resolve().parent / "data" / "grand-cahors-communes.csv"


@use_case
def load_communes(csv_path: str | Path | None = None) -> int:
    """Load the communes from a CSV (insee,name,lat,lon), upserting by INSEE code.

    Idempotent: a second run with the same file changes nothing; a renamed
    commune or a moved centre is updated in place (households keep their
    commune). Communes absent from the file are kept, since households may
    point at them. One transaction. Returns the number of communes in the file.
    Raises ValueError on a malformed row (nothing is written then).
    """
    path = Path(csv_path) if csv_path else DEFAULT_COMMUNES_CSV
    with path.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    parsed: dict[str, tuple[str, float, float]] = {}
    for number, row in enumerate(rows, start=2):
        insee = (row.get("insee") or "").strip()
        name = (row.get("name") or "").strip()
        if len(insee) != 5 or not name:
            raise ValueError(f"{path}: line {number}: an INSEE code of 5 characters and a name are required")
        try:
            parsed[insee] = (name, float(row["lat"]), float(row["lon"]))
        except (KeyError, TypeError, ValueError):
            raise ValueError(f"{path}: line {number}: latitude and longitude must be numbers") from None
    existing = {c.insee: c for c in db.session.scalars(select(Commune).where(Commune.insee.in_(parsed)))}
    for insee, (name, lat, lon) in parsed.items():
        commune = existing.get(insee)
        if commune is None:
            db.session.add(Commune(insee=insee, name=name, latitude=lat, longitude=lon))
            continue
        if commune.name != name:
            commune.name = name
        if commune.latitude != lat:
            commune.latitude = lat
        if commune.longitude != lon:
            commune.longitude = lon
    return len(parsed)


def list_communes() -> list[Commune]:
    """Every commune, by name (for choice lists)."""
    return list(db.session.scalars(select(Commune).order_by(Commune.name)))
