"""Pages for directors and animators: sites, activities, sessions, registers, attendance.

Registered on booking's blueprint. Roles are checked here (403), the site
scope in the services (404 for another site).
"""
from __future__ import annotations

from datetime import datetime, timedelta

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from flask_login import current_user

from app import clock, months
from app.accounts.access import can, roles_required
from app.accounts.models import Role
from app.booking import attendance, catalogue, engine, feeds, planner, services
from app.booking.access import Action
from app.booking.forms import ActivityForm, AdjustSessionForm, GenerateForm, NewSiteForm, SiteForm, TariffForm, UnitForm
from app.booking.models import PARIS, AttendanceStatus
from app.booking.staffing import staffing_for
from app.booking.views import bp
from app.errors import DomainError
from app.forms import attempt, submit
from app.urls import parse_id

STAFF = (Role.DIRECTOR, Role.ANIMATOR, Role.ADMIN)
MANAGERS = (Role.DIRECTOR, Role.ADMIN)


ATTENDANCE_LABELS = {"present": _l("Présent"), "absent": _l("Absent"),
                     "absent_justified": _l("Absence justifiée (maladie)")}


def _aware(value: datetime | None) -> datetime | None:
    """A naive Europe/Paris datetime from a form, as aware UTC."""
    if value is None:
        return None
    return value.replace(tzinfo=PARIS).astimezone(clock.UTC)


def _local(value: datetime | None) -> datetime | None:
    return value.astimezone(PARIS).replace(tzinfo=None) if value else None


def _new_site_form() -> NewSiteForm | None:
    if not can(current_user, Action.CREATE_SITE):
        return None
    from sqlalchemy import select

    from app.extensions import db
    from app.families.models import Commune

    form = NewSiteForm()
    form.commune_insee.choices = [(c.insee, c.name) for c in db.session.scalars(select(Commune).order_by(Commune.name))]
    return form


@bp.get("/sites")
@roles_required(*STAFF)
def staff_sites():
    return render_template("booking/staff/sites.html", sites=catalogue.sites_for(current_user), form=_new_site_form())


@bp.post("/sites/nouveau")
@roles_required(Role.ADMIN)
def create_site():
    form = _new_site_form()
    created = submit(form, lambda: catalogue.create_site(
        current_user, name=form.name.data, address=form.address.data, commune_insee=form.commune_insee.data,
        opening_hours=form.opening_hours.data or "", phone=form.phone.data or ""), success=_("Accueil créé."))
    if created:
        return redirect(url_for("booking.site_detail", site_id=created.value.id))
    return render_template("booking/staff/sites.html", sites=catalogue.sites_for(current_user), form=form), 422


def _render_site(site, site_form=None, activity_form=None, status: int = 200):
    from app.accounts.access import can

    token = feeds.site_feed_token(current_user, site.id)
    feed_url = url_for("booking.site_feed", token=token.token, _external=True) if token else None
    return render_template("booking/staff/site.html", site=site, feed_url=feed_url,
                           manager=can(current_user, Action.MANAGE_SITE, site),
                           site_form=site_form or SiteForm(obj=site, prefix="site"),
                           activity_form=activity_form or ActivityForm(prefix="activity")), status


@bp.get("/sites/<int:site_id>")
@roles_required(*STAFF)
def site_detail(site_id: int):
    return _render_site(catalogue.get_site(current_user, site_id))


@bp.post("/sites/<int:site_id>/informations")
@roles_required(*MANAGERS)
def update_site(site_id: int):
    site = catalogue.get_site(current_user, site_id, Action.MANAGE_SITE)
    form = SiteForm(prefix="site")
    if not form.validate():
        return _render_site(site, site_form=form, status=422)
    catalogue.update_site(current_user, site.id, address=form.address.data,
                          opening_hours=form.opening_hours.data or "", phone=form.phone.data or "")
    flash(_("Informations de l'accueil enregistrées."), "success")
    return redirect(url_for("booking.site_detail", site_id=site.id))


