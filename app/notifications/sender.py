"""Delivering the outbox through SMTP.

One message goes through three short transactions: claim (a conditional
UPDATE pending -> sending, checked by its row count, so two senders never
take the same row), send (no transaction open while talking to the SMTP
server), mark (sent, or back to pending with a growing delay, or failed
after MAIL_MAX_ATTEMPTS). A row left in "sending" by a sender that died is
taken again after MAIL_CLAIM_TIMEOUT seconds. Delivery is therefore "at
least once": only a sender dying between the SMTP server's acceptance and
the mark can cause a duplicate, and the stable Message-ID lets mail systems
recognise it.

Settings (app.config, with defaults): MAIL_SERVER, MAIL_PORT,
MAIL_USE_STARTTLS, MAIL_USERNAME, MAIL_PASSWORD, MAIL_SENDER,
MAIL_MAX_ATTEMPTS (8), MAIL_TIMEOUT (30 s), MAIL_CLAIM_TIMEOUT (600 s),
MAIL_RETRY_BASE_DELAY (60 s), MAIL_RETRY_MAX_DELAY (6 h),
MAIL_TLS_CA_FILE (None: the system's certificate authorities).
"""
from __future__ import annotations

import base64
import contextlib
import logging
import secrets
import smtplib
import ssl
import threading
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.utils import format_datetime, parseaddr

from flask import current_app
from sqlalchemy import and_, or_, select, update

from app.extensions import db, utcnow
from app.notifications.layout import compose_html
from app.notifications.models import OutboxMessage, OutboxStatus
from app.notifications.outbox import header_text, render_stored
from app.transactions import commit, rollback, use_case

log = logging.getLogger(__name__)

BATCH_SIZE = 50


@dataclass
class SendReport:
    sent: int = 0
    retried: int = 0
    failed: int = 0
    errors: list[str] = field(default_factory=list)

    @property
    def attempted(self) -> int:
        return self.sent + self.retried + self.failed


@dataclass(frozen=True)
class Claim:
    """What a sender needs from a claimed row, read inside the claim transaction."""

    id: int
    token: str
    attempts: int
    email: EmailMessage


class DeliveryError(Exception):
    """The SMTP server could not be reached or refused the message (`permanent`: retrying cannot help)."""

    def __init__(self, message: str, *, connection_lost: bool = False, permanent: bool = False):
        super().__init__(message)
        self.connection_lost = connection_lost
        self.permanent = permanent


def ascii_address(address: str) -> str:
    """The address with its domain in IDNA (xn--...), which every server takes: élise@crèche.fr ->
    élise@xn--crche-6ra.fr. A non-ASCII local part stays: only a server offering SMTPUTF8
    (RFC 6531) can take it, and `SmtpTransport.send` refuses it for good elsewhere."""
    local, at, domain = address.strip().rpartition("@")
    if not at:
        return address.strip()
    with contextlib.suppress(UnicodeError):  # not a valid international domain: the server will say so
        domain = domain.encode("idna").decode("ascii")
    return f"{local}@{domain}"


def _setting(name: str, default):
    value = current_app.config.get(name)
    return default if value is None else value


# --- building the e-mail -------------------------------------------------

def build_email(message: OutboxMessage) -> EmailMessage:
    """The MIME message of an outbox row: text, HTML alternative, attachments.

    An attachment with a "method" (an iCalendar invitation) is sent as
    `text/calendar; method=REQUEST; charset=utf-8`, both as an alternative
    part (what Outlook and Gmail look for to show "Accept / Decline") and as
    an `invitation.ics` attachment (what the other clients open).
    A row written with `render_later` gets its body rendered here first (and kept on the row:
    the claim's transaction stores it).
    """
    render_stored(message)
    sender = current_app.config["MAIL_SENDER"]
    email = EmailMessage()
    # Every header goes through header_text: no stored value can add a line to the headers.
    email["Subject"] = header_text(message.subject)
    email["From"] = header_text(sender)
    email["To"] = ascii_address(header_text(message.to_address))
    email["Date"] = format_datetime(utcnow())
    domain = parseaddr(sender)[1].rpartition("@")[2] or "pitchoun.local"
    created = message.created_at or utcnow()
    # Stable across retries, so a duplicate after a crash can be recognised.
    email["Message-ID"] = f"<outbox.{message.id}.{int(created.timestamp())}@{domain}>"
    email["Auto-Submitted"] = "auto-generated"
    email["X-Pitchoun-Kind"] = header_text(message.kind)
    email.set_content(message.body_text)
    # Every message has its HTML alternative: rows enqueued without one get the common layout.
    email.add_alternative(message.body_html or compose_html(subject=header_text(message.subject), body_text=message.body_text,
                                                            kind=message.kind), subtype="html")
    attachments = list(message.attachments or [])
    for item in attachments:
        if item.get("method") and item.get("content") is not None:
            maintype, _, subtype = (item.get("content_type") or "text/calendar").partition("/")
            email.add_alternative(item["content"], subtype=subtype or "calendar",
                                  params={"method": str(item["method"]).upper()})
    for item in attachments:
        _attach(email, item)
    return email


