"""The régie's day: reminders before the due date, unpaid invoices, the balance shown before
booking, payments at the desk and the day's journal exported for the treasury."""
from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from io import BytesIO

import pytest
import time_machine
from openpyxl import load_workbook
from sqlalchemy import select

from app.accounts.models import Role
from app.errors import Forbidden, ValidationFailed
from app.extensions import db
from app.notifications.models import OutboxMessage
from app.payments import services
from app.payments.models import InvoiceStatus, PaymentMethod
from tests.conftest import csrf_token_from
from tests.factories import make_user
from tests.payments.factories import close_march, family_with_march, invoice_of


@pytest.fixture
def two_families():
    p1, h1, _k1, unit = family_with_march(("8.50", "8.50"))
    p2, h2, _k2, _u = family_with_march(("4.70",), unit=unit, first_name="Inès")
    close_march()  # due 2 May 2026
    return (p1, h1), (p2, h2)


def _reminders():
    return list(db.session.scalars(select(OutboxMessage).where(OutboxMessage.kind == "payments.due_reminder")))


def test_reminder_before_the_due_date_once_and_not_when_paid(two_families):
    (p1, h1), (_p2, h2) = two_families
    services.apply_payment(invoice_of(h2), Decimal("4.70"), PaymentMethod.CASH)
    db.session.commit()
    assert services.send_due_reminders(date(2026, 4, 26)) == 0  # 6 days before: not yet (rule: 5)
    assert services.send_due_reminders(date(2026, 4, 27)) == 1
    assert services.send_due_reminders(date(2026, 4, 28)) == 0  # once per invoice and guardian
    (message,) = _reminders()
    assert message.to_address == p1.email
    assert "FAC-2026-000001" in message.subject and "02/05/2026" in message.subject
    assert "17,00 €" in message.body_text and f"/paiements/factures/{invoice_of(h1).id}" in message.body_text
    assert services.send_due_reminders(date(2026, 5, 3)) == 0  # past due: the unpaid list takes over


def test_unpaid_list_csv_and_the_balance_before_booking(two_families, login_as):
    (p1, h1), (p2, h2) = two_families
    services.apply_payment(invoice_of(h1), Decimal("2.00"), PaymentMethod.CHEQUE, reference="123")
    services.apply_payment(invoice_of(h2), Decimal("4.70"), PaymentMethod.CASH)
    db.session.commit()
    admin = make_user(Role.ADMIN)
    assert services.unpaid_invoices(admin, date(2026, 5, 2)) == []  # due that day: not late yet
    late = services.unpaid_invoices(admin, date(2026, 5, 10))
    assert [(i.household_id, i.remaining) for i in late] == [(h1.id, Decimal("15.00"))]
    with pytest.raises(Forbidden):
        services.unpaid_invoices(p1)
    assert services.household_unpaid_balance(h1.id, date(2026, 5, 10)) == Decimal("15.00")
    assert services.household_unpaid_balance(h1.id, date(2026, 5, 1)) == Decimal("0.00")
    assert services.household_unpaid_balance(h2.id, date(2026, 5, 10)) == Decimal("0.00")
    with time_machine.travel(datetime(2026, 5, 10, 8, tzinfo=UTC), tick=False):
        regie = login_as(admin)
        csv = regie.get("/paiements/regie/impayes.csv").get_data(as_text=True)
        assert "FAC-2026-000001" in csv and "15,00" in csv and ";8;" in csv and "FAC-2026-000002" not in csv
        page = login_as(p1).get("/accueils/reserver").get_data(as_text=True)
        assert "Factures en retard : 15,00" in page
        assert "Factures en retard" not in login_as(p2).get("/accueils/reserver").get_data(as_text=True)


def test_desk_payments_and_their_checks(two_families):
    (p1, h1), _second = two_families
    admin = make_user(Role.ADMIN)
    invoice = invoice_of(h1)
    with pytest.raises(Forbidden):
        services.record_desk_payment(p1, invoice.id, Decimal("1"), PaymentMethod.CASH)
    with pytest.raises(ValidationFailed, match="numéro du chèque"):
        services.record_desk_payment(admin, invoice.id, Decimal("5"), PaymentMethod.CHEQUE)
    with pytest.raises(ValidationFailed, match="dépasse le reste à payer"):
        services.record_desk_payment(admin, invoice.id, Decimal("17.01"), PaymentMethod.CASH)
    with pytest.raises(ValidationFailed):
        services.record_desk_payment(admin, invoice.id, Decimal("5"), PaymentMethod.ONLINE)
    services.record_desk_payment(admin, invoice.id, Decimal("10"), PaymentMethod.ANCV, "ANCV-77")
    db.session.expire_all()
    assert (invoice.status, invoice.remaining) == (InvoiceStatus.PARTLY_PAID, Decimal("7.00"))
    services.record_desk_payment(admin, invoice.id, Decimal("7"), PaymentMethod.CESU, "CESU-1")
    db.session.expire_all()
    assert invoice.status is InvoiceStatus.PAID
    with pytest.raises(ValidationFailed, match="ne se paie plus"):
        services.record_desk_payment(admin, invoice.id, Decimal("1"), PaymentMethod.CASH)


def test_desk_form_and_the_days_journal_export(two_families, login_as):
    (_p1, h1), (_p2, h2) = two_families
    admin = make_user(Role.ADMIN)
    db.session.commit()
    first, second = invoice_of(h1), invoice_of(h2)
    # 23:30 in Paris on 5 May is 21:30 UTC: the journal of 5 May, not of the 6th.
    with time_machine.travel(datetime(2026, 5, 5, 21, 30, tzinfo=UTC), tick=False):
        regie = login_as(admin)
        page = regie.get(f"/paiements/factures/{first.id}").get_data(as_text=True)
        token = csrf_token_from(page)
        refused = regie.post(f"/paiements/factures/{first.id}/paiement-guichet",
                             data={"csrf_token": token, "amount": "abc", "method": "cash"})
        assert refused.status_code == 422
        response = regie.post(f"/paiements/factures/{first.id}/paiement-guichet",
                              data={"csrf_token": token, "amount": "12,50", "method": "cheque", "reference": "0042"})
        assert response.status_code == 302
        regie.post(f"/paiements/factures/{second.id}/paiement-guichet",
                   data={"csrf_token": token, "amount": "4,70", "method": "cash", "reference": ""})
    with time_machine.travel(datetime(2026, 5, 6, 7, tzinfo=UTC), tick=False):
        services.apply_payment(invoice_of(h1), Decimal("4.50"), PaymentMethod.CASH)
        db.session.commit()
    regie = login_as(admin)
    book = load_workbook(BytesIO(regie.get("/paiements/regie/journal.xlsx?jour=2026-05-05").data))
    lines = [[c.value for c in row] for row in book["Paiements"].iter_rows(min_row=2)]
    assert [(r[2], r[4], r[5], r[6]) for r in lines] == [("FAC-2026-000001", "Chèque", "0042", 12.5),
                                                           ("FAC-2026-000002", "Espèces", None, 4.7)]
    assert lines[0][1] == "23:30"
    totals = [[c.value for c in row] for row in book["Totaux"].iter_rows(min_row=2)]
    assert [(r[1], r[2], r[3]) for r in totals] == [("Espèces", 1, 4.7), ("Chèque", 1, 12.5), ("Total", 2, 17.2)]
    page = regie.get("/paiements/regie/journal?jour=2026-05-06").get_data(as_text=True)
    assert "4,50" in page and "12,50" not in page
