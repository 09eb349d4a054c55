"""Hostile values in URLs, on every route, as every role: never a server error.

The sweep in tests/test_route_sweep.py asks every route with an id that belongs to nobody;
this file asks with the ids and query values that broke pages before (issue 17, item 10):
identifiers above what the database stores (2^31, 2^63, 2^64, 10^30) in the path and in the
query string, and months and days at the ends of the calendar (0001-01, 9999-12,
0001-01-01, 9999-12-31). The whole kind is covered: a new route or a new query parameter
is asked the same way without anyone adding it here.
"""
from __future__ import annotations

import re

import pytest
from werkzeug.exceptions import NotFound
from werkzeug.routing import IntegerConverter

from tests.conftest import csrf_token_from, login
from tests.security.test_access_matrix import DESTRUCTIVE, _url
from tests.security.world import build_world

HUGE_IDS = ["9223372036854775808", "1" + "0" * 30]
# Each query carries every name a page reads a month, a day or an identifier from: a page that
# reads one of them and breaks on it answers 500, whichever it is.
DAY_NAMES = ("date", "day", "from", "to", "start", "end", "week", "debut", "fin")
ID_NAMES = ("child", "site", "relais", "provider_id", "unit_id", "session", "activity", "household")
EXTREME_QUERIES = [
    {"month": "9999-12", "first_month": "9999-12", "last_month": "9999-12", **dict.fromkeys(DAY_NAMES, "9999-12-31")},
    {"month": "0001-01", "first_month": "0001-01", "last_month": "0001-01", **dict.fromkeys(DAY_NAMES, "0001-01-01")},
    {"month": "10000-01", "first_month": "-1-01", **dict.fromkeys(DAY_NAMES, "99999-01-01")},
    dict.fromkeys(ID_NAMES, HUGE_IDS[0]),
]
ROLES = ["parent_a", "director_x", "ram_staff", "childminder", "admin"]
# Path identifiers never reach a view (test_every_int_route_is_bounded); two roles show it over HTTP.
HUGE_ID_ROLES = ("parent_a", "admin")


def test_every_int_route_is_bounded(app):
    """The kind: every <int:...> of the URL map refuses what the database cannot hold."""
    from app.urls import MAX_ID, BoundedIntegerConverter

    loose = [rule.rule for rule in app.url_map.iter_rules()
             for converter in rule._converters.values()
             if isinstance(converter, IntegerConverter) and
             (not isinstance(converter, BoundedIntegerConverter) or converter.max is None or converter.max > MAX_ID)]
    assert not loose, loose
    assert app.url_map.bind("localhost").match("/accueils/seances/2147483647")[0] == "booking.session_detail"
    with pytest.raises(NotFound):
        app.url_map.bind("localhost").match("/accueils/seances/2147483648")


def _huge_url(rule, huge: str) -> str:
    def value(match):
        converter, name = match.group(1) or "", match.group(2)
        if converter == "int":
            return huge
        return {"month": "2026-03", "token": "jeton-invalide"}.get(name, "inconnu")

    return re.sub(r"<(?:(\w+)(?:\([^)]*\))?:)?(\w+)>", value, rule.rule)


@pytest.mark.parametrize("role", ROLES)
def test_huge_identifiers_and_extreme_dates_never_break_a_page(app, make_client, role):
    world = build_world()
    client = make_client()
    headers = {}
    user = world.users[role]
    if user is not None:
        assert login(client, user).status_code == 302
        from tests.conftest import api_token
        headers = {"Authorization": f"Bearer {api_token(make_client(), user.email)}"}
    token = csrf_token_from(client.get("/connexion" if user is None else "/mon-compte/mot-de-passe")
                            .get_data(as_text=True))
    problems = []
    rules = [r for r in app.url_map.iter_rules() if r.endpoint != "static" and r.endpoint != "accounts.logout"]
    for rule in rules:
        methods = sorted((rule.methods or set()) - {"HEAD", "OPTIONS"})
        has_int = any(conv == "int" for conv, _n in re.findall(r"<(\w+)(?:\([^)]*\))?:(\w+)>", rule.rule))
        for method in methods:
            if has_int and role in HUGE_ID_ROLES:
                for huge in HUGE_IDS:
                    url = _huge_url(rule, huge)
                    if method == "GET":
                        response = client.get(url, headers=headers)
                    else:
                        response = client.open(url, method=method, data={"csrf_token": token}, headers=headers)
                    if response.status_code >= 500:
                        problems.append(f"{method} {url}: {response.status_code}")
                    elif response.status_code not in (302, 401, 403, 404, 405):
                        problems.append(f"{method} {url}: {response.status_code}, expected a refusal")
            if method == "GET" and not DESTRUCTIVE.search(rule.endpoint):
                url = _url(rule, world)
                for query in EXTREME_QUERIES:
                    response = client.get(url, query_string=query, headers=headers)
                    if response.status_code >= 500:
                        problems.append(f"GET {url}?{query}: {response.status_code}")
    assert not problems, "\n".join(problems)


def test_huge_identifiers_inside_form_values_are_refused_not_500(login_as):
    """Values that carry ids ("child:session" of the booking form) are parsed by app.urls.parse_id."""
    from tests.booking.factories import make_parent_with_child

    parent, _household, child = make_parent_with_child()
    client = login_as(parent)
    token = csrf_token_from(client.get("/accueils/reserver").get_data(as_text=True))
    for value in (f"{child.id}:{HUGE_IDS[0]}", f"{HUGE_IDS[0]}:1", f"{HUGE_IDS[1]}:{HUGE_IDS[1]}"):
        response = client.post("/accueils/reserver", data={"csrf_token": token, "item": value,
                                                           "submission_key": "k-" + value[:20]})
        assert response.status_code == 422, (value, response.status_code)
