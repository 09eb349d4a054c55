"""Object-level access matrix: every route of the URL map and of the API,
requested as every role WITH REAL identifiers belonging to others.

The world (tests/security/world.py) holds household A's child, booking,
statement, certificate, needs document, reception plan version, Relais
demand; site X's session, activity, register; another childminder's profile,
contract and own child; a workshop; a failed e-mail. Household B's parent,
site Y's director, the childminder (a different one), the Relais staff, the
admin and an anonymous visitor each request every (endpoint, method).

EXPECTED holds, per "endpoint METHOD", one letter per role in the order of
ROLES (parent_a, parent_b, childminder, animator_x, director_x, director_y,
ram_staff, admin, anonymous):

  o  the request was served (2xx, or a redirect elsewhere than the log-in page)
  v  served to this user but refused on its content (400, 409, 422: an empty form)
  n  refused: 403 or 404 (another household's object answers 404)
  l  sent to log in (302 to /connexion, or 401 for the API)
  r  rate-limited or method refused (405, 429)

A new route (or method) without an entry fails `test_every_route_is_in_the_matrix`.
Writes are sent after every read, with only a CSRF token (an empty form),
and the destructive ones last, so each role meets the world as built.
Secret-URL routes (feeds, reset and join tokens) use household A's real feed
token and an invalid reset/join token. MATRIX_PRINT=1 prints the observed table.
"""
from __future__ import annotations

import os
import re

import pytest

from tests.conftest import api_token, csrf_token_from, login
from tests.security.world import ROLES, build_world

