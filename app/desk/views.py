"""Desk mode pages (/guichet) and the family's history of what desks did for it.

The open desk session (which household, at which desk) lives in the signed session cookie, from
"Ouvrir" or the creation of a household to "Terminer" (or the log-out, which clears the session).
Every action re-checks the right and the household in the service.
"""
from __future__ import annotations

import uuid
from functools import wraps

from flask import Blueprint, abort, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from app import clock
from app.accounts.access import can, roles_required
from app.accounts.models import Role
from app.desk import services
from app.desk.forms import DeskBookForm, DeskCancelForm, DeskChildForm, EndForm, NewHouseholdForm, StartForm
from app.errors import NotFound
from app.families import services as families
from app.families.access import Action as FamiliesAction
from app.forms import submit
from app.months import month_or
from app.urls import id_arg, parse_id

bp = Blueprint("desk", __name__)


_KEY = "desk"


def desk_required(view):
    """The logged-in user must have the desk right (families.act_at_desk), else 403."""

    @wraps(view)
    @login_required
    def wrapped(*args, **kwargs):
        if not can(current_user, FamiliesAction.ACT_AT_DESK):
            abort(403)
        return view(*args, **kwargs)

    return wrapped


def _open() -> tuple[int, str] | None:
    state = session.get(_KEY)
    if not isinstance(state, dict) or state.get("user_id") != current_user.id:
        return None
    household_id, desk = parse_id(state.get("household_id")), state.get("desk")
    if household_id is None or desk not in services.DESKS:
        return None
    return household_id, desk


def _start(household_id: int, desk: str) -> None:
    session[_KEY] = {"user_id": current_user.id, "household_id": household_id, "desk": desk}


def _consent(form) -> services.Consent:
    return services.Consent(form.consent_given_by.data or "", bool(form.consent.data))


def _require_open():
    opened = _open()
    if opened is None:
        flash(_("Ouvrez d'abord le foyer de la famille que vous recevez."), "error")
    return opened


@bp.get("/guichet")
@desk_required
def index():
    query = (request.args.get("q") or "")[:100]
    form = StartForm(meta={"csrf": True})
    form.desk.choices = services.desk_choices()
    desk = request.args.get("desk") or (session.get(_KEY) or {}).get("desk") or "fs_catus"
    form.desk.data = desk if desk in services.DESKS else "fs_catus"
    results = services.search(current_user, query) if query else None
    return render_template("desk/index.html", form=form, query=query, results=results, opened=_open())


@bp.post("/guichet/ouvrir")
@desk_required
def open_household():
    form = StartForm()
    form.desk.choices = services.desk_choices()
    if not form.validate_on_submit() or form.household_id.data is None:
        flash(_("Choisissez l'accueil et le foyer à ouvrir."), "error")
        return redirect(url_for("desk.index"))
    household = services.open_household(current_user, form.household_id.data, form.desk.data)
    _start(household.id, form.desk.data)
    return redirect(url_for("desk.household"))


@bp.route("/guichet/nouveau-foyer", methods=["GET", "POST"])
@desk_required
def new_household():
    form = NewHouseholdForm()
    form.desk.choices = services.desk_choices()
    form.set_commune_choices(families.list_communes())
    created = submit(form, lambda: services.create_household(
        current_user, form.desk.data,
        families.GuardianData(form.first_name.data, form.last_name.data, form.email.data or "", form.phone.data or ""),
        families.HouseholdData(address=form.address.data, commune_insee=form.commune_value(),
                               benefit_scheme=form.benefit_scheme.data),
        _consent(form)),
        success=lambda _household: _("Le foyer est créé.") + (
            " " + _("Un e-mail invite le parent à choisir son mot de passe.") if form.email.data else ""))
    if created:
        _start(created.value.id, form.desk.data)
        return redirect(url_for("desk.household"))
    return render_template("desk/new_household.html", form=form), 422 if form.errors or form.form_errors else 200


@bp.get("/guichet/foyer")
@desk_required
def household():
    opened = _require_open()
    if opened is None:
        return redirect(url_for("desk.index"))
    page = services.household_page(current_user, opened[0])
    return render_template("desk/household.html", page=page, desk_label=services.DESKS[opened[1]][0],
                           end_form=EndForm(), status_label=services.booking.status_label,
                           describe=services.engine.describe)


@bp.route("/guichet/foyer/enfant", methods=["GET", "POST"])
@desk_required
def add_child():
    opened = _require_open()
    if opened is None:
        return redirect(url_for("desk.index"))
    page = services.household_page(current_user, opened[0])
    form = DeskChildForm()
    if submit(form, lambda: services.add_child(current_user, opened[1], opened[0], families.ChildData(
            form.first_name.data, form.last_name.data, form.birth_date.data, form.school_level.data),
            _consent(form)), success=_("L'enfant est ajouté au foyer.")):
        return redirect(url_for("desk.household"))
    return render_template("desk/child.html", form=form, page=page,
                           desk_label=services.DESKS[opened[1]][0]), 422 if form.errors or form.form_errors else 200


@bp.route("/guichet/foyer/reserver", methods=["GET", "POST"])
@desk_required
def book():
    opened = _require_open()
    if opened is None:
        return redirect(url_for("desk.index"))
    page = services.household_page(current_user, opened[0])
    site_id = id_arg("site")
    month, _last = month_or(request.args.get("month"), clock.today())
    sessions = services.bookable_sessions(current_user, site_id, month)
    form = DeskBookForm()
    form.child_id.choices = [(str(c.id), c.full_name) for c in page.household.children]
    if request.method == "GET":
        form.submission_key.data = str(uuid.uuid4())
    chosen = [parse_id(value) for value in request.form.getlist("session")]
    result = submit(form, lambda: services.book(
        current_user, opened[1], opened[0], [(int(form.child_id.data), s) for s in chosen if s is not None],
        _consent(form), idempotency_key=(form.submission_key.data or "")[:100] or None)).value
    status = 422 if form.errors or form.form_errors else 200
    return render_template("desk/book.html", form=form, page=page, sites=services.sites(current_user),
                           site_id=site_id, month=month, sessions=sessions, result=result,
                           desk_label=services.DESKS[opened[1]][0], status_label=services.booking.status_label,
                           describe=services.engine.describe, sessions_by_id={s.id: s for s in sessions},
                           children_by_id={c.id: c for c in page.household.children}), status


@bp.route("/guichet/foyer/annuler/<int:booking_id>", methods=["GET", "POST"])
@desk_required
def cancel(booking_id: int):
    opened = _require_open()
    if opened is None:
        return redirect(url_for("desk.index"))
    page = services.household_page(current_user, opened[0])
    target = next((b for b in page.bookings if b.id == booking_id), None)
    if target is None:
        raise NotFound()
    form = DeskCancelForm()
    if submit(form, lambda: services.cancel(current_user, opened[1], opened[0], booking_id, _consent(form)),
              success=_("La réservation est annulée.")):
        return redirect(url_for("desk.household"))
    return render_template("desk/cancel.html", form=form, page=page, booking=target,
                           describe=services.engine.describe,
                           desk_label=services.DESKS[opened[1]][0]), 422 if form.errors or form.form_errors else 200


@bp.post("/guichet/terminer")
@desk_required
def end():
    if EndForm().validate_on_submit():
        session.pop(_KEY, None)
        flash(_("L'accueil de la famille est terminé : ses informations ne sont plus affichées."), "success")
    return redirect(url_for("desk.index"))


@bp.get("/foyer/aides-de-l-accueil")
@roles_required(Role.PARENT)
def family_history():
    return render_template("desk/family_history.html", entries=services.history_for_family(current_user))

