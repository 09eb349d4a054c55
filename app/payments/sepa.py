"""SEPA direct debit: mandates signed online (IBAN checked with schwifty, RUM and the régie's ICS
recorded, revocable), and the monthly pain.008 file of the invoices to collect (sepaxml, validated
against its XSD), each family told by e-mail at least the rule's days ahead (pre-notification)."""
from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from app import clock, rules
from app.accounts.access import require
from app.accounts.models import User
from app.billing.registry import money
from app.errors import Conflict, NotFound, ValidationFailed
from app.extensions import db
from app.payments.access import Action
from app.payments.models import Invoice, InvoiceStatus, PaymentMethod, SepaDebitBatch, SepaMandate
from app.payments.services import apply_payment
from app.transactions import use_case

PRENOTIFICATION_DAYS = rules.define(
    "payments.sepa_prenotification_days", kind=int, default=14, minimum=2, maximum=30, unit=_l("jours"),
    label=_l("Délai de pré-notification d'un prélèvement SEPA"),
    source=_l("Règlement SEPA (rulebook SDD Core) ; contrat de prélèvement de la régie"))
COLLECTABLE = (InvoiceStatus.TO_PAY, InvoiceStatus.PARTLY_PAID)


def check_iban(raw: str):
    """The IBAN as schwifty reads it. Raises ValidationFailed with a French message."""
    from schwifty import IBAN
    from schwifty.exceptions import InvalidChecksumDigits, SchwiftyException

    try:
        iban = IBAN(raw or "")
    except InvalidChecksumDigits:
        raise ValidationFailed(_("Cet IBAN est erroné (sa clé de contrôle ne correspond pas) : vérifiez-le."),
                               field="iban") from None
    except (SchwiftyException, ValueError):
        raise ValidationFailed(_("Cet IBAN n'est pas valide : vérifiez-le sur votre relevé d'identité bancaire."),
                               field="iban") from None
    if not iban.in_sepa_zone:
        raise ValidationFailed(_("Le prélèvement n'est possible que depuis un compte de la zone SEPA."),
                               field="iban")
    return iban


def active_mandate(household_id: int) -> SepaMandate | None:
    return db.session.scalar(select(SepaMandate).where(SepaMandate.household_id == household_id,
                                                       SepaMandate.revoked_at.is_(None)))


@use_case
def sign_mandate(user: User, holder_name: str, iban_raw: str, accepted: bool) -> SepaMandate:
    """A guardian signs a mandate for the household. Raises NotFound (no household), ValidationFailed,
    Conflict (an active mandate exists: revoke it first)."""
    from app.booking.access import household_of

    household = household_of(user)
    if household is None:
        raise NotFound()
    if not accepted:
        raise ValidationFailed(_("Cochez la case d'autorisation pour signer le mandat."), field="accept")
    holder = " ".join((holder_name or "").split())
    if not 2 <= len(holder) <= 140:
        raise ValidationFailed(_("Indiquez le nom du titulaire du compte."), field="holder_name")
    iban = check_iban(iban_raw)
    if active_mandate(household.id) is not None:
        raise Conflict(_("Un mandat est déjà actif pour votre foyer : révoquez-le avant d'en signer un autre."),
                       code="mandate_active")
    mandate = SepaMandate(household_id=household.id, rum="PENDING", creditor_id=current_app.config["SEPA_CREDITOR_ID"],
                          holder_name=holder, iban=iban.compact, bic=str(iban.bic or "")[:11],
                          signed_by_id=user.id, signed_at=clock.now())
    db.session.add(mandate)
    db.session.flush()
    mandate.rum = f"GC-PITCHOUN-{household.id:06d}-{mandate.id:06d}"
    return mandate


@use_case
def revoke_mandate(user: User, mandate_id: int) -> SepaMandate:
    """A guardian (or the régie) revokes a mandate: no later debit uses it. Raises NotFound."""
    from app.payments.access import may_revoke_mandate

    mandate = db.session.get(SepaMandate, mandate_id)
    if mandate is None or not may_revoke_mandate(user, mandate):
        raise NotFound()
    if mandate.revoked_at is None:
        mandate.revoked_at = clock.now()
        mandate.revoked_by_id = user.id
    return mandate