EXPECTED: dict[str, str] = {
    "api.occasional_availability GET": "vvvvvvvvl",
    "api.occasional_book POST": "vnnnnnnnl",
    "booking.adjust_session POST": "nnnnvnnvl",
    "booking.create_activity POST": "nnnnvnnvl",
    "booking.create_site POST": "nnnnnnnvl",
    "booking.update_site POST": "nnnnvnnvl",
    "occasional.admin_opening_add POST": "nnnnnnnvl",
    "occasional.admin_opening_edit GET": "nnnnnnnol",
    "occasional.admin_opening_edit POST": "nnnnnnnvl",
    "occasional.admin_opening_remove POST": "nnnnnnnol",
    "occasional.admin_provider GET": "nnnnnnnol",
    "occasional.admin_provider POST": "nnnnnnnvl",
    "occasional.admin_provider_delete POST": "nnnnnnnol",
    "occasional.admin_provider_new GET": "nnnnnnnol",
    "occasional.admin_provider_new POST": "nnnnnnnvl",
    "occasional.admin_providers GET": "nnnnnnnol",
    "occasional.admin_staff_add POST": "nnnnnnnvl",
    "occasional.admin_staff_remove POST": "nnnnnnnol",
    "occasional.admin_tariff_add POST": "nnnnnnnvl",
    "occasional.admin_tariff_edit GET": "nnnnnnnol",
    "occasional.admin_tariff_edit POST": "nnnnnnnvl",
    "occasional.admin_tariff_remove POST": "nnnnnnnol",
    "occasional.attendance POST": "nnnnonnol",
    "occasional.cancel POST": "onnnnnnnl",
    "occasional.cancel_pattern POST": "onnnnnnnl",
    "occasional.coordination GET": "nnnooonol",
    "occasional.day GET": "nnnnonnol",
    "occasional.decide POST": "nnnnonnol",
    "occasional.index GET": "oonnnnnnl",
    "occasional.my_requests GET": "oonnnnnnl",
    "occasional.pattern GET": "oonnnnnnl",
    "occasional.pattern POST": "vvnnnnnnl",
    "occasional.range_to_relais POST": "oonnnnnnl",
    "occasional.submit_request POST": "vvnnnnnnl",
    "occasional.to_relais POST": "onnnnnnnl",
    "accounts.account GET": "ooooooool",
    "accounts.registration_sent GET": "ooooooooo",
    "accounts.request_sign_in_link GET": "ooooooooo",
    "accounts.request_sign_in_link POST": "vvvvvvvvv",
    "accounts.revoke_api_token POST": "onnnnnnnl",
    "accounts.sign_in_with_link GET": "lllllllll",
    "accounts.sign_in_with_link POST": "lllllllll",
    "accounts.verify_email GET": "ooooooooo",
    "accounts.verify_email POST": "lllllllll",
    "accounts.admin_create_user GET": "nnnnnnnol",
    "accounts.admin_create_user POST": "nnnnnnnvl",
    "accounts.admin_edit_user GET": "nnnnnnnol",
    "accounts.admin_edit_user POST": "nnnnnnnvl",
    "accounts.admin_send_reset_link POST": "nnnnnnnol",
    # Desk mode: the right families.act_at_desk (Relais staff, administrators). Without an open
    # desk session, every household page sends back to the search (a redirect: "o").
    "desk.index GET": "nnnnnnool",
    "desk.open_household POST": "nnnnnnool",
    "desk.new_household GET": "nnnnnnool",
    "desk.new_household POST": "nnnnnnvvl",
    "desk.household GET": "nnnnnnool",
    "desk.add_child GET": "nnnnnnool",
    "desk.add_child POST": "nnnnnnool",
    "desk.book GET": "nnnnnnool",
    "desk.book POST": "nnnnnnool",
    "desk.cancel GET": "nnnnnnool",
    "desk.cancel POST": "nnnnnnool",
    "desk.end POST": "nnnnnnool",
    "desk.family_history GET": "oonnnnnnl",
    "accounts.admin_toggle_user POST": "nnnnnnnol",
    "accounts.admin_users GET": "nnnnnnnol",
    "accounts.change_password GET": "ooooooool",
    "accounts.change_password POST": "ooooooool",
    "accounts.forgot_password GET": "ooooooooo",
    "accounts.forgot_password POST": "ooooooooo",
    "accounts.login GET": "ooooooooo",
    "accounts.login POST": "ooooooooo",
    "accounts.logout POST": "ooooooool",
    "accounts.logout_everywhere POST": "ooooooool",
    "accounts.register GET": "ooooooooo",
    "accounts.register POST": "oooooooov",
    "accounts.reset_password GET": "ooooooooo",
    "accounts.reset_password POST": "ooooooooo",
    "api.auth_token POST": "lllllllll",
    "api.cancel_booking DELETE": "vnnnnnnnl",
    "api.create_booking POST": "vvnnnnnnl",
    "api.create_child POST": "oonnnnnnl",
    "api.create_session POST": "nnnnvvnvl",
    "api.list_bookings GET": "oonnnnnnl",
    "api.list_children GET": "oonnnnnnl",
    "api.list_sessions GET": "ooooooool",
    "api.list_sites GET": "ooooooool",
    "api.openapi GET": "ooooooooo",
    "billing.absences GET": "oonnnnnnl",
    "billing.caf_index GET": "nnnnoonol",
    "billing.caf_report GET": "nnnnonnol",
    "billing.caf_report_csv GET": "nnnnonnol",
    "billing.caf_psu GET": "nnnnoonol",  # a director sees the providers he coordinates (none for director_y)
    "billing.caf_psu_export GET": "nnnnoonol",
    "billing.close_month POST": "nnnnnnnvl",
    "billing.delete_tariff POST": "nnnnnnnol",
    "billing.download_certificate GET": "onnnonnol",
    "billing.end_tariff POST": "nnnnnnnol",
    "billing.index GET": "oonnoonol",
    "billing.month_detail GET": "nnnnnnnol",
    "billing.months GET": "nnnnnnnol",
    "billing.provisional GET": "oonnnnnnl",
    "billing.renew_grid POST": "nnnnnnnol",
    "billing.settings GET": "nnnnnnnol",
    "billing.settings POST": "nnnnnnnol",
    "billing.site_certificates GET": "nnnnoonol",
    "billing.statement GET": "onnnnnnol",
    "billing.statement_csv GET": "onnnnnnol",
    "billing.tariff_grid GET": "nnnnnnnol",
    "billing.unit_tariffs GET": "nnnnnnnol",
    "payments.invoices GET": "oonnnnnnl",
    "payments.invoice GET": "onnnnnnol",
    "payments.invoice_pdf GET": "onnnnnnol",
    "payments.pay POST": "oonnnnnnl",
    "payments.payment_return GET": "oonnnnnnl",
    "payments.notification GET": "vvvvvvvvv",
    "payments.notification POST": "vvvvvvvvv",
    "payments.regie GET": "nnnnnnnol",
    "payments.tax_certificate GET": "oonnnnnnl",
    "payments.direct_debit GET": "oonnnnnnl",
    "payments.direct_debit POST": "vvnnnnnnl",
    "payments.revoke_mandate POST": "onnnnnnnl",
    "payments.debit_file GET": "nnnnnnnol",
    "payments.debit_file POST": "nnnnnnnvl",
    "payments.import_rejections POST": "nnnnnnnvl",
    "payments.desk_payment POST": "nnnnnnnvl",
    "payments.unpaid GET": "nnnnnnnol",
    "payments.journal GET": "nnnnnnnol",
    "payments.reconciliation GET": "nnnnnnnol",
    "payments.reconciliation POST": "nnnnnnnvl",
    "payments_simulator.page GET": "vvvvvvvvv",
    "payments_simulator.choose POST": "vvvvvvvvv",
    "billing.unit_tariffs POST": "nnnnnnnvl",
    "billing.upload_certificate POST": "onnnnnnnl",
    "booking.activity_detail GET": "nnnnonnol",
    "booking.activity_detail POST": "nnnnonnol",
    "booking.allocation_close POST": "nnnnvnnvl",
    "booking.allocation_export GET": "oonoooool",
    "booking.allocation_index GET": "oonooonol",
    "booking.allocation_new GET": "nnnnonnol",
    "booking.allocation_new POST": "nnnnonnol",
    "booking.allocation_period GET": "oonoooool",
    "booking.allocation_request GET": "oonnnnnnl",
    "booking.allocation_request POST": "oonnnnnnl",
    "booking.allocation_rules GET": "nnnnonnol",
    "booking.allocation_rules POST": "nnnnonnol",
    "booking.allocation_run POST": "nnnnonnol",
    "booking.allocation_simulate POST": "nnnnonnol",
    "booking.allocation_withdraw POST": "vnnnnnnnl",
    "booking.calendar GET": "oonnnnnnl",
    "booking.confirm_cancel GET": "onnnnnnnl",
    "booking.confirm_renew_feed GET": "oonnnnnnl",
    "booking.review POST": "oonnnnnnl",
    "booking.cancel POST": "onnnnnnnl",
    "booking.cancel_by_centre POST": "nnnnvnnvl",
    "booking.cancel_session POST": "nnnnonnol",
    "booking.daily_register GET": "nnnoonnol",
    "booking.generate GET": "nnnnonnol",
    "booking.generate POST": "nnnnonnol",
    "booking.household_feed GET": "ooooooooo",
    "booking.mark_attendance POST": "nnnoonnol",
    "booking.mark_one POST": "nnnoonnol",
    "booking.mark_all_present POST": "nnnoonnol",
    "booking.staff_today GET": "nnnooonol",
    "booking.offer_page GET": "onnnnnnnl",
    "booking.answer_offer POST": "onnnnnnnl",
    "booking.offer_place POST": "nnnnonnol",
    "booking.remove_from_waitlist POST": "nnnnonnol",
    "booking.my_bookings GET": "oonnnnnnl",
    "booking.renew_feed POST": "oonnnnnnl",
    "booking.renew_site_feed POST": "nnnoonnol",
    "booking.revoke_feed POST": "oonnnnnnl",
    "booking.session_detail GET": "nnnoonnol",
    "booking.site_detail GET": "nnnoonnol",
    "booking.site_feed GET": "nnnnnnnnn",
    "booking.site_sessions GET": "nnnoonnol",
    "booking.staff_sites GET": "nnnooonol",
    "booking.submit POST": "oonnnnnnl",
    "families.add_child GET": "oonnnnnnl",
    "families.add_child POST": "vvnnnnnnl",
    "families.add_emergency_contact GET": "oonnnnnnl",
    "families.add_emergency_contact POST": "vvnnnnnnl",
    "families.add_pickup GET": "oonnnnnnl",
    "families.add_pickup POST": "vvnnnnnnl",
    "families.create_household GET": "oonnnnnnl",
    "families.create_household POST": "oonnnnnnl",
    "families.edit_child GET": "onnnnnnnl",
    "families.edit_child POST": "vnnnnnnnl",
    "families.edit_emergency_contact GET": "onnnnnnnl",
    "families.edit_emergency_contact POST": "vnnnnnnnl",
    "families.edit_household GET": "oonnnnnnl",
    "families.edit_household POST": "vvnnnnnnl",
    "families.edit_pickup GET": "onnnnnnnl",
    "families.edit_pickup POST": "vnnnnnnnl",
    "families.index GET": "oonnnnnnl",
    "families.invite GET": "oonnnnnnl",
    "families.invite POST": "vvnnnnnnl",
    "families.join GET": "oonnnnnnl",
    "families.join POST": "vvnnnnnnl",
    "families.join_with_token GET": "vvnnnnnnl",
    "families.join_with_token POST": "vvnnnnnnl",
    "families.remove_child GET": "onnnnnnnl",
    "families.remove_child POST": "onnnnnnnl",
    "families.remove_emergency_contact GET": "onnnnnnnl",
    "families.remove_emergency_contact POST": "onnnnnnnl",
    "families.remove_pickup GET": "onnnnnnnl",
    "families.remove_pickup POST": "onnnnnnnl",
    "families.revoke_invitation POST": "onnnnnnnl",
    "rules_admin.index GET": "nnnnnnnol",
    "rules_admin.record POST": "nnnnnnnvl",
    "families.declaration_queue GET": "nnnnnnnol",
    "families.declaration_proof GET": "nnnnnnnol",
    "families.validate_declaration POST": "nnnnnnnol",
    "families.refuse_declaration POST": "nnnnnnnvl",
    "inclusion.acknowledge POST": "vnnnvnnnl",
    "inclusion.aeeh GET": "nnnnoonol",
    "inclusion.aeeh_csv GET": "nnnnoonol",
    "inclusion.audit_csv GET": "nnnnnnnol",
    "inclusion.child_file GET": "onnnonnnl",
    "inclusion.health_form GET": "onnoonnnl",
    "inclusion.health_form POST": "vnnnnnnnl",
    "inclusion.child_steps GET": "nnnnonnnl",
    "inclusion.child_steps POST": "nnnnonnnl",
    "inclusion.edit_step POST": "nnnnonnnl",
    "inclusion.adaptations GET": "nnnnoonnl",
    "inclusion.confirm_without_plan GET": "nnnnonnnl",
    "inclusion.confirm_without_plan POST": "nnnnonnnl",
    "inclusion.consultations GET": "onnnnnnnl",
    "inclusion.dashboard GET": "nnnnoonnl",
    "inclusion.delete_document POST": "onnnnnnnl",
    "inclusion.download_document GET": "onnnonnnl",
    "inclusion.edit_needs GET": "onnnnnnnl",
    "inclusion.edit_needs POST": "onnnnnnnl",
    "inclusion.edit_plan GET": "nnnnonnnl",
    "inclusion.edit_plan POST": "nnnnonnnl",
    "inclusion.export_child GET": "onnnnnnnl",
    "inclusion.my_children GET": "oonnnnnnl",
    "inclusion.plan_version GET": "onnnonnnl",
    "inclusion.propose_meeting GET": "nnnnonnnl",
    "inclusion.propose_meeting POST": "nnnnonnnl",
    "inclusion.queue GET": "nnnnoonnl",
    "inclusion.record_step POST": "nnnnonnnl",
    "inclusion.share POST": "nnnnvnnnl",
    "inclusion.site_template GET": "nnnnonnnl",
    "inclusion.site_template POST": "nnnnonnnl",
    "inclusion.skip_adaptation POST": "nnnnonnnl",
    "inclusion.today_cards GET": "nnnoonnnl",
    "inclusion.upload_document POST": "onnnnnnnl",
    "main.accessibility GET": "ooooooooo",
    "main.home GET": "ooooooool",
    "main.index GET": "ooooooooo",
    "main.privacy GET": "ooooooooo",
    "main.set_language POST": "vvvvvvvvv",
    "notifications.admin_failures GET": "nnnnnnnol",
    "notifications.admin_retry POST": "nnnnnnnol",
    "notifications.admin_retry_all POST": "nnnnnnnol",
    "notifications.preferences GET": "ooooooool",
    "notifications.preferences POST": "ooooooool",
    "ram.availability_publish POST": "nnnnnnvvl",
    "ram.childminder_availability GET": "nnnnnnool",
    "ram.childminder_hours GET": "nnnnnnool",
    "ram.childminder_hours POST": "nnnnnnvvl",
    "ram.absence_add POST": "nnnnnnvvl",
    "ram.absence_remove POST": "nnnnnnool",
    "ram.search GET": "oonnnnool",
    "ram.childminder_licence POST": "nnnnnnvvl",
    "ram.childminder_new GET": "nnnnnnool",
    "ram.childminder_new POST": "nnnnnnvvl",
    "ram.childminder_profile GET": "nnnnnnool",
    "ram.childminder_profile POST": "nnnnnnvvl",
    "ram.childminders GET": "nnnnnnool",
    "ram.contract_add POST": "nnnnnnvvl",
    "ram.contract_end POST": "nnnnnnool",
    "ram.dashboard GET": "ooonnnool",
    "ram.demand GET": "onnnnnool",
    "ram.demand_cancel POST": "onnnnnool",
    "ram.demand_edit GET": "onnnnnool",
    "ram.demand_edit POST": "vnnnnnvvl",
    "ram.demand_matches GET": "nnnnnnool",
    "ram.demand_new GET": "oonnnnool",
    "ram.demand_new POST": "vvnnnnvvl",
    "ram.demands GET": "oonnnnool",
    "ram.introduction_new POST": "nnnnnnool",
    "ram.introduction_outcome POST": "nnnnnnool",
    "ram.my_availability GET": "nnonnnnnl",
    "ram.my_profile GET": "nnonnnnnl",
    "ram.observatory GET": "nnnnnnool",
    "ram.observatory_csv GET": "nnnnnnool",
    "ram.observatory_chart GET": "nnnnnnool",
    "ram.own_child_add POST": "nnnnnnvvl",
    "ram.own_child_remove POST": "nnnnnnool",
    "ram.salary GET": "ooooooooo",
    "ram.unmatched GET": "nnnnnnool",
    "ram.workshop GET": "nnonnnool",
    "ram.workshop_ical GET": "ooooooooo",
    "ram.workshop_new GET": "nnnnnnool",
    "ram.workshop_new POST": "nnnnnnvvl",
    "ram.workshop_register POST": "nnonnnnnl",
    "ram.workshop_unregister POST": "nnonnnnnl",
    "ram.workshops GET": "nnonnnool",
}

