"""The régie's reconciliation: a bank statement (ISO 20022 camt.054 / camt.053, built here and valid
against the ISO 20022 XSD) matched with the online payments and direct debits Pitchoun recorded:
matched, amount differences, unknown to Pitchoun, missing in the bank; hostile XML refused."""
from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from lxml import etree
from sqlalchemy import select

from app.accounts.models import Role
from app.errors import Forbidden, ValidationFailed
from app.extensions import db
from app.payments import reconciliation, sepa, services
from app.payments.models import OnlineTransaction, PaymentMethod, SepaDebitBatch, TransactionStatus
from tests.conftest import csrf_token_from
from tests.factories import make_user
from tests.payments.factories import close_march, family_with_march, invoice_of

DATA = Path(__file__).parent / "data"
GOOD_FR = "FR76 3000 6000 0112 3456 7890 189"
IBAN = "FR7630001007941234567890185"


def _valid(xml: str, message: str) -> bytes:
    """The file, checked against the ISO 20022 schema of its message first."""
    data = xml.encode()
    schema = etree.XMLSchema(etree.parse(str(DATA / f"{message}.xsd")))
    schema.assertValid(etree.fromstring(data))
    return data


def _tx(end_to_end: str, amount: str, *, tx_id: str = "NOTPROVIDED", label: str = "") -> str:
    remittance = f"<RmtInf><Ustrd>{label}</Ustrd></RmtInf>" if label else ""
    return (f"<TxDtls><Refs><EndToEndId>{end_to_end}</EndToEndId><TxId>{tx_id}</TxId></Refs>"
            f"<AmtDtls><TxAmt><Amt Ccy=\"EUR\">{amount}</Amt></TxAmt></AmtDtls>{remittance}</TxDtls>")


def _entry(amount: str, day: str, details: str = "", *, ref: str, credit: bool = True,
           family: tuple[str, str] = ("RCDT", "ESCT")) -> str:
    return (f"<Ntry><Amt Ccy=\"EUR\">{amount}</Amt><CdtDbtInd>{'CRDT' if credit else 'DBIT'}</CdtDbtInd>"
            f"<Sts>BOOK</Sts><BookgDt><Dt>{day}</Dt></BookgDt><ValDt><Dt>{day}</Dt></ValDt>"
            f"<AcctSvcrRef>{ref}</AcctSvcrRef>"
            f"<BkTxCd><Domn><Cd>PMNT</Cd><Fmly><Cd>{family[0]}</Cd><SubFmlyCd>{family[1]}</SubFmlyCd></Fmly>"
            f"</Domn></BkTxCd>{f'<NtryDtls>{details}</NtryDtls>' if details else ''}</Ntry>")


def camt054(entries: str, first: str = "2026-04-15", last: str = "2026-04-30") -> bytes:
    return _valid(f"""<?xml version="1.0" encoding="UTF-8"?>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.054.001.02">
 <BkToCstmrDbtCdtNtfctn>
  <GrpHdr><MsgId>NTF-20260430-01</MsgId><CreDtTm>2026-04-30T22:00:00</CreDtTm></GrpHdr>
  <Ntfctn><Id>NTF-20260430-01-1</Id><CreDtTm>2026-04-30T22:00:00</CreDtTm>
   <FrToDt><FrDtTm>{first}T00:00:00</FrDtTm><ToDtTm>{last}T23:59:59</ToDtTm></FrToDt>
   <Acct><Id><IBAN>{IBAN}</IBAN></Id></Acct>
   {entries}
  </Ntfctn>
 </BkToCstmrDbtCdtNtfctn>
</Document>""", "camt.054.001.02")


def camt053(entries: str, first: str = "2026-04-24", last: str = "2026-04-24") -> bytes:
    return _valid(f"""<?xml version="1.0" encoding="UTF-8"?>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.02">
 <BkToCstmrStmt>
  <GrpHdr><MsgId>STM-20260424</MsgId><CreDtTm>2026-04-24T22:00:00</CreDtTm></GrpHdr>
  <Stmt><Id>STM-20260424-1</Id><CreDtTm>2026-04-24T22:00:00</CreDtTm>
   <FrToDt><FrDtTm>{first}T00:00:00</FrDtTm><ToDtTm>{last}T23:59:59</ToDtTm></FrToDt>
   <Acct><Id><IBAN>{IBAN}</IBAN></Id></Acct>
   <Bal><Tp><CdOrPrtry><Cd>CLBD</Cd></CdOrPrtry></Tp><Amt Ccy="EUR">4.70</Amt><CdtDbtInd>CRDT</CdtDbtInd>
    <Dt><Dt>{last}</Dt></Dt></Bal>
   {entries}
  </Stmt>
 </BkToCstmrStmt>
</Document>""", "camt.053.001.02")


