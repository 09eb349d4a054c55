"""Known attacks: CSRF on every state-changing route, session fixation, open
redirect on `next=`, SQL injection in search and filter parameters, brute
force on the log-in form and the API token endpoint."""
from __future__ import annotations

import re
from urllib.parse import urljoin, urlsplit

import pytest

from app.accounts.models import Role
from tests.conftest import get_csrf, login
from tests.factories import make_user

STATE_CHANGING = {"POST", "PUT", "PATCH", "DELETE"}


def _url(rule) -> str:
    def value(match):
        converter = match.group(1) or ""
        if "int" in converter:
            return "1"
        return "x"

    return re.sub(r"<(?:(\w+)(?:\([^)]*\))?:)?(\w+)>", value, rule.rule)


# Routes without a CSRF token on purpose, and what protects them instead (they still refuse the forged post).
CSRF_EXEMPT = {
    "payments.notification": "the payment service's server-to-server call: eopayment checks its signature, "
                             "an unsigned one answers 400 and changes nothing",
}


@pytest.mark.parametrize("role", [Role.PARENT, Role.DIRECTOR, Role.RAM_STAFF, Role.CHILDMINDER, Role.ADMIN],
                         ids=lambda r: r.value)
def test_every_state_changing_html_route_refuses_a_post_without_csrf_token(app, make_client, role):
    """A forged cross-site form (no token, or a token from another session) is refused with
    400 before any view runs, on every route of the URL map except the bearer-token API."""
    client = make_client()
    assert login(client, make_user(role)).status_code == 302
    forged = get_csrf(make_client(), "/connexion")  # a token that belongs to another browser
    problems = []
    for rule in app.url_map.iter_rules():
        if rule.endpoint.startswith("api.") or rule.endpoint == "static":
            continue
        for method in sorted((rule.methods or set()) & STATE_CHANGING):
            url = _url(rule)
            for data in ({"x": "1"}, {"csrf_token": forged}):
                response = client.open(url, method=method, data=data)
                if rule.endpoint in CSRF_EXEMPT:
                    if response.status_code != 400:
                        problems.append(f"{method} {url}: {response.status_code} (exempt, but must refuse)")
                    continue
                if response.status_code != 400 or "envoyé depuis ce site" not in response.get_data(as_text=True):
                    problems.append(f"{method} {url}: {response.status_code}")
    assert not problems, "\n".join(problems)


def test_api_refuses_cookie_authentication_for_writes(client):
    """The JSON API is exempt from CSRF because it only trusts a bearer token:
    a logged-in browser session (the cookie a forged page would send) gives 401."""
    parent = make_user(Role.PARENT)
    assert login(client, parent).status_code == 302
    for path in ("/api/v1/bookings", "/api/v1/children", "/api/v1/sessions"):
        response = client.post(path, json={})
        assert response.status_code == 401, (path, response.status_code)


def _session_cookie(client) -> str | None:
    cookie = client.get_cookie("session")
    return cookie.value if cookie else None


def test_session_fixation_a_cookie_set_before_login_is_not_the_one_after(client, make_client):
    parent = make_user(Role.PARENT)
    client.get("/connexion")
    before = _session_cookie(client)
    assert before
    assert login(client, parent).status_code == 302
    after = _session_cookie(client)
    assert after and after != before
    # The attacker who planted `before` in the victim's browser is still anonymous.
    attacker = make_client()
    attacker.set_cookie("session", before)
    assert attacker.get("/accueil").status_code == 302
    # And the pre-login cookie carries nothing the logged-in one inherits (fresh CSRF token).
    assert get_csrf(attacker, "/connexion") != get_csrf(client, "/mon-compte/mot-de-passe")


HOSTILE_NEXT = ["https://evil.example/", "//evil.example/", "/\\evil.example", "\\\\evil.example",
                "http:evil.example", "https:/evil.example", " //evil.example", "/%0d%0aLocation:%20//evil",
                "javascript:alert(1)", "\t//evil.example", "//evil.example@pitchoun.fr", "/\t/evil.example"]


