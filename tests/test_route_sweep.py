"""Every route of the URL map, requested as every role (CTFd-style sweep).

ACCESS says, for each endpoint, who may use it. A new route without an entry
fails `test_every_route_has_an_access_rule`, so no page can escape the access
rules. Routes with identifiers are requested with an id that belongs to
nobody: a role allowed there gets 404 (never 500), a role not allowed gets
403 (or the log-in page when anonymous). Object-level rules (another
household's child, another site's session) are tested in each domain.
"""
from __future__ import annotations

import re

import pytest

from app.accounts.models import Role
from tests.factories import make_user

PUBLIC = "public"        # anyone, logged in or not
ANY_USER = "any_user"    # any logged-in account
TOKEN = "token"          # JSON API with a bearer token (swept in tests/api)
ALL_ROLES = list(Role)

P, CM, AN, DI, RS, AD = Role.PARENT, Role.CHILDMINDER, Role.ANIMATOR, Role.DIRECTOR, Role.RAM_STAFF, Role.ADMIN

ACCESS: dict[str, object] = {
    "static": PUBLIC,
    "main.index": PUBLIC,
    "main.home": ANY_USER,
    "main.set_language": PUBLIC,
    "main.accessibility": PUBLIC,
    "main.privacy": PUBLIC,
    "accounts.login": PUBLIC,
    "accounts.logout": ANY_USER,
    "accounts.register": PUBLIC,
    "accounts.forgot_password": PUBLIC,
    "accounts.reset_password": PUBLIC,
    "accounts.change_password": ANY_USER,
    "accounts.account": ANY_USER,
    "accounts.revoke_api_token": ANY_USER,
    "accounts.logout_everywhere": ANY_USER,
    "accounts.registration_sent": PUBLIC,
    "accounts.request_sign_in_link": PUBLIC,
    "accounts.sign_in_with_link": PUBLIC,  # secret token in the URL
    "accounts.verify_email": PUBLIC,       # secret token in the URL
    "accounts.admin_users": {AD},
    "accounts.admin_create_user": {AD},
    "accounts.admin_toggle_user": {AD},
    "accounts.admin_edit_user": {AD},
    "accounts.admin_send_reset_link": {AD},
    # Desk mode (the right families.act_at_desk)
    "desk.index": {RS, AD},
    "desk.open_household": {RS, AD},
    "desk.new_household": {RS, AD},
    "desk.household": {RS, AD},
    "desk.add_child": {RS, AD},
    "desk.book": {RS, AD},
    "desk.cancel": {RS, AD},
    "desk.end": {RS, AD},
    "desk.family_history": {P},
    "families.add_child": {P},
    "families.add_emergency_contact": {P},
    "families.add_pickup": {P},
    "families.create_household": {P},
    "families.edit_child": {P},
    "families.edit_emergency_contact": {P},
    "families.edit_household": {P},
    "families.edit_pickup": {P},
    "families.index": {P},
    "families.invite": {P},
    "families.join": {P},
    "families.join_with_token": {P},
    "families.remove_child": {P},
    "families.remove_emergency_contact": {P},
    "families.remove_pickup": {P},
    "families.revoke_invitation": {P},
    "rules_admin.index": {AD},
    "rules_admin.record": {AD},
    "families.declaration_queue": {AD},
    "families.declaration_proof": {AD},
    "families.validate_declaration": {AD},
    "families.refuse_declaration": {AD},
    "notifications.preferences": ANY_USER,
    "notifications.admin_failures": {AD},
    "notifications.admin_retry": {AD},
    "notifications.admin_retry_all": {AD},
    # Booking
    "booking.calendar": {P},
    "booking.confirm_cancel": {P},
    "booking.confirm_renew_feed": {P},
    "booking.review": {P},
    "booking.submit": {P},
    "booking.my_bookings": {P},
    "booking.cancel": {P},
    "booking.renew_feed": {P},
    "booking.revoke_feed": {P},
    "booking.household_feed": PUBLIC,  # secret token in the URL
    "booking.site_feed": PUBLIC,       # secret token in the URL
    "booking.staff_sites": {DI, AN, AD},
    "booking.create_site": {AD},
    "booking.update_site": {DI, AD},
    "booking.create_activity": {DI, AD},
    "booking.adjust_session": {DI, AD},
    "booking.site_detail": {DI, AN, AD},
    "booking.renew_site_feed": {DI, AN, AD},
    "booking.site_sessions": {DI, AN, AD},
    "booking.session_detail": {DI, AN, AD},
    "booking.mark_attendance": {DI, AN, AD},
    "booking.mark_one": {DI, AN, AD},
    "booking.mark_all_present": {DI, AN, AD},
    "booking.staff_today": {DI, AN, AD},
    "booking.offer_place": {DI, AD},
    "booking.remove_from_waitlist": {DI, AD},
    "booking.offer_page": {P},
    "booking.answer_offer": {P},
    "booking.daily_register": {DI, AN, AD},
    "booking.activity_detail": {DI, AD},
    "booking.generate": {DI, AD},
    "booking.cancel_session": {DI, AD},
    "booking.cancel_by_centre": {DI, AD},
    # Allocation by draw (rules per object in the services)
    "booking.allocation_index": {P, DI, AN, AD},
    "booking.allocation_new": {DI, AD},
    "booking.allocation_period": {P, DI, AN, AD},
    "booking.allocation_export": {P, DI, AN, AD},
    "booking.allocation_rules": {DI, AD},
    "booking.allocation_close": {DI, AD},
    "booking.allocation_simulate": {DI, AD},
    "booking.allocation_run": {DI, AD},
    "booking.allocation_request": {P},
    "booking.allocation_withdraw": {P},
    # Billing
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
    # Payments: the family's invoices, the régie; the payment service's notification and, in
    # development and tests only, the simulated payment page (no personal data, no login).
    "payments.invoices": {P},
    "payments.invoice": {P, AD},
    "payments.invoice_pdf": {P, AD},
    "payments.pay": {P},
    "payments.payment_return": {P},
    "payments.notification": PUBLIC,
    "payments.regie": {AD},
    "payments.tax_certificate": {P},
    "payments.direct_debit": {P},
    "payments.revoke_mandate": {P},
    "payments.debit_file": {AD},
    "payments.import_rejections": {AD},
    "payments.desk_payment": {AD},
    "payments.unpaid": {AD},
    "payments.journal": {AD},
    "payments.reconciliation": {AD},
    "payments_simulator.page": PUBLIC,
    "payments_simulator.choose": PUBLIC,
    # Inclusion: a child's file is decided per object in the services (404 for anyone else)
    "inclusion.my_children": {P},
    "inclusion.child_file": ANY_USER,
    "inclusion.edit_needs": ANY_USER,
    "inclusion.upload_document": ANY_USER,
    "inclusion.download_document": ANY_USER,
    "inclusion.delete_document": ANY_USER,
    "inclusion.consultations": ANY_USER,
    "inclusion.health_form": ANY_USER,          # guardians and the booked sites' staff, per object
    "inclusion.export_child": ANY_USER,
    "inclusion.plan_version": ANY_USER,
    "inclusion.acknowledge": ANY_USER,
    "inclusion.share": {DI},
    "inclusion.edit_plan": {DI},
    "inclusion.queue": {DI},
    "inclusion.propose_meeting": {DI},
    "inclusion.confirm_without_plan": {DI},
    "inclusion.site_template": {DI},
    "inclusion.child_steps": {DI},
    "inclusion.edit_step": {DI},
    "inclusion.adaptations": {DI},
    "inclusion.skip_adaptation": {DI},
    "inclusion.record_step": {DI},
    "inclusion.today_cards": {AN, DI},
    "inclusion.dashboard": {DI},
    "inclusion.aeeh": {DI, AD},
    "inclusion.aeeh_csv": {DI, AD},
    "inclusion.audit_csv": {AD},
    # Relais Petite Enfance
    "ram.dashboard": {P, CM, RS, AD},           # parents and childminders are sent to their pages
    "ram.childminders": {RS, AD},
    "ram.childminder_new": {RS, AD},
    "ram.my_profile": {CM},
    "ram.my_availability": {CM},
    "ram.childminder_profile": ANY_USER,        # the childminder herself or staff, per object
    "ram.childminder_licence": ANY_USER,
    "ram.own_child_add": ANY_USER,
    "ram.own_child_remove": ANY_USER,
    "ram.contract_add": ANY_USER,
    "ram.contract_end": ANY_USER,
    "ram.childminder_availability": ANY_USER,
    "ram.availability_publish": ANY_USER,
    "ram.childminder_hours": ANY_USER,
    "ram.absence_add": ANY_USER,
    "ram.absence_remove": ANY_USER,
    "ram.search": {P, RS, AD},
    "ram.demands": {P, RS, AD},
    "ram.demand_new": {P, RS, AD},
    "ram.demand": ANY_USER,                     # the family's own or staff, per object
    "ram.demand_edit": ANY_USER,
    "ram.demand_cancel": ANY_USER,
    "ram.demand_matches": {RS, AD},
    "ram.introduction_new": {RS, AD},
    "ram.introduction_outcome": {RS, AD},
    "ram.unmatched": {RS, AD},
    "ram.observatory": {RS, AD},
    "ram.observatory_csv": {RS, AD},
    "ram.observatory_chart": {RS, AD},
    "ram.workshops": {CM, RS, AD},
    "ram.workshop_new": {RS, AD},
    "ram.workshop": {CM, RS, AD},
    "ram.workshop_register": {CM},
    "ram.workshop_unregister": {CM},
    "ram.workshop_ical": PUBLIC,                # no personal data; calendar apps cannot log in
    "ram.salary": PUBLIC,
    # Occasional care
    "occasional.index": {P},
    "occasional.submit_request": {P},
    "occasional.pattern": {P},
    "occasional.my_requests": {P},
    "occasional.cancel": {P},
    "occasional.cancel_pattern": {P},
    "occasional.to_relais": {P},
    "occasional.range_to_relais": {P},
    "occasional.coordination": {AN, DI, AD},
    "occasional.decide": {DI, AD},
    "occasional.day": {AN, DI, AD},
    "occasional.attendance": {AN, DI, AD},
    "occasional.admin_providers": {AD},
    "occasional.admin_provider_new": {AD},
    "occasional.admin_provider": {AD},
    "occasional.admin_provider_delete": {AD},
    "occasional.admin_opening_add": {AD},
    "occasional.admin_opening_edit": {AD},
    "occasional.admin_opening_remove": {AD},
    "occasional.admin_tariff_add": {AD},
    "occasional.admin_tariff_edit": {AD},
    "occasional.admin_tariff_remove": {AD},
    "occasional.admin_staff_add": {AD},
    "occasional.admin_staff_remove": {AD},
    "api.occasional_availability": TOKEN,
    "api.occasional_book": TOKEN,
    "api.auth_token": PUBLIC,
    "api.openapi": PUBLIC,
    "api.list_sites": TOKEN,
    "api.list_sessions": TOKEN,
    "api.create_session": TOKEN,
    "api.list_bookings": TOKEN,
    "api.create_booking": TOKEN,
    "api.cancel_booking": TOKEN,
    "api.list_children": TOKEN,
    "api.create_child": TOKEN,
}