def _paid_online(household, reference: str, bank_id: str, amount: str, at: datetime) -> OnlineTransaction:
    transaction = OnlineTransaction(reference=reference, backend="dummy", bank_transaction_id=bank_id,
                                    household_id=household.id, amount=Decimal(amount),
                                    status=TransactionStatus.PAID, created_at=at, completed_at=at)
    db.session.add(transaction)
    db.session.flush()
    services.apply_payment(invoice_of(household), Decimal(amount), PaymentMethod.ONLINE,
                           transaction_id=transaction.id, reference=bank_id)
    db.session.commit()
    return transaction


@pytest.fixture
def recorded():
    """Three households: one paid online on 15 April (17,00 €), one by direct debit collected on
    24 April (4,70 €), one paid online on 20 April (8,50 €) that the bank will not report."""
    p1, h1, _k1, unit = family_with_march(("8.50", "8.50"))
    p2, h2, _k2, _u = family_with_march(("4.70",), unit=unit, first_name="Inès")
    _p3, h3, _k3, _u = family_with_march(("8.50",), unit=unit, first_name="Noé")
    close_march()
    online = _paid_online(h1, "2026A1B2C3D4E5F6A7B8", "TX-DUMMY-0001", "17.00", datetime(2026, 4, 15, 9, tzinfo=UTC))
    forgotten = _paid_online(h3, "2026FFFFEEEEDDDDCCCC", "TX-DUMMY-0002", "8.50", datetime(2026, 4, 20, 9, tzinfo=UTC))
    sepa.sign_mandate(p2, "Inès Martin", GOOD_FR, True)
    admin = make_user(Role.ADMIN)
    sepa.debit_file(admin, date(2026, 4, 24), today=date(2026, 4, 10))
    assert sepa.settle_direct_debits(date(2026, 4, 24)) == 1
    return admin, online, forgotten, invoice_of(h2)


def test_matched_difference_unknown_and_missing(recorded):
    admin, online, forgotten, debited = recorded
    data = camt054(
        _entry("17.00", "2026-04-16", _tx(online.reference, "17.00", tx_id="PAYFIP-778", label="Facture en ligne"),
               ref="BQ-0001")
        + _entry("4.50", "2026-04-24", _tx(debited.number, "4.50"), ref="BQ-0002", family=("RDDT", "ESDD"))
        + _entry("30.00", "2026-04-25", _tx("VIR-INCONNU-9", "30.00", label="Virement de M. Personne"),
                 ref="BQ-0003")
        + _entry("12.00", "2026-04-26", ref="BQ-0004", credit=False, family=("ICDT", "ESCT")))
    result = reconciliation.reconcile(admin, data)
    assert (result.message, result.first, result.last, result.ignored) == ("camt.054", date(2026, 4, 15),
                                                                           date(2026, 4, 30), 1)
    assert [(m.kind, m.our_reference, m.bank_amount) for m in result.matched] == [
        ("online", online.reference, Decimal("17.00"))]
    (difference,) = result.differences
    assert (difference.kind, difference.our_reference, difference.bank_amount, difference.our_amount,
            difference.difference) == ("direct_debit", debited.number, Decimal("4.50"), Decimal("4.70"),
                                       Decimal("-0.20"))
    (unknown,) = result.unknown
    assert unknown.bank_amount == Decimal("30.00") and "Personne" in unknown.note
    (missing,) = result.missing
    assert (missing.kind, missing.our_reference, missing.our_amount) == ("online", forgotten.reference,
                                                                         Decimal("8.50"))
    assert not result.balanced and result.bank_total == Decimal("51.50")


def test_the_payment_services_transaction_id_matches_too(recorded):
    admin, online, _forgotten, _debited = recorded
    data = camt054(_entry("17.00", "2026-04-16", _tx("NOTPROVIDED", "17.00", tx_id=online.bank_transaction_id),
                          ref="BQ-0001"), first="2026-04-16", last="2026-04-16")
    result = reconciliation.reconcile(admin, data)
    assert [m.our_reference for m in result.matched] == [online.reference]
    assert result.balanced


