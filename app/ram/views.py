"""Relais Petite Enfance: staff dashboard, childminders' profiles and availability.

Demands, matching and the observatory are in views_demands.py; workshops and
the salary simulator in views_workshops.py. All share the blueprint `bp`.
"""
from __future__ import annotations

from datetime import date

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from app import months
from app.accounts.access import can, roles_required
from app.accounts.models import Role
from app.forms import attempt, submit
from app.ram import access as perm
from app.ram import availability as av
from app.ram import schedule as sch
from app.ram import services
from app.ram.forms import (
    ChildminderCreateForm,
    ContractForm,
    EndContractForm,
    LicenceForm,
    OwnChildForm,
    ProfileForm,
    PublishForm,
)
from app.urls import id_arg, parse_id

bp = Blueprint("ram", __name__, url_prefix="/relais")

STAFF = (Role.RAM_STAFF, Role.ADMIN)


def commune_choices():
    return [("", _("Choisissez une commune"))] + [(c.insee, c.name) for c in services.list_communes()]


def relais_choices(empty: str | None = None):
    choices = [(r.id, r.name) for r in services.list_relais()]
    return ([(0, empty)] if empty else []) + choices


def _date_arg(name: str) -> date | None:
    return months.day_or(request.args.get(name), None)


@bp.get("/")
@login_required
def dashboard():
    if perm.has_childminder_profile(current_user):
        return redirect(url_for("ram.my_profile"))
    if perm.files_demands_as_family(current_user):
        return redirect(url_for("ram.demands"))
    if not perm.is_relais_staff(current_user):
        abort(403)
    from app.ram import demands as demand_services
    from app.ram import workshops

    user = current_user._get_current_object()
    mine = services.staff_relais(user)
    ids = [r.id for r in mine]
    open_demands = [d for d in demand_services.list_demands(user) if d.is_open]
    my_demands = [d for d in open_demands if d.relais_id in ids]
    rows = services.list_childminders(user)
    my_rows = [row for row in rows if row["childminder"].relais_id in ids]
    upcoming = [w for w in workshops.list_workshops() if w.relais_id in ids][:5]
    return render_template("ram/dashboard.html", relais=mine, open_count=len(open_demands), my_demands=my_demands,
                           stale=[row for row in my_rows if row["stale"]], childminder_count=len(my_rows),
                           workshops=upcoming, next_deadline=services.next_deadline(services.today_local()))


@bp.get("/assistantes-maternelles")
@roles_required(*STAFF)
def childminders():
    relais_id = id_arg("relais")
    commune = request.args.get("commune") or None
    rows = services.list_childminders(current_user._get_current_object(), relais_id=relais_id,
                                      commune_insee=commune)
    return render_template("ram/childminders.html", rows=rows, relais=services.list_relais(),
                           communes=services.list_communes(), relais_id=relais_id, commune=commune)


@bp.route("/assistantes-maternelles/nouvelle", methods=["GET", "POST"])
@roles_required(*STAFF)
def childminder_new():
    form = ChildminderCreateForm()
    form.commune_insee.choices = commune_choices()
    form.relais_id.choices = relais_choices()
    created = submit(form, lambda: services.create_childminder(
        current_user._get_current_object(), email=form.email.data, first_name=form.first_name.data,
        last_name=form.last_name.data, phone=form.phone.data or "", commune_insee=form.commune_insee.data,
        relais_id=form.relais_id.data or None, address=form.address.data or ""),
        success=_("Le compte est créé ; une invitation à choisir un mot de passe a été envoyée."))
    if created:
        return redirect(url_for("ram.childminder_profile", childminder_id=created.value.id))
    return render_template("ram/childminder_new.html", form=form), 422 if form.errors or form.form_errors else 200


@bp.get("/mon-profil")
@roles_required(Role.CHILDMINDER)
def my_profile():
    childminder = services.childminder_of(current_user._get_current_object())
    return redirect(url_for("ram.childminder_profile", childminder_id=childminder.id))


@bp.get("/mes-disponibilites")
@roles_required(Role.CHILDMINDER)
def my_availability():
    childminder = services.childminder_of(current_user._get_current_object())
    return redirect(url_for("ram.childminder_availability", childminder_id=childminder.id))


def _profile_page(childminder, status: int = 200, **forms):
    user = current_user._get_current_object()
    profile_form = forms.get("profile_form") or ProfileForm(obj=childminder, formdata=None)
    profile_form.commune_insee.choices = commune_choices()
    profile_form.relais_id.choices = relais_choices(_("Aucun relais"))
    if profile_form.relais_id.data is None:
        profile_form.relais_id.data = 0
    licence_form = forms.get("licence_form") or LicenceForm(formdata=None)
    today = services.today_local()
    return render_template(
        "ram/childminder_profile.html", childminder=childminder, profile_form=profile_form,
        licence_form=licence_form, own_child_form=forms.get("own_child_form") or OwnChildForm(formdata=None),
        contract_form=forms.get("contract_form") or ContractForm(formdata=None),
        end_form=EndContractForm(formdata=None), today=today, licence=childminder.licence_on(today),
        places=av.full_time_places(services.profile_of(childminder), today),
        stale=services.availability_is_stale(childminder, today), can_edit_licence=can(user, perm.Action.EDIT_LICENCE),
        is_staff=perm.is_relais_staff(user), schedule_text=sch.schedule_text, age_on=av.age_on), status


