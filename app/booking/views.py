"""Booking pages for parents (calendar, bookings, iCalendar feed); staff pages in staff_views.py."""
from __future__ import annotations

import uuid
from datetime import timedelta

from flask import Blueprint, Response, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import select

from app.urls import id_arg, parse_id
from app.accounts.models import Role
from app.accounts.permissions import roles_required
from app.booking import feeds, planner, services
from app.booking.access import household_of
from app.booking.models import Session
from app.errors import DomainError, ValidationFailed
from app.extensions import db, utcnow
from app.families.models import Child
from app.navigation import register_nav
from app.notifications import ical

bp = Blueprint("booking", __name__, url_prefix="/accueils")

register_nav(_l("Réserver"), "booking.calendar", [Role.PARENT], order=20)
register_nav(_l("Mes réservations"), "booking.my_bookings", [Role.PARENT], order=21)


@bp.before_request
def _record_arrival() -> None:
    """When the request reached the application, before any lock wait (stored on bookings)."""
    g.arrived_at = utcnow()


def _int_arg(name: str) -> int | None:
    return id_arg(name)


@bp.get("/reserver")
@roles_required(Role.PARENT)
def calendar():
    months, first, last, sites = planner.month_for_household(
        current_user, request.args.get("month"), _int_arg("child"), _int_arg("site"))
    household = household_of(current_user)
    previous = (first.replace(day=1) - timedelta(days=1)).strftime("%Y-%m")
    following = (last + timedelta(days=1)).strftime("%Y-%m")
    return render_template("booking/calendar.html", months=months, first=first, sites=sites,
                           site_id=_int_arg("site"), child_id=_int_arg("child"),
                           children=household.children if household else [], previous=previous,
                           following=following, submission_key=str(uuid.uuid4()))


@bp.post("/reserver")
@roles_required(Role.PARENT)
def submit():
    items = []
    for value in request.form.getlist("item"):
        parts = value.split(":")
        ids = [parse_id(part) for part in parts] if len(parts) == 2 else []
        if len(ids) != 2 or None in ids:  # malformed, or an id the database cannot hold
            raise ValidationFailed(_("La demande est mal formée."))
        items.append((ids[0], ids[1]))
    if not items:
        flash(_("Cochez au moins une séance avant d'envoyer."), "error")
        return redirect(url_for("booking.calendar", **{k: v for k, v in request.args.items()}))
    key = (request.form.get("submission_key") or "")[:100] or None
    result = services.book(current_user, items, idempotency_key=key, requested_at=g.get("arrived_at"))
    children = {c.id: c for c in db.session.scalars(
        select(Child).where(Child.id.in_({i.child_id for i in result.items})))}
    sessions = {s.id: s for s in db.session.scalars(
        select(Session).where(Session.id.in_({i.session_id for i in result.items})))}
    return render_template("booking/results.html", result=result, children=children, sessions=sessions,
                           status_label=services.status_label)


@bp.get("/mes-reservations")
@roles_required(Role.PARENT)
def my_bookings():
    bookings = services.household_bookings(current_user)
    positions = services.waitlist_positions(bookings)
    token = feeds.household_feed_token(current_user)
    feed_url = url_for("booking.household_feed", token=token.token, _external=True) if token else None
    return render_template("booking/my_bookings.html", bookings=bookings, positions=positions,
                           status_label=services.status_label, feed_url=feed_url,
                           has_household=household_of(current_user) is not None)


@bp.post("/reservations/<int:booking_id>/annuler")
@roles_required(Role.PARENT)
def cancel(booking_id: int):
    try:
        booking = services.cancel_booking(current_user, booking_id)
    except DomainError as error:
        if error.http_status == 404:
            raise
        flash(error.message, "error")
        return redirect(url_for("booking.my_bookings"))
    if booking.status.value == "late_cancelled":
        flash(_("Réservation annulée. L'annulation est hors délai : elle peut vous être facturée."), "warning")
    else:
        flash(_("Réservation annulée."), "success")
    return redirect(url_for("booking.my_bookings"))


@bp.post("/calendrier/renouveler")
@roles_required(Role.PARENT)
def renew_feed():
    feeds.renew_household_feed(current_user)
    flash(_("Nouvelle adresse d'abonnement créée ; l'ancienne ne fonctionne plus."), "success")
    return redirect(url_for("booking.my_bookings"))


@bp.post("/calendrier/revoquer")
@roles_required(Role.PARENT)
def revoke_feed():
    feeds.revoke_household_feed(current_user)
    flash(_("Abonnement au calendrier désactivé."), "success")
    return redirect(url_for("booking.my_bookings"))


def _ics(content: bytes) -> Response:
    return ical.ics_response(content, "pitchoun.ics", cache_seconds=300)


@bp.get("/calendrier/<token>.ics")
def household_feed(token: str):
    return _ics(feeds.household_calendar(token))


@bp.get("/calendrier/site/<token>.ics")
def site_feed(token: str):
    return _ics(feeds.site_calendar(token))


from app.booking import staff_views  # noqa: E402,F401  (registers the staff routes on bp)
from app.booking import allocation_views  # noqa: E402,F401  (allocation by draw pages)