def test_a_direct_debit_batch_booked_as_one_entry_matches_by_its_pmtinfid(recorded):
    admin, _online, _forgotten, debited = recorded
    (sent,) = db.session.scalars(select(SepaDebitBatch)).all()  # kept when the pain.008 file was made
    assert (sent.collection_date, sent.sequence_type, sent.transactions, sent.total, sent.invoice_numbers) == (
        date(2026, 4, 24), "FRST", 1, Decimal("4.70"), [debited.number])

    def batch(pmt_inf_id: str, total: str) -> str:
        return (f"<Btch><MsgId>{sent.msg_id}</MsgId><PmtInfId>{pmt_inf_id}</PmtInfId><NbOfTxs>1</NbOfTxs>"
                f"<TtlAmt Ccy=\"EUR\">{total}</TtlAmt><CdtDbtInd>CRDT</CdtDbtInd></Btch>")

    result = reconciliation.reconcile(admin, camt053(_entry("4.70", "2026-04-24", batch(sent.pmt_inf_id, "4.70"),
                                                            ref="BQ-0100", family=("RDDT", "ESDD"))))
    (line,) = result.matched
    assert (line.kind, line.bank_reference, line.our_amount) == ("batch", sent.pmt_inf_id, Decimal("4.70"))
    assert debited.number in line.note and "FRST" in line.note
    assert result.balanced and result.message == "camt.053"
    # The same batch for another amount is a difference; another PmtInfId is unknown (and the debit missing).
    other = reconciliation.reconcile(admin, camt053(_entry("9.40", "2026-04-24", batch(sent.pmt_inf_id, "9.40"),
                                                           ref="BQ-0100", family=("RDDT", "ESDD"))))
    assert other.differences[0].difference == Decimal("4.70") and not other.matched
    stranger = reconciliation.reconcile(admin, camt053(_entry("4.70", "2026-04-24", batch("AUTRE-LOT-1", "4.70"),
                                                              ref="BQ-0100", family=("RDDT", "ESDD"))))
    assert [u.bank_reference for u in stranger.unknown] == ["AUTRE-LOT-1"]
    assert [m.our_reference for m in stranger.missing] == [debited.number]


def test_a_rejected_debit_is_not_counted_as_collected(recorded):
    admin, _online, _forgotten, debited = recorded
    report = f"""<?xml version="1.0" encoding="UTF-8"?>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:pain.002.001.03"><CstmrPmtStsRpt>
 <GrpHdr><MsgId>R1</MsgId><CreDtTm>2026-04-27T08:00:00</CreDtTm></GrpHdr>
 <OrgnlGrpInfAndSts><OrgnlMsgId>M1</OrgnlMsgId><OrgnlMsgNmId>pain.008.001.02</OrgnlMsgNmId></OrgnlGrpInfAndSts>
 <OrgnlPmtInfAndSts><OrgnlPmtInfId>P1</OrgnlPmtInfId><TxInfAndSts><OrgnlEndToEndId>{debited.number}</OrgnlEndToEndId>
 <TxSts>RJCT</TxSts><StsRsnInf><Rsn><Cd>AM04</Cd></Rsn></StsRsnInf></TxInfAndSts></OrgnlPmtInfAndSts>
</CstmrPmtStsRpt></Document>""".encode()
    sepa.import_rejections(admin, report)
    result = reconciliation.reconcile(admin, camt054(_entry("4.70", "2026-04-24", _tx(debited.number, "4.70"),
                                                            ref="BQ-0002"), first="2026-04-24", last="2026-04-24"))
    (line,) = result.differences
    assert line.our_amount is None and line.bank_amount == Decimal("4.70")
    assert result.missing == []


XXE = b"""<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE Document [<!ENTITY secret SYSTEM "file:///etc/passwd">]>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.054.001.02"><BkToCstmrDbtCdtNtfctn>
 <GrpHdr><MsgId>&secret;</MsgId><CreDtTm>2026-04-30T22:00:00</CreDtTm></GrpHdr>
 <Ntfctn><Id>1</Id><CreDtTm>2026-04-30T22:00:00</CreDtTm><Acct><Id><IBAN>FR7630001007941234567890185</IBAN></Id></Acct>
 <Ntry><Amt Ccy="EUR">1.00</Amt><CdtDbtInd>CRDT</CdtDbtInd><Sts>BOOK</Sts><AddtlNtryInf>&secret;</AddtlNtryInf></Ntry>
 </Ntfctn></BkToCstmrDbtCdtNtfctn></Document>"""
LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.054.001.02">&lol3;</Document>"""


@pytest.mark.parametrize("hostile", [XXE, LAUGHS, XXE.replace(b"<!DOCTYPE", b"<!doctype")],
                         ids=["xxe", "billion-laughs", "lowercase"])
def test_hostile_xml_is_refused_before_anything_is_read(recorded, hostile):
    admin = recorded[0]
    with pytest.raises(ValidationFailed, match="DOCTYPE") as refused:
        reconciliation.reconcile(admin, hostile)
    assert "root:" not in refused.value.message


@pytest.mark.parametrize("data, message", [
    (b"", "5 Mo"), (b"<not xml", "lisible"),
    (b'<Document xmlns="urn:iso:std:iso:20022:tech:xsd:pain.002.001.03"/>', "camt.053 ou camt.054"),
    (b'<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.054.001.08"><BkToCstmrDbtCdtNtfctn/></Document>',
     "aucune notification"),
])
def test_files_that_are_not_camt_statements_are_refused(data, message):
    with pytest.raises(ValidationFailed, match=message):
        reconciliation.parse_statement(data)