DESTRUCTIVE = re.compile(r"remove|delete|cancel|revoke|toggle|withdraw|close|end_|_end|run|retry|unregister|"
                         r"skip|share|acknowledge|confirm|publish|outcome")


def _routes(app):
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static":
            continue
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            yield rule, method


def test_every_route_is_in_the_matrix(app):
    keys = {f"{rule.endpoint} {method}" for rule, method in _routes(app)}
    missing = sorted(keys - set(EXPECTED))
    assert not missing, f"routes without an entry in tests/security/test_access_matrix.py: {missing}"
    stale = sorted(set(EXPECTED) - keys)
    assert not stale, f"entries for routes that no longer exist: {stale}"
    assert all(len(v) == len(ROLES) for v in EXPECTED.values())


# Routes with identifiers of others that a stranger may still use, and why.
OPEN_BY_DESIGN = {
    "booking.household_feed GET": "a secret token in the URL (calendar apps cannot log in)",
    "ram.workshop_ical GET": "a Relais's public workshop programme, no personal data",
    "booking.allocation_period GET": "the draw's transparency page: rules, seed, counts, no names",
    "booking.allocation_export GET": "the committee's export of the same, no names or family ids",
    "accounts.reset_password GET": "an invalid token: sent back to the forgotten-password page",
    "accounts.reset_password POST": "an invalid token: sent back to the forgotten-password page",
    "accounts.sign_in_with_link GET": "an invalid token: sent back to the sign-in-link page",
    "accounts.sign_in_with_link POST": "an invalid token: sent back to the sign-in-link page",
    "accounts.verify_email GET": "a confirmation button; the (invalid) token is checked on POST",
    "booking.allocation_request GET": "any family files its own request in an open draw (its own, never A's)",
    "booking.allocation_request POST": "any family files its own request in an open draw (its own, never A's)",
    "ram.workshop GET": "workshops are open to every childminder",
    "billing.caf_psu GET": "<month> is no identifier: a director sees only the providers he coordinates",
    "billing.caf_psu_export GET": "<month> is no identifier: a director sees only the providers he coordinates",
    "ram.workshop_register POST": "any childminder registers herself",
    "ram.workshop_unregister POST": "any childminder unregisters herself",
    "payments.tax_certificate GET": "a year, not an object: each family gets its own household's certificate",
    "payments.notification GET": "the payment service's call: verified by eopayment, not by a login",
    "payments.notification POST": "the payment service's call: verified by eopayment, not by a login",
}
STRANGERS = ("parent_b", "childminder", "director_y")


