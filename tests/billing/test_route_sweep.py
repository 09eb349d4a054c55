"""Every billing route requested as every role: allowed roles never get 403 or 500, others get 403/404,
anonymous visitors go to the log-in page. Object-level rules are tested in test_views.py."""
import re

import pytest

from app.accounts.models import Role
from tests.conftest import get_csrf, login
from tests.factories import make_user

P, AN, DI, AD = Role.PARENT, Role.ANIMATOR, Role.DIRECTOR, Role.ADMIN
ACCESS = {
    "billing.index": {P, DI, AD},
    "billing.statement": {P, AD},
    "billing.statement_csv": {P, AD},
    "billing.provisional": {P},
    "billing.absences": {P},
    "billing.upload_certificate": {P},
    "billing.download_certificate": {P, DI, AD},
    "billing.site_certificates": {DI, AD},
    "billing.months": {AD},
    "billing.close_month": {AD},
    "billing.month_detail": {AD},
    "billing.settings": {AD},
    "billing.tariff_grid": {AD},
    "billing.unit_tariffs": {AD},
    "billing.end_tariff": {AD},
    "billing.delete_tariff": {AD},
    "billing.renew_grid": {AD},
    "billing.caf_index": {DI, AD},
    "billing.caf_report": {DI, AD},
    "billing.caf_report_csv": {DI, AD},
    "billing.caf_psu": {DI, AD},
    "billing.caf_psu_export": {DI, AD},
}


def _rules(app):
    return [r for r in app.url_map.iter_rules() if r.endpoint.startswith("billing.")]


def test_every_billing_route_has_an_access_rule(app):
    assert {r.endpoint for r in _rules(app)} == set(ACCESS)


def _url(rule) -> str:
    return re.sub(r"<(?:(\w+):)?(\w+)>", lambda m: "999999" if m.group(1) == "int" else "2026-03", rule.rule)


@pytest.mark.parametrize("role", list(Role) + [None], ids=lambda r: r.value if r else "anonymous")
def test_billing_routes_answer_each_role_as_declared(app, make_client, role):
    client = make_client()
    if role is not None:
        assert login(client, make_user(role)).status_code == 302
    token = get_csrf(client, "/connexion")
    problems = []
    for rule in _rules(app):
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            url = _url(rule)
            response = client.open(url, method=method, data={"csrf_token": token} if method == "POST" else None)
            status = response.status_code
            if role is None:
                ok = status == 302 and "/connexion" in response.headers.get("Location", "")
            elif role in ACCESS[rule.endpoint]:
                ok = status not in (403, 500)
            else:
                ok = status in (403, 404)
            if not ok:
                problems.append(f"{method} {url} as {role}: {status}")
    assert not problems, problems
