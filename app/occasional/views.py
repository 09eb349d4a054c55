"""Occasional care pages: parents request ranges and patterns; coordinators answer urgent requests
and see the day. Thin: every rule is in services.py / coordination.py / relais.py."""
from __future__ import annotations

import uuid
from datetime import date, timedelta

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user

from app import clock, months
from app.accounts.access import roles_required
from app.accounts.models import Role
from app.booking.access import household_of
from app.errors import ValidationFailed
from app.forms import attempt
from app.occasional import coordination, relais, services
from app.occasional.forms import (
    WEEKDAY_CHOICES,
    AttendanceForm,
    CancelPatternForm,
    DecisionForm,
    PatternForm,
    RequestForm,
)
from app.urls import id_arg

bp = Blueprint("occasional", __name__, url_prefix="/garde-ponctuelle")

STAFF = (Role.DIRECTOR, Role.ANIMATOR, Role.ADMIN)


def _choices(form):
    household = household_of(current_user)
    children = household.children if household else []
    form.child_id.choices = [(c.id, c.first_name) for c in children]
    form.provider_id.choices = [(p.id, p.name) for p in services.active_providers()]
    return children


@bp.get("/")
@roles_required(Role.PARENT)
def index():
    form = RequestForm(submission_key=str(uuid.uuid4()))
    children = _choices(form)
    if id_arg("provider_id"):
        form.provider_id.data = id_arg("provider_id")
    providers = services.active_providers()
    return render_template("occasional/index.html", form=form, providers=providers, children=children,
                           weekdays=dict(WEEKDAY_CHOICES))


@bp.post("/demander")
@roles_required(Role.PARENT)
def submit_request():
    form = RequestForm()
    children = _choices(form)
    if not form.validate_on_submit():
        return render_template("occasional/index.html", form=form, providers=services.active_providers(),
                               children=children, weekdays=dict(WEEKDAY_CHOICES)), 422
    join = request.form.get("join_waitlist") == "1"
    try:
        submission = services.request_care(current_user, form.child_id.data, form.provider_id.data,
                                           form.day.data, form.start.data, form.end.data, join_waitlist=join,
                                           idempotency_key=(form.submission_key.data or None))
    except ValidationFailed as error:
        target = getattr(form, error.field, None) if error.field else None
        (target.errors if target is not None and isinstance(target.errors, list) else form.form_errors).append(
            error.message)
        return render_template("occasional/index.html", form=form, providers=services.active_providers(),
                               children=children, weekdays=dict(WEEKDAY_CHOICES)), 422
    return _results(submission)


def _results(submission):
    from app.extensions import db
    from app.families.models import Child

    return render_template("occasional/results.html", submission=submission,
                           child=db.session.get(Child, submission.child_id),
                           provider=services.get_provider(submission.provider_id),
                           status_label=services.status_label, new_key=lambda: str(uuid.uuid4()),
                           as_date=date.fromisoformat)


@bp.route("/rythme", methods=["GET", "POST"])
@roles_required(Role.PARENT)
def pattern():
    form = PatternForm()
    children = _choices(form)
    if request.method == "GET":
        form.submission_key.data = str(uuid.uuid4())
        today = clock.today()
        form.first_day.data = today + timedelta(days=7 - today.weekday())
        return render_template("occasional/pattern.html", form=form, children=children)
    if not form.validate_on_submit():
        return render_template("occasional/pattern.html", form=form, children=children), 422
    try:
        occurrences = _occurrences(form)
        submission = services.submit_pattern(current_user, form.child_id.data, form.provider_id.data, occurrences,
                                             kind=form.mode.data, description=_describe_pattern(form),
                                             idempotency_key=form.submission_key.data or None)
    except ValidationFailed as error:
        form.form_errors.append(error.message)
        return render_template("occasional/pattern.html", form=form, children=children), 422
    return _results(submission)


def _occurrences(form: PatternForm):
    if form.mode.data == "alternating":
        fields = (form.early_start, form.early_end, form.late_start, form.late_end)
        if any(f.data is None for f in fields) or not form.weeks.data or not form.weekdays.data:
            raise ValidationFailed(_("Indiquez le nombre de semaines, les jours et les horaires du matin et du soir."))
        return services.alternating_occurrences(form.first_day.data, form.weeks.data,
                                                (form.early_start.data, form.early_end.data),
                                                (form.late_start.data, form.late_end.data),
                                                weekdays=form.weekdays.data, early_first=form.early_first.data)
    if form.start.data is None or form.end.data is None:
        raise ValidationFailed(_("Indiquez l'horaire des dates choisies."))
    days = [form.first_day.data]
    for line in (form.dates.data or "").split():
        try:
            days.append(date.fromisoformat(line.strip()))
        except ValueError:
            raise ValidationFailed(_("Date non valide : « %(value)s » (attendu : AAAA-MM-JJ).", value=line)) from None
    return [(d, form.start.data, form.end.data) for d in days]


def _describe_pattern(form: PatternForm) -> str:
    if form.mode.data == "alternating":
        return _("Alternance sur %(n)s semaines : matin %(a)s–%(b)s, soir %(c)s–%(d)s", n=form.weeks.data,
                 a=form.early_start.data.strftime("%H:%M"), b=form.early_end.data.strftime("%H:%M"),
                 c=form.late_start.data.strftime("%H:%M"), d=form.late_end.data.strftime("%H:%M"))
    return _("Dates choisies, %(a)s–%(b)s", a=form.start.data.strftime("%H:%M"), b=form.end.data.strftime("%H:%M"))


