"""Every kind of e-mail, as a mail client receives it: through the real SMTP exchange (aiosmtpd),
parsed back with Python's e-mail parser (policy.default).

Each has a text part and an HTML alternative from the one layout: same content, the same links,
an action button when there is a link, the territory's name, no image, and valid HTML (the W3C
Nu checker, vnu-jar from npm, reads every HTML part with 0 errors).
"""
from __future__ import annotations

import email
import email.policy
import json
import re
import subprocess
from html.parser import HTMLParser

import pytest
from sqlalchemy import select

from app.accounts.models import Role
from app.extensions import db
from app.notifications.kinds import registered_kinds
from app.notifications.models import OutboxMessage, OutboxStatus
from app.notifications.outbox import enqueue, notify
from app.notifications.sender import ascii_address, send_due
from tests.factories import make_user
from tests.notifications.conftest import CollectingHandler, _serve
from tests.support.calendars import ROOT, _node

BASE = "http://127.0.0.1:5000"
URL = re.compile(r"https?://[^\s<>\"«»]+")

# Plausible values for every variable the e-mail templates use.
CONTEXT = {
    "child_name": "Léa", "child_first_name": "Léa", "childminder_name": "Sophie Delmas", "commune": "Cahors",
    "day": "mercredi 6 janvier 2027", "days": 3, "deadline": "5 janvier 2027", "director_name": "Inès Martin",
    "email": "lea.parent@example.fr", "end": "12:00", "hours": 48, "first_day": "6 janvier 2027", "household_name": "Foyer Roux",
    "household_url": f"{BASE}/famille/", "invitation_url": f"{BASE}/famille/rejoindre/jeton",
    "inviter_name": "Nadia Roux", "last_declared": "1er octobre 2026", "lines": ["Mercredi 6 janvier : confirmée"],
    "location": "Bureau de la direction", "minutes": 30, "month": "décembre 2026", "new_guardian_email": "sam@example.fr",
    "new_guardian_name": "Sam Durand", "note": "Pensez au doudou.", "number": "R-2026-12-0001",
    "path": "/accueils/mes-reservations", "period": "Vacances d'hiver", "phone": "05 65 00 00 00",
    "place": "Relais de Cahors", "relais_name": "Relais Cahors centre", "reset_url": f"{BASE}/reinitialiser/jeton",
    "review_on": "1er mars 2027", "seed": "graine", "set_password_url": f"{BASE}/reinitialiser/jeton2",
    "sign_in_url": f"{BASE}/connexion/lien/jeton3", "verify_url": f"{BASE}/inscription/confirmer/jeton4",
    "login_url": f"{BASE}/connexion",
    "site_name": "Accueil de la Croix-de-Fer", "start": "08:30", "theme": "Éveil musical",
    "total": "17,00 €", "url": f"{BASE}/inclusion/enfants/1", "what": "Garde ponctuelle", "when": "09/12/2026 à 08:30",
    "session": "mercredi 6 janvier 2027 (matin)",
}


class _Html(HTMLParser):
    def __init__(self):
        super().__init__()
        self.hrefs, self.images, self.text, self.lang = [], [], [], None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "a":
            self.hrefs.append(attrs.get("href"))
        if tag == "img":
            self.images.append(attrs)
        if tag == "html":
            self.lang = attrs.get("lang")

    def handle_data(self, data):
        self.text.append(data)


def _words(text: str) -> list[str]:
    return re.findall(r"\w+", URL.sub(" ", text))


def _vnu_errors(pages: dict[str, str], tmp_path) -> list[str]:
    _node()  # npm install when node_modules is missing
    jar = ROOT / "node_modules" / "vnu-jar" / "build" / "dist" / "vnu.jar"
    files = []
    for name, html in pages.items():
        path = tmp_path / f"{name}.html"
        path.write_text(html, encoding="utf-8")
        files.append(str(path))
    result = subprocess.run(["java", "-jar", str(jar), "--format", "json", "--exit-zero-always", *files],
                            capture_output=True, text=True, timeout=300, check=False)
    messages = json.loads(result.stderr or result.stdout)["messages"]
    return [f"{m.get('url', '').rsplit('/', 1)[-1]}:{m.get('lastLine')}: {m['message']}" for m in messages
            if m.get("type") == "error"]


