"""Medical certificates justifying an absence (illness): upload by a guardian, download by the
household and the site's directors.

Files are checked by their first bytes (never by the name or the browser's
type), limited in size (MAX_UPLOAD_BYTES) and stored under UPLOAD_DIR,
outside the web root, with a random name.
"""
from __future__ import annotations

import os
from datetime import date, timedelta
from pathlib import Path

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from app import clock, uploads
from app.accounts.access import require
from app.accounts.models import User
from app.billing.access import Action
from app.billing.models import AbsenceCertificate
from app.booking.models import PLACE_STATUSES, Activity, AttendanceStatus, Booking, Session, Unit
from app.errors import Conflict, NotFound, ValidationFailed
from app.extensions import db, utcnow
from app.families.models import Child
from app.transactions import commit, use_case

SUBDIR = "certificates"
JUSTIFY_WINDOW_DAYS = 90  # default of the BILLING_CERTIFICATE_WINDOW_DAYS setting


def window_days() -> int:
    return int(current_app.config.get("BILLING_CERTIFICATE_WINDOW_DAYS", JUSTIFY_WINDOW_DAYS))


sniff = uploads.sniff  # signature, and no markup anywhere in the file (app.uploads)


def _directory() -> Path:
    return uploads.directory(SUBDIR)


def justifiable_bookings(user: User, today: date | None = None) -> list[Booking]:
    """The household's bookings of the last window_days() days where the child was not marked present."""
    from app.booking.access import household_of

    household = household_of(user)
    if household is None:
        return []
    today = today or clock.today()
    bookings = db.session.scalars(
        select(Booking).join(Session).join(Child)
        .where(Child.household_id == household.id, Booking.status.in_(PLACE_STATUSES),
               Session.day.between(today - timedelta(days=window_days()), today))
        .options(selectinload(Booking.child), selectinload(Booking.attendance),
                 selectinload(Booking.session).selectinload(Session.unit).selectinload(Unit.activity)
                 .selectinload(Activity.site))
        .order_by(Session.day.desc(), Booking.id))
    return [b for b in bookings if b.attendance is None or b.attendance.status is not AttendanceStatus.PRESENT]


def certificates_by_booking(booking_ids) -> dict[int, AbsenceCertificate]:
    ids = list(booking_ids)
    if not ids:
        return {}
    return {c.booking_id: c for c in db.session.scalars(
        select(AbsenceCertificate).where(AbsenceCertificate.booking_id.in_(ids)))}


@use_case
def upload_certificate(user: User, booking_id: int, stream, filename: str = "",
                       today: date | None = None) -> AbsenceCertificate:
    """Attach a medical certificate to a booking: the absence is justified and not charged.

    Replaces a previous certificate of the same booking. A correction of a
    closed month appears as an adjustment on the next statement.
    Raises NotFound (another household's booking), Conflict (the child was
    present, the day has not come, no place held), ValidationFailed (empty,
    too large, not a PDF, PNG or JPEG file).
    """
    booking = db.session.get(Booking, booking_id)
    if booking is None:
        raise NotFound()
    require(user, Action.JUSTIFY_ABSENCE, booking)
    today = today or clock.today()
    if booking.status not in PLACE_STATUSES:
        raise Conflict(_("Cette réservation n'a pas de place à justifier."), code="not_justifiable")
    if booking.session.day > today:
        raise Conflict(_("Un certificat ne peut être envoyé qu'à partir du jour de la séance. "
                         "Pour une séance à venir, annulez la réservation."), code="not_justifiable")
    if booking.session.day < today - timedelta(days=window_days()):
        raise Conflict(_("Cette séance date de plus de %(n)s jours : contactez le service enfance-jeunesse.",
                         n=window_days()), code="not_justifiable")
    if booking.attendance is not None and booking.attendance.status is AttendanceStatus.PRESENT:
        raise Conflict(_("L'enfant a été noté présent à cette séance."), code="not_justifiable")
    limit = int(current_app.config.get("MAX_UPLOAD_BYTES", 5 * 1024 * 1024))
    data = stream.read(limit + 1) if stream is not None else b""
    if not data:
        raise ValidationFailed(_("Choisissez le fichier du certificat médical."), field="certificate")
    if len(data) > limit:
        raise ValidationFailed(_("Le fichier dépasse la taille autorisée (%(mb)s Mo au plus).",
                                 mb=limit // (1024 * 1024) or 1), field="certificate")
    kind = sniff(data)
    if kind is None:
        raise ValidationFailed(_("Le certificat doit être un fichier PDF, PNG ou JPEG."), field="certificate")
    content_type, extension = kind
    stored_name, path = uploads.store(data, extension, SUBDIR)  # mode 0600, random name
    old_file = None
    try:
        certificate = db.session.scalar(select(AbsenceCertificate).where(AbsenceCertificate.booking_id == booking.id))
        if certificate is None:
            certificate = AbsenceCertificate(booking_id=booking.id, household_id=booking.child.household_id)
            db.session.add(certificate)
        else:
            old_file = certificate.stored_name
        certificate.stored_name = stored_name
        certificate.original_name = os.path.basename(filename or "")[:200]
        certificate.content_type = content_type
        certificate.size = len(data)
        certificate.uploaded_by_id = user.id
        certificate.uploaded_at = utcnow()
        commit()  # before the file is kept: a refused write removes it
    except Exception:
        path.unlink(missing_ok=True)
        raise
    if old_file:
        (_directory() / old_file).unlink(missing_ok=True)
    return certificate


def get_certificate(user: User, certificate_id: int) -> tuple[AbsenceCertificate, Path]:
    """The certificate and its file, for the household and the site's directors. Raises NotFound."""
    certificate = db.session.get(AbsenceCertificate, certificate_id)
    if certificate is None:
        raise NotFound()
    require(user, Action.VIEW_CERTIFICATE, certificate)
    path = _directory() / certificate.stored_name
    if not path.is_file():
        raise NotFound()
    return certificate, path


def site_certificates(user: User, today: date | None = None) -> list[tuple[AbsenceCertificate, Booking]]:
    """Certificates received for the director's sites (every site for the administrator), newest first."""
    from app.sites.access import site_ids_of

    require(user, Action.LIST_SITE_CERTIFICATES)
    sites = site_ids_of(user)
    if not sites:
        return []
    today = today or clock.today()
    rows = db.session.execute(
        select(AbsenceCertificate, Booking).join(Booking, Booking.id == AbsenceCertificate.booking_id)
        .join(Session).join(Unit).join(Activity)
        .where(Activity.site_id.in_(sites), Session.day >= today - timedelta(days=window_days() * 2))
        .options(selectinload(Booking.child), selectinload(Booking.session).selectinload(Session.unit)
                 .selectinload(Unit.activity).selectinload(Activity.site))
        .order_by(AbsenceCertificate.uploaded_at.desc())).all()
    return [(c, b) for c, b in rows]
