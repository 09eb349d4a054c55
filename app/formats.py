"""The one set of number and date formats of the pages and e-mails, through Babel (Flask-Babel's locale).

Registered once as Jinja filters by create_app():

- ``{{ 4.5|number }}`` -> "4,5" (French decimal comma, narrow no-break space between thousands);
- ``{{ 4.5|hours }}`` -> "4,5 h";
- ``{{ day|day_long }}`` -> "vendredi 1er janvier 2027" (French ordinal on the first of the month);
- ``{{ day|day_short }}`` -> "01/01/2027";
- ``{{ amount|euros }}`` -> "1 234,50 €"; ``{{ 12.5|decimal_fr }}`` -> "12,50".

Flask-Babel's own filters (``dateformat``, ``datetimeformat``, ``timeformat``) stay available.
"""
from __future__ import annotations

from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal

from flask import Flask
from flask_babel import format_date, format_decimal, get_locale


def number(value, places: int | None = None) -> str:
    """A number in the page's language: 4.5 -> "4,5"; 4.50 with places=2 -> "4,50"; None -> ""."""
    if value is None or value == "":
        return ""
    value = Decimal(str(value))
    if places is not None:
        pattern = "#,##0." + "0" * places if places else "#,##0"
        return format_decimal(value, format=pattern)
    # Optional decimals: Decimal("1.50") -> "1,5", Decimal("2.00") -> "2".
    return format_decimal(value, format="#,##0.###")


def hours(value) -> str:
    """4.5 -> "4,5 h" (a duration in hours)."""
    if value is None or value == "":
        return ""
    return f"{number(value)}\u00a0h"


def day_long(value, *, year: bool = True) -> str:
    """date(2027, 1, 1) -> "vendredi 1er janvier 2027"; without the year: "vendredi 1er janvier"."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = value.date()
    if isinstance(value, str):
        value = date.fromisoformat(value)
    pattern = "EEEE d MMMM yyyy" if year else "EEEE d MMMM"
    text = format_date(value, pattern)
    locale = get_locale()
    if value.day == 1 and (locale is None or locale.language == "fr"):
        # Babel writes "1 janvier"; French writes "1er janvier".
        weekday = format_date(value, "EEEE")
        text = text.replace(f"{weekday} 1 ", f"{weekday} 1er ", 1)
    return text


def day_short(value) -> str:
    """date(2027, 1, 1) -> "01/01/2027" (tables, where space is short)."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = value.date()
    return format_date(value, "dd/MM/yyyy")


def euros(value) -> str:
    """1234.5 -> "1 234,50 €" (French format; the value is a Decimal rounded to the cent, half up)."""
    if value is None:
        return ""
    rounded = Decimal(value).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    text = f"{rounded:,.2f}".replace(",", "\u202f").replace(".", ",")
    return f"{text}\u00a0€"


def decimal_fr(value, places: int = 2) -> str:
    """12.5 -> "12,50" (hours and counts in French pages)."""
    if value is None:
        return ""
    return f"{Decimal(value):.{places}f}".replace(".", ",")


FILTERS = {"number": number, "hours": hours, "day_long": day_long, "day_short": day_short,
           "euros": euros, "decimal_fr": decimal_fr}


def init_app(app: Flask) -> None:
    for name, function in FILTERS.items():
        app.add_template_filter(function, name)


def postal_address(address: str | None, commune: str | None) -> str:
    """"180 rue Albert-Camus, 46000 Cahors" with the commune "Cahors" -> the address alone, not
    "46000 Cahors, Cahors": the commune is added only when the address does not already end with it."""
    address = (address or "").strip().rstrip(",").strip()
    commune = (commune or "").strip()
    if not commune:
        return address
    if not address:
        return commune
    last_part = address.rsplit(",", 1)[-1].strip()
    words = last_part.split()
    if last_part.casefold() == commune.casefold() or " ".join(words[1:]).casefold() == commune.casefold():
        return address
    return f"{address}, {commune}"


def email_day(value, *, year: bool = True) -> str:
    """day_long() in French whatever the page's language: e-mails are always written in French
    (notifications.outbox renders them in the default locale)."""
    from flask import current_app
    from flask_babel import force_locale

    with force_locale(current_app.config.get("BABEL_DEFAULT_LOCALE", "fr")):
        return day_long(value, year=year)


def email_moment(value) -> str:
    """A local date-time for an e-mail: "vendredi 1er janvier 2027 à 14:30"."""
    return f"{email_day(value)} à {value:%H:%M}"
