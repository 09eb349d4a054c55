"""Online payment through eopayment's dummy backend: starting, the simulated page, and the
notification's state machine (repeated, late, refused, unknown, already paid)."""
from __future__ import annotations

from decimal import Decimal
from urllib.parse import parse_qs, urlencode, urlsplit

import eopayment
import pytest
from sqlalchemy import func, select

from app.errors import NotFound, ValidationFailed
from app.extensions import db
from app.payments import online, services, simulator
from app.payments.models import InvoiceStatus, OnlineTransaction, Payment, PaymentMethod, TransactionStatus
from tests.conftest import csrf_token_from
from tests.payments.factories import close_march, family_with_march, invoice_of


def _start(parent, *invoices, app=None):
    """start_payment inside a request (the addresses given to the service come from it)."""
    from flask import current_app

    with current_app.test_request_context("/paiements/payer", method="POST"):
        transaction, url = online.start_payment(parent, [i.id for i in invoices])
    return transaction, url


def notify(transaction, **fields) -> online.Outcome:
    query = {"transaction_id": transaction.bank_transaction_id, **fields}
    return online.handle_notification(urlencode(query))


def paid(transaction):
    return notify(transaction, signed="1", ok="1")


def refused(transaction):
    return notify(transaction, signed="1", reason="refused")


def payments_count() -> int:
    return db.session.scalar(select(func.count()).select_from(Payment))


@pytest.fixture
def family():
    parent, household, _kid, _unit = family_with_march(("8.50", "8.50"))
    close_march()
    return parent, household, invoice_of(household)


def test_start_goes_to_the_simulated_page_with_the_remaining_amount(family):
    parent, _household, invoice = family
    transaction, url = _start(parent, invoice)
    parts = urlsplit(url)
    assert (parts.netloc, parts.path) == ("localhost", "/paiements/simulateur/")
    query = {k: v[0] for k, v in parse_qs(parts.query).items()}
    assert query["amount"] == "17.00"
    assert query["transaction_id"] == transaction.bank_transaction_id
    assert query["direct_notification_url"] == "http://localhost/paiements/notification"
    assert query["return_url"] == "http://localhost/paiements/retour"
    assert query["orderid"] == transaction.reference
    assert "FAC-2026-000001" in query["subject"]
    assert (transaction.status, transaction.amount) == (TransactionStatus.PENDING, Decimal("17.00"))


def test_eopayment_dummy_still_ignores_its_service_url_option():
    """Why gateway._onto_dummy_service exists: when this fails, eopayment honours
    dummy_service_url itself and the workaround can go."""
    from eopayment.dummy import SERVICE_URL

    backend = eopayment.Payment("dummy", {"dummy_service_url": "http://127.0.0.1:1/sim/"})
    _tid, kind, url = backend.request(Decimal("1.00"))
    assert kind == eopayment.URL and url.startswith(SERVICE_URL)


def test_paid_notification_records_one_payment_and_repeats_change_nothing(family):
    parent, _household, invoice = family
    transaction, _url = _start(parent, invoice)
    assert paid(transaction).result == "paid"
    assert paid(transaction).result == "already_paid"
    assert paid(transaction).result == "already_paid"
    db.session.expire_all()
    assert payments_count() == 1
    payment = db.session.scalar(select(Payment))
    assert (payment.amount, payment.method, payment.transaction_id) == (Decimal("17.00"), PaymentMethod.ONLINE,
                                                                        transaction.id)
    assert (invoice.status, invoice.paid, invoice.remaining) == (InvoiceStatus.PAID, Decimal("17.00"),
                                                                 Decimal("0.00"))
    assert db.session.get(OnlineTransaction, transaction.id).notifications == 3


def test_refused_payment_leaves_the_invoice_due_and_a_late_refusal_never_unpays(family):
    parent, _household, invoice = family
    first, _url = _start(parent, invoice)
    assert refused(first).result == "refused"
    db.session.expire_all()
    assert (invoice.status, invoice.paid, payments_count()) == (InvoiceStatus.TO_PAY, Decimal("0.00"), 0)
    assert db.session.get(OnlineTransaction, first.id).status is TransactionStatus.REFUSED
    second, _url = _start(parent, invoice)  # the family tries again
    assert paid(second).result == "paid"
    assert refused(second).result == "ignored_late"
    db.session.expire_all()
    assert (invoice.status, payments_count()) == (InvoiceStatus.PAID, 1)
    assert db.session.get(OnlineTransaction, second.id).status is TransactionStatus.PAID