def _attach(email: EmailMessage, item: dict) -> None:
    filename = header_text(item.get("filename") or "") or "piece-jointe"
    maintype, _, subtype = (item.get("content_type") or "application/octet-stream").partition("/")
    params = {"method": str(item["method"]).upper()} if item.get("method") else None
    if item.get("content_base64") is not None:
        email.add_attachment(base64.b64decode(item["content_base64"]), maintype=maintype, subtype=subtype,
                             filename=filename, params=params or {})
    elif maintype == "text":
        email.add_attachment(item.get("content") or "", subtype=subtype, charset="utf-8",
                             filename=filename, params=params)
    else:
        email.add_attachment((item.get("content") or "").encode("utf-8"), maintype=maintype, subtype=subtype,
                             filename=filename, params=params or {})


# --- SMTP ----------------------------------------------------------------

class SmtpTransport:
    """One SMTP connection, opened on first use and reused for a batch."""

    def __init__(self, config):
        self.host = config["MAIL_SERVER"]
        self.port = int(config["MAIL_PORT"])
        self.starttls = bool(config.get("MAIL_USE_STARTTLS"))
        self.username = config.get("MAIL_USERNAME")
        self.password = config.get("MAIL_PASSWORD")
        self.timeout = float(config.get("MAIL_TIMEOUT") or 30)
        self.cafile = config.get("MAIL_TLS_CA_FILE")
        self._smtp: smtplib.SMTP | None = None

    def _connect(self) -> smtplib.SMTP:
        smtp = smtplib.SMTP(self.host, self.port, timeout=self.timeout)
        try:
            smtp.ehlo()
            if self.starttls:
                smtp.starttls(context=ssl.create_default_context(cafile=self.cafile))
                smtp.ehlo()
            if self.username:
                smtp.login(self.username, self.password or "")
        except BaseException:
            smtp.close()
            raise
        return smtp

    def send(self, email: EmailMessage) -> None:
        try:
            if self._smtp is None:
                self._smtp = self._connect()
            # smtplib asks for SMTPUTF8 (and BODY=8BITMIME) itself when an address needs it, and
            # raises SMTPNotSupportedError when the server does not offer it: no retry can help.
            self._smtp.send_message(email)
        except smtplib.SMTPNotSupportedError as error:
            raise DeliveryError(f"the mail server does not offer SMTPUTF8, needed by {email['To']}: {error}",
                                permanent=True) from error
        except smtplib.SMTPRecipientsRefused as error:
            codes = "; ".join(f"{code} {_text(msg)}" for code, msg in error.recipients.values())
            raise DeliveryError(f"recipient refused: {codes}") from error
        except smtplib.SMTPResponseException as error:
            raise DeliveryError(f"SMTP {error.smtp_code} {_text(error.smtp_error)}",
                                connection_lost=error.smtp_code == 421) from error
        except (smtplib.SMTPException, OSError) as error:
            self.close()
            raise DeliveryError(f"{type(error).__name__}: {error}", connection_lost=True) from error

    def close(self) -> None:
        if self._smtp is not None:
            try:
                self._smtp.quit()
            except (smtplib.SMTPException, OSError):
                self._smtp.close()
            self._smtp = None


def _text(value) -> str:
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)


# --- claiming and marking ------------------------------------------------

def retry_delay(attempts: int) -> timedelta:
    """Delay before the next try after `attempts` failed tries: 1, 2, 4, 8... minutes, capped."""
    base = float(_setting("MAIL_RETRY_BASE_DELAY", 60))
    cap = float(_setting("MAIL_RETRY_MAX_DELAY", 6 * 3600))
    return timedelta(seconds=min(cap, base * 2 ** max(0, attempts - 1)))


def _claimable(now: datetime):
    stale = now - timedelta(seconds=float(_setting("MAIL_CLAIM_TIMEOUT", 600)))
    return or_(
        and_(OutboxMessage.status == OutboxStatus.PENDING, OutboxMessage.next_attempt_at <= now),
        and_(OutboxMessage.status == OutboxStatus.SENDING, OutboxMessage.claimed_at < stale),
    )


