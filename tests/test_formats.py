"""The one set of French number, date and address formats (app/formats.py), used by pages and e-mails."""
from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import pytest

from app import formats


@pytest.fixture
def fr(app):
    with app.test_request_context("/"):
        yield


@pytest.mark.parametrize("value,places,expected", [
    (4.5, None, "4,5"), (Decimal("1.50"), None, "1,5"), (Decimal("2.00"), None, "2"), (3, 2, "3,00"),
    (1234567.25, None, "1\u202f234\u202f567,25"), (None, None, ""),
])
def test_numbers_are_written_the_french_way(fr, value, places, expected):
    assert formats.number(value, places) == expected


def test_hours_and_days(fr):
    assert formats.hours(Decimal("4.50")) == "4,5\u00a0h"
    assert formats.day_long(date(2027, 1, 1)) == "vendredi 1er janvier 2027"
    assert formats.day_long(date(2027, 1, 2), year=False) == "samedi 2 janvier"
    assert formats.day_short(date(2027, 1, 1)) == "01/01/2027"
    assert formats.email_moment(datetime(2026, 12, 1, 14, 30)) == "mardi 1er décembre 2026 à 14:30"


def test_the_filters_are_registered_once_for_every_template(app):
    for name in formats.FILTERS:
        assert app.jinja_env.filters[name] is formats.FILTERS[name]
    with app.test_request_context("/"):
        assert app.jinja_env.from_string("{{ 4.5|hours }} – {{ d|day_long }}").render(d=date(2027, 1, 1)) \
            == "4,5\u00a0h – vendredi 1er janvier 2027"


def test_an_e_mail_date_is_french_whatever_the_page_language(app):
    from flask import session

    with app.test_request_context("/"):
        session["lang"] = "en"
        assert formats.day_long(date(2027, 1, 1)) == "Friday 1 January 2027"  # the page follows its language
        assert formats.email_day(date(2027, 1, 1)) == "vendredi 1er janvier 2027"


@pytest.mark.parametrize("address,commune,expected", [
    ("180 rue Albert-Camus, 46000 Cahors", "Cahors", "180 rue Albert-Camus, 46000 Cahors"),
    ("Place de la mairie", "Pradines", "Place de la mairie, Pradines"),
    ("12 rue du Lot, Pradines", "Pradines", "12 rue du Lot, Pradines"),
    ("", "Catus", "Catus"), ("3 rue Haute", "", "3 rue Haute"),
])
def test_an_address_names_its_commune_once(address, commune, expected):
    assert formats.postal_address(address, commune) == expected
