"""Booking refused for a household with overdue invoices: a régie's dated setting, off by default.

Booking never imports payments: payments registers a household gate (app/booking/gates.py) that the
web form, the basket review, the API and the desk all go through."""
from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
import time_machine
from sqlalchemy import func, select

from app import rules
from app.accounts.models import Role
from app.booking import services as booking
from app.booking.models import Booking, Session
from app.desk import services as desk
from app.extensions import db
from app.payments import services
from app.payments.models import PaymentMethod
from tests.api.support import bearer, error_of
from tests.booking.factories import make_session, make_unit
from tests.conftest import csrf_token_from
from tests.factories import make_user
from tests.payments.factories import close_march, family_with_march, invoice_of

KEY = "payments.block_booking_when_unpaid"
LATE = datetime(2026, 5, 10, 8, tzinfo=UTC)  # the March invoice was due on 2 May 2026
BEFORE_DUE = datetime(2026, 5, 1, 8, tzinfo=UTC)
WEDNESDAY = date(2026, 5, 20)


@pytest.fixture
def owing():
    """(parent, household, child, session): 17,00 € invoiced for March, unpaid; a session to book in May."""
    parent, household, kid, _unit = family_with_march(("8.50", "8.50"))
    close_march()
    session = make_session(make_unit(), day=WEDNESDAY)
    return parent, household, kid, session


def _block(on: bool = True, since: date = date(2026, 4, 1)) -> None:
    rules.set_value(KEY, on, valid_from=since)
    db.session.commit()


def _bookings() -> int:
    """Bookings made in these tests (March's, already billed, excluded)."""
    return db.session.scalar(select(func.count(Booking.id)).join(Session).where(Session.day >= date(2026, 5, 1)))


def test_off_by_default_the_household_books(owing):
    parent, _household, kid, session = owing
    assert rules.get(KEY).value(on=LATE.date()) is False
    (item,) = booking.book(parent, [(kid.id, session.id)], now=LATE).items
    assert item.status == "confirmed"


def test_on_every_item_is_refused_with_the_amount_and_how_to_pay(owing):
    parent, household, kid, session = owing
    other = make_session(make_unit(label="Matin"), day=date(2026, 5, 27))
    _block()
    result = booking.book(parent, [(kid.id, session.id), (kid.id, other.id)], now=LATE)
    assert [(i.status, i.code) for i in result.items] == [("refused", "unpaid_balance")] * 2
    reason = result.items[0].reason
    assert "17,00 €" in reason and "date limite de paiement est passée" in reason
    assert "Payer mes factures" in reason and "régie" in reason
    assert _bookings() == 0
    # The basket review says the same before anything is sent.
    basket = booking.preview(parent, [(kid.id, session.id)], now=LATE)
    assert [(i.outcome, i.reason) for i in basket.items] == [("refused", reason)]


def test_a_rule_starting_later_does_not_refuse_yet(owing):
    parent, _household, kid, session = owing
    _block(since=date(2026, 6, 1))
    assert booking.book(parent, [(kid.id, session.id)], now=LATE).items[0].status == "confirmed"


def test_nothing_overdue_or_not_yet_due_books(owing):
    parent, household, kid, session = owing
    _block()
    # Not yet due on 1 May: nothing overdue.
    assert services.booking_refusal(household, BEFORE_DUE.date()) is None
    assert booking.book(parent, [(kid.id, session.id)], now=BEFORE_DUE).items[0].status == "confirmed"
    # Overdue but paid at the desk: balance 0, books.
    other = make_session(make_unit(label="Matin"), day=date(2026, 5, 27))
    assert services.booking_refusal(household, LATE.date()) is not None
    services.apply_payment(invoice_of(household), Decimal("17.00"), PaymentMethod.CASH)
    db.session.commit()
    assert services.household_unpaid_balance(household.id, LATE.date()) == Decimal("0.00")
    assert booking.book(parent, [(kid.id, other.id)], now=LATE).items[0].status == "confirmed"


def test_a_household_without_invoices_books(owing):
    from tests.booking.factories import make_parent_with_child

    _block()
    _parent, _household, _kid, session = owing
    newcomer, _h, child = make_parent_with_child(first_name="Inès")
    assert booking.book(newcomer, [(child.id, session.id)], now=LATE).items[0].status == "confirmed"


