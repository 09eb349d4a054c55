"""The childcare tax certificate: amounts PAID in the year, children under 6 on 1 January, meals
excluded; a child turning 6 during the year, a December invoice paid in January."""
from __future__ import annotations

from datetime import UTC, date, datetime, time
from decimal import Decimal

import pytest
import time_machine
from sqlalchemy import select

from app import rules
from app.billing import services as billing
from app.booking.models import AttendanceStatus
from app.errors import Conflict
from app.extensions import db
from app.payments import services, tax
from app.payments.models import Invoice, PaymentMethod
from tests.billing.factories import make_booking, make_unit_at, session_on
from tests.booking.factories import make_parent_with_child
from tests.factories import make_child
from tests.payments.test_pdf import pdf_text

P = AttendanceStatus.PRESENT


def _at(y, m, d, h=10):
    return time_machine.travel(datetime(y, m, d, h, tzinfo=UTC), tick=False)


def _invoice(month: date) -> Invoice:
    return db.session.scalar(select(Invoice).where(Invoice.month == month))


def _pay(month: date, amount: str, when: datetime) -> None:
    with time_machine.travel(when, tick=False):
        services.apply_payment(_invoice(month), Decimal(amount), PaymentMethod.CASH)
        db.session.commit()


@pytest.fixture
def household():
    """Léo (born 1 June 2020: 5 on 1 January 2026, 6 in June) and Emma (born 15 December 2019: already
    6 on 1 January 2026). Invoices: November 2025 (Léo, meal), December 2025 (Léo, meal), March 2026
    (Léo without meal 4.70, Emma with meal 8.50)."""
    parent, household, leo = make_parent_with_child(birth_date=date(2020, 6, 1))
    emma = make_child(household, first_name="Emma", birth_date=date(2019, 12, 15))
    with_meal = make_unit_at()
    without = make_unit_at(activity=with_meal.activity, label="Matin", with_meal=False, start=time(8, 30),
                           end=time(12))
    make_booking(leo, session_on(with_meal, date(2025, 11, 5)), price="8.50", attendance=P)
    make_booking(leo, session_on(with_meal, date(2025, 12, 3)), price="8.50", attendance=P)
    make_booking(leo, session_on(without, date(2026, 3, 4)), price="4.70", attendance=P)
    make_booking(emma, session_on(with_meal, date(2026, 3, 4)), price="8.50", attendance=P)
    for month, closing in (("2025-11", datetime(2025, 12, 1, 8, tzinfo=UTC)),
                           ("2025-12", datetime(2026, 1, 2, 8, tzinfo=UTC)),
                           ("2026-03", datetime(2026, 4, 1, 8, tzinfo=UTC))):
        with time_machine.travel(closing, tick=False):
            billing.close_month(month)
    _pay(date(2025, 11, 1), "8.50", datetime(2025, 12, 20, 10, tzinfo=UTC))
    _pay(date(2025, 12, 1), "8.50", datetime(2026, 1, 10, 10, tzinfo=UTC))  # December invoice, paid in January
    _pay(date(2026, 3, 1), "6.60", datetime(2026, 4, 15, 10, tzinfo=UTC))  # half of 13.20
    rules.set_value(tax.MEAL_PART.key, Decimal("3.00"), valid_from=date(2025, 1, 1), note="test")
    db.session.commit()
    return parent, household


def test_amounts_paid_in_the_year_under_six_meals_excluded(household):
    _parent, h = household
    certificate = tax.certificate_for(h.id, 2026)
    # Léo: December's 8.50 paid in January less the 3.00 meal = 5.50; March: 6.60 paid of 13.20,
    # Léo's share 4.70 / 13.20 -> 2.35. Emma, 6 on 1 January 2026, is not on it.
    assert [(c.name.split()[0], c.amount) for c in certificate.children] == [("Léo", Decimal("7.85"))]
    assert certificate.total == Decimal("7.85")
    # 2025: November paid in December (8.50 - 3.00); December's invoice is not in 2025 (paid in 2026).
    # Emma was 5 on 1 January 2025 but had nothing paid in 2025.
    previous = tax.certificate_for(h.id, 2025)
    assert [(c.name.split()[0], c.amount) for c in previous.children] == [("Léo", Decimal("5.50"))]


def test_a_child_turning_six_on_new_years_day_is_out_of_that_year():
    assert tax._under_six_on_new_year(date(2020, 1, 2), 2026)
    assert not tax._under_six_on_new_year(date(2020, 1, 1), 2026)
    assert tax._under_six_on_new_year(date(2020, 2, 29), 2026)


def test_no_certificate_while_the_meal_part_is_not_set(household):
    _parent, h = household
    rules.set_value(tax.MEAL_PART.key, Decimal("0"), valid_from=date(2026, 1, 1), note="test")
    db.session.commit()
    with pytest.raises(Conflict, match="part du repas"):
        tax.certificate_for(h.id, 2026)


def test_the_family_downloads_its_certificate_as_pdf(household, login_as, tmp_path):
    parent, _h = household
    with _at(2027, 1, 15):
        client = login_as(parent)
        response = client.get("/paiements/attestation-fiscale/2026.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    text = pdf_text(response.data, tmp_path)
    assert "Attestation de frais de garde 2026" in text and "Léo" in text and "7,85" in text
    assert "Emma" not in text


def test_certificates_are_e_mailed_in_january_once(household, tmp_path):
    import base64

    from app.notifications.models import OutboxMessage

    parent, _h = household
    assert tax.send_certificates(date(2027, 1, 14)) == 0  # before the 15th
    with _at(2027, 1, 15):
        assert tax.send_certificates(date(2027, 1, 15)) == 1
        assert tax.send_certificates(date(2027, 1, 16)) == 0  # once per guardian and year
    (message,) = db.session.scalars(select(OutboxMessage).where(OutboxMessage.kind == "payments.tax_certificate"))
    assert message.to_address == parent.email and "2026" in message.subject and "7,85" in message.body_text
    (attachment,) = message.attachments
    assert attachment["content_type"] == "application/pdf"
    text = pdf_text(base64.b64decode(attachment["content_base64"]), tmp_path)
    assert "Léo" in text and "7,85" in text
    assert tax.send_certificates(date(2027, 2, 15)) == 0  # only in January
