"""The invoice as PDF (WeasyPrint, same template as the page), its text read back by pdftotext."""
from __future__ import annotations

import shutil
import subprocess

import pytest

from app.extensions import db
from tests.payments.factories import close_march, family_with_march, invoice_of


def pdf_text(data: bytes, tmp_path) -> str:
    if shutil.which("pdftotext") is None:
        pytest.fail("pdftotext is missing: apt-get install poppler-utils (.ci/run installs it)")
    path = tmp_path / "doc.pdf"
    path.write_bytes(data)
    return subprocess.run(["pdftotext", "-layout", str(path), "-"], check=True, capture_output=True,
                          text=True, timeout=60).stdout


def test_family_downloads_its_invoice_as_pdf(login_as, tmp_path):
    parent, household, _kid, _unit = family_with_march(("8.50", "6.25"))
    close_march()
    invoice = invoice_of(household)
    db.session.commit()
    response = login_as(parent).get(f"/paiements/factures/{invoice.id}.pdf")
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    assert response.headers["Content-Disposition"] == 'attachment; filename="facture-FAC-2026-000001.pdf"'
    assert response.data.startswith(b"%PDF-")
    text = pdf_text(response.data, tmp_path)
    for expected in ("Facture n° FAC-2026-000001", "Régie de recettes des services familles", "mars 2026",
                     "2 mai 2026", "14,75", "8,50", "6,25", "Reste à payer", "À payer", "Léo"):
        assert expected in text, (expected, text)