@use_case
def _select_candidates(now: datetime, limit: int) -> list[int]:
    """Ids that look due. Only a claim makes one ours; the transaction ends here."""
    return list(db.session.scalars(
        select(OutboxMessage.id).where(_claimable(now))
        .order_by(OutboxMessage.next_attempt_at, OutboxMessage.id).limit(limit)))


@use_case
def _claim(message_id: int, now: datetime) -> Claim | None:
    """Take one row (pending and due, or abandoned) in one short transaction; None if another sender has it."""
    token = secrets.token_hex(16)
    result = db.session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id == message_id, _claimable(now))
        .values(status=OutboxStatus.SENDING, claimed_at=now, claim_token=token,
                attempts=OutboxMessage.attempts + 1, last_attempt_at=now)
        .execution_options(synchronize_session=False))
    if result.rowcount != 1:
        rollback()
        return None
    message = db.session.execute(select(OutboxMessage).where(OutboxMessage.id == message_id)
                                 .execution_options(populate_existing=True)).scalar_one()
    attempts = message.attempts
    try:
        email = build_email(message)
    except Exception as error:  # a broken row must not block the queue
        log.exception("outbox message %s cannot be built", message_id)
        commit()  # the claim first: the failure below is recorded against it
        _mark_failure(message_id, token, attempts, f"cannot build the e-mail: {error}", now, give_up=True)
        return None
    return Claim(message.id, token, message.attempts, email)


@use_case
def _mark_sent(claim: Claim, now: datetime) -> None:
    db.session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id == claim.id, OutboxMessage.claim_token == claim.token)
        .values(status=OutboxStatus.SENT, sent_at=now, claim_token=None, last_error=None)
        .execution_options(synchronize_session=False))


@use_case
def _mark_failure(message_id: int, token: str, attempts: int, error: str, now: datetime,
                  give_up: bool = False) -> OutboxStatus:
    max_attempts = int(_setting("MAIL_MAX_ATTEMPTS", 8))
    if give_up or attempts >= max_attempts:
        values = {"status": OutboxStatus.FAILED}
    else:
        values = {"status": OutboxStatus.PENDING, "next_attempt_at": now + retry_delay(attempts)}
    db.session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id == message_id, OutboxMessage.claim_token == token)
        .values(claim_token=None, last_error=error[:2000], **values)
        .execution_options(synchronize_session=False))
    return values["status"]


# --- the sender ----------------------------------------------------------

def send_due(*, limit: int | None = None, now: datetime | None = None) -> SendReport:
    """Send every message that is due (at most `limit`), then return what happened.

    Safe to run in several processes or threads at once: each message is
    claimed by exactly one of them. It commits the session as it goes: call
    it from the CLI or a worker, never inside a use case. When the SMTP server cannot be reached,
    the run stops after the first failure (the remaining messages keep their
    turn; the failed one is retried later).
    """
    report = SendReport()
    transport = SmtpTransport(current_app.config)
    try:
        while limit is None or report.attempted < limit:
            when = now or utcnow()
            batch = BATCH_SIZE if limit is None else min(BATCH_SIZE, limit - report.attempted)
            candidates = _select_candidates(when, batch)
            if not candidates:
                break
            progressed = False
            for message_id in candidates:
                if limit is not None and report.attempted >= limit:
                    break
                claim = _claim(message_id, now or utcnow())
                if claim is None:
                    continue
                progressed = True
                try:
                    transport.send(claim.email)
                except DeliveryError as error:
                    status = _mark_failure(claim.id, claim.token, claim.attempts, str(error), now or utcnow(),
                                           give_up=error.permanent)
                    report.errors.append(f"#{claim.id}: {error}")
                    if status == OutboxStatus.FAILED:
                        report.failed += 1
                        log.error("outbox message %s failed for good after %s attempts: %s",
                                  claim.id, claim.attempts, error)
                    else:
                        report.retried += 1
                        log.warning("outbox message %s not sent (attempt %s), will retry: %s",
                                    claim.id, claim.attempts, error)
                    if error.connection_lost:
                        return report
                    continue
                _mark_sent(claim, now or utcnow())
                report.sent += 1
            if not progressed and len(candidates) < batch:
                break
    finally:
        transport.close()
    return report


def run_forever(interval: float = 10.0, stop: threading.Event | None = None) -> None:
    """Send what is due every `interval` seconds until `stop` is set (SIGTERM, Ctrl-C)."""
    stop = stop or threading.Event()
    while not stop.is_set():
        try:
            report = send_due()
            if report.attempted:
                log.info("outbox: %s sent, %s to retry, %s failed", report.sent, report.retried, report.failed)
        except Exception:  # the database may be restarting: keep the loop alive
            log.exception("outbox sender run failed")
            db.session.rollback()
        finally:
            db.session.remove()
        stop.wait(interval)
