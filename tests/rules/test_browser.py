"""The administrators' new pages in headless Chromium: settings, declarations to check, tariff gaps."""
from __future__ import annotations

import pytest

from app.accounts.models import Role
from app.extensions import db
from app.families import declarations
from tests.booking.factories import make_activity, make_parent_with_child, make_unit
from tests.browser_support import PHONE, assert_accessible, browser_login
from tests.factories import DEFAULT_PASSWORD, make_commune, make_user
from tests.inclusion.factories import PDF

pytestmark = pytest.mark.browser


def test_admin_pages_are_accessible_on_a_phone(live_server, page_factory):
    make_commune()
    make_unit(make_activity(), tariffs=False)  # a tariff gap
    parent, household, _child = make_parent_with_child(commune_insee=None)
    declarations.record(parent, household, "46042", 0, None, proof=declarations.Proof(PDF, "attestation.pdf"))
    admin = make_user(Role.ADMIN)
    db.session.commit()  # release the SQLite write lock before the server's requests
    page = page_factory(PHONE)
    browser_login(page, live_server, admin.email, DEFAULT_PASSWORD)
    for path, label in (("/administration/regles/", "rules"), ("/foyer/verifications", "declarations"),
                        ("/facturation/tarifs", "tariffs")):
        page.goto(live_server + path)
        assert_accessible(page, f"admin-{label}")
    page.goto(live_server + "/administration/regles/")
    section = page.locator("#rule-caf-inclusion-rate-per-hour")
    section.locator("summary").click()
    section.get_by_label("Nouvelle valeur").fill("-1")
    section.get_by_role("button", name="Enregistrer").click()
    error = page.locator("#rule-caf-inclusion-rate-per-hour-value-error")
    assert "au moins" in error.inner_text()
    assert_accessible(page, "admin-rules-error")
