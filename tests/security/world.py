"""Two households, two sites, a Relais and everything each role could try to reach.

`build_world()` returns the users of every role of the access matrix and
the identifiers of real objects, most of which belong to household A, site
X or a childminder other than the logged-in one.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, time, timedelta
from io import BytesIO

from sqlalchemy import select

from app import clock
from app.accounts.models import Role, User
from app.billing import certificates as billing_certificates
from app.billing import services as billing_services
from app.billing.models import Statement
from app.booking.feeds import renew_household_feed
from app.booking.models import AttendanceStatus, BookingStatus
from app.extensions import db
from app.families.models import AuthorisedPickup, EmergencyContact, HouseholdInvitation
from app.inclusion import services as inclusion_services
from app.inclusion.models import AdaptationPeriod, AdaptationStep, HealthForm, StepStatus
from app.notifications.models import OutboxMessage, OutboxStatus
from app.payments.models import Invoice
from app.ram.models import ChildminderAbsence, Introduction, WorkshopRegistration
from tests.billing.factories import MARCH, make_booking, make_unit_at, session_on
from tests.booking.allocation_factories import add_request, make_draw_setup
from tests.booking.factories import future_wednesday, make_activity, make_session, make_site, make_staff, make_unit
from tests.factories import make_child, make_household, make_user
from tests.inclusion.factories import PDF, make_active_plan, make_needs, make_template
from tests.ram import factories as ram

ROLES = ("parent_a", "parent_b", "childminder", "animator_x", "director_x", "director_y", "ram_staff", "admin",
         "anonymous")


@dataclass
class World:
    users: dict[str, User | None] = field(default_factory=dict)
    ids: dict[str, int] = field(default_factory=dict)
    feed_token: str = ""


def build_world() -> World:
    world = World()
    site_x = make_site("Accueil X")
    site_y = make_site("Accueil Y")
    parent_a = make_user(Role.PARENT, first_name="Alice", last_name="Aubert")
    parent_b = make_user(Role.PARENT, first_name="Bruno", last_name="Bessou")
    household_a = make_household(parent_a)
    make_household(parent_b)
    child_a = make_child(household_a, first_name="Anna", birth_date=date(2018, 5, 14))
    director_x = make_staff(site_x, Role.DIRECTOR)
    animator_x = make_staff(site_x, Role.ANIMATOR)
    director_y = make_staff(site_y, Role.DIRECTOR)
    admin = make_user(Role.ADMIN)

    # Booking: a future session of site X, booked for A's child; an activity, unit, tariff.
    unit = make_unit(make_activity(site_x))
    session_x = make_session(unit, day=future_wednesday(4))
    booking_a = make_booking(child_a, session_x, status=BookingStatus.CONFIRMED)
    world.feed_token = renew_household_feed(parent_a).token

    # Billing: a closed March statement of household A, a certificate of a recent absence.
    billing_unit = make_unit_at(site_x, label="Matin")
    make_booking(child_a, session_on(billing_unit, date(2026, 3, 4)), attendance=AttendanceStatus.PRESENT)
    billing_services.close_month(MARCH, today=date(2026, 6, 10))
    statement = db.session.scalar(select(Statement))
    invoice = db.session.scalar(select(Invoice).where(Invoice.statement_id == statement.id))  # issued at closing
    absent = make_booking(child_a, session_on(billing_unit, clock.today() - timedelta(days=3)),
                          attendance=AttendanceStatus.ABSENT)
    certificate = billing_certificates.upload_certificate(parent_a, absent.id, BytesIO(PDF), "certificat.pdf")
    from app.payments import sepa

    mandate = sepa.sign_mandate(parent_a, "Camille Martin", "FR7630006000011234567890189", True)
    from decimal import Decimal

    from app.booking.models import Tariff

    tariff = Tariff(unit_id=billing_unit.id, qf_min=2000, qf_max=None, resident=False, price=Decimal("9.00"),
                    valid_from=date(2027, 9, 1))
    db.session.add(tariff)
    db.session.flush()

    # Inclusion: needs, a PAI document, an active plan version at X, an adaptation step.
    make_needs(child_a, allergies="Arachide", has_pai=True)
    db.session.add(HealthForm(child_id=child_a.id, vaccinations={"dtp": "2024-05-14"}, doctor_name="Dr Bach",
                              food_allergies="Arachide", severe_allergy=True, emergency_care_authorised=True,
                              authorisation_signed_by="Parent A", authorisation_signed_on=date(2026, 1, 5)))
    document = inclusion_services.upload_document(parent_a, child_a.id, filename="pai.pdf", content=PDF)
    version = make_active_plan(child_a, site_x)
    make_template(site_x)
    period = AdaptationPeriod(child_id=child_a.id, site_id=site_x.id)
    # Already recorded: the empty steps editor posted by the matrix replaces only planned steps,
    # so the step stays for the later requests (bilan, edit).
    period.steps.append(AdaptationStep(position=1, label="Une heure avec un parent", status=StepStatus.VALIDATED))
    db.session.add(period)

    # Household A's pick-up person, emergency contact, pending invitation.
    pickup = AuthorisedPickup(household_id=household_a.id, full_name="Rose Bouyssou", phone="0601020304")
    contact = EmergencyContact(household_id=household_a.id, full_name="Henri Bouyssou", phone="0565010203")
    invitation = HouseholdInvitation(household_id=household_a.id, nonce="n" * 32, created_by_user_id=parent_a.id,
                                     expires_at=clock.now() + timedelta(days=7))
    db.session.add_all([pickup, contact, invitation])
    # Household A's declared QF, with its proof, waiting for an administrator's check.
    from app import uploads
    from app.families.models import HouseholdDeclaration

    declaration = HouseholdDeclaration(household_id=household_a.id, commune_insee=None, family_quotient=500,
                                       family_quotient_valid_until=date(2099, 12, 31),
                                       proof_stored_name=uploads.store(PDF, "pdf", "household-proofs")[0],
                                       proof_original_name="attestation.pdf", proof_content_type="application/pdf")
    db.session.add(declaration)

    # Allocation by draw at site X, with household A's request.
    _director, draw_period, draw_sessions = make_draw_setup(site=site_x)
    add_request(draw_period, household_a, [child_a], draw_sessions, parent=parent_a)

    # Relais: staff, the logged-in childminder, another childminder (the target), A's demand.
    relais = ram.make_relais()
    ram_staff = ram.make_staff(relais)
    childminder = ram.make_childminder(relais=relais, first_name="Chloé", last_name="Calmon")
    target = ram.make_childminder(relais=relais, first_name="Sophie", last_name="Delmas")
    own_child = ram.add_own_child(target, date(2020, 1, 1))
    contract = ram.add_child(target, date(2025, 1, 1))
    absence = ChildminderAbsence(childminder_id=target.id, start_date=date(2027, 7, 1), end_date=date(2027, 7, 21))
    db.session.add(absence)
    demand = ram.make_demand(parent=parent_a)
    introduction = Introduction(demand_id=demand.id, childminder_id=target.id, staff_id=ram_staff.id,
                                introduced_on=date(2026, 11, 2))
    workshop = ram.make_workshop(relais, day=clock.today() + timedelta(days=30))
    db.session.add_all([introduction, WorkshopRegistration(workshop_id=workshop.id, childminder_id=target.id)])

    # Occasional care: a provider with a coordinator (site X's director), A's request and shift pattern.
    from app.occasional import services as occasional_services
    from app.occasional.models import ProviderStaff
    from tests.occasional.factories import make_provider

    provider = make_provider()
    db.session.add(ProviderStaff(user_id=director_x.id, provider_id=provider.id))
    db.session.commit()
    toddler = make_child(household_a, first_name="Axel", birth_date=clock.today() - timedelta(days=3 * 365))
    monday = clock.today() + timedelta(days=14 - clock.today().weekday())
    occurrences = [(monday + timedelta(days=7 * week), time(5, 30), time(7, 30)) for week in range(2)]
    submitted = occasional_services.submit_pattern(parent_a, toddler.id, provider.id, occurrences,
                                                   kind="chosen_dates", description="Semaines du matin")
    occasional_booking_id = submitted.answers[0].booking_id
    pattern_id = submitted.pattern_id

    message = OutboxMessage(kind="account.password_reset", to_address="a@example.fr", subject="s", body_text="b",
                            status=OutboxStatus.FAILED, attempts=5)
    db.session.add(message)
    db.session.commit()

    world.users = {"parent_a": parent_a, "parent_b": parent_b, "childminder": childminder.user,
                   "animator_x": animator_x, "director_x": director_x, "director_y": director_y,
                   "ram_staff": ram_staff, "admin": admin, "anonymous": None}
    world.ids = {
        "user_id": parent_a.id, "child_id": child_a.id, "contact_id": contact.id, "pickup_id": pickup.id,
        "invitation_id": invitation.id, "declaration_id": declaration.id, "key": "caf.inclusion_rate_per_hour",
        "site_id": site_x.id, "activity_id": unit.activity_id,
        "session_id": session_x.id, "booking_id": booking_a.id, "period_id": draw_period.id,
        "statement_id": statement.id, "invoice_id": invoice.id, "mandate_id": mandate.id, "certificate_id": certificate.id,
        "tariff_id": tariff.id,
        "unit_id": billing_unit.id, "version_id": version.id, "document_id": document.id,
        "step_id": period.steps[0].id, "position": period.steps[0].position, "childminder_id": target.id,
        "contract_id": contract.id, "absence_id": absence.id,
        "demand_id": demand.id, "introduction_id": introduction.id, "workshop_id": workshop.id,
        "relais_id": relais.id, "message_id": message.id,
        "provider_id": provider.id, "occasional_booking_id": occasional_booking_id, "pattern_id": pattern_id,
        "opening_id": provider.openings[0].id, "occasional_tariff_id": provider.tariffs[0].id,
        "provider_staff_user_id": director_x.id,
    }
    # `child_id` under a childminder's URL is her own child's id.
    world.ids["own_child_id"] = own_child.id
    # An API token of parent A (listed on her account page, revocable by her only).
    from app.accounts.api_tokens import issue_token, tokens_of

    issue_token(parent_a, "Agenda du téléphone")
    world.ids["token_id"] = tokens_of(parent_a)[0].id
    return world
