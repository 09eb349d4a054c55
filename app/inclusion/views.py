"""Inclusion pages. Thin: parse, call one service, render. Access rules live in the services."""
from __future__ import annotations

import json

from flask import Blueprint, Response, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required

from app import clock, exports, uploads
from app.accounts.access import roles_required
from app.accounts.models import Role
from app.forms import attempt, submit
from app.inclusion import adaptation, plans, reports, services
from app.inclusion import cards as inclusion_cards
from app.inclusion.access import ACCESS_MONTHS, Action, is_guardian, managed_sites
from app.inclusion.forms import (
    DocumentForm,
    MeetingForm,
    NeedsForm,
    PlanForm,
    ReasonForm,
    StepEditForm,
    StepRecordForm,
    steps_data,
    steps_form,
)
from app.inclusion.models import PLAN_FIELDS, PlanStatus

bp = Blueprint("inclusion", __name__, url_prefix="/inclusion")
PARIS = clock.PARIS


PLAN_STATUS_LABELS = {"draft": _l("brouillon"), "shared": _l("partagé, en attente des accords"),
                      "active": _l("en vigueur"), "superseded": _l("remplacé")}


@bp.app_context_processor
def _inclusion_labels():
    def plan_status_label(status) -> str:
        value = getattr(status, "value", status)
        return str(PLAN_STATUS_LABELS.get(value, value or _("aucun")))

    return {"plan_status_label": plan_status_label,
            "health_data_retention_years": lambda: services.RETENTION_YEARS.value(),
            "health_access_months": lambda: ACCESS_MONTHS.value()}


# ---------------------------------------------------------------- families

@bp.get("/")
@login_required
@roles_required(Role.PARENT)
def my_children():
    from app.booking.access import household_of

    household = household_of(current_user)
    children = list(household.children) if household else []
    return render_template("inclusion/my_children.html", children=children)


@bp.get("/enfants/<int:child_id>")
@login_required
def child_file(child_id: int):
    return _child_file_page(child_id, DocumentForm())


def _child_file_page(child_id: int, document_form: DocumentForm):
    file = services.read_file(current_user, child_id)
    _child, schedules = adaptation.child_schedules(current_user, child_id)
    guardian = is_guardian(current_user, file.child)
    shared = plans.child_plans_for_guardian(child_id) if guardian else []
    sites = [] if guardian else managed_sites(current_user, file.child)
    return render_template("inclusion/child_file.html", file=file, schedules=schedules, guardian=guardian,
                           shared_versions=shared, document_form=document_form, paris=PARIS,
                           managed_sites=sites)


@bp.route("/enfants/<int:child_id>/besoins", methods=["GET", "POST"])
@login_required
def edit_needs(child_id: int):
    child = services.get_child(current_user, child_id, Action.EDIT_NEEDS)
    needs = services.needs_of(child.id)
    form = NeedsForm(obj=needs)
    if request.method == "GET":
        form.needs_particular_care.data = "yes" if (needs and needs.needs_particular_care) else "no"

    def declare():
        values = {name: getattr(form, name).data for name in services.NEEDS_FIELDS if name != "needs_particular_care"}
        values["needs_particular_care"] = form.needs_particular_care.data == "yes"
        return services.declare_needs(current_user, child.id, **values)

    if submit(form, declare, success=_("Les besoins de %(name)s sont enregistrés.", name=child.first_name)):
        return redirect(url_for(".child_file", child_id=child.id))
    return render_template("inclusion/needs_form.html", form=form, child=child)


@bp.post("/enfants/<int:child_id>/documents")
@login_required
def upload_document(child_id: int):
    form = DocumentForm()

    def upload():
        document = form.document.data
        # Read one byte past the limit: enough to refuse an oversized file without loading it all.
        content = document.stream.read(int(current_app.config["MAX_UPLOAD_BYTES"]) + 1)
        return services.upload_document(current_user, child_id, filename=document.filename or "", content=content,
                                        kind=form.kind.data)

    if submit(form, upload, success=_("Le document est enregistré.")):
        return redirect(url_for(".child_file", child_id=child_id))
    # Refused: the child's page again, the message beside the file field (after the permission check).
    services.get_child(current_user, child_id, Action.EDIT_NEEDS)
    return _child_file_page(child_id, form)


