"""Billing pages: permissions, certificates upload, CSRF, CSV, printable statement, charts, QF notice."""
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import func, select

from app import clock
from app.accounts.models import Role
from app.billing import services
from app.billing.models import AbsenceCertificate, BillingMonth, Statement
from app.booking.models import AttendanceStatus, Tariff
from app.extensions import db
from tests.billing.factories import AFTER_MAY, JPEG, MARCH, PDF, PNG, make_booking, make_unit_at, session_on
from tests.booking.factories import make_parent_with_child, make_site, make_staff
from tests.conftest import csrf_token_from, get_csrf
from tests.factories import make_user


@pytest.fixture
def setup():
    site = make_site()
    unit = make_unit_at(site)
    parent, household, child = make_parent_with_child()
    b1 = make_booking(child, session_on(unit, date(2026, 3, 4)), price="8.50", attendance=AttendanceStatus.PRESENT)
    b2 = make_booking(child, session_on(unit, date(2026, 3, 11)), price="8.50", attendance=AttendanceStatus.ABSENT)
    services.close_month(MARCH, today=AFTER_MAY)
    statement = db.session.scalar(select(Statement))
    recent = make_booking(child, session_on(unit, clock.today() - timedelta(days=3)), price="8.50",
                          attendance=AttendanceStatus.ABSENT)
    return {"recent": recent, "site": site, "unit": unit, "parent": parent, "household": household, "child": child,
            "statement": statement, "b1": b1, "b2": b2}


def test_parent_sees_own_statement_printable_and_csv(setup, login_as):
    client = login_as(setup["parent"])
    index = client.get("/facturation/").get_data(as_text=True)
    assert "mars 2026" in index and "17,00" in index
    page = client.get(f"/facturation/releves/{setup['statement'].id}")
    body = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "Absence non justifiée, facturée" in body and "Total à payer" in body and "17,00" in body
    assert "<caption>" in body and 'media="print"' in body and 'style="' not in body
    csv = client.get(f"/facturation/releves/{setup['statement'].id}.csv")
    assert csv.status_code == 200 and csv.headers["Content-Type"].startswith("text/csv")
    assert "attachment" in csv.headers["Content-Disposition"]
    assert "Total" not in csv.get_data(as_text=True)
    total = client.get(f"/facturation/releves/{setup['statement'].id}.csv?tableau=total")
    assert total.get_data(as_text=True).strip().endswith(";17,00")


def test_other_parents_and_staff_cannot_read_a_statement(setup, login_as):
    other, _h, _c = make_parent_with_child()
    url = f"/facturation/releves/{setup['statement'].id}"
    assert login_as(other).get(url).status_code == 404
    assert login_as(other).get(url + ".csv").status_code == 404
    assert login_as(make_staff(setup["site"])).get(url).status_code == 403
    assert login_as(make_user(Role.ADMIN)).get(url).status_code == 200
    assert login_as(make_user(Role.ADMIN)).get("/facturation/releves/99999").status_code == 404


def test_provisional_statement_of_the_open_month(setup, login_as):
    client = login_as(setup["parent"])
    page = client.get("/facturation/provisoire?month=2026-04")
    assert page.status_code == 200 and "provisoire" in page.get_data(as_text=True)
    closed = client.get("/facturation/provisoire?month=2026-03")
    assert closed.status_code == 302


@pytest.mark.parametrize("role, expected", [(Role.PARENT, 403), (Role.DIRECTOR, 403), (Role.ANIMATOR, 403)])
def test_admin_pages_are_refused_to_others(setup, login_as, role, expected):
    client = login_as(make_user(role))
    for url in ("/facturation/mois", "/facturation/tarifs", "/facturation/reglages",
                f"/facturation/tarifs/unites/{setup['unit'].id}", "/facturation/mois/2026-03"):
        assert client.get(url).status_code == expected, url


def test_admin_closes_a_month_from_the_page_idempotently(setup, login_as):
    admin = make_user(Role.ADMIN)
    client = login_as(admin)
    unit = setup["unit"]
    make_booking(setup["child"], session_on(unit, date(2026, 4, 8)), price="8.50",
                 attendance=AttendanceStatus.PRESENT)
    token = get_csrf(client, "/facturation/mois")
    response = client.post("/facturation/mois/cloturer", data={"csrf_token": token, "month": "2026-04"})
    assert response.status_code == 302 and response.headers["Location"].endswith("/facturation/mois/2026-04")
    listing = client.get("/facturation/mois/2026-04").get_data(as_text=True)
    assert "1 relevé" in listing
    again = client.post("/facturation/mois/cloturer", data={"csrf_token": token, "month": "2026-04"},
                        follow_redirects=True)
    assert "déjà clôturé" in again.get_data(as_text=True)
    assert db.session.scalar(select(func.count(Statement.id)).where(Statement.month == date(2026, 4, 1))) == 1
    future = (clock.today() + timedelta(days=40)).strftime("%Y-%m")
    refused = client.post("/facturation/mois/cloturer", data={"csrf_token": token, "month": future})
    assert refused.status_code == 422 and "pas terminé" in refused.get_data(as_text=True)