@bp.post("/sites/<int:site_id>/activites")
@roles_required(*MANAGERS)
def create_activity(site_id: int):
    site = catalogue.get_site(current_user, site_id, Action.MANAGE_SITE)
    form = ActivityForm(prefix="activity")
    created = submit(form, lambda: catalogue.create_activity(current_user, site.id, **_activity_values(form)),
                     success=_("Activité créée."), on_submit=False)
    if created:
        return redirect(url_for("booking.activity_detail", activity_id=created.value.id))
    return _render_site(site, activity_form=form, status=422)


def _activity_values(form: ActivityForm) -> dict:
    return {"name": form.name.data.strip(), "kind": form.kind.data, "min_age": form.min_age.data,
            "max_age": form.max_age.data, "min_age_months": form.min_age_months.data,
            "admits_from_school_entry": bool(form.admits_from_school_entry.data), "regime": form.regime.data,
            "opens_at": _aware(form.opens_at.data),
            "booking_deadline_days": form.booking_deadline_days.data,
            "booking_deadline_time": form.booking_deadline_time.data,
            "cancel_deadline_days": form.cancel_deadline_days.data,
            "cancel_deadline_time": form.cancel_deadline_time.data,
            "residents_first_until": _aware(form.residents_first_until.data)}


@bp.post("/sites/<int:site_id>/calendrier")
@roles_required(*STAFF)
def renew_site_feed(site_id: int):
    feeds.renew_site_feed(current_user, site_id)
    flash(_("Nouvelle adresse d'abonnement au calendrier de l'accueil créée."), "success")
    return redirect(url_for("booking.site_detail", site_id=site_id))


@bp.route("/activites/<int:activity_id>", methods=["GET", "POST"])
@roles_required(*MANAGERS)
def activity_detail(activity_id: int):
    activity = catalogue.get_activity(current_user, activity_id, Action.MANAGE_SITE)
    form = ActivityForm(prefix="activity", obj=None if request.method == "POST" else _ActivityView(activity))
    unit_form = UnitForm(prefix="unit")
    tariff_form = TariffForm(prefix="tariff")
    if request.method == "POST":
        saved = None
        if "activity-name" in request.form and form.validate():
            saved = attempt(lambda: catalogue.update_activity(current_user, activity.id, **_activity_values(form)),
                            form=form, success=_("Règles de l'activité enregistrées."))
        elif "unit-label" in request.form and unit_form.validate():
            saved = attempt(lambda: catalogue.create_unit(
                current_user, activity.id, label=unit_form.label.data, kind=unit_form.kind.data,
                start_time=unit_form.start_time.data, end_time=unit_form.end_time.data,
                with_meal=unit_form.with_meal.data), form=unit_form, success=_("Unité ajoutée."))
        elif "tariff-price" in request.form and tariff_form.validate():
            saved = attempt(lambda: catalogue.add_tariff(
                current_user, parse_id(request.form.get("unit_id")) or 0, qf_min=tariff_form.qf_min.data,
                qf_max=tariff_form.qf_max.data, resident=tariff_form.resident.data, price=tariff_form.price.data,
                valid_from=tariff_form.valid_from.data, valid_until=tariff_form.valid_until.data),
                form=tariff_form, success=_("Tarif ajouté."))
        if saved:
            return redirect(url_for("booking.activity_detail", activity_id=activity.id))
    return render_template("booking/staff/activity.html", activity=activity, form=form, unit_form=unit_form,
                           tariff_form=tariff_form)


class _ActivityView:
    """The activity with its datetimes shown in Paris time for the form."""

    def __init__(self, activity):
        self._activity = activity

    def __getattr__(self, name):
        value = getattr(self._activity, name)
        if name in ("opens_at", "residents_first_until"):
            return _local(value)
        if name in ("kind", "regime"):
            return value.value
        return value