def test_the_tresor_part_says_where_to_pay_it(owing):
    _parent, household, _kid, _session = owing
    _block()
    invoice = invoice_of(household)
    services.apply_payment(invoice, Decimal("2.00"), PaymentMethod.CHEQUE, reference="12")
    db.session.commit()
    assert services.send_overdue_to_tresor(date(2026, 7, 2)) == 1  # 60 days after the due date
    refusal = services.booking_refusal(household, date(2026, 7, 2))
    assert refusal.code == "unpaid_balance"
    assert "15,00 €" in refusal.reason and "Trésor public" in refusal.reason


def test_desk_staff_acting_for_the_family_get_the_same_refusal(owing):
    _parent, household, kid, session = owing
    staff = make_user(Role.ADMIN)
    _block()
    consent = desk.Consent("Marie Dupont", True)
    result = desk.book(staff, "relais", household.id, [(kid.id, session.id)], consent, now=LATE)
    assert result.items[0].status == "refused" and result.items[0].code == "unpaid_balance"
    assert "17,00 €" in result.items[0].reason
    assert _bookings() == 0
    # Once paid at the régie's desk, the same staff member books for the family.
    services.record_desk_payment(staff, invoice_of(household).id, Decimal("17.00"), PaymentMethod.CASH)
    result = desk.book(staff, "relais", household.id, [(kid.id, session.id)], consent, now=LATE)
    assert result.items[0].status == "confirmed"


def test_web_form_and_basket_refuse_with_the_message(owing, login_as):
    parent, _household, kid, session = owing
    _block()
    with time_machine.travel(LATE, tick=False):
        client = login_as(parent)
        page = client.get("/accueils/reserver?month=2026-05").get_data(as_text=True)
        assert "Factures en retard : 17,00" in page
        token = csrf_token_from(page)
        review = client.post("/accueils/reserver/panier", data={
            "csrf_token": token, "item": f"{kid.id}:{session.id}", "month": "2026-05"}).get_data(as_text=True)
        assert "17,00 €" in review and "date limite de paiement est passée" in review
        answer = client.post("/accueils/reserver", data={"csrf_token": token, "item": f"{kid.id}:{session.id}",
                                                         "submission_key": "k1"}).get_data(as_text=True)
        assert "Rien n'a été réservé." in answer and "17,00 €" in answer and "Payer mes factures" in answer
    assert _bookings() == 0


def test_api_refuses_with_409_and_a_stable_code(owing, client):
    parent, household, kid, session = owing
    _block()
    with time_machine.travel(LATE, tick=False):
        response = client.post("/api/v1/bookings", json={"child_id": kid.id, "session_id": session.id},
                               headers=bearer(parent))
        assert response.status_code == 409
        body = error_of(response)
        assert body["code"] == "unpaid_balance" and "17,00 €" in body["message"]
        services.apply_payment(invoice_of(household), Decimal("17.00"), PaymentMethod.ONLINE)
        db.session.commit()
        again = client.post("/api/v1/bookings", json={"child_id": kid.id, "session_id": session.id},
                            headers=bearer(parent))
        assert again.status_code == 201 and again.get_json()["status"] == "confirmed"


def test_the_setting_is_edited_on_the_rules_page(owing, login_as):
    parent, _household, kid, session = owing
    admin = make_user(Role.ADMIN)
    with time_machine.travel(LATE, tick=False):
        client = login_as(admin)
        page = client.get("/administration/regles/").get_data(as_text=True)
        assert "Refuser les nouvelles réservations d'un foyer" in page and KEY in page
        response = client.post(f"/administration/regles/{KEY}", data={
            "csrf_token": csrf_token_from(page), "value": "true", "valid_from": "2026-05-10",
            "note": "Délibération du 4 mai 2026"})
        assert response.status_code == 302
    assert rules.get(KEY).value(on=LATE.date()) is True
    assert booking.book(parent, [(kid.id, session.id)], now=LATE).items[0].code == "unpaid_balance"


def test_payments_registers_its_gate_with_booking(app):
    """Booking asks through its gate registry (booking never imports payments: see .importlinter)."""
    from app.booking.registry import booking_registry

    assert services.booking_refusal in booking_registry().household_gates
