"""The "Mon foyer" pages: a parent manages the household, children, pick-up
persons, emergency contacts and the second guardian's invitation.

Thin adapters onto app.families.services, .contacts and .invitations: every
object in a URL is looked up through a service that raises NotFound when it
belongs to another household.
"""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from app import clock
from app.accounts.access import roles_required
from app.accounts.models import Role
from app.errors import Conflict, Forbidden, ValidationFailed
from app.families import contacts, declarations, invitations, services
from app.families.forms import (
    BENEFIT_SCHEME_LABELS,
    OUTSIDE,
    SCHOOL_LEVEL_LABELS,
    ChildForm,
    ConfirmForm,
    HouseholdForm,
    InvitationForm,
    JoinConfirmForm,
    JoinForm,
    PersonForm,
    RefuseDeclarationForm,
)
from app.forms import attempt, show_domain_error, submit

bp = Blueprint("families", __name__, url_prefix="/foyer")


parents_only = roles_required(Role.PARENT)


def _user():
    return current_user._get_current_object()


def _render_form(template: str, form, **context):
    return render_template(template, form=form, **context), 422 if (form.errors or form.form_errors) else 200


@bp.context_processor
def _labels():
    return {"school_level_labels": SCHOOL_LEVEL_LABELS, "benefit_scheme_labels": BENEFIT_SCHEME_LABELS,
            "today": clock.today()}


# ---------------------------------------------------------------- household

@bp.get("/")
@parents_only
def index():
    user = _user()
    household = services.household_page(user)
    invitation = invitations.pending_invitation(user) if household else None
    return render_template(
        "families/index.html", household=household, invitation=invitation,
        # The link the parent forwards: from PUBLIC_BASE_URL, like the e-mailed one, never from the Host.
        invitation_url=invitations.invitation_url(invitations.invitation_token(invitation)) if invitation else None,
        max_guardians=invitations.max_guardians(), confirm_form=ConfirmForm(),
        pending_declaration=declarations.pending_declaration(household.id) if household else None,
        last_decision=declarations.latest_decision(household.id) if household else None)


def _proof(form: HouseholdForm) -> declarations.Proof | None:
    upload = request.files.get(form.proof.name)
    if upload is None or not upload.filename:
        return None
    from app import uploads

    return declarations.Proof(uploads.read_limited(upload.stream), upload.filename,
                              form.proof_kind.data or declarations.ProofKind.CAF_CERTIFICATE.value)


def _household_data(form: HouseholdForm) -> services.HouseholdData:
    return services.HouseholdData(proof=_proof(form),
        name=form.name.data or "", address=form.address.data or "", commune_insee=form.commune_value(),
        family_quotient=form.family_quotient.data, family_quotient_valid_until=form.family_quotient_valid_until.data,
        benefit_scheme=form.benefit_scheme.data, guardian_relationship=form.guardian_relationship.data or "",
        guardian_works=form.guardian_works.data)


@bp.route("/creer", methods=["GET", "POST"])
@parents_only
def create_household():
    user = _user()
    if services.household_id_of(user) is not None:
        flash(_("Votre foyer existe déjà : vous pouvez le modifier ici."), "info")
        return redirect(url_for("families.edit_household"))
    form = HouseholdForm()
    form.set_commune_choices(services.list_communes())
    if submit(form, lambda: services.create_household(user, _household_data(form)),
              success=_("Votre foyer est créé. Ajoutez maintenant vos enfants. Votre commune et votre quotient "
                        "familial seront pris en compte après vérification par le service enfance-jeunesse.")):
        return redirect(url_for("families.index"))
    return _render_form("families/household_form.html", form, creating=True)