# Endpoints whose URL carries a secret instead of a login (tokens in links and feeds).
SECRET_URL_PARAMS = {"token"}


def _rules(app):
    return [r for r in app.url_map.iter_rules() if r.endpoint != "static"]


def test_every_route_has_an_access_rule(app):
    missing = sorted({r.endpoint for r in _rules(app)} - set(ACCESS))
    assert not missing, f"routes without an access rule in tests/test_route_sweep.py: {missing}"


def _url_for_rule(rule) -> str:
    def value(match):
        name = match.group(2)
        converter = match.group(1) or ""
        if "int" in converter:
            return "999999"
        if name in SECRET_URL_PARAMS:
            return "not-a-valid-token"
        if "path" in converter:
            return "nothing/here"
        return "inconnu"

    return re.sub(r"<(?:(\w+)(?:\([^)]*\))?:)?(\w+)>", value, rule.rule)


def _expected(rule_access, role: Role | None, method: str, has_params: bool) -> set[int]:
    """The statuses acceptable for `role` on a route whose access rule is `rule_access`."""
    if rule_access == TOKEN:
        return {401} if role is None else {401}  # no bearer token sent here
    if rule_access == PUBLIC:
        allowed = True
    elif role is None:
        return {302, 401}  # to the log-in page (or 401 for the API)
    elif rule_access == ANY_USER:
        allowed = True
    else:
        allowed = role in rule_access
    if not allowed:
        return {403, 404}
    # 404 for an allowed role: an object that does not exist, or a parent
    # without a household yet. Never 403 (the role may come), never 500.
    return {200, 302, 303, 400, 401, 404, 405, 409, 422, 429}


