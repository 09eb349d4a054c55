"""Every page is valid HTML (RGAA criterion 8.2), as the W3C Nu HTML Checker reads it.

The access-matrix world (tests/security/world.py: two households, two sites,
a Relais, real identifiers of every kind of object) is built once; then, as
anonymous and as each role, every GET route of the URL map is requested
with real identifiers, and the links of each HTML page are followed (GET
only) to depth 2. Every HTML answer, whatever its status, goes to the
checker (tests/html_check.py: one Java process for the whole session).
0 errors allowed. The e2e journeys check each of their screens too
(tests/e2e/support.py `check()`).
"""
from __future__ import annotations

import re
from collections import defaultdict, deque
from urllib.parse import urljoin, urlsplit

import pytest

from tests.conftest import login
from tests.html_check import html_errors, warm_up
from tests.security.test_access_matrix import _url
from tests.security.world import ROLES, build_world

MAX_DEPTH = 2
HREF = re.compile(r"""<a\b[^>]*?\bhref\s*=\s*["']([^"']+)["']""", re.I)
# Not pages: assets, the JSON API, calendar feeds, and the link that ends the session.
SKIP = re.compile(r"^/(static|api)/|\.(ics|csv|pdf|json|xlsx)$|^/deconnexion")


def _links(html: str, base: str) -> list[str]:
    found = []
    for href in HREF.findall(html):
        href = href.replace("&amp;", "&")
        parts = urlsplit(urljoin(base, href))
        if parts.scheme not in ("http", "") or parts.netloc not in ("", "localhost"):
            continue
        url = parts.path + (f"?{parts.query}" if parts.query else "")
        if not SKIP.search(parts.path):
            found.append(url)
    return found


def _crawl(app, client, world) -> dict[str, str]:
    """{url: html} of every HTML page reached from the seeds within MAX_DEPTH links (GET only)."""
    seeds = ["/", "/accueil"] + [
        _url(rule, world) for rule in app.url_map.iter_rules()
        if "GET" in (rule.methods or ()) and not rule.endpoint.startswith(("static", "api."))]
    queue = deque((url, 0) for url in seeds if not SKIP.search(urlsplit(url).path))
    seen = {url for url, _ in queue}
    pages = {}
    while queue:
        url, depth = queue.popleft()
        response = client.get(url)
        location = response.headers.get("Location")
        if response.status_code in (301, 302, 303, 307, 308) and location:
            targets = _links(f'<a href="{location}">', url)
        elif response.mimetype == "text/html":
            html = response.get_data(as_text=True)
            pages[url] = html
            targets = _links(html, url) if depth < MAX_DEPTH else []
        else:
            targets = []
        for target in targets:
            if target not in seen:
                seen.add(target)
                queue.append((target, depth + 1))
    return pages


@pytest.mark.slow  # a minute: every page as every role through the Nu checker (`make test` runs it)
def test_every_page_reached_by_every_role_is_valid_html(app, make_client):
    warm_up()
    world = build_world()
    pages = []
    for role in ROLES:
        client = make_client()
        user = world.users[role]
        if user is not None:
            assert login(client, user).status_code == 302
        pages += [(role, url, html) for url, html in _crawl(app, client, world).items()]
    errors: dict[str, set[str]] = defaultdict(set)   # message -> {"role url"}
    example: dict[str, str] = {}
    for role, url, html in pages:
        for error in html_errors(html):
            message = error.split(" ", 1)[1].split("  «")[0]
            errors[message].add(f"{role} {url}")
            example.setdefault(message, error)
    checked = len(pages)
    report = [f"{example[message]}\n    on {len(where)} page(s): {', '.join(sorted(where)[:6])}"
              for message, where in sorted(errors.items())]
    print(f"\nHTML validity: {checked} pages checked, {sum(len(w) for w in errors.values())} errors")
    assert checked > 150, f"the crawl reached only {checked} pages"
    assert not errors, f"{len(report)} distinct HTML errors in {checked} pages:\n" + "\n".join(report)


def _subclasses(cls):
    for sub in cls.__subclasses__():
        yield sub
        yield from _subclasses(sub)


def test_every_form_uses_the_project_base_form():
    """app.forms.FlaskForm renders hidden inputs without ids and required selects validly;
    a form built on flask_wtf's class directly would bring the duplicate `csrf_token` ids back."""
    import flask_wtf

    from app import create_app  # noqa: F401  (imports every blueprint, so every form)
    from app.forms import FlaskForm

    stray = sorted(f"{c.__module__}.{c.__qualname__}" for c in _subclasses(flask_wtf.FlaskForm)
                   if c.__module__.startswith("app.") and not issubclass(c, FlaskForm))
    assert not stray, f"forms to base on app.forms.FlaskForm: {stray}"


def test_two_forms_on_one_page_share_no_id_and_required_selects_are_valid(app):
    from wtforms import SelectField, StringField
    from wtforms.validators import InputRequired

    from app.forms import FlaskForm

    class Choice(FlaskForm):
        name = StringField("Nom")
        site = SelectField("Accueil", choices=[("1", "Accueil X"), ("2", "Accueil Y")], validators=[InputRequired()])
        child = SelectField("Enfant", choices=[("", "Choisir"), ("7", "Anna")], validators=[InputRequired()])
        empty = SelectField("Vide", choices=[], validators=[InputRequired()])

    with app.test_request_context("/"):
        first, second = Choice(), Choice(prefix="autre")
        html = "\n".join(str(f.csrf_token) for f in (first, second))
        assert " id=" not in html and 'name="csrf_token"' in html
        assert ' required' not in str(first.site) and 'aria-required="true"' in str(first.site)
        assert ' required' not in str(first.empty) and 'aria-required="true"' in str(first.empty)
        assert ' required' in str(first.child) and 'aria-required' not in str(first.child)
        page = ("<!doctype html><html lang=fr><head><title>t</title></head><body><main>"
                + "".join(f"<form method=post>{f.csrf_token}<label for={f.site.id}>Accueil</label>{f.site}"
                          f"<label for={f.child.id}>Enfant</label>{f.child}</form>" for f in (first, second))
                + "</main></body></html>")
    assert html_errors(page) == []