def test_only_the_regie_reconciles(recorded):
    parent = make_user(Role.PARENT)
    with pytest.raises(Forbidden):
        reconciliation.reconcile(parent, camt054(""))


def test_the_regie_page(recorded, login_as):
    admin, online, forgotten, debited = recorded
    client = login_as(admin)
    page = client.get("/paiements/regie/rapprochement").get_data(as_text=True)
    assert "Rapprochement bancaire" in page
    token = csrf_token_from(page)
    from io import BytesIO

    data = camt054(_entry("17.00", "2026-04-16", _tx(online.reference, "17.00"), ref="BQ-0001")
                   + _entry("4.50", "2026-04-24", _tx(debited.number, "4.50"), ref="BQ-0002"))
    answer = client.post("/paiements/regie/rapprochement", data={
        "csrf_token": token, "statement": (BytesIO(data), "releve.xml")}, content_type="multipart/form-data")
    assert answer.status_code == 200
    body = answer.get_data(as_text=True)
    assert "Écarts de montant (1)" in body and debited.number in body and "-0,20" in body
    assert "Absents du relevé (1)" in body and forgotten.reference in body
    assert "Rapprochés (1)" in body and online.reference in body
    hostile = client.post("/paiements/regie/rapprochement", data={
        "csrf_token": token, "statement": (BytesIO(XXE), "releve.xml")}, content_type="multipart/form-data")
    assert hostile.status_code == 422 and "DOCTYPE" in hostile.get_data(as_text=True)
    assert client.post("/paiements/regie/rapprochement", data={"csrf_token": token}).status_code == 422


@pytest.mark.slow  # starts the Nu checker
def test_the_reconciliation_page_is_valid_html(recorded, login_as):
    from io import BytesIO

    from tests.html_check import assert_valid_html, warm_up

    warm_up()
    admin, online, _forgotten, debited = recorded
    client = login_as(admin)
    empty = client.get("/paiements/regie/rapprochement").get_data(as_text=True)
    assert_valid_html(empty, "reconciliation, empty")
    data = camt054(_entry("17.00", "2026-04-16", _tx(online.reference, "17.00"), ref="BQ-0001")
                   + _entry("30.00", "2026-04-25", _tx("VIR-INCONNU-9", "30.00"), ref="BQ-0003"))
    result = client.post("/paiements/regie/rapprochement", data={
        "csrf_token": csrf_token_from(empty), "statement": (BytesIO(data), "releve.xml")},
        content_type="multipart/form-data").get_data(as_text=True)
    assert_valid_html(result, "reconciliation, result")
    refused = client.post("/paiements/regie/rapprochement", data={
        "csrf_token": csrf_token_from(empty), "statement": (BytesIO(XXE), "releve.xml")},
        content_type="multipart/form-data").get_data(as_text=True)
    assert_valid_html(refused, "reconciliation, refused")


def test_a_doctype_hidden_by_another_encoding_is_refused_too():
    hostile = XXE.decode().replace('encoding="UTF-8"', 'encoding="UTF-16"').encode("utf-16")
    with pytest.raises(ValidationFailed, match="DOCTYPE"):
        reconciliation.parse_statement(hostile)


def test_later_versions_status_code_and_amount_are_read():
    """camt.054.001.08: the status is Sts/Cd and a transaction's amount TxDtls/Amt; a pending entry is left aside."""
    def entry(status: str, amount: str, end_to_end: str) -> str:
        return (f"<Ntry><Amt Ccy=\"EUR\">{amount}</Amt><CdtDbtInd>CRDT</CdtDbtInd><Sts>\n <Cd>{status}</Cd>\n</Sts>"
                f"<BookgDt><Dt>2026-04-16</Dt></BookgDt><NtryDtls><TxDtls><Refs><EndToEndId>{end_to_end}</EndToEndId>"
                f"</Refs><Amt Ccy=\"EUR\">{amount}</Amt></TxDtls></NtryDtls></Ntry>")

    data = f"""<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.054.001.08"><BkToCstmrDbtCdtNtfctn>
 <GrpHdr><MsgId>N8</MsgId><CreDtTm>2026-04-16T22:00:00</CreDtTm></GrpHdr>
 <Ntfctn><Id>N8-1</Id>{entry("BOOK", "12.30", "FAC-2026-000042")}{entry("PDNG", "5.00", "FAC-2026-000043")}</Ntfctn>
</BkToCstmrDbtCdtNtfctn></Document>""".encode()
    message, first, last, lines, ignored = reconciliation.parse_statement(data)
    assert (message, first, last, ignored) == ("camt.054", date(2026, 4, 16), date(2026, 4, 16), 1)
    assert [(line.end_to_end_id, line.amount) for line in lines] == [("FAC-2026-000042", Decimal("12.30"))]