@bp.get("/documents/<int:document_id>")
@login_required
def download_document(document_id: int):
    document, path = services.open_document(current_user, document_id)
    return uploads.attachment(path, document.content_type, "document", document.id)


@bp.post("/documents/<int:document_id>/supprimer")
@login_required
def delete_document(document_id: int):
    child_id = services.delete_document(current_user, document_id)
    flash(_("Le document est supprimé."), "success")
    return redirect(url_for(".child_file", child_id=child_id))


@bp.get("/enfants/<int:child_id>/consultations")
@login_required
def consultations(child_id: int):
    trail = services.consultations_of(current_user, child_id)
    return render_template("inclusion/consultations.html", entries=trail.entries, child=trail.child,
                           readers=trail.readers, paris=PARIS,
                           entry_text=services.audit_entry_text)


@bp.get("/enfants/<int:child_id>/export.json")
@login_required
def export_child(child_id: int):
    data = services.export_child_data(current_user, child_id)
    return Response(json.dumps(data, ensure_ascii=False, indent=2), mimetype="application/json",
                    headers={"Content-Disposition": f'attachment; filename="enfant-{child_id}-donnees.json"'})


# ---------------------------------------------------------------- plans

@bp.get("/projets/<int:version_id>")
@login_required
def plan_version(version_id: int):
    version = plans.read_version(current_user, version_id)
    return render_template("inclusion/plan_version.html", version=version, paris=PARIS,
                           guardian=is_guardian(current_user, version.plan.child))


@bp.post("/projets/<int:version_id>/accuse")
@login_required
def acknowledge(version_id: int):
    version = plans.acknowledge(current_user, version_id)
    if version.status is PlanStatus.ACTIVE:
        flash(_("Le projet d'accueil est validé par la famille et la direction : il s'applique désormais."),
              "success")
    else:
        flash(_("Votre accord est enregistré."), "success")
    return redirect(url_for(".plan_version", version_id=version.id))


@bp.post("/projets/<int:version_id>/partager")
@login_required
@roles_required(Role.DIRECTOR)
def share(version_id: int):
    version = plans.share(current_user, version_id)
    flash(_("Le projet est partagé avec la famille."), "success")
    return redirect(url_for(".plan_version", version_id=version.id))


@bp.route("/enfants/<int:child_id>/accueils/<int:site_id>/projet", methods=["GET", "POST"])
@login_required
@roles_required(Role.DIRECTOR)
def edit_plan(child_id: int, site_id: int):
    child, plan = plans.plan_for_editing(current_user, child_id, site_id)
    latest = plan.versions[-1] if plan and plan.versions else None
    prefilled = {}
    if latest is None and request.method == "GET":
        prefilled = plans.prefill_from_declaration(current_user, child_id, site_id)
    form = PlanForm(obj=latest, data=prefilled or None)
    saved = submit(form, lambda: plans.save_draft(current_user, child_id, site_id,
                                                  **{name: getattr(form, name).data for name in PLAN_FIELDS}),
                   success=lambda version: _("Brouillon n° %(n)s enregistré.", n=version.number))
    if saved:
        return redirect(url_for(".plan_version", version_id=saved.value.id))
    return render_template("inclusion/plan_form.html", form=form, child=child, plan=plan, latest=latest,
                           site_id=site_id, prefilled=bool(prefilled))


# ---------------------------------------------------------------- preparation

@bp.get("/preparation")
@login_required
@roles_required(Role.DIRECTOR)
def queue():
    return render_template("inclusion/queue.html", waiting=plans.preparation_queue(current_user), paris=PARIS)


