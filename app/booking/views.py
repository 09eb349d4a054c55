"""Booking pages for parents (calendar, bookings, iCalendar feed); staff pages in views_staff.py."""
from __future__ import annotations

import uuid
from datetime import date, timedelta

from flask import Blueprint, Response, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from app import clock
from app.accounts.access import roles_required
from app.accounts.models import Role
from app.booking import engine, feeds, planner, services
from app.booking.access import household_of
from app.booking.day_plans import day_plans
from app.booking.models import ACTIVE_STATUSES, BookingStatus, Session
from app.errors import ValidationFailed
from app.extensions import db, read_phase, utcnow
from app.families.models import Child
from app.forms import attempt
from app.notifications import ical
from app.urls import id_arg, parse_id

bp = Blueprint("booking", __name__, url_prefix="/accueils")


@bp.before_request
def _record_arrival() -> None:
    """When the request reached the application, before any lock wait (stored on bookings)."""
    g.arrived_at = utcnow()


def _int_arg(name: str) -> int | None:
    return id_arg(name)


def _items_from(values) -> list[tuple[int, int]]:
    """The (child_id, session_id) pairs of `item` fields ("child:session"; a shortcut's value lists
    several, comma-separated). Raises ValidationFailed on a malformed one."""
    items = []
    for value in values:
        for part_value in value.split(","):
            parts = part_value.split(":")
            ids = [parse_id(part) for part in parts] if len(parts) == 2 else []
            if len(ids) != 2 or None in ids:  # malformed, or an id the database cannot hold
                raise ValidationFailed(_("La demande est mal formée."))
            items.append((ids[0], ids[1]))
    return list(dict.fromkeys(items))


@bp.get("/reserver")
@roles_required(Role.PARENT)
def calendar():
    site_id = _int_arg("site")
    first, last = planner.month_bounds(request.args.get("month") or planner.upcoming_month(site_id))
    open_sites = planner.sites_with_sessions(first, last)
    if site_id is None:
        site_id = planner.default_site(current_user, first, last, open_sites)
    months, first, last, sites = planner.month_for_household(
        current_user, first.strftime("%Y-%m"), _int_arg("child"), site_id)
    household = household_of(current_user)
    previous = (first.replace(day=1) - timedelta(days=1)).strftime("%Y-%m")
    following = (last + timedelta(days=1)).strftime("%Y-%m")
    chosen = {f"{c}:{s}" for c, s in _items_from(request.args.getlist("item"))}
    site = next((s for s in sites if s.id == site_id), None)
    return render_template("booking/calendar.html", months=months, first=first, sites=sites, site=site,
                           open_sites=open_sites, site_id=site_id, child_id=_int_arg("child"),
                           children=household.children if household else [], previous=previous,
                           following=following, chosen=chosen)


@bp.post("/reserver/panier")
@roles_required(Role.PARENT)
def review():
    """The basket: what sending would give for each chosen session (the engine's answer now), the total
    price, and what cannot be booked and why; nothing is written."""
    items = _items_from(request.form.getlist("item") + request.form.getlist("shortcut"))
    back = {"month": request.form.get("month") or None, "site": request.form.get("site") or None,
            "child": request.form.get("child") or None}
    if not items:
        flash(_("Cochez au moins une séance avant d'envoyer."), "error")
        return redirect(url_for("booking.calendar", **back))
    basket = services.preview(current_user, items)
    return render_template("booking/review.html", basket=basket, back=back, submission_key=str(uuid.uuid4()),
                           edit_url=url_for("booking.calendar", item=[i.item for i in basket.items], **back))


@bp.post("/reserver")
@roles_required(Role.PARENT)
def submit():
    items = _items_from(request.form.getlist("item"))
    if not items:
        flash(_("Cochez au moins une séance avant d'envoyer."), "error")
        return redirect(url_for("booking.calendar", **{k: v for k, v in request.args.items()}))
    key = (request.form.get("submission_key") or "")[:100] or None
    result = services.book(current_user, items, idempotency_key=key, requested_at=g.get("arrived_at"))
    # The answer page only reads: on SQLite, no write lock after the booking's commit. The sessions come
    # with their unit, activity and site in one statement, and the day plans from the (child, site) pairs
    # the booking already knows (a replay reads them again); the account, expired by the commit, is read
    # here too rather than by the page's menu.
    with read_phase():
        current_user.is_active  # noqa: B018  (refreshes the account in this read transaction)
        children = {c.id: c for c in db.session.scalars(
            select(Child).where(Child.id.in_({i.child_id for i in result.items})))}
        sessions = {s.id: s for s in db.session.scalars(
            select(Session).where(Session.id.in_({i.session_id for i in result.items})).options(engine.WITH_SITE))}
        plans = day_plans([i.booking_id for i in result.items], pairs=result.pairs)
    return render_template("booking/results.html", result=result, children=children, sessions=sessions,
                           plans=plans, status_label=services.status_label)