@bp.route("/modifier", methods=["GET", "POST"])
@parents_only
def edit_household():
    user = _user()
    household = services.household_of(user)
    if household is None:
        return redirect(url_for("families.create_household"))
    member = next(m for m in household.members if m.user_id == user.id)
    # The form shows what the family last declared: the pending declaration, else the validated values.
    declared = declarations.pending_declaration(household.id) or household
    form = HouseholdForm(data=None if request.method == "POST" else {
        "name": household.name, "address": household.address, "commune_insee": declared.commune_insee or OUTSIDE,
        "family_quotient": declared.family_quotient,
        "family_quotient_valid_until": declared.family_quotient_valid_until,
        "benefit_scheme": household.benefit_scheme.value,
        "guardian_relationship": member.relationship_to_children, "guardian_works": member.works})
    form.set_commune_choices(services.list_communes())
    if submit(form, lambda: services.update_household(user, _household_data(form)),
              success=_("Les informations du foyer sont enregistrées. Un changement de commune ou de quotient "
                        "familial compte après vérification par le service enfance-jeunesse.")):
        return redirect(url_for("families.index"))
    return _render_form("families/household_form.html", form, creating=False,
                        pending=declarations.pending_declaration(household.id))


# ---------------------------------------------------------------- staff: declarations to check

@bp.get("/verifications")
@roles_required(Role.ADMIN)
def declaration_queue():
    return render_template("families/declaration_queue.html", declarations=declarations.queue(_user()),
                           proof_labels=declarations.PROOF_LABELS, refuse_form=RefuseDeclarationForm(),
                           confirm_form=ConfirmForm())


@bp.get("/verifications/<int:declaration_id>/justificatif")
@roles_required(Role.ADMIN)
def declaration_proof(declaration_id: int):
    declaration, path = declarations.open_proof(_user(), declaration_id)
    return send_file(path, mimetype=declaration.proof_content_type, as_attachment=True,
                     download_name=declaration.proof_original_name, max_age=0)


@bp.post("/verifications/<int:declaration_id>/valider")
@roles_required(Role.ADMIN)
def validate_declaration(declaration_id: int):
    form = ConfirmForm()
    if form.validate_on_submit():
        attempt(lambda: declarations.validate(_user(), declaration_id),
                success=_("Déclaration validée : la famille est prévenue par e-mail."))
    return redirect(url_for("families.declaration_queue"))


@bp.post("/verifications/<int:declaration_id>/refuser")
@roles_required(Role.ADMIN)
def refuse_declaration(declaration_id: int):
    form = RefuseDeclarationForm()
    error_message = None
    if form.validate_on_submit():
        try:
            declarations.refuse(_user(), declaration_id, form.reason.data)
        except (ValidationFailed, Conflict) as error:
            error_message = error.message
        else:
            flash(_("Déclaration refusée : la famille est prévenue par e-mail, avec le motif."), "success")
            return redirect(url_for("families.declaration_queue"))
    else:
        error_message = " ".join(str(e) for e in form.reason.errors) or _("Le formulaire a expiré : recommencez.")
    return render_template("families/declaration_queue.html", declarations=declarations.queue(_user()),
                           proof_labels=declarations.PROOF_LABELS, refuse_form=form, confirm_form=ConfirmForm(),
                           refuse_error=(declaration_id, error_message)), 422


# ---------------------------------------------------------------- children

def _child_data(form: ChildForm) -> services.ChildData:
    return services.ChildData(
        first_name=form.first_name.data or "", last_name=form.last_name.data or "", birth_date=form.birth_date.data,
        school_level=form.school_level.data, school_name=form.school_name.data or "",
        consent_image=form.consent_image.data, consent_outings=form.consent_outings.data,
        needs_particular_care=form.needs_particular_care.data)


@bp.route("/enfants/nouveau", methods=["GET", "POST"])
@parents_only
def add_child():
    user = _user()
    household = services.household_of(user)
    if household is None:
        flash(_("Créez d'abord votre foyer."), "info")
        return redirect(url_for("families.create_household"))
    form = ChildForm(data=None if request.method == "POST" else {"last_name": user.last_name})
    if submit(form, lambda: services.add_child(user, _child_data(form)),
              success=lambda child: _("%(name)s fait maintenant partie de votre foyer.", name=child.first_name)):
        return redirect(url_for("families.index"))
    return _render_form("families/child_form.html", form, child=None)


@bp.route("/enfants/<int:child_id>/modifier", methods=["GET", "POST"])
@parents_only
def edit_child(child_id: int):
    user = _user()
    child = services.get_child_for_guardian(user, child_id)
    form = ChildForm(data=None if request.method == "POST" else {
        "first_name": child.first_name, "last_name": child.last_name, "birth_date": child.birth_date,
        "school_level": child.school_level.value, "school_name": child.school_name,
        "consent_image": child.consent_image, "consent_outings": child.consent_outings,
        "needs_particular_care": child.needs_particular_care})
    if submit(form, lambda: services.update_child(user, child_id, _child_data(form)),
              success=lambda _result: _("Les informations de %(name)s sont enregistrées.",
                                        name=form.first_name.data)):
        return redirect(url_for("families.index"))
    return _render_form("families/child_form.html", form, child=child)