def test_no_stranger_is_served_another_persons_object(app):
    """Read from the table itself: on a route carrying an identifier of A, X or another
    childminder, household B's parent, site Y's director and the other childminder are refused."""
    # A default bound by the rule (an export's format) is not an identifier.
    with_ids = {f"{rule.endpoint} {method}" for rule, method in _routes(app)
                if rule.arguments - set(rule.defaults or ())}
    leaks = [f"{key} as {role}" for key in sorted(with_ids - set(OPEN_BY_DESIGN)) for role in STRANGERS
             if EXPECTED[key][ROLES.index(role)] == "o"]
    assert not leaks, leaks


def _url(rule, world) -> str:
    ids = dict(world.ids)
    if rule.endpoint.startswith("ram.own_child"):
        ids["child_id"] = ids["own_child_id"]
    if rule.endpoint.startswith("occasional."):
        ids["booking_id"] = ids["occasional_booking_id"]
        ids["decision"] = "accepter"
    if rule.endpoint.startswith("occasional.admin_"):
        ids["tariff_id"] = ids["occasional_tariff_id"]
        ids["user_id"] = ids["provider_staff_user_id"]

    def value(match):
        name = match.group(2)
        if name in ids:
            return str(ids[name])
        if name == "token":
            return world.feed_token if rule.endpoint == "booking.household_feed" else "jeton-invalide"
        if name == "month":
            return "2026-03"
        if name == "number":  # the n-th chart of a page
            return "1"
        if name == "year":
            return "2026"
        raise AssertionError(f"no identifier for <{name}> in {rule.rule}")

    return re.sub(r"<(?:(\w+)(?:\([^)]*\))?:)?(\w+)>", value, rule.rule)


