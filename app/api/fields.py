"""Reading typed values from JSON bodies and query strings, with French 422s.

Every helper raises ValidationFailed naming the field, so a client always
learns which value is wrong; nothing malformed reaches a service (or the
database, where a NUL byte or a 64-bit id would be a server error).
"""
from __future__ import annotations

import re
import unicodedata
from datetime import date, datetime, time

from flask_babel import gettext as _

from app.booking.models import PARIS
from app.errors import NotFound, ValidationFailed

MAX_ID = 2**31 - 1  # INTEGER columns
MIN_YEAR, MAX_YEAR = 1900, 2100  # keeps date arithmetic (ranges, calendars) far from date.min and date.max
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_TIME = re.compile(r"^\d{2}:\d{2}(:\d{2})?$")
_KEY = re.compile(r"^[\x21-\x7e]{1,100}$")

_MISSING = object()


def _value(data: dict, name: str, required: bool):
    value = data.get(name, _MISSING)
    if value is _MISSING or value is None:
        if required:
            raise ValidationFailed(_("Le champ « %(field)s » est obligatoire.", field=name), field=name)
        return None
    return value


def text(data: dict, name: str, *, max_length: int, required: bool = True) -> str | None:
    """A string without control characters or lone surrogates, at most `max_length` characters once trimmed."""
    value = _value(data, name, required)
    if value is None:
        return None
    if not isinstance(value, str):
        raise ValidationFailed(_("Le champ « %(field)s » doit être une chaîne de caractères.", field=name),
                               field=name)
    if any(unicodedata.category(c) in ("Cc", "Cs") for c in value):
        raise ValidationFailed(_("Le champ « %(field)s » contient des caractères non autorisés.", field=name),
                               field=name)
    if len(value) > max_length:  # as sent, like the document's maxLength
        raise ValidationFailed(_("Le champ « %(field)s » est trop long (%(n)d caractères au plus).",
                                 field=name, n=max_length), field=name)
    value = value.strip()
    if required and not value:
        raise ValidationFailed(_("Le champ « %(field)s » est obligatoire.", field=name), field=name)
    return value


def integer(data: dict, name: str, *, minimum: int = 0, maximum: int = MAX_ID, required: bool = True) -> int | None:
    value = _value(data, name, required)
    if value is None:
        return None
    if isinstance(value, float) and value.is_integer() and abs(value) <= 2**53:
        value = int(value)  # JSON Schema's integers include 7.0
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValidationFailed(_("Le champ « %(field)s » doit être un nombre entier.", field=name), field=name)
    if not minimum <= value <= maximum:
        raise ValidationFailed(_("Le champ « %(field)s » doit être compris entre %(min)s et %(max)s.",
                                 field=name, min=minimum, max=maximum), field=name)
    return value


def identifier(data: dict, name: str) -> int:
    return integer(data, name, minimum=1)


def day(data: dict, name: str, *, required: bool = True) -> date | None:
    """A date written YYYY-MM-DD."""
    value = _value(data, name, required)
    if value is None:
        return None
    if isinstance(value, str) and _DATE.match(value):
        try:
            parsed = date.fromisoformat(value)
        except ValueError:
            parsed = None
        if parsed is not None:
            if not MIN_YEAR <= parsed.year <= MAX_YEAR:
                raise ValidationFailed(_("Le champ « %(field)s » doit être une date entre %(min)s et %(max)s.",
                                         field=name, min=MIN_YEAR, max=MAX_YEAR), field=name)
            return parsed
    raise ValidationFailed(_("Le champ « %(field)s » doit être une date au format AAAA-MM-JJ.", field=name),
                           field=name)


def clock(data: dict, name: str) -> time:
    """A time of day written HH:MM (or HH:MM:SS)."""
    value = _value(data, name, True)
    if isinstance(value, str) and _TIME.match(value):
        try:
            return time.fromisoformat(value)
        except ValueError:
            pass
    raise ValidationFailed(_("Le champ « %(field)s » doit être une heure au format HH:MM.", field=name),
                           field=name)


def moment(data: dict, name: str, *, required: bool = False) -> datetime | None:
    """An ISO 8601 date and time; without an offset it is Paris time. Returned aware."""
    value = _value(data, name, required)
    if value is None:
        return None
    if isinstance(value, str) and 16 <= len(value) <= 40 and _DATE.match(value[:10]):
        try:
            parsed = datetime.fromisoformat(value)
        except ValueError:
            parsed = None
        if parsed is not None and MIN_YEAR <= parsed.year <= MAX_YEAR:
            return parsed if parsed.tzinfo else parsed.replace(tzinfo=PARIS)
    raise ValidationFailed(_("Le champ « %(field)s » doit être une date et une heure ISO 8601 "
                             "(par exemple 2026-06-01T08:00:00+02:00).", field=name), field=name)


def _query_value(args, name: str) -> str | None:
    """A query parameter's raw value; sent empty (`?to=`) it is refused, never read as absent."""
    raw = args.get(name)
    if raw == "":
        raise ValidationFailed(_("Le paramètre « %(field)s » est vide : donnez une valeur ou retirez-le.",
                                 field=name), field=name)
    return raw


def query_integer(args, name: str) -> int | None:
    raw = _query_value(args, name)
    if raw is None:
        return None
    if not re.fullmatch(r"\d{1,10}", raw) or not 1 <= int(raw) <= MAX_ID:
        raise ValidationFailed(_("Le paramètre « %(field)s » doit être un identifiant (nombre entier positif).",
                                 field=name), field=name)
    return int(raw)


def query_day(args, name: str) -> date | None:
    raw = _query_value(args, name)
    if raw is None:
        return None
    return day({name: raw}, name)


def only(data: dict, names: tuple[str, ...]) -> dict:
    """Refuse a field the operation does not know (the document says additionalProperties: false):
    a misspelt optional field would otherwise be silently ignored."""
    for key in data:
        if key not in names:
            shown = key if isinstance(key, str) and key.isprintable() and len(key) <= 50 else "?"
            raise ValidationFailed(_("Le champ « %(field)s » n'est pas attendu ici.", field=shown),
                                   field=shown)
    return data


def path_id(value: int) -> int:
    """A path identifier too large for the database names nothing: 404, like any unknown id."""
    if not 1 <= value <= MAX_ID:
        raise NotFound()
    return value


def idempotency_key(headers) -> str | None:
    raw = headers.get("Idempotency-Key")
    if raw is None:
        return None
    if not _KEY.match(raw):
        raise ValidationFailed(_("L'en-tête Idempotency-Key doit contenir de 1 à 100 caractères ASCII visibles."),
                               field="Idempotency-Key")
    return raw


def same_request(answered: tuple, asked: tuple) -> None:
    """An Idempotency-Key replays the first answer only for the same request: another one is a 422."""
    if answered != asked:
        raise key_reused()


def key_reused() -> ValidationFailed:
    """The error for an Idempotency-Key already answered for another request (422)."""
    return ValidationFailed(_("Cette clé Idempotency-Key a déjà servi pour une autre demande : "
                              "utilisez une nouvelle clé."), code="idempotency_key_reused", field="Idempotency-Key")
