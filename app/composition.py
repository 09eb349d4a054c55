"""The composition root: the one place that wires the domains into one application.

create_app() calls `compose(app)`. Everything a domain plugs into another is
listed here, in the open, and nowhere else:

- the registries, one typed dataclass per domain that offers extension points,
  installed on `app.extensions` (app/registries.py) and read by each domain
  through the current application: no module-global list or dict of plug-ins;
- every registration into them (scopes, message kinds, daily jobs, booking's
  eligibility checks and providers, billing's sources, the Relais bridge);
- the menu's entries (app/navigation.py), the template filters and globals, the
  blueprints, the CLI commands;
- the modules whose declarations the root reads into the application: the
  permission policies (`@policy`), the dated rules (`rules.define`) and the
  OpenAPI document's parts (each API module's `DOC`).

Domains never import each other to plug in: this module is the only one
allowed to import every domain (see .importlinter). A module listed here that
is missing fails at import, so create_app() fails loudly.
"""
from __future__ import annotations

import importlib

from flask import Flask
from flask_babel import lazy_gettext as _l

from app import formats
from app.accounts.access import PolicyRegistry, register_policies
from app.accounts.models import Role
from app.accounts.scopes import ScopeRegistry, register_scope
from app.api.openapi import ApiRegistry, register_document
from app.billing import notices as billing_notices
from app.billing.pricing import booking_price
from app.billing.registry import (
    BillingRegistry,
    register_aeeh_source,
    register_caf_hours_source,
    register_psu_hours_source,
    register_statement_closed,
    register_statement_source,
)
from app.billing.sources import booking_attended_slots, booking_statement_lines
from app.booking import day_plans as booking_day_plans
from app.booking import reminders as booking_reminders
from app.booking.admission import register_check
from app.booking.allocation import register_priority_provider
from app.booking.allocation.views import ALLOCATION_ROLES
from app.booking.feeds import register_household_feed_source
from app.booking.gates import register_household_gate
from app.booking.preparation import register_release_listener
from app.booking.pricing import register_pricer
from app.booking.register_cards import register_alert_provider, register_card_provider
from app.booking.registry import BookingRegistry
from app.booking.staffing import register_extra_staff_provider
from app.booking.views_staff import STAFF as SITE_STAFF
from app.booking.waitlist import lapse_offers
from app.families import declarations as families_declarations
from app.families.services import FamiliesRegistry
from app.inclusion import adaptation as inclusion_adaptation
from app.inclusion import cards as inclusion_cards
from app.inclusion import reviews as inclusion_reviews
from app.inclusion.plans import cancel_meeting_without_held_bookings, has_active_plan, preparation_check
from app.inclusion.reports import aeeh_children
from app.inclusion.services import purge as inclusion_purge
from app.navigation import NavigationRegistry, register_nav
from app.notifications.jobs import purge_sent_messages, register_daily_job
from app.notifications.kinds import register_kind
from app.notifications.registry import NotificationRegistry
from app.occasional import feeds as occasional_feeds
from app.occasional.billing import occasional_statement_lines, psu_lines
from app.occasional.provider_staff import assign_providers
from app.occasional.relais import OccasionalRegistry, register_relais_bridge
from app.occasional.views import STAFF as PROVIDER_STAFF
from app.payments import notices as payments_notices
from app.payments import sepa as payments_sepa
from app.payments import services as payments_services
from app.payments import tax as payments_tax
from app.payments.online import TRANSACTION_LABELS
from app.ram import index_cache as ram_index_cache
from app.ram import relais_staff
from app.ram import reminders as ram_reminders
from app.ram.occasional_bridge import demand_from_occasional_request
from app.ram.services import send_stale_reminders
from app.ram.views import STAFF as RELAIS_STAFF
from app.registries import install
from app.rules import RuleRegistry, register_rules
from app.sites import scopes as site_scopes

# Each module's `bp` blueprint is registered, in this order.
BLUEPRINT_MODULES = (
    "app.main.views",
    "app.accounts.views",
    "app.families.views",
    "app.booking.views",
    "app.inclusion.views",
    "app.ram.views",
    "app.billing.views",
    "app.payments.views",
    "app.notifications.views",
    "app.occasional.views",
    "app.rules.views",
    "app.desk.views",
    "app.api.views",
)