def test_closing_needs_csrf_and_an_admin(setup, login_as):
    admin_client = login_as(make_user(Role.ADMIN))
    assert admin_client.post("/facturation/mois/cloturer", data={"month": "2026-04"}).status_code == 400
    director = login_as(make_staff(setup["site"]))
    token = get_csrf(director, "/facturation/caf")
    assert director.post("/facturation/mois/cloturer", data={"csrf_token": token, "month": "2026-04"}).status_code == 403
    assert db.session.scalar(select(func.count(BillingMonth.id))) == 1


def test_settings_page(setup, login_as):
    client = login_as(make_user(Role.ADMIN))
    token = get_csrf(client, "/facturation/reglages")
    response = client.post("/facturation/reglages", data={"csrf_token": token, "charge_late_cancellations": "y",
                                                          "late_cancellation_percent": "50"})
    assert response.status_code == 302
    rules = services.current_rules()
    assert rules.late_cancellation_share == Decimal("0.50") and not rules.charge_unjustified_absences
    assert client.post("/facturation/reglages", data={"late_cancellation_percent": "50"}).status_code == 400


def test_tariff_pages_add_and_refuse_overlap(setup, login_as):
    client = login_as(make_user(Role.ADMIN))
    unit = setup["unit"]
    url = f"/facturation/tarifs/unites/{unit.id}"
    token = get_csrf(client, url)
    data = {"csrf_token": token, "resident": "1", "qf_min": "0", "qf_max": "600", "price": "5,20",
            "valid_from": "2026-09-01", "valid_until": ""}
    assert client.post(url, data=data).status_code == 302
    assert db.session.scalar(select(Tariff.price).where(Tariff.unit_id == unit.id,
                                                         Tariff.valid_from == date(2026, 9, 1))) == Decimal("5.20")
    clash = client.post(url, data={**data, "qf_min": "500", "qf_max": "", "valid_from": "2027-01-01"})
    assert clash.status_code == 422 and "chevauche" in clash.get_data(as_text=True)
    grid = client.get("/facturation/tarifs").get_data(as_text=True)
    assert unit.label in grid


def _absences_token(client):
    return csrf_token_from(client.get("/facturation/absences").get_data(as_text=True))


def test_certificate_upload_checks_and_download(setup, login_as, app):
    parent = login_as(setup["parent"])
    page = parent.get("/facturation/absences").get_data(as_text=True)
    assert 'enctype="multipart/form-data"' in page
    url = f"/facturation/absences/{setup['recent'].id}/certificat"
    token = _absences_token(parent)
    from io import BytesIO

    def post(content, name="certificat.pdf", client=parent, csrf=token):
        data = {"certificate": (BytesIO(content), name)}
        if csrf:
            data["csrf_token"] = csrf
        return client.post(url, data=data, content_type="multipart/form-data", follow_redirects=True)

    # A renamed executable is refused, whatever its name.
    refused = post(b"MZ\x90\x00 not a pdf", "certificat.pdf")
    assert "PDF, PNG ou JPEG" in refused.get_data(as_text=True)
    too_big = post(b"%PDF-" + b"0" * app.config["MAX_UPLOAD_BYTES"])
    assert "taille autorisée" in too_big.get_data(as_text=True)
    assert db.session.scalar(select(func.count(AbsenceCertificate.id))) == 0
    # Without the CSRF token nothing is stored.
    assert post(PDF, csrf=None).status_code == 400
    assert db.session.scalar(select(func.count(AbsenceCertificate.id))) == 0
    folder = Path(app.config["UPLOAD_DIR"]) / "certificates"
    before = set(folder.iterdir()) if folder.exists() else set()
    for content, content_type in ((PNG, "image/png"), (JPEG, "image/jpeg"), (PDF, "application/pdf")):
        assert "Certificat reçu" in post(content, "photo.bin").get_data(as_text=True)
        db.session.expire_all()
        assert db.session.scalar(select(AbsenceCertificate.content_type)) == content_type
    certificate = db.session.scalar(select(AbsenceCertificate))
    # Each replacement removes the previous file: only the PDF is left, under a random name.
    assert {p.name for p in set(folder.iterdir()) - before} == {certificate.stored_name}
    assert certificate.stored_name.endswith(".pdf") and "photo" not in certificate.stored_name
    # Download: the household and the site's directors, as an attachment.
    download = parent.get(f"/facturation/certificats/{certificate.id}")
    assert download.status_code == 200 and download.data == PDF
    assert download.headers["Content-Disposition"].startswith("attachment")
    assert download.headers["X-Content-Type-Options"] == "nosniff"
    director = login_as(make_staff(setup["site"]))
    assert director.get(f"/facturation/certificats/{certificate.id}").status_code == 200
    assert "Télécharger" in director.get("/facturation/certificats").get_data(as_text=True)
    stranger_director = login_as(make_staff(make_site("Centre social de Pradines")))
    assert stranger_director.get(f"/facturation/certificats/{certificate.id}").status_code == 404
    other_parent, _h, _c = make_parent_with_child()
    other = login_as(other_parent)
    assert other.get(f"/facturation/certificats/{certificate.id}").status_code == 404
    assert post(PDF, client=other, csrf=_absences_token(other)).status_code == 404
    assert login_as(make_staff(setup["site"], Role.ANIMATOR)).get(
        f"/facturation/certificats/{certificate.id}").status_code == 403