@pytest.mark.parametrize("role", ALL_ROLES + [None], ids=lambda r: r.value if r else "anonymous")
def test_every_route_answers_each_role_as_declared(app, make_client, role):
    client = make_client()
    if role is not None:
        from tests.conftest import login

        assert login(client, make_user(role)).status_code == 302
    from tests.conftest import get_csrf

    token = get_csrf(client, "/connexion")
    problems = []
    for rule in _rules(app):
        access = ACCESS.get(rule.endpoint)
        if access is None:
            continue
        url = _url_for_rule(rule)
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            if rule.endpoint in ("accounts.logout", "accounts.logout_everywhere"):
                continue  # would end the sweeping session; tested in tests/accounts
            if method == "GET":
                response = client.get(url)
            else:
                response = client.open(url, method=method, data={"csrf_token": token})
            method_access = access.get(method, set()) if isinstance(access, dict) else access
            expected = _expected(method_access, role, method, bool(rule.arguments))
            if response.status_code not in expected:
                problems.append(f"{method} {url} ({rule.endpoint}) as {role}: {response.status_code}, "
                                f"expected one of {sorted(expected)}")
            if response.status_code >= 500:
                problems.append(f"{method} {url} ({rule.endpoint}) as {role}: server error")
    assert not problems, "\n".join(problems)