@bp.route("/enfants/<int:child_id>/retirer", methods=["GET", "POST"])
@parents_only
def remove_child(child_id: int):
    user = _user()
    child = services.get_child_for_guardian(user, child_id)
    form = ConfirmForm()
    if form.validate_on_submit():
        name = child.first_name
        attempt(lambda: services.remove_child(user, child_id),
                success=_("%(name)s ne fait plus partie de votre foyer.", name=name))
        return redirect(url_for("families.index"))
    return render_template("families/confirm_remove.html", form=form, title=_("Retirer %(name)s du foyer ?",
                           name=child.full_name),
                           explanation=_("Ses informations seront effacées de Pitchoun. Vous pourrez l'ajouter "
                                         "de nouveau plus tard si besoin."))


# ---------------------------------------------------------------- pick-up persons and emergency contacts

PERSON_KINDS = {
    "pickup": {
        "get": contacts.get_pickup, "add": contacts.add_pickup, "update": contacts.update_pickup,
        "remove": contacts.remove_pickup,
        "new_title": _l("Ajouter une personne autorisée à venir chercher les enfants"),
        "edit_title": _l("Modifier une personne autorisée"),
        "remove_title": _l("Retirer l'autorisation de %(name)s ?"),
        "remove_explanation": _l("Cette personne ne pourra plus venir chercher vos enfants."),
        "intro": _l("Cette personne pourra venir chercher vos enfants à la fin des activités. Elle devra "
                    "présenter une pièce d'identité."),
        "saved": _l("La personne autorisée est enregistrée."),
        "removed": _l("L'autorisation est retirée."),
    },
    "contact": {
        "get": contacts.get_emergency_contact, "add": contacts.add_emergency_contact,
        "update": contacts.update_emergency_contact, "remove": contacts.remove_emergency_contact,
        "new_title": _l("Ajouter un contact en cas d'urgence"),
        "edit_title": _l("Modifier un contact en cas d'urgence"),
        "remove_title": _l("Retirer %(name)s des contacts en cas d'urgence ?"),
        "remove_explanation": _l("Cette personne ne sera plus appelée en cas d'urgence."),
        "intro": _l("L'équipe appellera cette personne si elle ne parvient pas à vous joindre."),
        "saved": _l("Le contact en cas d'urgence est enregistré."),
        "removed": _l("Le contact est retiré."),
    },
}


def _person_data(form: PersonForm) -> contacts.PersonData:
    return contacts.PersonData(full_name=form.full_name.data or "", phone=form.phone.data or "",
                               relationship_to_children=form.relationship_to_children.data or "")


def _add_person(kind: str):
    spec = PERSON_KINDS[kind]
    user = _user()
    if services.household_of(user) is None:
        flash(_("Créez d'abord votre foyer."), "info")
        return redirect(url_for("families.create_household"))
    form = PersonForm()
    if submit(form, lambda: spec["add"](user, _person_data(form)), success=str(spec["saved"])):
        return redirect(url_for("families.index"))
    return _render_form("families/person_form.html", form, title=spec["new_title"], intro=spec["intro"])


def _edit_person(kind: str, person_id: int):
    spec = PERSON_KINDS[kind]
    user = _user()
    person = spec["get"](user, person_id)
    form = PersonForm(data=None if request.method == "POST" else {
        "full_name": person.full_name, "phone": person.phone,
        "relationship_to_children": person.relationship_to_children})
    if submit(form, lambda: spec["update"](user, person_id, _person_data(form)), success=str(spec["saved"])):
        return redirect(url_for("families.index"))
    return _render_form("families/person_form.html", form, title=spec["edit_title"], intro=spec["intro"])