@bp.route("/assistantes-maternelles/<int:childminder_id>", methods=["GET", "POST"])
@login_required
def childminder_profile(childminder_id: int):
    user = current_user._get_current_object()
    childminder = services.get_childminder(user, childminder_id)
    if request.method == "GET":
        return _profile_page(childminder)
    form = ProfileForm()
    form.commune_insee.choices = commune_choices()
    form.relais_id.choices = relais_choices(_("Aucun relais"))

    def update():
        fields = {name: form[name].data for name in services.PROFILE_FIELDS}
        fields["relais_id"] = fields["relais_id"] or None
        fields["address"] = fields["address"] or ""
        fields["presentation"] = fields["presentation"] or ""
        return services.update_profile(user, childminder, **fields)

    if submit(form, update, success=_("Le profil est enregistré.")):
        return redirect(url_for("ram.childminder_profile", childminder_id=childminder.id))
    return _profile_page(childminder, 422, profile_form=form)


@bp.post("/assistantes-maternelles/<int:childminder_id>/agrement")
@login_required
def childminder_licence(childminder_id: int):
    user = current_user._get_current_object()
    childminder = services.get_childminder(user, childminder_id)
    form = LicenceForm()
    if submit(form, lambda: services.save_licence(
            user, childminder, licence_id=parse_id(form.licence_id.data),
            reference=form.reference.data or "", max_children=form.max_children.data,
            max_under_3=form.max_under_3.data, valid_from=form.valid_from.data,
            valid_until=form.valid_until.data, extension_from=form.extension_from.data,
            extension_until=form.extension_until.data, extension_places=form.extension_places.data or 0),
            success=_("L'agrément est enregistré.")):
        return redirect(url_for("ram.childminder_profile", childminder_id=childminder.id))
    return _profile_page(childminder, 422, licence_form=form)


@bp.post("/assistantes-maternelles/<int:childminder_id>/enfants")
@login_required
def own_child_add(childminder_id: int):
    user = current_user._get_current_object()
    childminder = services.get_childminder(user, childminder_id)
    form = OwnChildForm()
    if submit(form, lambda: services.add_own_child(user, childminder, form.first_name.data or "", form.birth_date.data),
              success=_("L'enfant est ajouté.")):
        return redirect(url_for("ram.childminder_profile", childminder_id=childminder.id))
    return _profile_page(childminder, 422, own_child_form=form)


@bp.post("/assistantes-maternelles/<int:childminder_id>/enfants/<int:child_id>/supprimer")
@login_required
def own_child_remove(childminder_id: int, child_id: int):
    user = current_user._get_current_object()
    childminder = services.get_childminder(user, childminder_id)
    services.remove_own_child(user, childminder, child_id)
    flash(_("L'enfant est retiré."), "success")
    return redirect(url_for("ram.childminder_profile", childminder_id=childminder.id))


@bp.post("/assistantes-maternelles/<int:childminder_id>/contrats")
@login_required
def contract_add(childminder_id: int):
    user = current_user._get_current_object()
    childminder = services.get_childminder(user, childminder_id)
    form = ContractForm()
    if submit(form, lambda: services.add_contract(user, childminder, child_first_name=form.child_first_name.data,
                                                  birth_date=form.birth_date.data, schedule=form.schedule_data(),
                                                  start_date=form.start_date.data, end_date=form.end_date.data),
              success=_("L'enfant accueilli est ajouté.")):
        return redirect(url_for("ram.childminder_profile", childminder_id=childminder.id))
    return _profile_page(childminder, 422, contract_form=form)


@bp.post("/assistantes-maternelles/<int:childminder_id>/contrats/<int:contract_id>/fin")
@login_required
def contract_end(childminder_id: int, contract_id: int):
    user = current_user._get_current_object()
    childminder = services.get_childminder(user, childminder_id)
    form = EndContractForm()
    if form.validate_on_submit():
        attempt(lambda: services.end_contract(user, childminder, contract_id, form.end_date.data),
                success=_("La fin du contrat est enregistrée."))
    else:
        flash(_("Indiquez une date de fin valide."), "error")
    return redirect(url_for("ram.childminder_profile", childminder_id=childminder.id))


@bp.get("/assistantes-maternelles/<int:childminder_id>/disponibilites")
@login_required
def childminder_availability(childminder_id: int):
    user = current_user._get_current_object()
    childminder = services.get_childminder(user, childminder_id)
    return _availability_page(childminder, PublishForm(formdata=None, valid_from=services.today_local()))


def _availability_page(childminder, form: PublishForm, status: int = 200):
    today = services.today_local()
    day = _date_arg("date") or today
    profile = services.profile_of(childminder)
    return render_template("ram/availability.html", childminder=childminder, day=day, today=today,
                           grid=av.week_grid(profile, day), places=av.full_time_places(profile, day),
                           licence=childminder.licence_on(day), stale=services.availability_is_stale(childminder),
                           next_deadline=services.next_deadline(today), form=form,
                           weekdays=sch.weekday_names(), local_date=services.local_date,
                           schedule_text=sch.schedule_text), status


@bp.post("/assistantes-maternelles/<int:childminder_id>/disponibilites/publier")
@login_required
def availability_publish(childminder_id: int):
    user = current_user._get_current_object()
    childminder = services.get_childminder(user, childminder_id)
    form = PublishForm()
    if submit(form, lambda: services.publish_availability(user, childminder, form.valid_from.data,
                                                          form.note.data or ""),
              success=_("Vos disponibilités sont publiées et confirmées.")):
        return redirect(url_for("ram.childminder_availability", childminder_id=childminder.id))
    # Refused: the page again, each message beside its field.
    return _availability_page(childminder, form, 422)


from app.ram import views_demands, views_search, views_workshops  # noqa: E402,F401  (routes on the same blueprint)
