"""Waiting-list pages: the director offers a freed place or takes a family off the list (session page),
the family answers an offered place and reads its booking's waiting-list steps."""
from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app.accounts.access import roles_required
from app.accounts.models import Role
from app.booking import engine, services, waitlist
from app.booking.views import bp
from app.forms import attempt

MANAGERS = (Role.DIRECTOR, Role.ADMIN)


@bp.post("/seances/<int:session_id>/proposer-place")
@roles_required(*MANAGERS)
def offer_place(session_id: int):
    try:
        attempt(lambda: waitlist.offer_place(current_user, session_id, request.form.get("band", "")),
                success=lambda booking: _("Place proposée à la famille de %(name)s jusqu'au %(deadline)s ; elle est "
                                          "prévenue par e-mail.", name=booking.child.first_name,
                                          deadline=engine.local_moment(booking.offer_expires_at)))
    except ValueError:
        flash(_("Choisissez la tranche d'âge de la place libre."), "error")
    return redirect(url_for("booking.session_detail", session_id=session_id, _anchor="waiting-title"))


@bp.post("/reservations/<int:booking_id>/retirer-liste-attente")
@roles_required(*MANAGERS)
def remove_from_waitlist(booking_id: int):
    removed = attempt(lambda: waitlist.remove(current_user, booking_id, note=(request.form.get("note") or "").strip()),
                      success=lambda booking: _("%(name)s ne figure plus sur la liste d'attente ; la famille est "
                                                "prévenue.", name=booking.child.first_name))
    if not removed:
        return redirect(request.referrer or url_for("booking.staff_sites"))
    return redirect(url_for("booking.session_detail", session_id=removed.value.session_id, _anchor="waiting-title"))


@bp.get("/mes-reservations/<int:booking_id>/place-proposee")
@roles_required(Role.PARENT)
def offer_page(booking_id: int):
    booking, events = waitlist.family_offer(current_user, booking_id)
    return render_template("booking/offer.html", booking=booking, events=events,
                           deadline=engine.local_moment(booking.offer_expires_at) if booking.offer_expires_at else None,
                           status_label=services.status_label, labels=waitlist.EVENT_LABELS,
                           moment=engine.local_moment)


@bp.post("/mes-reservations/<int:booking_id>/place-proposee")
@roles_required(Role.PARENT)
def answer_offer(booking_id: int):
    accept = request.form.get("answer") == "accepter"

    def answered(booking) -> str:
        if not accept:
            return _("Place refusée : elle est proposée à une autre famille.")
        if booking.status.value == "pending_preparation":
            return _("Place acceptée : l'accueil de %(name)s est en préparation avec la direction.",
                     name=booking.child.first_name)
        return _("Place acceptée : la réservation de %(name)s est confirmée.", name=booking.child.first_name)

    attempt(lambda: waitlist.respond(current_user, booking_id, accept), success=answered)
    return redirect(url_for("booking.offer_page", booking_id=booking_id))
