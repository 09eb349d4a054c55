"""Invoices: issued at the closing, numbered gap-free, due by the dated rule, status, Trésor, access."""
from __future__ import annotations

import threading
from datetime import date, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select

from app import rules
from app.accounts.models import Role
from app.billing.models import Statement
from app.errors import Forbidden, NotFound
from app.extensions import db
from app.payments import services
from app.payments.models import InvoiceSequence, InvoiceStatus, PaymentMethod
from tests.factories import make_user
from tests.payments.factories import close_march, family_with_march, invoice_of


def test_closing_issues_one_numbered_invoice_per_statement_due_by_the_rule():
    _p1, h1, _k1, unit = family_with_march(("8.50", "6.25"))
    _p2, h2, _k2, _u = family_with_march(("4.70",), unit=unit, first_name="Inès")
    invoices = close_march()
    assert [i.number for i in invoices] == ["FAC-2026-000001", "FAC-2026-000002"]
    first = invoice_of(h1)
    statement = db.session.get(Statement, first.statement_id)
    assert (first.amount, first.paid, first.remaining) == (Decimal("14.75"), Decimal("0.00"), Decimal("14.75"))
    assert first.amount == statement.total and first.month == date(2026, 3, 1)
    assert (first.issued_on, first.due_on) == (date(2026, 4, 2), date(2026, 5, 2))  # 30 days by default
    assert first.status is InvoiceStatus.TO_PAY
    assert invoice_of(h2).amount == Decimal("4.70")


def test_due_date_follows_the_rule_in_force_on_the_issue_day():
    family_with_march()
    rules.set_value(services.DUE_DAYS.key, 15, valid_from=date(2026, 4, 1), note="test")
    rules.set_value(services.DUE_DAYS.key, 45, valid_from=date(2026, 5, 1), note="test")
    db.session.commit()
    (invoice,) = close_march()
    assert invoice.due_on == date(2026, 4, 17)


def test_statement_with_nothing_to_pay_gets_no_invoice():
    family_with_march(("0.00",))
    assert close_march() == []
    assert db.session.scalar(select(Statement)) is not None


def test_a_rolled_back_closing_gives_its_numbers_back():
    """Gap-free: a closing that fails after numbering leaves the sequence where it was."""
    family_with_march()
    db.session.commit()
    services.next_invoice_number(2026)
    db.session.rollback()
    (invoice,) = close_march()
    assert invoice.number == "FAC-2026-000001"
    assert db.session.get(InvoiceSequence, 2026).last_number == 1


def test_sequence_restarts_each_year():
    assert services.next_invoice_number(2026) == "FAC-2026-000001"
    assert services.next_invoice_number(2026) == "FAC-2026-000002"
    assert services.next_invoice_number(2027) == "FAC-2027-000001"
    db.session.commit()


@pytest.mark.slow
def test_concurrent_numbering_is_gap_free_and_unique(app):
    """Real concurrent sessions (threads, own connections) take numbers; some roll back.

    Committed numbers are exactly 1..n, each once (PostgreSQL: row lock; SQLite: write lock)."""
    db.session.commit()
    committed: list[str] = []
    errors: list[BaseException] = []
    start = threading.Barrier(6)

    def worker(n: int):
        with app.app_context():
            try:
                start.wait(timeout=10)
                for i in range(4):
                    number = services.next_invoice_number(2026)
                    if (n + i) % 3 == 0:
                        db.session.rollback()
                    else:
                        db.session.commit()
                        committed.append(number)
            except BaseException as error:  # noqa: BLE001 - reported below
                errors.append(error)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert not errors, errors
    assert sorted(committed) == [f"FAC-2026-{n:06d}" for n in range(1, len(committed) + 1)]
    assert len(committed) == 16


def test_status_follows_payments():
    _p, household, _k, _u = family_with_march(("8.50", "8.50"))
    close_march()
    invoice = invoice_of(household)
    services.apply_payment(invoice, Decimal("5.00"), PaymentMethod.CASH)
    assert (invoice.status, invoice.remaining) == (InvoiceStatus.PARTLY_PAID, Decimal("12.00"))
    services.apply_payment(invoice, Decimal("12.00"), PaymentMethod.CHEQUE)
    assert (invoice.status, invoice.remaining, invoice.overpaid) == (InvoiceStatus.PAID, Decimal("0.00"),
                                                                     Decimal("0.00"))
    db.session.commit()


def test_overdue_invoices_go_to_the_tresor_after_the_period():
    _p1, h1, _k1, unit = family_with_march()
    _p2, h2, _k2, _u = family_with_march(unit=unit, first_name="Inès")
    _p3, h3, _k3, _u = family_with_march(unit=unit, first_name="Jade")
    close_march()
    paid = invoice_of(h2)
    services.apply_payment(paid, paid.amount, PaymentMethod.CASH)
    partly = invoice_of(h3)
    services.apply_payment(partly, Decimal("1.00"), PaymentMethod.CASH)
    db.session.commit()
    due = invoice_of(h1).due_on  # 2 May 2026; 60 days later: 1 July
    assert services.send_overdue_to_tresor(due + timedelta(days=60)) == 0
    assert services.send_overdue_to_tresor(due + timedelta(days=61)) == 2
    assert services.send_overdue_to_tresor(due + timedelta(days=61)) == 0  # twice the same day: nothing more
    statuses = {h.id: invoice_of(h).status for h in (h1, h2, h3)}
    assert statuses == {h1.id: InvoiceStatus.TRESOR, h2.id: InvoiceStatus.PAID, h3.id: InvoiceStatus.TRESOR}
    assert invoice_of(h1).sent_to_tresor_on == due + timedelta(days=61)


def test_a_family_sees_only_its_invoices():
    p1, h1, _k1, unit = family_with_march()
    p2, h2, _k2, _u = family_with_march(unit=unit, first_name="Inès")
    close_march()
    assert [i.household_id for i in services.household_invoices(p1)] == [h1.id]
    with pytest.raises(NotFound):
        services.get_invoice(p1, invoice_of(h2).id)
    assert services.get_invoice(p2, invoice_of(h2).id).household_id == h2.id
    with pytest.raises(Forbidden):
        services.regie_invoices(p1)
    admin = make_user(Role.ADMIN)
    assert len(services.regie_invoices(admin)) == 2
    assert len(services.regie_invoices(admin, InvoiceStatus.PAID)) == 0


def test_pages_for_the_family_and_the_regie(login_as):
    p1, h1, _k1, unit = family_with_march()
    _p2, h2, _k2, _u = family_with_march(unit=unit, first_name="Inès")
    close_march()
    mine, theirs = invoice_of(h1), invoice_of(h2)
    db.session.commit()
    family = login_as(p1)
    page = family.get("/paiements/factures").get_data(as_text=True)
    assert mine.number in page and theirs.number not in page
    page = family.get(f"/paiements/factures/{mine.id}").get_data(as_text=True)
    assert "17,00" in page and "À payer" in page and "2 mai 2026" in page
    assert family.get(f"/paiements/factures/{theirs.id}").status_code == 404
    assert family.get(f"/paiements/factures/{theirs.id}.pdf").status_code == 404
    assert family.get("/paiements/regie").status_code == 403
    regie = login_as(make_user(Role.ADMIN))
    page = regie.get("/paiements/regie?etat=to_pay").get_data(as_text=True)
    assert mine.number in page and theirs.number in page
    assert regie.get(f"/paiements/factures/{theirs.id}").status_code == 200
    page = regie.get("/paiements/regie?etat=paid").get_data(as_text=True)
    assert mine.number not in page