def test_certificate_refused_when_present_or_too_old(setup, login_as):
    from io import BytesIO

    parent = login_as(setup["parent"])
    token = _absences_token(parent)
    from app.booking.models import Attendance

    db.session.get(Attendance, setup["recent"].attendance.id).status = AttendanceStatus.PRESENT
    db.session.commit()
    response = parent.post(f"/facturation/absences/{setup['recent'].id}/certificat",
                           data={"csrf_token": token, "certificate": (BytesIO(PDF), "c.pdf")},
                           content_type="multipart/form-data", follow_redirects=True)
    assert "noté présent" in response.get_data(as_text=True)
    old = parent.post(f"/facturation/absences/{setup['b2'].id}/certificat",
                      data={"csrf_token": token, "certificate": (BytesIO(PDF), "c.pdf")},
                      content_type="multipart/form-data", follow_redirects=True)
    assert "plus de 90 jours" in old.get_data(as_text=True)
    assert db.session.scalar(select(func.count(AbsenceCertificate.id))) == 0


def test_caf_pages_for_directors(setup, login_as):
    director = login_as(make_staff(setup["site"]))
    index = director.get("/facturation/caf")
    assert index.status_code == 200 and setup["site"].name in index.get_data(as_text=True)
    redirect = director.get(f"/facturation/caf?site={setup['site'].id}&month=2026-03")
    assert redirect.headers["Location"].endswith(f"/facturation/caf/{setup['site'].id}/2026-03")
    page = director.get(f"/facturation/caf/{setup['site'].id}/2026-03")
    body = page.get_data(as_text=True)
    assert page.status_code == 200 and "<svg" in body and 'role="img"' in body and 'style="' not in body
    assert "<script" not in body.split("<main", 1)[1].split("</main>", 1)[0]
    assert "Total : 9,00 heures réalisées par 1 enfant." in body  # the one present day: 9 h
    csv = director.get(f"/facturation/caf/{setup['site'].id}/2026-03/export.csv")
    assert csv.status_code == 200
    total = director.get(f"/facturation/caf/{setup['site'].id}/2026-03/export.csv?tableau=total")
    assert total.get_data(as_text=True).strip().endswith(";2026-03;1;9,00")
    other_site = make_site("Accueil de loisirs de Catus")
    assert director.get(f"/facturation/caf/{other_site.id}/2026-03").status_code == 404
    assert director.get(f"/facturation/caf/{other_site.id}/2026-03/export.csv").status_code == 404
    assert director.get(f"/facturation/caf/{setup['site'].id}/mars").status_code == 422
    assert login_as(make_staff(setup["site"], Role.ANIMATOR)).get(
        f"/facturation/caf/{setup['site'].id}/2026-03").status_code == 403
    assert login_as(setup["parent"]).get(f"/facturation/caf/{setup['site'].id}/2026-03").status_code == 403


def test_calendar_shows_the_quotient_familial(setup, login_as):
    household = setup["household"]
    household.family_quotient_valid_until = date(2030, 12, 31)
    db.session.commit()
    page = login_as(setup["parent"]).get("/accueils/reserver").get_data(as_text=True)
    assert "Votre quotient familial : 800" in page and "31/12/2030" in page
    household.family_quotient = None
    db.session.commit()
    page = login_as(setup["parent"]).get("/accueils/reserver").get_data(as_text=True)
    assert "Quotient familial non renseigné" in page


def test_anonymous_visitors_are_sent_to_login(setup, client):
    for url in ("/facturation/", f"/facturation/releves/{setup['statement'].id}", "/facturation/caf",
                "/facturation/mois"):
        response = client.get(url)
        assert response.status_code == 302 and "/connexion" in response.headers["Location"]