@bp.route("/activites/<int:activity_id>/generer", methods=["GET", "POST"])
@roles_required(*MANAGERS)
def generate(activity_id: int):
    activity = catalogue.get_activity(current_user, activity_id, Action.MANAGE_SITE)
    form = GenerateForm()
    form.units.choices = [(u.id, f"{u.label} ({u.start_time:%H:%M}–{u.end_time:%H:%M})") for u in activity.units]
    result = submit(form, lambda: catalogue.generate_sessions(
        current_user, activity.id, unit_ids=form.units.data, weekdays=set(form.weekdays.data),
        first_day=form.first_day.data, last_day=form.last_day.data, mode=form.mode.data,
        capacity_under6=form.capacity_under6.data, capacity_over6=form.capacity_over6.data,
        animators_planned=form.animators_planned.data or 0)).value
    return render_template("booking/staff/generate.html", activity=activity, form=form, result=result)


@bp.get("/sites/<int:site_id>/seances")
@roles_required(*STAFF)
def site_sessions(site_id: int):
    site = catalogue.get_site(current_user, site_id)
    month = request.args.get("month")
    if not month:
        upcoming = catalogue.next_session_day(site.id, clock.today())
        month = upcoming.strftime("%Y-%m") if upcoming else None
    first, last = planner.month_bounds(month)
    sessions = catalogue.sessions_of_site(site.id, first, last)
    rows = [(s, staffing_for(s)) for s in sessions]
    return render_template("booking/staff/sessions.html", site=site, rows=rows, first=first,
                           previous=(first - timedelta(days=1)).strftime("%Y-%m"),
                           following=(last + timedelta(days=1)).strftime("%Y-%m"))


def _render_session(session_id: int, form=None, status: int = 200):
    from app.accounts.access import can
    from app.booking import waitlist

    session, rows, waiting = attendance.session_register(current_user, session_id)
    contacts = attendance.register_details(current_user, session, rows)
    site_id = session.unit.activity.site_id
    return render_template("booking/staff/session.html", session=session, rows=rows, waiting=waiting,
                           staffing=staffing_for(session), form=form or AdjustSessionForm(obj=session),
                           manager=can(current_user, Action.MANAGE_SITE, site_id),
                           waitlist_manager=can(current_user, Action.MANAGE_WAITLIST, site_id),
                           waitlist_view=waitlist.session_waitlist(session, waiting),
                           waitlist_labels=waitlist.EVENT_LABELS, moment=engine.local_moment,
                           contacts=contacts, unmarked=sum(1 for r in rows if r.attendance is None),
                           attendance_open=attendance.attendance_open(session),
                           attendance_labels=ATTENDANCE_LABELS, status_label=services.status_label), status


@bp.app_template_global("staff_today_sessions")
def staff_today_sessions():
    """Today's sessions for the home page of a director or animator (None for other roles)."""
    if not current_user.is_authenticated:
        return None
    return attendance.home_sessions(current_user, clock.today())


@bp.get("/aujourdhui")
@roles_required(*STAFF)
def staff_today():
    day = clock.today()
    return render_template("booking/staff/today.html", day=day,
                           sessions=attendance.today_sessions(current_user, day))


@bp.post("/seances/<int:session_id>/presences/<int:booking_id>")
@roles_required(*STAFF)
def mark_one(session_id: int, booking_id: int):
    """One tap: the button pressed carries the child's status."""
    session = catalogue.get_session(current_user, session_id, Action.MARK_ATTENDANCE)
    status = request.form.get("status", "")
    attempt(lambda: attendance.mark_attendance(current_user, booking_id, status, session_id=session.id,
                                               late_departure=request.form.get("late") == "1"),
            success=_marked)
    return redirect(url_for("booking.session_detail", session_id=session.id, _anchor=f"child-{booking_id}"))