def test_a_late_success_after_a_refusal_is_money_received(family):
    parent, _household, invoice = family
    transaction, _url = _start(parent, invoice)
    refused(transaction)
    assert paid(transaction).result == "paid"
    db.session.expire_all()
    assert (invoice.status, payments_count()) == (InvoiceStatus.PAID, 1)


def test_unsigned_unknown_and_unreadable_notifications(family, client):
    parent, _household, invoice = family
    transaction, _url = _start(parent, invoice)
    assert notify(transaction, ok="1").result == "unsigned"  # no signature: nothing changes
    assert online.handle_notification(urlencode({"transaction_id": "nope", "signed": "1", "ok": "1"})).result \
        == "unknown"
    with pytest.raises(ValidationFailed):
        online.handle_notification("garbage=1")
    db.session.expire_all()
    assert (invoice.status, payments_count()) == (InvoiceStatus.TO_PAY, 0)
    # Over HTTP: what the service is told.
    response = client.get("/paiements/notification?" + urlencode({"transaction_id": "nope", "signed": "1"}))
    assert (response.status_code, response.get_data(as_text=True)) == (200, "unknown\n")
    assert client.get("/paiements/notification?garbage=1").status_code == 400
    response = client.post("/paiements/notification", data={"transaction_id": transaction.bank_transaction_id,
                                                             "signed": "1", "ok": "1"})
    assert (response.status_code, response.get_data(as_text=True)) == (200, "paid\n")


def test_notification_for_an_invoice_paid_at_the_desk_meanwhile_shows_the_overpayment(family):
    parent, _household, invoice = family
    transaction, _url = _start(parent, invoice)
    services.apply_payment(invoice, invoice.amount, PaymentMethod.CASH)
    db.session.commit()
    assert paid(transaction).result == "paid"  # the card was charged: recorded, never lost
    db.session.expire_all()
    assert (invoice.status, invoice.paid, invoice.overpaid) == (InvoiceStatus.PAID, Decimal("34.00"),
                                                                Decimal("17.00"))
    assert payments_count() == 2


def test_one_payment_for_several_invoices():
    parent, household, _kid, unit = family_with_march(("8.50",))
    close_march()
    march = invoice_of(household)
    from datetime import date

    import time_machine

    from app.billing import services as billing
    from app.booking.models import AttendanceStatus
    from tests.billing.factories import make_booking, session_on
    from tests.payments.factories import CLOSING

    make_booking(_kid, session_on(unit, date(2026, 4, 1)), price="4.70", attendance=AttendanceStatus.PRESENT)
    with time_machine.travel(CLOSING.replace(month=5), tick=False):
        billing.close_month("2026-04")
    april = db.session.scalar(select(services.Invoice).where(services.Invoice.month == date(2026, 4, 1)))
    services.apply_payment(april, Decimal("1.00"), PaymentMethod.CASH)  # partly paid at the desk
    db.session.commit()
    transaction, _url = _start(parent, march, april)
    assert transaction.amount == Decimal("12.20")  # 8.50 + (4.70 - 1.00)
    assert paid(transaction).result == "paid"
    db.session.expire_all()
    assert (march.status, april.status, april.paid) == (InvoiceStatus.PAID, InvoiceStatus.PAID, Decimal("4.70"))


def test_what_cannot_be_paid_online():
    parent, household, _kid, unit = family_with_march()
    _other, other_household, _k, _u = family_with_march(unit=unit, first_name="Inès")
    close_march()
    invoice = invoice_of(household)
    with pytest.raises(ValidationFailed):
        _start(parent)
    with pytest.raises(NotFound):
        _start(parent, invoice, invoice_of(other_household))
    services.apply_payment(invoice, invoice.amount, PaymentMethod.CASH)
    db.session.commit()
    with pytest.raises(ValidationFailed, match="ne peut pas être payée en ligne"):
        _start(parent, invoice)