def household_mandates(user: User) -> list[SepaMandate]:
    from app.booking.access import household_of

    household = household_of(user)
    if household is None:
        return []
    return list(db.session.scalars(select(SepaMandate).where(SepaMandate.household_id == household.id)
                                   .order_by(SepaMandate.signed_at.desc(), SepaMandate.id.desc())))


@use_case
def debit_file(user: User, collection_date: date, today: date | None = None) -> tuple[bytes, list[Invoice]]:
    """The pain.008 file collecting, on `collection_date`, the remaining amount of every invoice to pay
    whose household has an active mandate. The invoices go "in direct debit" and each family is
    told by e-mail (outbox). Raises Forbidden, ValidationFailed (date too soon), Conflict (nothing
    to collect)."""
    from sepaxml import SepaDD

    from app.notifications.outbox import notify

    require(user, Action.MANAGE)
    today = today or clock.today()
    earliest = today + timedelta(days=PRENOTIFICATION_DAYS.value(on=today))
    if collection_date < earliest:
        raise ValidationFailed(_("La date de prélèvement doit laisser le délai de pré-notification : au plus tôt "
                                 "le %(day)s.", day=earliest.strftime("%d/%m/%Y")), field="collection_date")
    config = current_app.config
    sepa = SepaDD({"name": config["SEPA_CREDITOR_NAME"], "IBAN": config["SEPA_CREDITOR_IBAN"],
                   "BIC": config["SEPA_CREDITOR_BIC"], "batch": True, "creditor_id": config["SEPA_CREDITOR_ID"],
                   "currency": "EUR"}, schema="pain.008.001.02", clean=True)
    invoices = list(db.session.scalars(select(Invoice).where(Invoice.status.in_(COLLECTABLE))
                                       .order_by(Invoice.id).with_for_update()))
    collected = []
    for invoice in invoices:
        mandate = active_mandate(invoice.household_id) if invoice.household_id else None
        if mandate is None or invoice.remaining <= Decimal("0"):
            continue
        sepa.add_payment({"name": mandate.holder_name, "IBAN": mandate.iban, "BIC": mandate.bic or None,
                          "amount": int(invoice.remaining * 100),
                          "type": "RCUR" if mandate.last_collected_on else "FRST",
                          "collection_date": collection_date, "mandate_id": mandate.rum,
                          "mandate_date": clock.local_date(mandate.signed_at),
                          "description": f"Facture {invoice.number}", "endtoend_id": invoice.number})
        invoice.status = InvoiceStatus.DIRECT_DEBIT
        invoice.direct_debit_on = collection_date
        mandate.last_collected_on = collection_date
        collected.append(invoice)
        for member in invoice.statement.household.members if invoice.statement.household else []:
            if member.user.active:
                notify("payments.sepa_prenotification", member.user,
                       {"number": invoice.number, "amount": f"{invoice.remaining:.2f}".replace(".", ","),
                        "day": collection_date.strftime("%d/%m/%Y"), "rum": mandate.rum,
                        "ics": mandate.creditor_id}, dedup_key=f"sepa:{invoice.id}:{collection_date}:{member.user_id}")
    if not collected:
        raise Conflict(_("Aucune facture à prélever."), code="nothing_to_collect")
    xml = sepa.export(validate=True)
    _record_batches(xml)
    return xml, collected


def _record_batches(xml: bytes) -> list[SepaDebitBatch]:
    """Keep each PmtInf block of the file as sent (its PmtInfId, date, sequence, count, total and
    end-to-end ids), in the caller's transaction: the bank's statement names the batch by its id."""
    from lxml import etree

    ns = {"p": "urn:iso:std:iso:20022:tech:xsd:pain.008.001.02"}
    root = etree.fromstring(xml, etree.XMLParser(resolve_entities=False, no_network=True))
    msg_id = root.findtext("p:CstmrDrctDbtInitn/p:GrpHdr/p:MsgId", namespaces=ns) or ""
    batches = []
    for block in root.findall("p:CstmrDrctDbtInitn/p:PmtInf", ns):
        numbers = [text.strip() for text in block.xpath("p:DrctDbtTxInf/p:PmtId/p:EndToEndId/text()", namespaces=ns)]
        amounts = [Decimal(text) for text in block.xpath("p:DrctDbtTxInf/p:InstdAmt/text()", namespaces=ns)]
        batch = SepaDebitBatch(pmt_inf_id=block.findtext("p:PmtInfId", namespaces=ns), msg_id=msg_id[:35],
                               collection_date=date.fromisoformat(block.findtext("p:ReqdColltnDt", namespaces=ns)),
                               sequence_type=block.findtext("p:PmtTpInf/p:SeqTp", namespaces=ns) or "",
                               transactions=len(numbers), total=money(sum(amounts, Decimal("0"))),
                               end_to_end_ids=" ".join(numbers), created_at=clock.now())
        db.session.add(batch)
        batches.append(batch)
    db.session.flush()
    return batches