def _stays_on_site(location: str) -> bool:
    """What a browser would do with the Location header: stay on this host."""
    if any(ord(c) < 32 for c in location) or "\\" in location:
        return False
    return urlsplit(urljoin("http://pitchoun.test/a/", location)).netloc == "pitchoun.test"


@pytest.mark.parametrize("target", HOSTILE_NEXT)
def test_open_redirect_on_next_is_refused(client, target):
    parent = make_user(Role.PARENT)
    token = get_csrf(client, "/connexion?next=" + target)
    response = client.post("/connexion?next=" + target, data={
        "email": parent.email, "password": "Cahors-Lot-Riviere-2026", "csrf_token": token, "next": target})
    assert response.status_code == 302
    location = response.headers["Location"]
    assert _stays_on_site(location), location


def test_language_switch_next_is_not_an_open_redirect(client):
    for target in HOSTILE_NEXT:
        response = client.post("/langue", data={"lang": "fr", "next": target, "csrf_token": get_csrf(client)})
        location = response.headers.get("Location", "/")
        assert _stays_on_site(location), (target, location)


def test_safe_next_keeps_a_local_path(client):
    parent = make_user(Role.PARENT)
    token = get_csrf(client, "/connexion")
    response = client.post("/connexion?next=/foyer/", data={
        "email": parent.email, "password": "Cahors-Lot-Riviere-2026", "csrf_token": token, "next": "/foyer/"})
    assert response.headers["Location"].endswith("/foyer/")


INJECTIONS = ["' OR 1=1 --", "1; DROP TABLE users; --", "\" OR \"\"=\"", "%' OR '1'='1", "1 UNION SELECT 1"]
HARMLESS = "sans-rapport"

# (role, path, parameter) of every search or filter read from a query string.
FILTERS = [
    (Role.PARENT, "/accueils/reserver", "month"),
    (Role.PARENT, "/accueils/reserver", "child"),
    (Role.PARENT, "/accueils/reserver", "site"),
    (Role.PARENT, "/facturation/provisoire", "month"),
    (Role.DIRECTOR, "/facturation/caf", "month"),
    (Role.DIRECTOR, "/facturation/caf", "site"),
    (Role.RAM_STAFF, "/relais/demandes", "statut"),
    (Role.RAM_STAFF, "/relais/demandes", "relais"),
    (Role.RAM_STAFF, "/relais/assistantes-maternelles", "commune"),
    (Role.RAM_STAFF, "/relais/assistantes-maternelles", "relais"),
    (Role.RAM_STAFF, "/relais/ateliers", "relais"),
    (Role.RAM_STAFF, "/relais/observatoire", "commune"),
    (Role.ADMIN, "/admin/comptes", "q"),
    (Role.ADMIN, "/notifications/admin/echecs", "q"),
]


def _visible_text(html: str) -> str:
    html = re.sub(r'name="csrf_token"[^>]*>', "", html)
    html = re.sub(r"<script.*?</script>", "", html, flags=re.S)
    return html


@pytest.mark.parametrize("role", sorted({f[0] for f in FILTERS}, key=lambda r: r.value), ids=lambda r: r.value)
def test_sql_injection_in_filters_changes_nothing(login_as, role):
    from tests.families.factories import make_family

    make_family("Durand", children=2)
    make_user(Role.PARENT, last_name="Ferrand")
    client = login_as(make_user(role))
    for _role, path, param in [f for f in FILTERS if f[0] == role]:
        harmless = client.get(path, query_string={param: HARMLESS})
        if harmless.status_code == 404:
            continue  # route absent in this build
        assert harmless.status_code < 500, (path, param)
        for injection in INJECTIONS:
            response = client.get(path, query_string={param: injection})
            assert response.status_code == harmless.status_code, (path, param, injection, response.status_code)
            # Same rows as a harmless unknown value: the injected text is data, never SQL.
            rows = response.get_data(as_text=True).count("<tr")
            assert rows == harmless.get_data(as_text=True).count("<tr"), (path, param, injection)