@bp.route("/enfants/<int:child_id>/accueils/<int:site_id>/rencontre", methods=["GET", "POST"])
@login_required
@roles_required(Role.DIRECTOR)
def propose_meeting(child_id: int, site_id: int):
    child, _plan = plans.get_plan(current_user, child_id, site_id)
    form = MeetingForm()
    if submit(form, lambda: plans.propose_meeting(current_user, child_id, site_id,
                                                  starts_at=form.starts_at.data.replace(tzinfo=PARIS),
                                                  duration_minutes=form.duration.data,
                                                  location=form.location.data or ""),
              success=_("L'invitation est envoyée à la famille.")):
        return redirect(url_for(".queue"))
    return render_template("inclusion/meeting_form.html", form=form, child=child)


@bp.route("/reservations/<int:booking_id>/confirmer", methods=["GET", "POST"])
@login_required
@roles_required(Role.DIRECTOR)
def confirm_without_plan(booking_id: int):
    booking = plans.held_booking(current_user, booking_id)
    form = ReasonForm()
    if submit(form, lambda: plans.confirm_without_plan(current_user, booking_id, form.reason.data),
              success=_("La réservation est confirmée ; la raison est enregistrée.")):
        return redirect(url_for(".queue"))
    return render_template("inclusion/confirm_form.html", form=form, booking=booking)


# ---------------------------------------------------------------- adaptation

@bp.get("/adaptations")
@login_required
@roles_required(Role.DIRECTOR)
def adaptations():
    return render_template("inclusion/adaptations.html", rows=adaptation.upcoming_adaptations(current_user),
                           sites=adaptation.director_sites(current_user))


@bp.route("/accueils/<int:site_id>/adaptation", methods=["GET", "POST"])
@login_required
@roles_required(Role.DIRECTOR)
def site_template(site_id: int):
    template = adaptation.template_for_director(current_user, site_id)
    form = steps_form(template)
    if submit(form, lambda: adaptation.set_site_template(current_user, site_id, steps_data(form)),
              success=_("Les étapes d'adaptation de l'accueil sont enregistrées."), summary=True):
        return redirect(url_for(".site_template", site_id=site_id))
    return render_template("inclusion/steps_form.html", form=form, child=None, site_id=site_id, steps=[],
                           site=adaptation.site_of(site_id)), 422 if form.errors or form.form_errors else 200


def _step_forms(child_id: int, site_id: int, steps) -> dict:
    days = adaptation.booked_days(child_id, site_id)
    forms = {}
    for step in steps:
        form = StepEditForm(prefix=f"step{step.position}", formdata=None, data={
            "day": step.pinned_day.isoformat() if step.pinned_day else "", "arrival": step.arrival,
            "pickup": step.pickup, "with_parent": step.with_parent, "with_meal": step.with_meal,
            "skipped": step.skipped})
        form.day.choices = _day_choices(days)
        forms[step.position] = form
    return forms


def _day_choices(days):
    return [("", _("le jour réservé suivant"))] + [(d.isoformat(), d.strftime("%d/%m/%Y")) for d in days]


def _render_child_steps(child, site_id, form, step_forms=None, status=200):
    steps = adaptation.schedule(child.id, site_id)
    forms = _step_forms(child.id, site_id, steps)
    forms.update(step_forms or {})
    return render_template("inclusion/steps_form.html", form=form, child=child, site_id=site_id, steps=steps,
                           step_forms=forms, record_form=StepRecordForm(), skip_form=ReasonForm(), paris=PARIS), status


@bp.route("/enfants/<int:child_id>/accueils/<int:site_id>/adaptation", methods=["GET", "POST"])
@login_required
@roles_required(Role.DIRECTOR)
def child_steps(child_id: int, site_id: int):
    child, _plan = plans.get_plan(current_user, child_id, site_id)
    form = steps_form([s for s in adaptation.schedule(child_id, site_id) if s.status == "planned"], blank=1)
    if submit(form, lambda: adaptation.set_child_steps(current_user, child_id, site_id, steps_data(form)),
              success=_("Les étapes de %(name)s sont enregistrées.", name=child.first_name), summary=True):
        return redirect(url_for(".child_steps", child_id=child_id, site_id=site_id))
    return _render_child_steps(child, site_id, form, status=422 if form.errors else 200)