REJECTION_REASONS = {
    "AC04": _l("compte clôturé"), "AM04": _l("provision insuffisante"), "MD01": _l("pas de mandat"),
    "MS02": _l("refus du débiteur"), "AC06": _l("compte bloqué"), "MD06": _l("remboursement demandé par le débiteur"),
}


@use_case
def import_rejections(user: User, report: bytes) -> tuple[list[tuple[Invoice, str]], list[str]]:
    """Read the bank's status report (pain.002) and mark the rejected debits' invoices REJECTED,
    with an e-mail to the family. Returns ([(invoice, reason code)], [unknown end-to-end ids]).
    Idempotent: an invoice already rejected is not rejected (nor e-mailed) twice.
    Raises Forbidden, ValidationFailed (not a pain.002 report)."""
    from lxml import etree

    from app.notifications.outbox import notify

    require(user, Action.MANAGE)
    parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False)
    try:
        root = etree.fromstring(report, parser)
    except etree.XMLSyntaxError:
        raise ValidationFailed(_("Ce fichier n'est pas un rapport de la banque (pain.002) lisible."),
                               field="report") from None
    if "pain.002" not in (etree.QName(root).namespace or ""):
        raise ValidationFailed(_("Ce fichier n'est pas un rapport de la banque (pain.002)."), field="report")
    rejected, unknown = [], []
    for tx in root.iter("{*}TxInfAndSts"):
        if (tx.findtext("{*}TxSts") or "").strip() != "RJCT":
            continue
        reference = (tx.findtext("{*}OrgnlEndToEndId") or "").strip()
        code = (tx.findtext(".//{*}StsRsnInf/{*}Rsn/{*}Cd") or "").strip()
        invoice = db.session.scalar(select(Invoice).where(Invoice.number == reference).with_for_update())
        if invoice is None:
            unknown.append(reference)
            continue
        debited = money(sum((p.amount for p in invoice.payments if p.method is PaymentMethod.DIRECT_DEBIT),
                            Decimal("0")))
        if invoice.status is InvoiceStatus.DIRECT_DEBIT:
            invoice.status = InvoiceStatus.REJECTED
        elif debited > 0:  # rejected after the collection date was settled: the payment is reversed
            apply_payment(invoice, -debited, PaymentMethod.DIRECT_DEBIT, reference=f"rejet {code}",
                          recorded_by_id=user.id)
            invoice.status = InvoiceStatus.REJECTED
        else:
            continue
        rejected.append((invoice, code))
        household = invoice.statement.household
        for member in household.members if household else []:
            if member.user.active:
                notify("payments.sepa_rejected", member.user,
                       {"number": invoice.number, "reason": str(REJECTION_REASONS.get(code, code)),
                        "remaining": f"{invoice.remaining:.2f}".replace(".", ","),
                        "path": f"/paiements/factures/{invoice.id}"},
                       dedup_key=f"sepa-rejected:{invoice.id}:{member.user_id}:{clock.today()}")
    return rejected, unknown


@use_case
def settle_direct_debits(today: date | None = None) -> int:
    """Daily job: on its collection date, a debit sent to the bank is money received: the invoice's
    remaining amount is recorded as a direct-debit payment (a later rejection reverses it)."""
    today = today or clock.today()
    count = 0
    invoices = db.session.scalars(select(Invoice).where(Invoice.status == InvoiceStatus.DIRECT_DEBIT,
                                                        Invoice.direct_debit_on <= today)
                                  .order_by(Invoice.id).with_for_update())
    for invoice in invoices:
        mandate = active_mandate(invoice.household_id) if invoice.household_id else None
        apply_payment(invoice, invoice.remaining, PaymentMethod.DIRECT_DEBIT,
                      reference=mandate.rum if mandate else "")
        count += 1
    return count
