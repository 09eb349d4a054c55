"""SEPA direct debit: IBAN checks (schwifty), mandates (RUM, ICS, revocation), the pain.008 file
validated against its XSD, the pre-notification delay and e-mail."""
from __future__ import annotations

import os
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
import time_machine
from lxml import etree
from sqlalchemy import select

from app.accounts.models import Role
from app.errors import Conflict, Forbidden, NotFound, ValidationFailed
from app.extensions import db
from app.notifications.models import OutboxMessage
from app.payments import sepa
from app.payments.models import InvoiceStatus
from tests.conftest import csrf_token_from
from tests.factories import make_user
from tests.payments.factories import close_march, family_with_march, invoice_of

GOOD_FR = "FR76 3000 6000 0112 3456 7890 189"
GOOD_DE = "DE89 3704 0044 0532 0130 00"
BAD_CHECKSUM = "FR76 3000 6000 0112 3456 7890 188"
NOT_SEPA = "BR15 0000 0000 0000 1093 2840 814P 2"


def test_iban_checks():
    assert sepa.check_iban(GOOD_FR).compact == "FR7630006000011234567890189"
    assert sepa.check_iban(GOOD_DE).country_code == "DE"
    with pytest.raises(ValidationFailed, match="clé de contrôle"):
        sepa.check_iban(BAD_CHECKSUM)
    with pytest.raises(ValidationFailed, match="zone SEPA"):
        sepa.check_iban(NOT_SEPA)
    with pytest.raises(ValidationFailed, match="pas valide"):
        sepa.check_iban("FR76 1234")


def test_mandate_signed_with_rum_and_ics_then_revoked(app):
    parent, household, _kid, _unit = family_with_march()
    with pytest.raises(ValidationFailed, match="autorisation"):
        sepa.sign_mandate(parent, "Camille Martin", GOOD_FR, False)
    mandate = sepa.sign_mandate(parent, "  Camille   Martin ", GOOD_FR, True)
    assert mandate.rum == f"GC-PITCHOUN-{household.id:06d}-{mandate.id:06d}"
    assert (mandate.creditor_id, mandate.iban, mandate.holder_name) == (app.config["SEPA_CREDITOR_ID"],
                                                                        "FR7630006000011234567890189",
                                                                        "Camille Martin")
    with pytest.raises(Conflict):
        sepa.sign_mandate(parent, "Camille Martin", GOOD_DE, True)
    stranger = make_user(Role.PARENT)
    with pytest.raises(NotFound):
        sepa.revoke_mandate(stranger, mandate.id)
    sepa.revoke_mandate(parent, mandate.id)
    assert sepa.active_mandate(household.id) is None
    second = sepa.sign_mandate(parent, "Camille Martin", GOOD_DE, True)
    assert second.rum != mandate.rum


def test_pain008_file_valid_against_the_xsd_after_the_prenotification_delay():
    parent, household, _kid, unit = family_with_march(("8.50", "8.50"))
    _other, other_household, _k, _u = family_with_march(("4.70",), unit=unit, first_name="Inès")
    close_march()
    mandate = sepa.sign_mandate(parent, "Camille Martin", GOOD_FR, True)
    admin = make_user(Role.ADMIN)
    with pytest.raises(Forbidden):
        sepa.debit_file(parent, date(2026, 5, 1), today=date(2026, 4, 10))
    with pytest.raises(ValidationFailed, match="24/04/2026"):
        sepa.debit_file(admin, date(2026, 4, 23), today=date(2026, 4, 10))  # 13 days: too soon
    xml, collected = sepa.debit_file(admin, date(2026, 4, 24), today=date(2026, 4, 10))
    assert [i.household_id for i in collected] == [household.id]
    schema = etree.XMLSchema(etree.parse(os.path.join(os.path.dirname(sepa_module_file()), "schemas",
                                                      "pain.008.001.02.xsd")))
    document = etree.fromstring(xml)
    schema.assertValid(document)
    ns = {"p": "urn:iso:std:iso:20022:tech:xsd:pain.008.001.02"}
    assert document.findtext(".//p:DrctDbtTx/p:MndtRltdInf/p:MndtId", namespaces=ns) == mandate.rum
    assert document.findtext(".//p:InstdAmt", namespaces=ns) == "17.00"
    assert document.findtext(".//p:SeqTp", namespaces=ns) == "FRST"
    assert document.findtext(".//p:ReqdColltnDt", namespaces=ns) == "2026-04-24"
    assert document.findtext(".//p:EndToEndId", namespaces=ns) == invoice_of(household).number
    assert document.findtext(".//p:CdtrSchmeId/p:Id/p:PrvtId/p:Othr/p:Id", namespaces=ns) == "FR00ZZZ000000"
    db.session.expire_all()
    assert invoice_of(household).status is InvoiceStatus.DIRECT_DEBIT
    assert invoice_of(other_household).status is InvoiceStatus.TO_PAY  # no mandate
    (message,) = db.session.scalars(select(OutboxMessage).where(OutboxMessage.kind == "payments.sepa_prenotification"))
    assert message.to_address == parent.email
    assert "24/04/2026" in message.subject and "17,00" in message.body_text and mandate.rum in message.body_text
    with pytest.raises(Conflict):  # already in direct debit: nothing left to collect
        sepa.debit_file(admin, date(2026, 4, 24), today=date(2026, 4, 10))


