"""The French pages speak French: no code name, no raw ISO date, no point decimal, no "(e)" or "(s)".

- Every translatable string of app/ (Python and templates, as Babel extracts them) writes gender and plural
  with ngettext or neutral wording, never "ajouté(e)", "réservation(s)", "animateur(s)".
- The pages of every role, with real identifiers (the crawl of tests/test_html_validity.py), show in their
  visible text (not in attributes, input values or form fields' contents) no stored code name (enum values
  such as "pending_preparation", "late_cancelled", notification groups "billing", "families"), no ISO date
  (2026-03-18) and no number with a decimal point (4.5): French writes "4,5".
"""
from __future__ import annotations

import re
from collections import defaultdict
from html.parser import HTMLParser
from pathlib import Path

import pytest

from tests.conftest import login
from tests.security.world import ROLES, build_world
from tests.test_html_validity import _crawl

ROOT = Path(__file__).resolve().parent.parent

# "(e)", "(s)", "(es)", "(le)", "(ne)", "(trice)" glued to a word: inclusive writing by brackets.
BRACKET_FORMS = re.compile(r"\w\((?:e|s|es|le|ne|x|trice|rice)\)")
ISO_DATE = re.compile(r"\b\d{4}-\d{2}-\d{2}\b")
POINT_DECIMAL = re.compile(r"(?<![\w.])\d+\.\d+(?![\w.])")

# English words that are stored codes and never French words (French homographs such as "present",
# "absent", "parent", "met", "sent", "prescription" are left out on purpose).
ENGLISH_CODES = {"confirmed", "cancelled", "waitlisted", "refused", "draft", "shared", "superseded", "pending",
                 "declined", "drawn", "extended", "planned", "validated", "transmitted", "failed", "sending",
                 "running", "morning", "afternoon", "walking", "childminder", "animator", "director", "over6",
                 "under6", "billing", "families", "account", "booking", "occasional", "hold", "confirm", "open",
                 "other", "none", "college", "ram", "admin"}
# A standard's version is not a decimal number ("RGAA 4.1", "WCAG 2.1").
VERSIONS = re.compile(r"\b(?:RGAA|WCAG|HTML|CSS|version)\s+\d+(?:\.\d+)+")


def _code_names() -> set[str]:
    """The snake_case values of every string enum of app/ ("pending_preparation", "late_cancelled", ...)."""
    import enum

    from app import create_app

    create_app()  # imports every domain, so every enum

    def subclasses(cls):
        for sub in cls.__subclasses__():
            yield sub
            yield from subclasses(sub)

    return {m.value for c in subclasses(enum.Enum) if c.__module__.startswith("app.")
            for m in c if isinstance(m.value, str) and "_" in m.value} | ENGLISH_CODES


class _VisibleText(HTMLParser):
    """The text a person reads: no attribute, no script/style, no <textarea> or <code> content."""

    HIDDEN = {"script", "style", "textarea", "code", "title"}

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.depth = 0
        self.parts: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag in self.HIDDEN:
            self.depth += 1

    def handle_endtag(self, tag):
        if tag in self.HIDDEN and self.depth:
            self.depth -= 1

    def handle_data(self, data):
        if not self.depth and data.strip():
            self.parts.append(data.strip())


def visible_text(html: str) -> str:
    parser = _VisibleText()
    parser.feed(html)
    return "\n".join(parser.parts)


def problems(text: str, codes: set[str]) -> list[str]:
    text = VERSIONS.sub("", text)
    found = [f"code « {word} »" for word in sorted(set(re.findall(r"\w+", text)) & codes)]
    found += [f"date ISO « {m} »" for m in sorted(set(ISO_DATE.findall(text)))]
    found += [f"nombre à point « {m} »" for m in sorted(set(POINT_DECIMAL.findall(text)))]
    return found


def test_the_checks_catch_what_they_look_for():
    codes = {"pending_preparation", "billing"}
    page = ('<main><h2>billing</h2><p>Statut : pending_preparation, le 2026-03-18, 4.5 h</p>'
            '<input value="2026-03-18"><a href="/x?d=2026-03-18&amp;h=4.5">vendredi 1er janvier, 4,5 h</a>'
            '<textarea>2026-01-02</textarea><code>1.2</code></main>')
    assert problems(visible_text(page), codes) == [
        "code « billing »", "code « pending_preparation »", "date ISO « 2026-03-18 »", "nombre à point « 4.5 »"]
    assert problems("Mercredi 18 mars 2026 : 4,5 h ; 12 h–18 h ; v2 ; CASF L423-22 ; 05 65 20 00 00 ; RGAA 4.1 ; "
                    "billings, facturation ; pending_preparations", codes) == []


def test_no_translatable_string_uses_brackets_for_gender_or_plural():
    from babel.messages.extract import extract_from_dir

    config = ROOT / "babel.cfg"
    from babel.messages.frontend import parse_mapping_cfg

    with config.open() as f:
        method_map, options_map = parse_mapping_cfg(f)
    bad = []
    for filename, lineno, message, _comments, _context in extract_from_dir(
            str(ROOT), method_map, options_map, keywords={"_": None, "_l": None, "gettext": None,
                                                          "lazy_gettext": None, "ngettext": (1, 2)}):
        for text in (message if isinstance(message, tuple) else (message,)):
            if text and BRACKET_FORMS.search(text):
                bad.append(f"{filename}:{lineno}: {text[:90]}")
    assert not bad, "use ngettext or neutral wording:\n" + "\n".join(bad)


@pytest.mark.slow  # every page of every role, about a minute
def test_the_french_pages_of_every_role_show_no_code_iso_date_or_point_decimal(app, make_client):
    codes = _code_names()
    world = build_world()
    found: dict[str, set[str]] = defaultdict(set)
    checked = 0
    for role in ROLES:
        client = make_client()
        user = world.users[role]
        if user is not None:
            assert login(client, user).status_code == 302
        for url, html in _crawl(app, client, world).items():
            checked += 1
            for problem in problems(visible_text(html), codes):
                found[problem].add(f"{role} {url}")
    report = [f"{problem}: {', '.join(sorted(where)[:5])}" for problem, where in sorted(found.items())]
    assert checked > 150, f"the crawl reached only {checked} pages"
    assert not found, f"{len(report)} problems in the French pages:\n" + "\n".join(report)


def test_every_notification_heading_is_french(app):
    from app.notifications.kinds import _GROUP_LABELS, group_label, registered_kinds

    with app.test_request_context("/"):
        groups = {kind.group for kind in registered_kinds()}
        assert {"billing", "families"} <= groups
        for group in groups:
            assert group in _GROUP_LABELS, f"no heading for the messages « {group} »"
            assert group_label(group) != group
        assert group_label("billing") == "Relevés et factures" and group_label("families") == "Votre foyer"
        assert group_label("inconnu") == "Autres messages"
