"""A family, on a phone (390 px): sees its invoice, pays it with eopayment's dummy backend on the
simulated payment page (real redirects, and the page's real HTTP call to the notification
address), sees it paid, downloads the PDF. Valid HTML and axe on every screen."""
from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.payments.models import InvoiceStatus, Payment
from tests.browser_support import PHONE, release_db
from tests.e2e.support import check, follow, keyboard_login
from tests.payments.factories import close_march, family_with_march, invoice_of
from tests.payments.test_pdf import pdf_text

pytestmark = pytest.mark.browser


def test_family_pays_an_invoice_online_and_downloads_it(live_server, page_factory, tmp_path):
    parent, household, _kid, _unit = family_with_march(("8.50", "6.25"))
    close_march()
    invoice = invoice_of(household)
    number, invoice_id = invoice.number, invoice.id
    release_db()
    page = page_factory(PHONE)
    keyboard_login(page, live_server, parent.email)

    page.goto(f"{live_server}/paiements/factures")
    check(page, "payment", "phone", "invoices")
    assert "14,75" in page.locator("main").inner_text()

    follow(page, page.get_by_role("link", name=number))
    check(page, "payment", "phone", "invoice")
    assert "À payer" in page.locator("main").inner_text()

    follow(page, page.get_by_role("button", name="Payer 14,75 € par carte bancaire"))
    assert "/paiements/simulateur/" in page.url
    check(page, "payment", "phone", "simulated-service")
    assert page.locator("input[autocomplete^='cc-'], input[name*='card' i]").count() == 0

    follow(page, page.get_by_role("button", name="Payer", exact=True))
    assert "/paiements/retour" in page.url
    check(page, "payment", "phone", "return")
    assert "Paiement reçu : 14,75\u00a0€" in page.locator("main").inner_text()

    follow(page, page.get_by_role("link", name="Voir mes factures"))
    check(page, "payment", "phone", "invoices-paid")
    row = page.get_by_role("row").filter(has_text=number)
    assert "Payée" in row.inner_text() and "0,00" in row.inner_text()

    page.goto(f"{live_server}/paiements/factures/{invoice_id}")
    check(page, "payment", "phone", "invoice-paid")
    assert page.get_by_role("button", name="Payer 14,75 € par carte bancaire").count() == 0
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Télécharger la facture (PDF)").click()
    path = download_info.value.path()
    data = Path(path).read_bytes()
    text = pdf_text(data, tmp_path)
    assert number in text and "Payée" in text and "Carte bancaire en ligne" in text

    db.session.expire_all()
    assert invoice_of(household).status is InvoiceStatus.PAID
    assert db.session.scalar(select(func.count()).select_from(Payment)) == 1
    release_db()