# The modules that declare permission policies (`@policy`, app/accounts/access.py): a policy is a
# declaration next to the rule it names; the root reads every listed module's declarations into the
# application's PolicyRegistry, so that no action depends on which page happened to be imported first.
POLICY_MODULES = (
    "app.accounts.admin",
    "app.families.services",
    "app.families.declarations",
    "app.booking.access",
    "app.booking.allocation",
    "app.inclusion.access",
    "app.inclusion.health",
    "app.ram.access",
    "app.occasional.access",
    "app.billing.access",
    "app.payments.access",
    "app.rules.access",
)

# Every domain's named actions: the members of the `Action` class of its access module, the only way code and
# templates name an action (tests/test_access_modules.py). Templates read them as `actions.<domain>`, e.g.
# `can(current_user, actions.billing.MANAGE_BILLING)`.
ACTION_MODULES = (
    "app.accounts.access",
    "app.families.access",
    "app.booking.access",
    "app.inclusion.access",
    "app.ram.access",
    "app.occasional.access",
    "app.billing.access",
    "app.payments.access",
    "app.rules.access",
)

# The modules that declare dated rules (`rules.define`, app/rules/): each rule is a constant of the module
# that applies it; the root reads them into the application's RuleRegistry (the settings page lists them).
RULE_MODULES = (
    "app.families.declarations",
    "app.families.invitations",
    "app.booking.eligibility",
    "app.booking.engine",
    "app.booking.staffing",
    "app.inclusion.access",
    "app.inclusion.adaptation",
    "app.inclusion.services",
    "app.occasional.billing",
    "app.billing.caf",
    "app.billing.pricing",
    "app.billing.services",
    "app.payments.services",
    "app.payments.sepa",
    "app.payments.tax",
    "app.ram.salary",
)

# The API modules: each declares its part of the OpenAPI document (`DOC`, app/api/openapi.py) next to its routes.
API_MODULES = (
    "app.api.views",
    "app.api.booking",
    "app.api.children",
    "app.api.occasional",
)

# Each module's `commands` (click commands or groups) are added to `flask --app app`.
CLI_MODULES = (
    "app.accounts.cli",
    "app.families.cli",
    "app.booking.cli",
    "app.inclusion.cli",
    "app.ram.cli",
    "app.billing.cli",
    "app.notifications.cli",
    "app.occasional.cli",
    "app.demo",
)


def compose(app: Flask) -> None:
    """Install the registries on `app` and make every registration of every domain."""
    install(app, ScopeRegistry(), FamiliesRegistry(), NotificationRegistry(), BookingRegistry(),
            BillingRegistry(), OccasionalRegistry(), PolicyRegistry(), NavigationRegistry(), RuleRegistry(), ApiRegistry())
    with app.app_context():  # the register_* functions write to the current application's registries
        for module_name in POLICY_MODULES:
            register_policies(importlib.import_module(module_name))
        for module_name in RULE_MODULES:
            register_rules(importlib.import_module(module_name))
        for module_name in API_MODULES:
            register_document(importlib.import_module(module_name).DOC)
        _kernel()
        _families()
        _booking(app)
        _occasional()
        _inclusion()
        _ram()
        _billing(app)
        _desk()
        _payments(app)
        _navigation()
    _actions(app)
    formats.init_app(app)  # the number, date and money filters of every template
    _blueprints(app)
    _cli(app)


def _kernel() -> None:
    # The account kinds: the kernel sends them. All concern the account's security: never switched off.
    register_kind("account.welcome", _l("Bienvenue après la création du compte"), essential=True)
    register_kind("account.password_reset", _l("Lien de réinitialisation du mot de passe"), essential=True)
    register_kind("account.sign_in_link", _l("Lien de connexion à usage unique"), essential=True)
    register_kind("account.verify_email", _l("Confirmation de l'adresse e-mail à l'inscription"), essential=True)
    register_kind("account.already_registered", _l("Inscription avec une adresse qui a déjà un compte"),
                  essential=True)
    register_daily_job("notifications.purge_sent_messages", purge_sent_messages)
    # Directors and animators attached to sites (a kernel table, app/sites).
    register_scope("site", site_scopes.assign_sites, options=site_scopes.site_options,
                   current=site_scopes.sites_of, withdraw=site_scopes.withdraw_sites)