def test_brute_force_on_login_is_rate_limited_per_account(client, make_client):
    victim = make_user(Role.PARENT)
    statuses = []
    for attempt in range(7):
        attacker = make_client()  # a new cookie each time: the limit follows the account, not the cookie
        token = get_csrf(attacker, "/connexion")
        statuses.append(attacker.post("/connexion", data={
            "email": victim.email, "password": f"guess-{attempt}", "csrf_token": token}).status_code)
    assert statuses[:5] == [401] * 5 and statuses[-1] == 429, statuses
    # The right password is refused too while the account is locked out.
    token = get_csrf(client, "/connexion")
    assert client.post("/connexion", data={"email": victim.email, "password": "Cahors-Lot-Riviere-2026",
                                           "csrf_token": token}).status_code == 429


def test_brute_force_on_login_is_rate_limited_per_address(make_client):
    statuses = []
    for attempt in range(32):
        attacker = make_client()
        token = get_csrf(attacker, "/connexion")
        statuses.append(attacker.post("/connexion", data={
            "email": f"nobody{attempt}@example.fr", "password": "x" * 12, "csrf_token": token}).status_code)
    assert 429 in statuses and statuses.index(429) <= 30, statuses


def test_brute_force_on_api_token_is_rate_limited(client):
    victim = make_user(Role.PARENT)
    statuses = [client.post("/api/v1/auth/token", json={"email": victim.email, "password": f"guess-{i}"}).status_code
                for i in range(7)]
    assert statuses[:5] == [401] * 5 and statuses[-1] == 429, statuses
    response = client.post("/api/v1/auth/token", json={"email": victim.email, "password": "Cahors-Lot-Riviere-2026"})
    assert response.status_code == 429


def test_brute_force_on_reset_tokens_is_harmless(client):
    """Reset tokens are signed: guessing gives a French refusal, never a 500, never a form to set a password."""
    for guess in ("a", "x" * 500, "' OR 1=1 --", "eyJhbGciOiJIUzI1NiJ9.e30.xxxx"):
        response = client.get("/reinitialiser/" + guess)
        assert response.status_code == 302, response.status_code
        assert response.headers["Location"].endswith("/mot-de-passe-oublie")
        assert 'type="password"' not in client.get("/mot-de-passe-oublie").get_data(as_text=True)


def test_brute_force_on_calendar_feed_tokens_reveals_nothing(client):
    for guess in ("a", "0" * 64, "../../etc/passwd", "' OR 1=1 --"):
        for path in ("/accueils/calendrier/{}.ics", "/accueils/calendrier/site/{}.ics"):
            response = client.get(path.format(guess))
            assert response.status_code in (404, 403, 400), (path, guess, response.status_code)


def test_sql_injection_in_api_filters_is_refused_in_french(client):
    from tests.conftest import api_token

    parent = make_user(Role.PARENT)
    headers = {"Authorization": f"Bearer {api_token(client, parent.email)}"}
    for param in ("site_id", "from", "to"):
        for injection in INJECTIONS:
            response = client.get("/api/v1/sessions", query_string={param: injection}, headers=headers)
            assert response.status_code in (400, 422), (param, injection, response.status_code)
            body = response.get_json()
            assert body and any(word in str(body) for word in ("entier", "date", "invalide", "Indiquez")), body


def test_nul_characters_are_refused_in_french_before_reaching_the_database(client, make_client):
    """PostgreSQL refuses NUL in strings (it was a 500 on the log-in form, the API token and uploads)."""
    response = client.post("/api/v1/auth/token", json={"email": "a\x00@example.fr", "password": "x"})
    assert response.status_code == 422 and "caractère nul" in response.get_json()["error"]["message"]
    assert response.get_json()["error"]["field"] == "email"
    token = get_csrf(client, "/connexion")
    response = client.post("/connexion", data={"email": "a\x00@example.fr", "password": "x", "csrf_token": token})
    assert response.status_code == 422 and "caractère nul" in response.get_data(as_text=True)
    assert client.get("/connexion?next=/a%00b").status_code == 422
