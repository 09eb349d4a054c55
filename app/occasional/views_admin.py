"""Administrators' pages for occasional care: providers, opening periods, hourly tariffs, coordinators.

Registered on the occasional blueprint (/garde-ponctuelle/admin/...). Thin:
the role is checked here (403), every rule is in app/occasional/admin.py.
"""
from __future__ import annotations

from dataclasses import fields

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user

from app.accounts.access import roles_required
from app.accounts.models import Role
from app.forms import attempt, submit
from app.occasional import admin
from app.occasional.access import coordinates_providers
from app.occasional.forms import WEEKDAY_CHOICES, HourlyTariffForm, OpeningForm, ProviderForm, StaffForm
from app.occasional.views import bp

SETTINGS = [f.name for f in fields(admin.ProviderSettings)]


def _provider_form(provider=None, *, submitted: bool = False) -> ProviderForm:
    """The settings form: as submitted, or filled from the provider (or blank for a new one)."""
    if submitted or provider is None:
        form = ProviderForm()
    else:
        form = ProviderForm(formdata=None, obj=provider)
        form.kind.data = provider.kind.value
        form.pricing.data = provider.pricing.value
        form.commune_insee.data = provider.commune_insee or ""
    form.commune_insee.choices = [("", _("— Aucune —"))] + [(c.insee, c.name) for c in admin.communes()]
    return form


def _settings(form: ProviderForm) -> admin.ProviderSettings:
    return admin.ProviderSettings(**{name: getattr(form, name).data for name in SETTINGS})


def _staff_form(provider) -> StaffForm:
    form = StaffForm()
    form.user_id.choices = [(u.id, f"{u.display_name} – {u.email} ({u.role.label})")
                            for u in admin.staff_candidates(provider)]
    return form


def _render_provider(provider, *, settings_form=None, opening_form=None, tariff_form=None, staff_form=None,
                     status: int = 200):
    return render_template(
        "occasional/admin/provider.html", provider=provider, weekdays=dict(WEEKDAY_CHOICES),
        settings_form=settings_form or _provider_form(provider),
        opening_form=opening_form or OpeningForm(formdata=None),
        tariff_form=tariff_form or HourlyTariffForm(formdata=None),
        staff_form=staff_form or _staff_form(provider), staff=admin.provider_staff(provider),
        coordinates=coordinates_providers,
        tariffs=admin.tariff_table(provider), future_requests=admin.future_request_count(provider)), status


@bp.get("/admin/structures")
@roles_required(Role.ADMIN)
def admin_providers():
    return render_template("occasional/admin/providers.html", providers=admin.list_providers(current_user))


