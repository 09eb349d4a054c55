"""The administrators' settings page: every rule, its value in force, source, history; new values from a date."""
from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
import time_machine

from app import rules
from app.accounts.models import Role
from app.billing import caf, pricing
from app.billing import services as billing_services
from app.errors import Forbidden, NotFound, ValidationFailed
from app.extensions import db
from app.rules import services
from tests.conftest import csrf_token_from
from tests.factories import make_user

TODAY = date(2026, 3, 2)
NOON = datetime(2026, 3, 2, 11, tzinfo=UTC)


def test_overview_lists_every_declared_rule_with_value_source_and_history(app):
    admin = make_user(Role.ADMIN, first_name="Inès", last_name="Delpech")
    rules.set_value(caf.AEEH_RATE.key, "4.75", valid_from=date(2026, 1, 1), by_user_id=admin.id, note="Circulaire")
    rules.set_value(caf.AEEH_RATE.key, "5.00", valid_from=date(2026, 9, 1), by_user_id=admin.id)
    db.session.commit()
    views = {v.rule.key: v for v in services.overview(admin, today=TODAY)}
    assert set(views) == {rule.key for rule in rules.all_rules()}
    for key in (pricing.MISSING_TARIFF_FALLBACK.key, billing_services.LATE_CANCELLATION_SHARE.key,
                caf.WEDNESDAY_CAP_HALF_DAY.key, "families.quotient_reminder_days"):
        assert key in views
    aeeh = views[caf.AEEH_RATE.key]
    assert aeeh.value == Decimal("4.75") and "CNAF" in str(aeeh.rule.source)
    assert [c.row.valid_from for c in aeeh.upcoming] == [date(2026, 9, 1)]
    assert [(c.value, c.author, c.row.note) for c in aeeh.history] == [
        ("5,00", admin.display_name, ""), ("4,75", admin.display_name, "Circulaire")]
    assert views[pricing.MISSING_TARIFF_FALLBACK.key].shown == "refuser la réservation"


def test_record_checks_the_value_and_the_date_and_keeps_an_audit_row(app):
    admin = make_user(Role.ADMIN)
    key = billing_services.LATE_CANCELLATION_SHARE.key
    with pytest.raises(ValidationFailed) as error:
        services.record(admin, key, "1.5", date(2026, 4, 1), today=TODAY)
    assert error.value.field == "value" and "au plus" in error.value.message
    with pytest.raises(ValidationFailed) as error:
        services.record(admin, key, "0.5", date(2026, 3, 1), today=TODAY)
    assert error.value.field == "valid_from"
    with pytest.raises(ValidationFailed) as error:
        services.record(admin, key, "0.5", None, today=TODAY)
    assert error.value.field == "valid_from"
    assert rules.history(key) == []  # nothing half-written
    row = services.record(admin, key, "0,5", date(2026, 4, 1), "Délibération du 1er mars 2026", today=TODAY)
    assert (row.created_by_id, row.value, row.valid_from) == (admin.id, "0.5", date(2026, 4, 1))
    assert billing_services.current_rules(date(2026, 3, 31)).late_cancellation_share == Decimal("1.00")
    assert billing_services.current_rules(date(2026, 4, 30)).late_cancellation_share == Decimal("0.50")
    with pytest.raises(NotFound):
        services.record(admin, "no.such_rule", "1", date(2026, 4, 1), today=TODAY)


@pytest.mark.parametrize("role", [Role.PARENT, Role.DIRECTOR, Role.ANIMATOR, Role.RAM_STAFF, Role.CHILDMINDER])
def test_only_administrators(app, role):
    user = make_user(role)
    with pytest.raises(Forbidden):
        services.overview(user)
    with pytest.raises(Forbidden):
        services.record(user, caf.AEEH_RATE.key, "5", date(2030, 1, 1))


def test_page_shows_rules_and_errors_beside_the_field(login_as):
    admin = make_user(Role.ADMIN)
    with time_machine.travel(NOON, tick=False):
        client = login_as(admin)
        page = client.get("/administration/regles/")
        html = page.get_data(as_text=True)
        assert page.status_code == 200
        assert "Complément inclusif ALSH" in html and "CNAF" in html and "Réservation sans tarif applicable" in html
        token = csrf_token_from(html)
        key = pricing.MISSING_TARIFF_FALLBACK.key
        refused = client.post(f"/administration/regles/{key}", data={
            "csrf_token": token, "value": "highest_band", "valid_from": "2026-02-01"})
        assert refused.status_code == 422
        assert 'id="rule-billing-missing-tariff-fallback-valid_from-error"' in refused.get_data(as_text=True)
        done = client.post(f"/administration/regles/{key}", data={
            "csrf_token": token, "value": "highest_band", "valid_from": "2026-03-02", "note": "Délibération"})
        assert done.status_code == 302
        assert pricing.MISSING_TARIFF_FALLBACK.value(on=TODAY) == pricing.HIGHEST
        assert "Délibération" in client.get("/administration/regles/").get_data(as_text=True)
    assert login_as(make_user(Role.DIRECTOR)).get("/administration/regles/").status_code == 403
