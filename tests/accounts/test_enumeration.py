"""The kind behind issue #17 item 8: a public form that takes an e-mail address answers
differently when an account exists. Every such form is checked here: same status, same
redirect, same page (CSRF tokens aside), whether or not the address has an account."""
from __future__ import annotations

import re

import pytest

from tests.conftest import get_csrf
from tests.factories import make_user

PASSWORD = "Quercy-Vignes-Ete-2026"

FORMS = {
    "/inscription": lambda email: {"first_name": "Inès", "last_name": "Delmas", "email": email, "phone": "",
                                   "password": PASSWORD, "password_confirm": PASSWORD},
    "/mot-de-passe-oublie": lambda email: {"email": email},
    "/connexion/lien": lambda email: {"email": email},
    "/connexion": lambda email: {"email": email, "password": PASSWORD},
}


def _answer(client, path, email):
    data = FORMS[path](email)
    data["csrf_token"] = get_csrf(client, path)
    response = client.post(path, data=data)
    body = re.sub(r'value="[^"]+"', 'value=""', response.get_data(as_text=True)).replace(email, "EMAIL")
    follow = ""
    if response.status_code == 302:
        follow = re.sub(r'value="[^"]+"', 'value=""', client.get(response.headers["Location"]).get_data(as_text=True))
    return response.status_code, response.headers.get("Location"), body, follow


@pytest.mark.parametrize("path", sorted(FORMS))
def test_public_email_forms_do_not_tell_whether_an_account_exists(path, make_client):
    make_user(email="connue@example.fr")  # her password is not PASSWORD: log-in fails for both
    known = _answer(make_client(), path, "connue@example.fr")
    unknown = _answer(make_client(), path, "inconnue@example.fr")
    assert known == unknown


def test_every_public_form_with_an_email_field_is_checked(app, client):
    """A new public form taking an e-mail address must be added above."""
    public_email_forms = set()
    for rule in app.url_map.iter_rules():
        if "POST" not in (rule.methods or ()) or rule.arguments or rule.rule.startswith("/api/"):
            continue
        if "GET" not in (rule.methods or ()):
            continue
        page = client.get(rule.rule)
        if page.status_code == 200 and re.search(r'<input[^>]+name="email"', page.get_data(as_text=True)):
            public_email_forms.add(rule.rule)
    assert public_email_forms <= set(FORMS), sorted(public_email_forms - set(FORMS))
    assert public_email_forms