def _marked(mark) -> str:
    label = ATTENDANCE_LABELS[mark.status.value]
    if mark.late_departure:
        label = f"{label}, {_('départ tardif')}"
    return _("%(name)s : %(status)s.", name=mark.booking.child.first_name, status=label)


@bp.post("/seances/<int:session_id>/tous-presents")
@roles_required(*STAFF)
def mark_all_present(session_id: int):
    attempt(lambda: attendance.mark_all_present(current_user, session_id),
            success=lambda count: ngettext("Présence notée pour %(num)s enfant.",
                                           "Présences notées pour %(num)s enfants.", count))
    return redirect(url_for("booking.session_detail", session_id=session_id))


@bp.get("/seances/<int:session_id>")
@roles_required(*STAFF)
def session_detail(session_id: int):
    return _render_session(session_id)


@bp.post("/seances/<int:session_id>/modifier")
@roles_required(*MANAGERS)
def adjust_session(session_id: int):
    catalogue.get_session(current_user, session_id, Action.MANAGE_SITE)
    form = AdjustSessionForm()
    if submit(form, lambda: services.adjust_session(current_user, session_id,
                                                    capacity_under6=form.capacity_under6.data,
                                                    capacity_over6=form.capacity_over6.data,
                                                    animators_planned=form.animators_planned.data),
              success=_adjusted, on_submit=False):
        return redirect(url_for("booking.session_detail", session_id=session_id))
    return _render_session(session_id, form=form, status=422)


def _adjusted(promoted) -> str:
    message = _("Séance mise à jour.")
    if promoted:
        message += " " + ngettext("%(num)d enfant de la liste d'attente a une place.",
                                  "%(num)d enfants de la liste d'attente ont une place.", len(promoted))
    return message


@bp.post("/seances/<int:session_id>/presences")
@roles_required(*STAFF)
def mark_attendance(session_id: int):
    session, rows, _waiting = attendance.session_register(current_user, session_id)
    try:
        attendance.check_attendance_open(session)
    except DomainError as error:
        flash(error.message, "error")
        return redirect(url_for("booking.session_detail", session_id=session.id))
    count = 0
    for row in rows:
        status = request.form.get(f"status-{row.booking.id}")
        if status in {s.value for s in AttendanceStatus}:
            attendance.mark_attendance(current_user, row.booking.id, status,
                                     late_departure=request.form.get(f"late-{row.booking.id}") == "1")
            count += 1
    flash(ngettext("Présence enregistrée pour %(num)d enfant.", "Présences enregistrées pour %(num)d enfants.", count), "success")
    return redirect(url_for("booking.session_detail", session_id=session.id))


@bp.post("/seances/<int:session_id>/annuler")
@roles_required(*MANAGERS)
def cancel_session(session_id: int):
    count = services.cancel_session(current_user, session_id)
    flash(ngettext("Séance annulée ; %(num)d famille est prévenue.", "Séance annulée ; %(num)d familles sont prévenues.",
                   count), "success")
    return redirect(url_for("booking.session_detail", session_id=session_id))


@bp.post("/reservations/<int:booking_id>/annuler-par-accueil")
@roles_required(*MANAGERS)
def cancel_by_centre(booking_id: int):
    booking = services.cancel_by_centre(current_user, booking_id)
    flash(_("Réservation annulée ; la famille est prévenue."), "success")
    return redirect(url_for("booking.session_detail", session_id=booking.session_id))


@bp.get("/sites/<int:site_id>/registre")
@roles_required(*STAFF)
def daily_register(site_id: int):
    site = catalogue.get_site(current_user, site_id)
    day = months.day_or(request.args.get("date"), clock.today())
    registers = [attendance.session_register(current_user, s.id) for s in catalogue.sessions_of_site(site.id, day, day)]
    return render_template("booking/staff/register.html", site=site, day=day, registers=registers,
                           attendance_labels=ATTENDANCE_LABELS)


from app.booking import waitlist_views  # noqa: E402,F401  (registers the waiting-list routes on bp)