@bp.post("/enfants/<int:child_id>/accueils/<int:site_id>/adaptation/etapes/<int:position>")
@login_required
@roles_required(Role.DIRECTOR)
def edit_step(child_id: int, site_id: int, position: int):
    from datetime import date

    child, _plan = plans.get_plan(current_user, child_id, site_id)
    form = StepEditForm(prefix=f"step{position}")
    form.day.choices = _day_choices(adaptation.booked_days(child_id, site_id))
    if submit(form, lambda: adaptation.update_step(current_user, child_id, site_id, position,
                                                   day=date.fromisoformat(form.day.data) if form.day.data else None,
                                                   arrival=form.arrival.data, pickup=form.pickup.data,
                                                   with_parent=form.with_parent.data, with_meal=form.with_meal.data,
                                                   skipped=form.skipped.data),
              success=_("L'étape est modifiée.")):
        return redirect(url_for(".child_steps", child_id=child_id, site_id=site_id))
    return _render_child_steps(child, site_id, steps_form([], blank=0), {position: form}, status=422)


@bp.post("/enfants/<int:child_id>/accueils/<int:site_id>/adaptation/passer")
@login_required
@roles_required(Role.DIRECTOR)
def skip_adaptation(child_id: int, site_id: int):
    form = ReasonForm()
    reason = form.reason.data if form.validate_on_submit() else ""
    plans.get_plan(current_user, child_id, site_id)
    attempt(lambda: adaptation.skip_period(current_user, child_id, site_id, reason),
            success=_("La période d'adaptation est passée pour cet enfant."))
    return redirect(url_for(".child_steps", child_id=child_id, site_id=site_id))


@bp.post("/etapes/<int:step_id>/bilan")
@login_required
@roles_required(Role.DIRECTOR)
def record_step(step_id: int):
    form = StepRecordForm()
    outcome = form.outcome.data if form.validate_on_submit() else ""
    recorded = attempt(lambda: adaptation.record_step(current_user, step_id, outcome, form.note.data or ""),
                       success=_("Le bilan de l'étape est enregistré."))
    # A refused bilan (no outcome chosen, note too long...) goes back to the steps with its message.
    step = recorded.value if recorded else adaptation.get_step_for_director(current_user, step_id)
    return redirect(url_for(".child_steps", child_id=step.period.child_id, site_id=step.period.site_id))


# ---------------------------------------------------------------- register card, staffing, reports

@bp.get("/seances/<int:session_id>/a-savoir")
@login_required
@roles_required(Role.ANIMATOR, Role.DIRECTOR)
def today_cards(session_id: int):
    session, cards = inclusion_cards.today_cards(current_user, session_id)
    return render_template("inclusion/today_cards.html", session=session, cards=cards)


@bp.get("/encadrement")
@login_required
@roles_required(Role.DIRECTOR)
def dashboard():
    return render_template("inclusion/dashboard.html", sites=reports.staffing_dashboard(current_user, clock.today()))


def _month_arg() -> str:
    return request.args.get("month") or clock.today().strftime("%Y-%m")


@bp.get("/rapport-aeeh")
@login_required
@roles_required(Role.DIRECTOR, Role.ADMIN)
def aeeh():
    month = _month_arg()
    return render_template("inclusion/aeeh.html", lines=reports.aeeh_report(current_user, month), month=month)


@bp.get("/rapport-aeeh.xlsx", defaults={"fmt": "xlsx"})
@bp.get("/rapport-aeeh.csv", defaults={"fmt": "csv"})  # registered first: url_for's default
@login_required
@roles_required(Role.DIRECTOR, Role.ADMIN)
def aeeh_csv(fmt: str):
    month = _month_arg()
    table = reports.aeeh_table(reports.aeeh_report(current_user, month), month)
    return exports.respond([table], f"complement-inclusif-{month}", fmt)


@bp.get("/journal.xlsx", defaults={"fmt": "xlsx"})
@bp.get("/journal.csv", defaults={"fmt": "csv"})
@login_required
@roles_required(Role.ADMIN)
def audit_csv(fmt: str):
    return exports.respond([services.export_audit(current_user)], "journal-inclusion", fmt)


from app.inclusion import views_health  # noqa: E402,F401  (the health form, on the same blueprint)