def _families() -> None:
    # Both concern who can act for the children: never switched off.
    register_kind("families.invitation", _l("Invitation à rejoindre un foyer"), essential=True)
    register_kind("families.guardian_joined", _l("Un second responsable a rejoint le foyer"), essential=True,
                  roles=[Role.PARENT])
    # The price the family pays depends on them: never switched off.
    register_kind("families.declaration_decided",
                  _l("Décision sur une déclaration de commune ou de quotient familial"),
                  essential=True, roles=[Role.PARENT])
    register_kind("families.quotient_expiring", _l("Quotient familial bientôt expiré"), essential=True,
                  roles=[Role.PARENT])
    register_daily_job(families_declarations.JOB_NAME, families_declarations.send_quotient_reminders)


def _booking(app: Flask) -> None:
    # Templates (pages and e-mails) show the day plans without the views knowing who provides them.
    app.add_template_global(booking_day_plans.day_plans, "day_plans")
    app.add_template_global(booking_day_plans.submission_day_plans, "submission_day_plans")
    register_daily_job(booking_reminders.JOB_NAME, booking_reminders.send_day_before_reminders)
    register_daily_job("booking.lapse_offers", lapse_offers)
    parent = [Role.PARENT]
    register_kind("booking.submitted", _l("Réponse à une demande de réservation"), roles=parent)
    register_kind("booking.reminder", _l("Rappel la veille d'un accueil réservé"), roles=parent)
    # Essential: a place obtained or lost must reach the family whatever its preferences.
    register_kind("booking.promoted", _l("Place obtenue depuis la liste d'attente"), essential=True, roles=parent)
    register_kind("booking.cancelled", _l("Réservation annulée par l'accueil"), essential=True, roles=parent)
    register_kind("booking.allocation_result", _l("Résultat d'un tirage au sort"), essential=True, roles=parent)
    register_kind("booking.offer", _l("Place libérée proposée depuis la liste d'attente"), essential=True,
                  roles=parent)
    register_kind("booking.offer_lapsed", _l("Place proposée non acceptée dans le délai"), essential=True,
                  roles=parent)
    register_kind("booking.waitlist_removed", _l("Retrait de la liste d'attente"), essential=True, roles=parent)


def _occasional() -> None:
    register_scope("occasional_provider", assign_providers)
    register_household_feed_source(occasional_feeds.household_events)
    register_statement_source(occasional_statement_lines)
    register_psu_hours_source(psu_lines)
    # Occasional care never imports the Relais: a request nobody could take becomes a Relais demand.
    register_relais_bridge(demand_from_occasional_request)
    parent = [Role.PARENT]
    register_kind("occasional.submitted", _l("Réponse à une demande de garde ponctuelle"), essential=True,
                  roles=parent)
    register_kind("occasional.promoted", _l("Place de garde ponctuelle obtenue sur liste d'attente"),
                  essential=True, roles=parent)
    register_kind("occasional.urgent_accepted", _l("Demande de garde urgente acceptée"), essential=True,
                  roles=parent)
    register_kind("occasional.urgent_declined", _l("Demande de garde urgente refusée"), essential=True,
                  roles=parent)
    register_kind("occasional.urgent_requested", _l("Demande de garde urgente à traiter"), essential=True,
                  roles=[Role.DIRECTOR])


def _inclusion() -> None:
    """Inclusion's plug-ins into booking and billing: booking never imports inclusion (nor reads health data)."""
    # Booking eligibility check: the preparation check only ever holds. Adaptation is no admission check:
    # it never refuses nor holds a place; it gives the step's hours to the booked days through the day plans.
    register_check(preparation_check)
    register_release_listener(cancel_meeting_without_held_bookings)
    booking_day_plans.register_day_plan_provider(inclusion_adaptation.day_plans)
    register_card_provider(inclusion_cards.register_card_provider)
    register_alert_provider(inclusion_cards.alert_provider)
    register_extra_staff_provider(inclusion_cards.extra_staff_for_session)
    # Allocation by draw may give priority to children with a reception plan;
    # it only learns yes or no, never the content of the plan.
    register_priority_provider("reception_plan", has_active_plan)
    register_daily_job("inclusion.purge", inclusion_purge)
    register_daily_job(inclusion_reviews.JOB_NAME, inclusion_reviews.send_review_due_notices)
    register_aeeh_source(aeeh_children)
    # Adaptation days billed at the planned hours or not at all (rule "inclusion.adaptation_billing").
    register_statement_source(inclusion_adaptation.statement_lines)
    # The preparation of a child's welcome cannot be switched off: it is the point of the module.
    register_kind("inclusion.meeting_proposal", _l("Enfant à préparer avant son arrivée"), essential=True,
                  roles=[Role.DIRECTOR])
    register_kind("inclusion.meeting_invitation", _l("Invitation à la rencontre de préparation"), essential=True,
                  roles=[Role.PARENT])
    register_kind("inclusion.meeting_cancelled", _l("Annulation de la rencontre de préparation"), essential=True,
                  roles=[Role.PARENT])
    register_kind("inclusion.plan_shared", _l("Projet d'accueil à lire et valider"), essential=True,
                  roles=[Role.PARENT])
    register_kind("inclusion.review_due", _l("Bilan d'un projet d'accueil à prévoir"), essential=True,
                  roles=[Role.DIRECTOR])
    register_kind("inclusion.booking_confirmed", _l("Réservation confirmée après la préparation"), essential=True,
                  roles=[Role.PARENT])