def _letter(response) -> str:
    status = response.status_code
    if status in (301, 302, 303):
        return "l" if "/connexion" in response.headers.get("Location", "") else "o"
    if status == 401:
        return "l"
    if status < 300:
        return "o"
    if status in (400, 409, 422):
        return "v"
    if status in (403, 404):
        return "n"
    if status in (405, 429):
        return "r"
    return f"!{status}"


API_BODIES = {
    "api.occasional_book": lambda ids: {"child_id": ids["child_id"], "provider_id": ids["provider_id"],
                                        "date": "2030-01-07", "start": "05:30", "end": "06:30"},
    "api.create_booking": lambda ids: {"items": [{"child_id": ids["child_id"], "session_id": ids["session_id"]}]},
    "api.create_child": lambda ids: {"first_name": "Zoé", "last_name": "X", "birth_date": "2019-01-01"},
    "api.create_session": lambda ids: {"unit_id": ids["unit_id"], "day": "2027-01-06", "capacity_under6": 1,
                                       "capacity_over6": 1},
    "api.auth_token": lambda ids: {"email": "nobody@example.fr", "password": "wrong-password"},
}


def _observe(app, make_client, role: str) -> dict[str, str]:
    world = build_world()
    user = world.users[role]
    client = make_client()
    headers = {}
    if user is not None:
        assert login(client, user).status_code == 302
        headers = {"Authorization": f"Bearer {api_token(make_client(), user.email)}"}
    token = csrf_token_from(client.get("/connexion" if user is None else "/mon-compte/mot-de-passe")
                            .get_data(as_text=True))
    reads, writes = [], []
    for rule, method in _routes(app):
        (reads if method == "GET" else writes).append((rule, method))
    # Reads, writes, destructive writes, then removing A's child (it takes its bookings, file and
    # documents with it), then logging out (it ends the API token too).
    # "Log out everywhere" goes last of all, from a session of its own (it ends every session).
    writes.sort(key=lambda rm: (rm[0].endpoint == "accounts.logout_everywhere", rm[0].endpoint == "accounts.logout",
                                rm[0].endpoint == "families.remove_child",
                                bool(DESTRUCTIVE.search(rm[0].endpoint))))
    observed = {}
    for rule, method in reads + writes:
        url = _url(rule, world)
        if rule.endpoint.startswith("api."):
            body = API_BODIES.get(rule.endpoint, lambda ids: {})(world.ids)
            response = client.open(url, method=method, headers=headers,
                                   json=body if method in ("POST", "PUT", "PATCH") else None)
        elif method == "GET":
            response = client.get(url)
        elif rule.endpoint == "accounts.logout_everywhere":
            own = make_client()
            if user is not None:
                assert login(own, user).status_code == 302
            own_token = csrf_token_from(own.get("/connexion" if user is None else "/mon-compte/mot-de-passe")
                                        .get_data(as_text=True))
            response = own.open(url, method=method, data={"csrf_token": own_token})
        else:
            response = client.open(url, method=method, data={"csrf_token": token})
        observed[f"{rule.endpoint} {method}"] = _letter(response)
    return observed


@pytest.fixture(scope="module")
def _printer():
    table: dict[str, list[str]] = {}
    yield table
    if os.environ.get("MATRIX_PRINT") and table:
        print("\nEXPECTED = {")
        for key in sorted(table):
            print(f'    "{key}": "{"".join(table[key])}",')
        print("}")


@pytest.mark.parametrize("role", ROLES)
def test_each_role_gets_the_declared_answer_on_others_objects(app, make_client, role, _printer):
    observed = _observe(app, make_client, role)
    index = ROLES.index(role)
    for key, letter in observed.items():
        _printer.setdefault(key, ["?"] * len(ROLES))[index] = letter
    problems = [f"{key}: got {letter!r}, expected {EXPECTED[key][index]!r}"
                for key, letter in sorted(observed.items())
                if key in EXPECTED and EXPECTED[key][index] != letter]
    errors = [key for key, letter in observed.items() if letter.startswith("!")]
    assert not errors, f"server errors as {role}: {errors}"
    assert not problems, f"as {role}:\n" + "\n".join(problems)
