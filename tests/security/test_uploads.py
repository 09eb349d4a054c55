"""Hostile uploads through the real forms: inclusion documents and absence certificates.

Wrong type, oversized, a name escaping the upload directory, an HTML page
posing as a PDF: refused (nothing stored, no file written) or stored inert
(a random name inside the upload directory, served as an attachment with its
sniffed type and nosniff, never as HTML).
"""
from __future__ import annotations

from datetime import timedelta
from io import BytesIO
from pathlib import Path

import pytest
from sqlalchemy import func, select

from app import clock
from app.billing.models import AbsenceCertificate
from app.booking.models import AttendanceStatus
from app.extensions import db
from app.inclusion.models import NeedDocument
from tests.billing.factories import make_booking, make_unit_at, session_on
from tests.booking.factories import make_site
from tests.conftest import csrf_token_from
from tests.factories import make_child, make_household, make_user
from tests.inclusion.factories import PDF

HTML_AS_PDF = b"<!DOCTYPE html><html><body><script>alert(document.cookie)</script></body></html>"
POLYGLOT = b"%PDF-1.4\n<html><script>alert(1)</script></html>\n%%EOF\n"
EXE = b"MZ\x90\x00\x03\x00\x00\x00 this program cannot be run in DOS mode"
SVG = b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>'


def _files(folder: Path) -> set[Path]:
    return {p for p in folder.rglob("*") if p.is_file()} if folder.exists() else set()


def _all_files(root: Path) -> set[Path]:
    return {p for p in root.rglob("*") if p.is_file()}


@pytest.fixture
def parent_setup(login_as):
    parent = make_user()
    household = make_household(parent)
    child = make_child(household)
    unit = make_unit_at(make_site())
    absence = make_booking(child, session_on(unit, clock.today() - timedelta(days=2)),
                           attendance=AttendanceStatus.ABSENT)
    return {"client": login_as(parent), "child": child, "absence": absence}


def _targets(setup):
    child_id, booking_id = setup["child"].id, setup["absence"].id
    return [
        (f"/inclusion/enfants/{child_id}", f"/inclusion/enfants/{child_id}/documents", "document",
         NeedDocument, {"kind": "pai"}),
        ("/facturation/absences", f"/facturation/absences/{booking_id}/certificat", "certificate",
         AbsenceCertificate, {}),
    ]


HOSTILE = [
    ("exe renamed", EXE, "certificat.pdf", "application/pdf"),
    ("html posing as pdf", HTML_AS_PDF, "certificat.pdf", "application/pdf"),
    ("html by name", HTML_AS_PDF, "page.html", "text/html"),
    ("svg with script", SVG, "image.svg", "image/svg+xml"),
    ("empty", b"", "vide.pdf", "application/pdf"),
    ("oversized", b"%PDF-1.4\n" + b"0" * (5 * 1024 * 1024 + 10), "gros.pdf", "application/pdf"),
]


@pytest.mark.parametrize("label,content,name,mimetype", HOSTILE, ids=[h[0] for h in HOSTILE])
def test_hostile_files_are_refused_and_nothing_is_written(app, parent_setup, label, content, name, mimetype):
    client = parent_setup["client"]
    root = Path(app.config["UPLOAD_DIR"])
    for page, url, field, model, extra in _targets(parent_setup):
        before_files = _all_files(root)
        before_rows = db.session.scalar(select(func.count()).select_from(model))
        token = csrf_token_from(client.get(page).get_data(as_text=True))
        response = client.post(url, data={"csrf_token": token, field: (BytesIO(content), name, mimetype), **extra},
                               content_type="multipart/form-data", follow_redirects=True)
        assert response.status_code in (200, 400, 413, 422), (url, label, response.status_code)
        html = response.get_data(as_text=True)
        assert "PDF, PNG ou JPEG" in html or "taille" in html or "fichier" in html.lower(), (url, label)
        assert db.session.scalar(select(func.count()).select_from(model)) == before_rows, (url, label)
        assert _all_files(root) == before_files, (url, label)


@pytest.mark.parametrize("name", ["../../../../tmp/evil.pdf", "..\\..\\evil.pdf", "/etc/passwd.pdf",
                                  "a.html.pdf", "<script>.pdf", "évaluation ☃ 𝒫𝒜ℐ.pdf"])
def test_names_cannot_escape_the_upload_directory_and_files_are_served_inert(app, parent_setup, name):
    client = parent_setup["client"]
    root = Path(app.config["UPLOAD_DIR"]).resolve()
    for page, url, field, model, extra in _targets(parent_setup):
        before = _all_files(root)
        token = csrf_token_from(client.get(page).get_data(as_text=True))
        response = client.post(url, data={"csrf_token": token, field: (BytesIO(PDF), name, "text/html"),
                                          **extra}, content_type="multipart/form-data")
        assert response.status_code in (302, 303), (url, name, response.status_code)
        new = _all_files(root) - before
        assert len(new) == 1, (url, name, new)
        stored = new.pop().resolve()
        assert root in stored.parents and ".." not in stored.name and "evil" not in stored.name
        assert stored.suffix == ".pdf"
        row = db.session.scalars(select(model).order_by(model.id.desc())).first()
        download = (f"/inclusion/documents/{row.id}" if model is NeedDocument
                    else f"/facturation/certificats/{row.id}")
        served = client.get(download)
        assert served.status_code == 200
        assert served.mimetype == "application/pdf"
        assert served.headers["Content-Disposition"].startswith("attachment")
        assert served.headers["X-Content-Type-Options"] == "nosniff"
        assert "script-src 'self'" in served.headers["Content-Security-Policy"] or \
            "sandbox" in served.headers["Content-Security-Policy"]
        # The page listing it shows the name as text.
        listing = client.get(page).get_data(as_text=True)
        assert "<script>.pdf" not in listing