def _ram() -> None:
    ram_index_cache.install_listeners()  # the Relais index's version, bumped with the writes it reads
    register_scope("relais", relais_staff.assign_relais, options=relais_staff.relais_options,
                   current=relais_staff.relais_of, withdraw=relais_staff.withdraw_relais)
    register_daily_job("ram.stale_reminders", send_stale_reminders)
    register_daily_job(ram_reminders.JOB_NAME, ram_reminders.send_workshop_reminders)
    register_kind("ram.availability_stale", _l("Rappel : disponibilités à confirmer"), roles=[Role.CHILDMINDER])
    register_kind("ram.childminder_invited", _l("Invitation à créer son compte d'assistante maternelle"),
                  essential=True, roles=[Role.CHILDMINDER])
    register_kind("ram.demand_met", _l("Demande d'accueil satisfaite"), roles=[Role.PARENT])
    register_kind("ram.introduction", _l("Mise en relation avec une assistante maternelle"), essential=True,
                  roles=[Role.PARENT])
    register_kind("ram.workshop_reminder", _l("Rappel la veille d'un atelier"), roles=[Role.CHILDMINDER])


def _billing(app: Flask) -> None:
    register_statement_source(booking_statement_lines)
    register_caf_hours_source(booking_attended_slots)
    register_pricer(booking_price)
    app.add_template_global(billing_notices.qf_notice, "billing_qf_notice")
    register_kind("billing.statement_ready", _l("Relevé mensuel disponible"), roles=[Role.PARENT])


def _desk() -> None:
    # The only way in for the family: never switched off.
    register_kind("account.desk_welcome", _l("Compte ouvert pour vous à un accueil"), essential=True,
                  roles=[Role.PARENT])


def _payments(app: Flask) -> None:
    # An invoice exists exactly when its statement does: issued in the closing's transaction.
    register_statement_closed(payments_services.issue_invoice)
    register_household_gate(payments_services.booking_refusal)  # the régie's rule, off by default
    register_daily_job("payments.tresor", payments_services.send_overdue_to_tresor)
    register_daily_job("payments.reminders", payments_services.send_due_reminders)
    register_daily_job("payments.tax_certificates", payments_tax.send_certificates)
    register_daily_job("payments.sepa_settle", payments_sepa.settle_direct_debits)
    register_kind("payments.due_reminder", _l("Rappel avant la date limite de paiement d'une facture"),
                  roles=[Role.PARENT])
    register_kind("payments.sepa_prenotification", _l("Pré-notification d'un prélèvement SEPA"), essential=True)
    register_kind("payments.sepa_rejected", _l("Prélèvement SEPA rejeté"), essential=True)
    register_kind("payments.tax_certificate", _l("Attestation annuelle de frais de garde"), roles=[Role.PARENT])
    app.add_template_global(payments_notices.unpaid_balance, "payments_unpaid_balance")
    app.jinja_env.globals.update(invoice_status_labels=payments_services.STATUS_LABELS,
                                 payment_method_labels=payments_services.METHOD_LABELS,
                                 transaction_status_labels=TRANSACTION_LABELS)


def _actions(app: Flask) -> None:
    app.jinja_env.globals["actions"] = {name.split(".")[1]: importlib.import_module(name).Action
                                        for name in ACTION_MODULES}