def _remove_person(kind: str, person_id: int):
    spec = PERSON_KINDS[kind]
    user = _user()
    person = spec["get"](user, person_id)
    form = ConfirmForm()
    if form.validate_on_submit():
        spec["remove"](user, person_id)
        flash(str(spec["removed"]), "success")
        return redirect(url_for("families.index"))
    return render_template("families/confirm_remove.html", form=form,
                           title=str(spec["remove_title"]) % {"name": person.full_name},
                           explanation=spec["remove_explanation"])


@bp.route("/personnes-autorisees/nouvelle", methods=["GET", "POST"])
@parents_only
def add_pickup():
    return _add_person("pickup")


@bp.route("/personnes-autorisees/<int:pickup_id>/modifier", methods=["GET", "POST"])
@parents_only
def edit_pickup(pickup_id: int):
    return _edit_person("pickup", pickup_id)


@bp.route("/personnes-autorisees/<int:pickup_id>/retirer", methods=["GET", "POST"])
@parents_only
def remove_pickup(pickup_id: int):
    return _remove_person("pickup", pickup_id)


@bp.route("/contacts-urgence/nouveau", methods=["GET", "POST"])
@parents_only
def add_emergency_contact():
    return _add_person("contact")


@bp.route("/contacts-urgence/<int:contact_id>/modifier", methods=["GET", "POST"])
@parents_only
def edit_emergency_contact(contact_id: int):
    return _edit_person("contact", contact_id)


@bp.route("/contacts-urgence/<int:contact_id>/retirer", methods=["GET", "POST"])
@parents_only
def remove_emergency_contact(contact_id: int):
    return _remove_person("contact", contact_id)


# ---------------------------------------------------------------- second guardian

@bp.route("/invitation", methods=["GET", "POST"])
@parents_only
def invite():
    user = _user()
    if services.household_of(user) is None:
        flash(_("Créez d'abord votre foyer."), "info")
        return redirect(url_for("families.create_household"))
    form = InvitationForm()
    if submit(form, lambda: invitations.create_invitation(user, form.email.data or ""),
              success=_("L'invitation est envoyée à %(email)s. Vous pouvez aussi lui transmettre le lien "
                        "ci-dessous.", email=form.email.data) if form.email.data
              else _("L'invitation est prête : transmettez le lien ou le code ci-dessous à l'autre parent.")):
        return redirect(url_for("families.index") + "#second-responsable")
    return _render_form("families/invitation.html", form, days=max(1, invitations.invitation_max_age() // 86400))


@bp.post("/invitation/<int:invitation_id>/annuler")
@parents_only
def revoke_invitation(invitation_id: int):
    form = ConfirmForm()
    if not form.validate_on_submit():
        return redirect(url_for("families.index"))
    invitations.revoke_invitation(_user(), invitation_id)
    flash(_("L'invitation est annulée : son lien ne fonctionne plus."), "success")
    return redirect(url_for("families.index"))


@bp.route("/rejoindre", methods=["GET", "POST"])
@parents_only
def join():
    form = JoinForm()
    if form.validate_on_submit():
        try:
            invitations.redeem_invitation(_user(), form.code.data, form.relationship_to_children.data or "")
        except (ValidationFailed, Conflict, Forbidden) as error:  # an invitation for another address: on the form
            show_domain_error(form, error)
        else:
            flash(_("Vous avez rejoint le foyer."), "success")
            return redirect(url_for("families.index"))
    return _render_form("families/join.html", form, invitation=None, error=None)


@bp.route("/rejoindre/<token>", methods=["GET", "POST"])
@parents_only
def join_with_token(token: str):
    user = _user()
    form = JoinConfirmForm()
    try:
        invitation = invitations.check_invitation(token, for_user=user)  # nothing shown to another account
        if services.household_id_of(user) is not None:
            raise invitations.AlreadyInHousehold()
    except (ValidationFailed, Conflict, Forbidden) as error:
        return render_template("families/join.html", form=None, invitation=None, error=error.message), \
            error.http_status
    if form.validate_on_submit():
        try:
            invitations.redeem_invitation(user, token, form.relationship_to_children.data or "")
        except (ValidationFailed, Conflict, Forbidden) as error:
            return render_template("families/join.html", form=None, invitation=None, error=error.message), \
                error.http_status
        flash(_("Vous avez rejoint le foyer."), "success")
        return redirect(url_for("families.index"))
    return render_template("families/join.html", form=form, invitation=invitation, error=None)