def sepa_module_file():
    import sepaxml

    return sepaxml.__file__


def test_family_signs_and_revokes_a_mandate_through_the_page(login_as):
    parent, household, _kid, _unit = family_with_march()
    db.session.commit()
    client = login_as(parent)
    page = client.get("/paiements/prelevement").get_data(as_text=True)
    token = csrf_token_from(page)
    refused = client.post("/paiements/prelevement", data={"csrf_token": token, "holder_name": "Camille Martin",
                                                           "iban": BAD_CHECKSUM, "accept": "y"})
    assert refused.status_code == 422 and "clé de contrôle" in refused.get_data(as_text=True)
    signed = client.post("/paiements/prelevement", data={"csrf_token": token, "holder_name": "Camille Martin",
                                                          "iban": GOOD_FR, "accept": "y"})
    assert signed.status_code == 302
    page = client.get("/paiements/prelevement").get_data(as_text=True)
    assert "FR76 •••• •••• 0189" in page and "actif" in page and "7890189" not in page
    mandate = sepa.active_mandate(household.id)
    client.post(f"/paiements/prelevement/{mandate.id}/revoquer", data={"csrf_token": csrf_token_from(page)})
    db.session.expire_all()
    assert sepa.active_mandate(household.id) is None


PAIN002 = """<?xml version="1.0" encoding="UTF-8"?>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:pain.002.001.03">
 <CstmrPmtStsRpt>
  <GrpHdr><MsgId>R1</MsgId><CreDtTm>2026-04-27T08:00:00</CreDtTm></GrpHdr>
  <OrgnlGrpInfAndSts><OrgnlMsgId>M1</OrgnlMsgId><OrgnlMsgNmId>pain.008.001.02</OrgnlMsgNmId></OrgnlGrpInfAndSts>
  <OrgnlPmtInfAndSts><OrgnlPmtInfId>P1</OrgnlPmtInfId>
   <TxInfAndSts><OrgnlEndToEndId>{number}</OrgnlEndToEndId><TxSts>RJCT</TxSts>
    <StsRsnInf><Rsn><Cd>AM04</Cd></Rsn></StsRsnInf></TxInfAndSts>
   <TxInfAndSts><OrgnlEndToEndId>FAC-1999-000009</OrgnlEndToEndId><TxSts>RJCT</TxSts>
    <StsRsnInf><Rsn><Cd>AC04</Cd></Rsn></StsRsnInf></TxInfAndSts>
  </OrgnlPmtInfAndSts>
 </CstmrPmtStsRpt>
</Document>"""


def test_rejections_imported_mark_the_invoice_rejected_and_tell_the_family():
    parent, household, _kid, _unit = family_with_march()
    close_march()
    sepa.sign_mandate(parent, "Camille Martin", GOOD_FR, True)
    admin = make_user(Role.ADMIN)
    sepa.debit_file(admin, date(2026, 4, 24), today=date(2026, 4, 10))
    number = invoice_of(household).number
    report = PAIN002.format(number=number).encode()
    with pytest.raises(Forbidden):
        sepa.import_rejections(parent, report)
    with pytest.raises(ValidationFailed):
        sepa.import_rejections(admin, b"<html>not a report</html>")
    rejected, unknown = sepa.import_rejections(admin, report)
    assert [(i.number, code) for i, code in rejected] == [(number, "AM04")]
    assert unknown == ["FAC-1999-000009"]
    db.session.expire_all()
    assert invoice_of(household).status is InvoiceStatus.REJECTED
    (message,) = db.session.scalars(select(OutboxMessage).where(OutboxMessage.kind == "payments.sepa_rejected"))
    assert "provision insuffisante" in message.body_text and "17,00" in message.body_text
    assert sepa.import_rejections(admin, report)[0] == []  # the same report twice: nothing more


def test_collected_on_its_date_then_a_late_rejection_reverses_the_payment():
    parent, household, _kid, _unit = family_with_march()
    close_march()
    mandate = sepa.sign_mandate(parent, "Camille Martin", GOOD_FR, True)
    admin = make_user(Role.ADMIN)
    sepa.debit_file(admin, date(2026, 4, 24), today=date(2026, 4, 10))
    assert sepa.settle_direct_debits(date(2026, 4, 23)) == 0  # before the collection date
    with time_machine.travel(datetime(2026, 4, 24, 6, tzinfo=UTC), tick=False):
        assert sepa.settle_direct_debits(date(2026, 4, 24)) == 1
    assert sepa.settle_direct_debits(date(2026, 4, 25)) == 0  # settled once
    db.session.expire_all()
    invoice = invoice_of(household)
    assert (invoice.status, invoice.paid) == (InvoiceStatus.PAID, Decimal("17.00"))
    assert [(p.method.value, p.amount, p.reference) for p in invoice.payments] == [
        ("direct_debit", Decimal("17.00"), mandate.rum)]
    report = PAIN002.format(number=invoice.number).encode()
    rejected, _unknown = sepa.import_rejections(admin, report)
    assert [i.number for i, _code in rejected] == [invoice.number]
    db.session.expire_all()
    invoice = invoice_of(household)
    assert (invoice.status, invoice.paid, invoice.remaining) == (InvoiceStatus.REJECTED, Decimal("0.00"),
                                                                 Decimal("17.00"))
    assert sepa.import_rejections(admin, report)[0] == []  # reversed once