def test_the_family_pays_over_http_through_the_simulated_page(family, login_as, make_client, monkeypatch):
    """The whole trip with real redirects; the simulator's call back goes through a second client
    (the live-server browser journey does it over real HTTP)."""
    parent, _household, invoice = family
    db.session.commit()
    service = make_client()
    calls = []

    def call_back(url, query):
        calls.append(query)
        return service.get(urlsplit(url).path + "?" + urlencode(query)).status_code

    monkeypatch.setattr(simulator, "call_back", call_back)
    browser = login_as(parent)
    page = browser.get(f"/paiements/factures/{invoice.id}").get_data(as_text=True)
    response = browser.post("/paiements/payer", data={"csrf_token": csrf_token_from(page),
                                                      "invoice_ids": str(invoice.id)})
    assert response.status_code == 303
    sim = browser.get(response.headers["Location"])
    html = sim.get_data(as_text=True)
    assert sim.status_code == 200 and "17,00" in html and "Aucune carte bancaire" in html
    assert "card" not in html.lower() and "cvv" not in html.lower()
    form = {k: v[0] for k, v in parse_qs(urlsplit(response.headers["Location"]).query).items()}
    form.update(csrf_token=csrf_token_from(html), choice="refuse")
    back = browser.post("/paiements/simulateur/", data=form)
    assert back.status_code == 303
    page = browser.get(back.headers["Location"]).get_data(as_text=True)
    assert "refusé : la facture reste à payer" in page
    db.session.expire_all()
    assert invoice.status is InvoiceStatus.TO_PAY
    page = browser.get(f"/paiements/factures/{invoice.id}").get_data(as_text=True)
    assert "refusé" in page  # failed attempts are visible to the family
    response = browser.post("/paiements/payer", data={"csrf_token": csrf_token_from(page),
                                                      "invoice_ids": str(invoice.id)})
    form = {k: v[0] for k, v in parse_qs(urlsplit(response.headers["Location"]).query).items()}
    form.update(csrf_token=csrf_token_from(page), choice="pay")
    back = browser.post("/paiements/simulateur/", data=form)
    page = browser.get(back.headers["Location"]).get_data(as_text=True)
    assert "Paiement reçu" in page
    assert [set(c) for c in calls] == [{"transaction_id", "signed", "reason"}, {"transaction_id", "signed", "ok"}]
    db.session.expire_all()
    assert (invoice.status, payments_count()) == (InvoiceStatus.PAID, 1)


def test_the_simulator_only_calls_and_sends_back_to_the_application(client):
    query = {"transaction_id": "x", "amount": "1.00", "return_url": "https://evil.example/",
             "direct_notification_url": "http://localhost/paiements/notification"}
    assert client.get("/paiements/simulateur/?" + urlencode(query)).status_code == 400


def test_no_simulator_in_production(monkeypatch):
    from app import create_app
    from config import ProductionConfig

    monkeypatch.setenv("SECRET_KEY", "x" * 40)
    monkeypatch.delenv("PAYMENT_BACKEND", raising=False)

    class Prod(ProductionConfig):
        SQLALCHEMY_DATABASE_URI = "sqlite://"
        PAYMENT_BACKEND = ""

    prod = create_app(Prod)
    assert "payments_simulator" not in prod.blueprints
    assert not any(r.rule.startswith("/paiements/simulateur") for r in prod.url_map.iter_rules())


def test_the_dummy_backend_never_runs_without_the_simulator(app, family, monkeypatch):
    """Its 'signature' is a parameter anyone can add: in production it is refused outright."""
    parent, _household, invoice = family
    transaction, _url = _start(parent, invoice)
    monkeypatch.setitem(app.config, "PAYMENT_SIMULATOR", False)
    with pytest.raises(ValidationFailed):
        paid(transaction)
    from app.errors import Conflict

    with pytest.raises(Conflict):
        _start(parent, invoice)
    db.session.expire_all()
    assert (invoice.status, payments_count()) == (InvoiceStatus.TO_PAY, 0)