STATUS_FILTERS = {"active": ACTIVE_STATUSES, "cancelled": (BookingStatus.CANCELLED, BookingStatus.LATE_CANCELLED)}


@bp.get("/mes-reservations")
@roles_required(Role.PARENT)
def my_bookings():
    """Upcoming bookings by month, with filters; `periode=passees`: the history, a month per page."""
    household = household_of(current_user)
    history = request.args.get("periode") == "passees"
    child_id, site_id = _int_arg("child"), _int_arg("site")
    status = request.args.get("status") if request.args.get("status") in STATUS_FILTERS else None
    today = clock.today()
    every = services.household_bookings(current_user, include_past=True)  # one query for the whole page
    bookings = [b for b in every if (b.session.day < today) == history]
    if history:
        past_months = sorted({b.session.day.replace(day=1) for b in bookings}, reverse=True)
        asked = request.args.get("month")
        shown_month = next((m for m in past_months if m.strftime("%Y-%m") == asked),
                           past_months[0] if past_months else None)
        bookings = [b for b in bookings if b.session.day.replace(day=1) == shown_month]
    else:
        past_months, shown_month = [], None
    if child_id is not None:
        bookings = [b for b in bookings if b.child_id == child_id]
    if site_id is not None:
        bookings = [b for b in bookings if b.session.unit.activity.site_id == site_id]
    if status is not None:
        bookings = [b for b in bookings if b.status in STATUS_FILTERS[status]]
    groups: dict[date, list] = {}
    for b in (reversed(bookings) if history else bookings):
        groups.setdefault(b.session.day.replace(day=1), []).append(b)
    positions = services.waitlist_positions(bookings)
    token = feeds.household_feed_token(current_user)
    feed_url = url_for("booking.household_feed", token=token.token, _external=True) if token else None
    undo = undo_preview = None
    cancelled_id = _int_arg("annulee")
    if cancelled_id is not None:
        undo = next((b for b in every if b.id == cancelled_id and b.session.day >= today
                     and b.status in STATUS_FILTERS["cancelled"]), None)
        if undo is not None:  # what booking it again would give now: the engine's answer
            undo_preview = services.preview(current_user, [(undo.child_id, undo.session_id)]).items[0]
    sites = sorted({b.session.unit.activity.site for b in every}, key=lambda site: site.name)
    # The day plans of the bookings shown, from the (child, site) pairs already loaded.
    plans = day_plans([b.id for b in bookings],
                      pairs={b.id: (b.child_id, b.session.unit.activity.site_id) for b in bookings})
    return render_template("booking/my_bookings.html", bookings=bookings, groups=groups, positions=positions,
                           status_label=services.status_label, feed_url=feed_url,
                           webcal_url=feeds.webcal(feed_url) if feed_url else None,
                           has_household=household is not None, history=history, past_months=past_months,
                           shown_month=shown_month, children=household.children if household else [],
                           sites=sites, plans=plans, child_id=child_id, site_id=site_id, status=status, undo=undo,
                           undo_preview=undo_preview,                           submission_key=str(uuid.uuid4()))


@bp.get("/reservations/<int:booking_id>/annuler")
@roles_required(Role.PARENT)
def confirm_cancel(booking_id: int):
    """The confirmation step of a cancellation: what it will cost, and whether it can be undone."""
    booking = services.get_booking_for_household(current_user, booking_id)
    if not booking.is_active:
        flash(_("Cette réservation est déjà annulée."), "info")
        return redirect(url_for("booking.my_bookings"))
    late = services.cancellation_would_be_late(booking)
    return render_template("booking/confirm_cancel.html", booking=booking, late=late,
                           status_label=services.status_label)


@bp.post("/reservations/<int:booking_id>/annuler")
@roles_required(Role.PARENT)
def cancel(booking_id: int):
    cancelled = attempt(lambda: services.cancel_booking(current_user, booking_id))
    if not cancelled:
        return redirect(url_for("booking.my_bookings"))
    booking = cancelled.value
    if booking.status.value == "late_cancelled":
        flash(_("Réservation annulée. L'annulation est hors délai : elle peut vous être facturée."), "warning")
    else:
        flash(_("Réservation annulée."), "success")
    return redirect(url_for("booking.my_bookings", annulee=booking.id))


@bp.get("/calendrier/renouveler")
@roles_required(Role.PARENT)
def confirm_renew_feed():
    """The confirmation step of a new subscription address: the current one stops working."""
    return render_template("booking/confirm_renew_feed.html",
                           has_feed=feeds.household_feed_token(current_user) is not None)


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


from app.booking import views_staff  # noqa: E402,F401  (registers the staff routes on bp)
from app.booking.allocation import views as allocation_views  # noqa: E402,F401  (allocation by draw pages)