@bp.get("/mes-demandes")
@roles_required(Role.PARENT)
def my_requests():
    bookings = services.household_requests(current_user)
    positions = {b.id: services.waitlist_position(b) for b in bookings if b.status.value == "waitlisted"}
    household = household_of(current_user)
    return render_template("occasional/my_requests.html", bookings=bookings, positions=positions,
                           patterns=services.household_patterns(current_user), cancel_form=CancelPatternForm(),
                           transmissions=relais.household_transmissions(household.id) if household else [],
                           status_label=services.status_label, today=clock.today(), as_date=date.fromisoformat)


@bp.post("/demandes/<int:booking_id>/annuler")
@roles_required(Role.PARENT)
def cancel(booking_id: int):
    attempt(lambda: services.cancel_request(current_user, booking_id), success=_("Demande annulée."))
    return redirect(url_for("occasional.my_requests"))


@bp.post("/rythmes/<int:pattern_id>/annuler")
@roles_required(Role.PARENT)
def cancel_pattern(pattern_id: int):
    if pattern_id not in {pattern.id for pattern in services.household_patterns(current_user)}:
        abort(404)  # another household's pattern: its existence is not confirmed
    form = CancelPatternForm()
    if not form.validate_on_submit():
        flash(_("Indiquez la date à partir de laquelle annuler."), "error")
        return redirect(url_for("occasional.my_requests"))
    attempt(lambda: services.cancel_pattern(current_user, pattern_id, form.from_day.data),
            success=lambda count: ngettext("%(num)d garde du rythme est annulée.",
                                           "%(num)d gardes du rythme sont annulées.", count))
    return redirect(url_for("occasional.my_requests"))


@bp.post("/demandes/<int:booking_id>/relais")
@roles_required(Role.PARENT)
def to_relais(booking_id: int):
    attempt(lambda: relais.transmit_request(current_user, booking_id, message=request.form.get("message", "")),
            success=_("Demande transmise au Relais Petite Enfance (horaires atypiques signalés le cas échéant). "
                      "Une animatrice du Relais vous recontactera."))
    return redirect(url_for("occasional.my_requests"))


@bp.post("/relais")
@roles_required(Role.PARENT)
def range_to_relais():
    if not attempt(lambda: relais.transmit_range(current_user, request.form.get("child_id"), request.form.get("day"),
                                                 request.form.get("start"), request.form.get("end"),
                                                 message=request.form.get("message", "")),
                   success=_("Demande transmise au Relais Petite Enfance. Une animatrice du Relais vous "
                             "recontactera.")):
        return redirect(url_for("occasional.index"))
    return redirect(url_for("occasional.my_requests"))


# ---------------------------------------------------------------- staff

@bp.get("/coordination", endpoint="coordination")
@roles_required(*STAFF)
def coordination_page():
    return render_template("occasional/coordination.html", providers=coordination.my_providers(current_user),
                           queue=coordination.urgent_queue(current_user), form=DecisionForm(), today=clock.today())


@bp.post("/urgences/<int:booking_id>/<decision>")
@roles_required(Role.DIRECTOR, Role.ADMIN)
def decide(booking_id: int, decision: str):
    if decision not in ("accepter", "refuser"):
        abort(404)
    form = DecisionForm()
    if not form.validate_on_submit():
        flash(_("Le formulaire n'est pas valide."), "error")
        return redirect(url_for("occasional.coordination"))
    attempt(lambda: coordination.decide_urgent(current_user, booking_id, decision == "accepter", form.note.data or ""),
            success=_("Demande acceptée : la famille est prévenue.") if decision == "accepter"
            else _("Demande refusée : la famille est prévenue."))
    return redirect(url_for("occasional.coordination"))


@bp.get("/structures/<int:provider_id>/journee")
@roles_required(*STAFF)
def day(provider_id: int):
    day_ = months.day_or(request.args.get("date"), clock.today())
    view = coordination.day_view(current_user, provider_id, day_)
    return render_template("occasional/day.html", view=view, form=AttendanceForm(),
                           previous=day_ - timedelta(days=1), following=day_ + timedelta(days=1))


@bp.post("/demandes/<int:booking_id>/presence")
@roles_required(*STAFF)
def attendance(booking_id: int):
    form = AttendanceForm()
    # Access first (404 for a booking of another provider or none): neither a refused form nor a
    # refused record may send a stranger to the provider's day.
    booking = coordination.staff_booking(current_user, booking_id)

    def record():
        if not form.validate_on_submit():
            raise ValidationFailed(_("Heures non valides (HH:MM)."))
        return coordination.record_attendance(current_user, booking_id, form.arrived_at.data, form.left_at.data)

    recorded = attempt(record, success=_("Présence enregistrée."))
    if recorded:
        booking = recorded.value
    return redirect(url_for("occasional.day", provider_id=booking.provider_id, date=booking.day.isoformat()))



from app.occasional import views_admin  # noqa: E402,F401  (registers the administrators' routes on bp)
