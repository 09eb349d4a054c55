"""The HTML part of every e-mail, built once from its text part (one layout for every kind).

The text part stays what the domain's template wrote. The HTML alternative shows the same
content: the same paragraphs in the same order, every address of the text as a link to that
same address, the footer after the text's signature separator ("-- ") in smaller type. The
first address that stands alone on its line (or after "Page concernée :") is the message's
action: it is also shown as a button. Header: the territory's name. No images.
Template: emails/_layout.html (inline styles: e-mail clients ignore style sheets).
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from flask import current_app
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l

URL = re.compile(r"https?://[^\s<>\"«»]+")
TRAILING = ".,;:!?)]"
SIGNATURE = re.compile(r"^-- ?$")
PAGE_PREFIX = re.compile(r"^(?P<label>[^:]{1,60}:)\s*(?P<url>https?://\S+)$")

# The button's words, by kind or kind prefix (the most specific wins).
ACTION_LABELS = {
    "account.password_reset": _l("Choisir un nouveau mot de passe"),
    "account.welcome": _l("Se connecter à Pitchoun"),
    "families.invitation": _l("Rejoindre le foyer"),
    "booking": _l("Voir mes réservations"),
    "billing": _l("Voir le relevé"),
    "inclusion.plan_shared": _l("Lire le projet d'accueil"),
    "inclusion.meeting_invitation": _l("Ouvrir le dossier de l'enfant"),
    "occasional": _l("Voir mes demandes de garde"),
    "ram.workshop_reminder": _l("Voir l'atelier"),
}
DEFAULT_ACTION = _l("Ouvrir dans Pitchoun")


@dataclass
class Line:
    parts: list[tuple[str, str]] = field(default_factory=list)  # ("text", s) or ("link", url)
    action: str | None = None  # this line is the action: its URL
    prefix: str = ""


@dataclass
class Block:
    lines: list[Line]
    action: str | None = None


def _split_url(token: str) -> tuple[str, str]:
    url = token
    while url and url[-1] in TRAILING:
        url = url[:-1]
    return url, token[len(url):]


def _line(text: str) -> Line:
    line = Line()
    position = 0
    for match in URL.finditer(text):
        url, rest = _split_url(match.group(0))
        if match.start() > position:
            line.parts.append(("text", text[position:match.start()]))
        line.parts.append(("link", url))
        if rest:
            line.parts.append(("text", rest))
        position = match.end()
    if position < len(text):
        line.parts.append(("text", text[position:]))
    return line


def _blocks(text: str) -> list[Block]:
    blocks, current = [], []
    for raw in text.splitlines():
        if raw.strip():
            current.append(raw.rstrip())
        elif current:
            blocks.append(current)
            current = []
    if current:
        blocks.append(current)
    return [Block([_line(line) for line in block]) for block in blocks]


def _action_label(kind: str) -> str:
    parts = kind.split(".")
    for length in range(len(parts), 0, -1):
        label = ACTION_LABELS.get(".".join(parts[:length]))
        if label is not None:
            return str(label)
    return str(DEFAULT_ACTION)


def parse(text: str) -> tuple[list[Block], list[Block], str | None]:
    """(body blocks, footer blocks, action URL) of a text part."""
    lines = text.splitlines()
    cut = next((i for i, line in enumerate(lines) if SIGNATURE.match(line)), len(lines))
    body, footer = _blocks("\n".join(lines[:cut])), _blocks("\n".join(lines[cut + 1:]))
    action = None
    for block in body:
        for line in block.lines:
            links = [value for kind, value in line.parts if kind == "link"]
            texts = "".join(value for kind, value in line.parts if kind == "text").strip()
            if len(links) == 1 and (not texts or PAGE_PREFIX.match("".join(v for _k, v in line.parts).strip())):
                line.action = links[0]
                block.action = links[0]
                action = links[0]
                break
        if action:
            break
    return body, footer, action


def compose_html(*, subject: str, body_text: str, kind: str) -> str:
    """The HTML alternative of a message, from its text part."""
    body, footer, action = parse(body_text)
    config = current_app.config
    with force_locale(config.get("BABEL_DEFAULT_LOCALE", "fr")):
        return current_app.jinja_env.get_template("emails/_layout.html").render(
            subject=subject, body=body, footer=footer, action=action, action_label=_action_label(kind),
            territory=config.get("TERRITORY_NAME") or "Grand Cahors")