@bp.route("/admin/structures/nouvelle", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def admin_provider_new():
    form = _provider_form()
    created = submit(form, lambda: admin.create_provider(current_user, _settings(form)),
                     success=_("Structure créée. Ajoutez maintenant ses horaires d'ouverture et ses tarifs : les "
                               "familles ne peuvent pas la réserver avant."))
    if created:
        return redirect(url_for("occasional.admin_provider", provider_id=created.value.id))
    status = 422 if request.method == "POST" else 200
    return render_template("occasional/admin/provider_new.html", form=form), status


@bp.route("/admin/structures/<int:provider_id>", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def admin_provider(provider_id: int):
    provider = admin.get_provider(current_user, provider_id)
    if request.method == "GET":
        return _render_provider(provider)
    form = _provider_form(provider, submitted=True)
    if submit(form, lambda: admin.update_provider(current_user, provider.id, _settings(form)),
              success=_("Informations de la structure enregistrées.")):
        if not provider.active and admin.future_request_count(provider):
            flash(ngettext("La structure est désactivée : les familles ne peuvent plus la choisir, mais la "
                           "demande à venir reste valable.",
                           "La structure est désactivée : les familles ne peuvent plus la choisir, mais les "
                           "%(num)d demandes à venir restent valables.", admin.future_request_count(provider)),
                  "info")
        return redirect(url_for("occasional.admin_provider", provider_id=provider.id))
    return _render_provider(provider, settings_form=form, status=422)


@bp.post("/admin/structures/<int:provider_id>/supprimer")
@roles_required(Role.ADMIN)
def admin_provider_delete(provider_id: int):
    if not attempt(lambda: admin.delete_provider(current_user, provider_id), success=_("Structure supprimée.")):
        return redirect(url_for("occasional.admin_provider", provider_id=provider_id))
    return redirect(url_for("occasional.admin_providers"))


def _opening_values(form: OpeningForm) -> dict:
    return {"weekday": form.weekday.data, "opens_at": form.opens_at.data, "closes_at": form.closes_at.data,
            "capacity_not_walking": form.capacity_not_walking.data, "capacity_walking": form.capacity_walking.data}


@bp.post("/admin/structures/<int:provider_id>/horaires")
@roles_required(Role.ADMIN)
def admin_opening_add(provider_id: int):
    provider = admin.get_provider(current_user, provider_id)
    form = OpeningForm()
    if submit(form, lambda: admin.add_opening(current_user, provider.id, **_opening_values(form)),
              success=_("Période d'ouverture ajoutée.")):
        return redirect(url_for("occasional.admin_provider", provider_id=provider.id) + "#horaires")
    return _render_provider(provider, opening_form=form, status=422)


@bp.route("/admin/structures/<int:provider_id>/horaires/<int:opening_id>", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def admin_opening_edit(provider_id: int, opening_id: int):
    opening = admin.get_opening(current_user, provider_id, opening_id)
    form = OpeningForm(obj=opening if request.method == "GET" else None)
    if submit(form, lambda: admin.update_opening(current_user, provider_id, opening_id, **_opening_values(form)),
              success=_("Période d'ouverture enregistrée ; les demi-heures déjà ouvertes à la réservation ont "
                        "pris les nouvelles capacités.")):
        return redirect(url_for("occasional.admin_provider", provider_id=provider_id) + "#horaires")
    status = 422 if request.method == "POST" else 200
    return render_template("occasional/admin/opening.html", provider=opening.provider, opening=opening, form=form,
                           weekdays=dict(WEEKDAY_CHOICES)), status


@bp.post("/admin/structures/<int:provider_id>/horaires/<int:opening_id>/supprimer")
@roles_required(Role.ADMIN)
def admin_opening_remove(provider_id: int, opening_id: int):
    attempt(lambda: admin.remove_opening(current_user, provider_id, opening_id),
            success=_("Période d'ouverture supprimée."))
    return redirect(url_for("occasional.admin_provider", provider_id=provider_id) + "#horaires")


def _tariff_values(form: HourlyTariffForm) -> dict:
    return {"qf_min": form.qf_min.data, "qf_max": form.qf_max.data, "hourly_price": form.hourly_price.data}


@bp.post("/admin/structures/<int:provider_id>/tarifs")
@roles_required(Role.ADMIN)
def admin_tariff_add(provider_id: int):
    provider = admin.get_provider(current_user, provider_id)
    form = HourlyTariffForm()
    if submit(form, lambda: admin.add_tariff(current_user, provider.id, **_tariff_values(form)),
              success=_("Tranche de tarif ajoutée.")):
        return redirect(url_for("occasional.admin_provider", provider_id=provider.id) + "#tarifs")
    return _render_provider(provider, tariff_form=form, status=422)


@bp.route("/admin/structures/<int:provider_id>/tarifs/<int:tariff_id>", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def admin_tariff_edit(provider_id: int, tariff_id: int):
    tariff = admin.get_tariff(current_user, provider_id, tariff_id)
    form = HourlyTariffForm(obj=tariff if request.method == "GET" else None)
    if submit(form, lambda: admin.update_tariff(current_user, provider_id, tariff_id, **_tariff_values(form)),
              success=_("Tranche de tarif enregistrée (pour les demandes faites à partir de maintenant).")):
        return redirect(url_for("occasional.admin_provider", provider_id=provider_id) + "#tarifs")
    status = 422 if request.method == "POST" else 200
    return render_template("occasional/admin/tariff.html", provider=tariff.provider, tariff=tariff, form=form), status


@bp.post("/admin/structures/<int:provider_id>/tarifs/<int:tariff_id>/supprimer")
@roles_required(Role.ADMIN)
def admin_tariff_remove(provider_id: int, tariff_id: int):
    admin.remove_tariff(current_user, provider_id, tariff_id)
    flash(_("Tranche de tarif supprimée."), "success")
    return redirect(url_for("occasional.admin_provider", provider_id=provider_id) + "#tarifs")


@bp.post("/admin/structures/<int:provider_id>/equipe")
@roles_required(Role.ADMIN)
def admin_staff_add(provider_id: int):
    provider = admin.get_provider(current_user, provider_id)
    form = _staff_form(provider)
    if submit(form, lambda: admin.assign_staff(current_user, provider.id, form.user_id.data),
              success=lambda staff: _("Compte de %(name)s rattaché à la structure.", name=staff.display_name)):
        return redirect(url_for("occasional.admin_provider", provider_id=provider.id) + "#equipe")
    return _render_provider(provider, staff_form=form, status=422)


@bp.post("/admin/structures/<int:provider_id>/equipe/<int:user_id>/retirer")
@roles_required(Role.ADMIN)
def admin_staff_remove(provider_id: int, user_id: int):
    coordinator_left = admin.remove_staff(current_user, provider_id, user_id)
    flash(_("Le compte n'est plus rattaché à la structure."), "success")
    if not coordinator_left:
        flash(_("Plus aucune coordinatrice n'est rattachée : seuls les administrateurs pourront répondre aux "
                "demandes urgentes de cette structure."), "info")
    return redirect(url_for("occasional.admin_provider", provider_id=provider_id) + "#equipe")