def test_a_pdf_carrying_html_is_refused_or_served_only_as_an_attachment(app, parent_setup):
    client = parent_setup["client"]
    for page, url, field, model, extra in _targets(parent_setup):
        token = csrf_token_from(client.get(page).get_data(as_text=True))
        client.post(url, data={"csrf_token": token, field: (BytesIO(POLYGLOT), "p.pdf", "text/html"), **extra},
                    content_type="multipart/form-data")
        row = db.session.scalars(select(model).order_by(model.id.desc())).first()
        if row is None:
            continue  # refused
        served = client.get(f"/inclusion/documents/{row.id}" if model is NeedDocument
                            else f"/facturation/certificats/{row.id}")
        assert served.mimetype == "application/pdf" and "html" not in served.headers["Content-Type"]
        assert served.headers["Content-Disposition"].startswith("attachment")
        assert served.headers["X-Content-Type-Options"] == "nosniff"


def test_a_nul_character_in_the_file_name_is_refused_and_nothing_is_written(app, parent_setup):
    client = parent_setup["client"]
    root = Path(app.config["UPLOAD_DIR"])
    for page, url, field, model, extra in _targets(parent_setup):
        before = _all_files(root)
        token = csrf_token_from(client.get(page).get_data(as_text=True))
        response = client.post(url, data={"csrf_token": token, field: (BytesIO(PDF), "a\x00.html.pdf"), **extra},
                               content_type="multipart/form-data")
        assert response.status_code == 422 and "caractère nul" in response.get_data(as_text=True)
        assert _all_files(root) == before
        assert db.session.scalar(select(func.count()).select_from(model)) == 0


# Issue 17, item 9: the uploader's name and extension were served back, the markup check read only
# the first 4 KiB, files were stored with mode 0644.
DEEP_POLYGLOT = b"%PDF-1.4\n" + b"%" + b"0" * 8192 + b"\n<html><script>alert(1)</script></html>\n%%EOF\n"


def _upload(client, setup, content: bytes, name: str):
    rows = []
    for page, url, field, model, extra in _targets(setup):
        token = csrf_token_from(client.get(page).get_data(as_text=True))
        response = client.post(url, data={"csrf_token": token, field: (BytesIO(content), name, "text/html"),
                                          **extra}, content_type="multipart/form-data")
        rows.append((response, model, db.session.scalars(select(model).order_by(model.id.desc())).first()))
    return rows


def test_files_are_served_under_their_id_with_the_detected_extension(app, parent_setup):
    client = parent_setup["client"]
    for response, model, row in _upload(client, parent_setup, PDF, "poly.html"):
        assert response.status_code in (302, 303)
        prefix, url = (("document", f"/inclusion/documents/{row.id}") if model is NeedDocument
                       else ("certificat", f"/facturation/certificats/{row.id}"))
        served = client.get(url)
        disposition = served.headers["Content-Disposition"]
        assert disposition == f"attachment; filename={prefix}-{row.id}.pdf", disposition
        assert "poly" not in disposition and "html" not in disposition
        assert served.headers["X-Content-Type-Options"] == "nosniff"


def test_markup_anywhere_in_the_file_is_refused_not_only_in_its_first_kilobytes(app, parent_setup):
    root = Path(app.config["UPLOAD_DIR"])
    before = _all_files(root)
    for response, model, row in _upload(parent_setup["client"], parent_setup, DEEP_POLYGLOT, "p.pdf"):
        if response.status_code in (302, 303):  # the certificates page shows the refusal after a redirect
            response = parent_setup["client"].get(response.headers["Location"])
        assert response.status_code in (200, 422) and "PDF, PNG ou JPEG" in response.get_data(as_text=True), model
        assert row is None
    assert _all_files(root) == before


def test_files_are_stored_readable_by_the_application_only(app, parent_setup):
    root = Path(app.config["UPLOAD_DIR"])
    before = _all_files(root)
    for response, _model, _row in _upload(parent_setup["client"], parent_setup, PDF, "pai.pdf"):
        assert response.status_code in (302, 303)
    new = _all_files(root) - before
    assert len(new) == 2
    for path in new:
        assert path.stat().st_mode & 0o777 == 0o600, (path, oct(path.stat().st_mode))
        folder = path.parent
        while True:
            assert folder.stat().st_mode & 0o777 == 0o700, (folder, oct(folder.stat().st_mode))
            if folder == root:
                break
            folder = folder.parent