def test_every_kind_arrives_with_text_and_the_same_content_in_html(app, smtp_server, tmp_path):
    parent = make_user(Role.PARENT, first_name="Nadia", last_name="Roux", email="nadia.roux@example.fr")
    kinds = sorted(k.kind for k in registered_kinds() if not k.kind.startswith("test."))
    assert len(kinds) >= 25
    for kind in kinds:
        notify(kind, parent, {**CONTEXT, "user": parent})
    db.session.commit()

    assert send_due().sent == len(kinds)
    received = {m.message["X-Pitchoun-Kind"]: m for m in smtp_server.received}
    assert sorted(received) == kinds
    pages = {}
    for kind, item in received.items():
        message = email.message_from_bytes(item.raw, policy=email.policy.default)
        assert message.get_content_type() == "multipart/alternative", kind
        plain, html = message.get_body(("plain",)), message.get_body(("html",))
        assert plain is not None and html is not None, kind
        text, markup = plain.get_content(), html.get_content()
        parsed = _Html()
        parsed.feed(markup)
        # The same links, the same words, in the same order.
        links = [u.rstrip(".,;:!?)]") for u in URL.findall(text)]
        assert set(parsed.hrefs) == set(links), kind
        assert _words(" ".join(parsed.text)).count("Pitchoun") >= _words(text).count("Pitchoun")
        html_words = _words(" ".join(parsed.text))
        position = 0
        for word in _words(text):
            assert word in html_words[position:], f"{kind}: {word!r} missing or out of order in the HTML"
            position = html_words.index(word, position) + 1
        # The layout: French, the territory, a button for the action, no image.
        assert parsed.lang == "fr" and "Grand Cahors" in markup and not parsed.images, kind
        if links:
            assert "display:inline-block" in markup, f"{kind}: no action button"
        pages[kind.replace(".", "-")] = markup
    assert _vnu_errors(pages, tmp_path) == []


def test_the_checker_sees_invalid_html(tmp_path):
    """Control: the Nu checker reports an error the layout could make."""
    bad = "<!DOCTYPE html><html lang=fr><head><title>x</title></head><body><p><div>x</div></p></body></html>"
    assert _vnu_errors({"bad": bad}, tmp_path)


def test_html_escapes_what_the_text_holds(app, smtp_server):
    parent = make_user(Role.PARENT, email="p@example.fr")
    notify("booking.promoted", parent, {**CONTEXT, "child_name": "<script>alert(1)</script>"})
    db.session.commit()
    send_due()
    message = smtp_server.messages()[0]
    markup = message.get_body(("html",)).get_content()
    assert "<script>" not in markup and "&lt;script&gt;" in markup


def test_a_row_enqueued_without_html_gets_the_layout(app, smtp_server):
    enqueue("account.welcome", to="x@example.fr", subject="Bienvenue", body_text="Bonjour,\n\nhttp://127.0.0.1:5000/")
    db.session.commit()
    send_due()
    markup = smtp_server.messages()[0].get_body(("html",)).get_content()
    assert 'href="http://127.0.0.1:5000/"' in markup


def test_international_domain_is_sent_in_idna():
    assert ascii_address("élise@crèche-cahors.fr") == "élise@xn--crche-cahors-ydb.fr"
    assert ascii_address("lea@example.fr") == "lea@example.fr"


def test_international_address_is_sent_with_smtputf8_or_refused_for_good(app, monkeypatch):
    # A server that offers SMTPUTF8 takes it: smtplib asks for it.
    handler = CollectingHandler()
    server = _serve(app, monkeypatch, handler, enable_SMTPUTF8=True)
    try:
        enqueue("account.welcome", to="élise@crèche-cahors.fr", subject="Bienvenue", body_text="Bonjour")
        db.session.commit()
        assert send_due().sent == 1
        assert handler.received[0].rcpt_tos == ["élise@xn--crche-cahors-ydb.fr"]
    finally:
        server.controller.stop()

    # A server without SMTPUTF8 cannot: the message fails at once, with the reason, and is not retried.
    # (aiosmtpd's Controller offers SMTPUTF8 unless told otherwise.)
    handler = CollectingHandler()
    server = _serve(app, monkeypatch, handler, enable_SMTPUTF8=False)
    try:
        message = enqueue("account.welcome", to="zoé@example.fr", subject="Bienvenue", body_text="Bonjour")
        other = enqueue("account.welcome", to="lea@example.fr", subject="Bienvenue", body_text="Bonjour")
        db.session.commit()
        report = send_due()
        assert (report.sent, report.failed, report.retried) == (1, 1, 0)
        row = db.session.scalar(select(OutboxMessage).where(OutboxMessage.id == message.id)
                                .execution_options(populate_existing=True))
        assert row.status == OutboxStatus.FAILED and "SMTPUTF8" in row.last_error
        assert [r.rcpt_tos for r in handler.received] == [["lea@example.fr"]]
        assert db.session.scalar(select(OutboxMessage.status).where(OutboxMessage.id == other.id)) == OutboxStatus.SENT
    finally:
        server.controller.stop()


@pytest.mark.parametrize("kind", ["account.password_reset"])
def test_action_button_points_at_the_link_of_the_text(app, smtp_server, kind):
    user = make_user(Role.PARENT, email="lea.durand@example.fr")
    notify(kind, user, {"reset_url": f"{BASE}/reinitialiser/abc", "minutes": 30})
    db.session.commit()
    send_due()
    markup = smtp_server.messages()[0].get_body(("html",)).get_content()
    button = re.search(r'<a href="([^"]+)" style="display:inline-block[^>]*>([^<]+)</a>', markup)
    assert button and button.group(1) == f"{BASE}/reinitialiser/abc"
    assert button.group(2) == "Choisir un nouveau mot de passe"
