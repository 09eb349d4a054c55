"""The English catalogue is complete, well-formed, and used once English is chosen."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

TRANSLATIONS = Path(__file__).resolve().parent.parent / "app" / "translations"
EN_PO = TRANSLATIONS / "en" / "LC_MESSAGES" / "messages.po"
NAMED = re.compile(r"%\((\w+)\)")


def _catalog():
    with EN_PO.open("rb") as f:
        return read_po(f)


def _forms(value) -> tuple[str, ...]:
    return value if isinstance(value, tuple) else (value,)


def test_every_message_has_an_english_translation():
    catalog = _catalog()
    messages = [m for m in catalog if m.id]
    assert messages, "the catalogue is empty"
    missing = [_forms(m.id)[0] for m in messages
               if m.fuzzy or not all(s.strip() for s in _forms(m.string))
               or len(_forms(m.string)) < len(_forms(m.id))]
    assert missing == [], f"{len(missing)} untranslated or fuzzy entries, e.g. {missing[:5]}"


def test_translations_keep_the_placeholders_of_the_french():
    wrong = []
    for message in _catalog():
        if not message.id:
            continue
        expected = set(NAMED.findall(_forms(message.id)[-1]))
        for form in _forms(message.string):
            if set(NAMED.findall(form)) != expected:
                wrong.append((_forms(message.id)[0], form))
    assert wrong == []


def test_catalogue_compiles_without_errors(tmp_path):
    catalog = _catalog()
    errors = [(m.id, e) for m, errs in catalog.check() for e in errs]
    assert errors == []
    target = tmp_path / "messages.mo"
    with target.open("wb") as f:
        write_mo(f, catalog)
    assert target.stat().st_size > 0


def _compile_into_app() -> None:
    """Write app/translations/en/LC_MESSAGES/messages.mo (git-ignored) from the .po."""
    with EN_PO.with_suffix(".mo").open("wb") as f:
        write_mo(f, _catalog())


# Compiled at collection time, before any test asks for English, so the suite does not
# depend on `make translations` having run.
_compile_into_app()


@pytest.fixture
def compiled_catalogue(app):
    """The English catalogue, freshly compiled, with Flask-Babel's translation cache emptied."""
    _compile_into_app()
    from flask_babel import get_domain

    with app.app_context():
        get_domain().cache.clear()
    return _catalog()


def test_login_page_is_in_english_after_choosing_english(client, compiled_catalogue):
    from tests.conftest import get_csrf

    french = client.get("/connexion").get_data(as_text=True)
    assert "Se connecter" in french
    sign_in = compiled_catalogue.get("Se connecter").string
    assert sign_in == "Sign in"

    client.post("/langue", data={"lang": "en", "next": "/connexion", "csrf_token": get_csrf(client)})
    html = client.get("/connexion").get_data(as_text=True)
    assert 'lang="en"' in html
    assert sign_in in html
    assert compiled_catalogue.get("Mot de passe").string in html
    assert "Se connecter" not in html