def _navigation() -> None:
    """The menu, every domain's entries in one list: each role's main tasks come first
    (app/navigation.py MAIN_TASKS), then the entries by `order`."""
    everyone, parent, admin, director = list(Role), [Role.PARENT], [Role.ADMIN], [Role.DIRECTOR]
    register_nav(_l("Accueil"), "main.home", everyone, order=0)
    register_nav(_l("Aujourd'hui"), "booking.staff_today", (Role.DIRECTOR, Role.ANIMATOR), order=1)
    register_nav(_l("Mon foyer"), "families.index", parent, order=10)
    register_nav(_l("Réserver"), "booking.calendar", parent, order=20)
    register_nav(_l("Mes réservations"), "booking.my_bookings", parent, order=21)
    register_nav(_l("Mes factures"), "billing.index", parent, order=22)
    register_nav(_l("Payer mes factures"), "payments.invoices", parent, order=23)
    register_nav(_l("Garde ponctuelle"), "occasional.index", parent, order=25)
    register_nav(_l("Garde ponctuelle"), "occasional.coordination", list(PROVIDER_STAFF), order=26)
    register_nav(_l("Structures de garde ponctuelle"), "occasional.admin_providers", admin, order=27)
    register_nav(_l("Mes accueils"), "booking.staff_sites", SITE_STAFF, order=30)
    register_nav(_l("Tirages au sort"), "booking.allocation_index", ALLOCATION_ROLES, order=35)
    register_nav(_l("Besoins et accueil"), "inclusion.my_children", parent, order=40)
    register_nav(_l("Préparation des accueils"), "inclusion.queue", director, order=40)
    register_nav(_l("Adaptations"), "inclusion.adaptations", director, order=40)
    register_nav(_l("Encadrement"), "inclusion.dashboard", director, order=41)
    register_nav(_l("Rapport AEEH"), "inclusion.aeeh", [Role.DIRECTOR, Role.ADMIN], order=42)
    register_nav(_l("Journal des accès (CSV)"), "inclusion.audit_csv", admin, order=43)
    register_nav(_l("Relais Petite Enfance"), "ram.dashboard", RELAIS_STAFF, order=40)
    register_nav(_l("Assistantes maternelles"), "ram.childminders", RELAIS_STAFF, order=41)
    register_nav(_l("Demandes de garde"), "ram.demands", RELAIS_STAFF, order=42)
    register_nav(_l("Observatoire"), "ram.observatory", RELAIS_STAFF, order=44)
    register_nav(_l("Ateliers d'éveil"), "ram.workshops", RELAIS_STAFF + (Role.CHILDMINDER,), order=45)
    register_nav(_l("Mon profil d'assistante maternelle"), "ram.my_profile", [Role.CHILDMINDER], order=40)
    register_nav(_l("Mes disponibilités"), "ram.my_availability", [Role.CHILDMINDER], order=41)
    register_nav(_l("Trouver une assistante maternelle"), "ram.search", parent, order=40)
    register_nav(_l("Simulateur de salaire"), "ram.salary", [Role.PARENT, Role.CHILDMINDER], order=48)
    register_nav(_l("Facturation"), "billing.months", admin, order=60)
    register_nav(_l("Rapports Caf"), "billing.caf_index", [Role.DIRECTOR, Role.ADMIN], order=61)
    register_nav(_l("Régie"), "payments.regie", admin, order=62)
    register_nav(_l("Quotients et communes à vérifier"), "families.declaration_queue", admin, order=75)
    register_nav(_l("Accueil des familles"), "desk.index", [Role.ADMIN, Role.RAM_STAFF], order=85)
    register_nav(_l("Règles et paramètres"), "rules_admin.index", admin, order=90)
    register_nav(_l("Comptes"), "accounts.admin_users", admin, order=90)
    register_nav(_l("Mon compte"), "accounts.account", everyone, order=94)
    register_nav(_l("Notifications"), "notifications.preferences", everyone, order=95)
    register_nav(_l("E-mails en échec"), "notifications.admin_failures", admin, order=96)


def _blueprints(app: Flask) -> None:
    for module_name in BLUEPRINT_MODULES:
        app.register_blueprint(importlib.import_module(module_name).bp)
    if app.config.get("PAYMENT_SIMULATOR"):  # the simulated payment page, never in production
        from app.payments import simulator

        app.register_blueprint(simulator.bp)


def _cli(app: Flask) -> None:
    for module_name in CLI_MODULES:
        for command in importlib.import_module(module_name).commands:
            app.cli.add_command(command)
