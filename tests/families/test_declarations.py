"""Declared commune and quotient familial wait for a staff check (issue 16); an expired QF stops counting."""
from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
import time_machine
from sqlalchemy import func, select

from app.accounts.models import Role
from app.booking import services as booking_services
from app.booking.catalogue import price_for
from app.booking.models import Booking, Tariff
from app.errors import Conflict, Forbidden, ValidationFailed
from app.extensions import db
from app.families import declarations, services
from app.families.models import DeclarationStatus, Household, HouseholdDeclaration
from app.notifications.jobs import run_job
from app.notifications.models import OutboxMessage
from tests.billing.factories import PDF
from tests.booking.factories import NOW, WEDNESDAY, make_activity, make_parent_with_child, make_session, make_unit
from tests.factories import make_commune, make_user
from tests.families.test_services import household_data

TODAY = date(2026, 3, 2)


def _grid_session():
    """Residents pay 3.25 € (QF 0-600) or 9.80 €; other families 12.35 €."""
    unit = make_unit(make_activity(), tariffs=False)
    for resident, qf_min, qf_max, price in ((True, 0, 600, "3.25"), (True, 601, None, "9.80"),
                                            (False, 0, None, "12.35")):
        db.session.add(Tariff(unit=unit, qf_min=qf_min, qf_max=qf_max, resident=resident, price=Decimal(price),
                              valid_from=date(2025, 9, 1)))
    db.session.commit()
    return make_session(unit)


def _messages(kind: str) -> list[OutboxMessage]:
    return list(db.session.scalars(select(OutboxMessage).where(OutboxMessage.kind == kind).order_by(OutboxMessage.id)))


def _declare(parent, **overrides):
    make_commune()
    values = dict(address="5 rue Wilson", commune_insee="46042", family_quotient=0,
                  family_quotient_valid_until=date(2026, 12, 31))
    values.update(overrides)
    return services.update_household(parent, household_data(**values), today=TODAY)


def test_declared_commune_and_qf_count_only_once_validated():
    """The issue's case: a family outside the agglomeration says Cahors and QF 0, and paid 3.25 € instead of 12.35 €."""
    session = _grid_session()
    parent, household, child = make_parent_with_child(commune_insee=None, family_quotient=1500)
    household.family_quotient_valid_until = date(2026, 12, 31)
    db.session.commit()
    _declare(parent, proof=declarations.Proof(PDF, "attestation.pdf"))
    db.session.expire_all()
    household = db.session.get(Household, household.id)
    assert (household.commune_insee, household.family_quotient) == (None, 1500)

    first = booking_services.book(parent, [(child.id, session.id)], now=NOW).items[0]
    assert first.status == "confirmed" and first.price == "12.35"

    admin = make_user(Role.ADMIN)
    pending = declarations.queue(admin)
    assert [(d.household_id, d.commune_insee, d.family_quotient, d.proof_original_name) for d in pending] == [
        (household.id, "46042", 0, "attestation.pdf")]
    with time_machine.travel(datetime(2026, 3, 3, 9, tzinfo=UTC), tick=False):
        declarations.validate(admin, pending[0].id)
    db.session.expire_all()
    household = db.session.get(Household, household.id)
    assert household.is_resident and household.family_quotient == 0
    assert price_for(session.unit_id, household, WEDNESDAY) == Decimal("3.25")
    # The booking made before keeps its price; the family is told.
    assert db.session.get(Booking, first.booking_id).price == Decimal("12.35")
    [message] = _messages("families.declaration_decided")
    assert "validés" in message.subject and "Quotient familial : 0" in message.body_text
    assert declarations.queue(admin) == []


def test_pending_commune_does_not_open_residents_first_booking():
    session = _grid_session()
    activity = session.unit.activity
    activity.residents_first_until = datetime(2026, 3, 10, tzinfo=UTC)
    db.session.commit()
    parent, _household, child = make_parent_with_child(commune_insee=None)
    _declare(parent)
    item = booking_services.book(parent, [(child.id, session.id)], now=NOW).items[0]
    assert item.status == "refused" and item.code == "residents_first"


def test_refusal_needs_a_reason_keeps_the_values_and_tells_the_family():
    parent, household, _child = make_parent_with_child(commune_insee=None, family_quotient=None)
    _declare(parent)
    admin = make_user(Role.ADMIN)
    [pending] = declarations.queue(admin)
    with pytest.raises(ValidationFailed) as error:
        declarations.refuse(admin, pending.id, "  ")
    assert error.value.field == "reason"
    declarations.refuse(admin, pending.id, "Attestation illisible")
    db.session.expire_all()
    assert (db.session.get(Household, household.id).commune_insee, db.session.get(Household, household.id)
            .family_quotient) == (None, None)
    [message] = _messages("families.declaration_decided")
    assert "Motif : Attestation illisible" in message.body_text
    with pytest.raises(Conflict):
        declarations.validate(admin, pending.id)


def test_a_new_declaration_replaces_the_pending_one_and_the_same_one_adds_its_proof():
    parent, household, _child = make_parent_with_child(commune_insee=None, family_quotient=None)
    _declare(parent, family_quotient=300)
    _declare(parent, family_quotient=400)
    _declare(parent, family_quotient=400, proof=declarations.Proof(PDF, "avis.pdf", "tax_notice"))
    rows = db.session.scalars(select(HouseholdDeclaration).order_by(HouseholdDeclaration.id)).all()
    assert [(r.family_quotient, r.status) for r in rows] == [(300, DeclarationStatus.SUPERSEDED),
                                                              (400, DeclarationStatus.PENDING)]
    assert rows[1].proof_kind.value == "tax_notice" and rows[1].proof_stored_name


def test_proof_is_checked_like_every_document_and_nothing_is_half_written():
    parent, household, _child = make_parent_with_child(commune_insee=None)
    with pytest.raises(ValidationFailed) as error:
        _declare(parent, address="Nouvelle adresse", proof=declarations.Proof(b"<html><script>", "x.pdf"))
    assert error.value.field == "proof" and "PDF, PNG ou JPEG" in error.value.message
    db.session.expire_all()
    assert db.session.scalar(select(func.count(HouseholdDeclaration.id))) == 0
    assert db.session.get(Household, household.id).address == ""


def test_only_administrators_check_declarations():
    parent, _household, _child = make_parent_with_child(commune_insee=None)
    _declare(parent, proof=declarations.Proof(PDF, "attestation.pdf"))
    [pending] = declarations.queue(make_user(Role.ADMIN))
    for role in (Role.PARENT, Role.DIRECTOR, Role.ANIMATOR, Role.RAM_STAFF):
        with pytest.raises(Forbidden):
            declarations.validate(make_user(role), pending.id)
        with pytest.raises(Forbidden):
            declarations.open_proof(make_user(role), pending.id)


def test_expired_quotient_pays_the_highest_band():
    session = _grid_session()
    _p, household, _c = make_parent_with_child(family_quotient=300)
    household.family_quotient_valid_until = date(2026, 3, 17)
    db.session.commit()
    assert price_for(session.unit_id, household, date(2026, 3, 17)) == Decimal("3.25")
    assert price_for(session.unit_id, household, WEDNESDAY) == Decimal("9.80")  # the 18th: expired


def test_expiry_reminder_ahead_of_time_once_a_day():
    parent, household, _c = make_parent_with_child(family_quotient=300)
    household.family_quotient_valid_until = date(2026, 4, 1)  # 30 days after 2 March
    db.session.commit()
    fn = declarations.send_quotient_reminders
    assert run_job(declarations.JOB_NAME, fn, TODAY).count == 1
    assert run_job(declarations.JOB_NAME, fn, TODAY).count == 0  # same day: nothing twice
    [message] = _messages("families.quotient_expiring")
    assert message.recipient_user_id == parent.id and "01/04/2026" in message.subject
    assert run_job(declarations.JOB_NAME, fn, date(2026, 3, 3)).count == 0  # not a reminder day
    assert run_job(declarations.JOB_NAME, fn, date(2026, 4, 2)).count == 1  # the day after: expired
    assert "a expiré" in _messages("families.quotient_expiring")[-1].subject


@time_machine.travel(datetime(2026, 3, 2, 9, tzinfo=UTC), tick=False)  # before the QF's validity ends
def test_queue_pages_validate_and_refuse_beside_the_field(login_as):
    from tests.conftest import csrf_token_from

    parent, household, _child = make_parent_with_child(commune_insee=None)
    _declare(parent, proof=declarations.Proof(PDF, "attestation.pdf"))
    [pending] = declarations.queue(make_user(Role.ADMIN))
    admin = login_as(make_user(Role.ADMIN))
    page = admin.get("/foyer/verifications")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and household.name in html and "Commune déclarée" in html
    proof = admin.get(f"/foyer/verifications/{pending.id}/justificatif")
    assert proof.status_code == 200 and proof.data == PDF
    token = csrf_token_from(html)
    refused = admin.post(f"/foyer/verifications/{pending.id}/refuser", data={"csrf_token": token, "reason": ""})
    assert refused.status_code == 422 and f'id="reason-{pending.id}-error"' in refused.get_data(as_text=True)
    done = admin.post(f"/foyer/verifications/{pending.id}/valider", data={"csrf_token": token})
    assert done.status_code == 302
    db.session.expire_all()
    assert db.session.get(Household, household.id).commune_insee == "46042"
    assert login_as(parent).get("/foyer/verifications").status_code == 403


def test_household_form_uploads_the_proof(login_as):
    from io import BytesIO

    from tests.conftest import get_csrf

    make_commune()
    parent, household, _child = make_parent_with_child(commune_insee=None)
    with time_machine.travel(datetime(2026, 3, 2, 9, tzinfo=UTC), tick=False):
        client = login_as(parent)
        token = get_csrf(client, "/foyer/modifier")
        response = client.post("/foyer/modifier", data={
            "csrf_token": token, "address": "5 rue Wilson", "commune_insee": "46042", "family_quotient": "0",
            "family_quotient_valid_until": "2026-12-31", "benefit_scheme": "caf_general",
            "proof_kind": "caf_certificate", "proof": (BytesIO(PDF), "attestation.pdf")})
    assert response.status_code == 302
    declaration = db.session.scalar(select(HouseholdDeclaration))
    assert declaration.proof_original_name == "attestation.pdf" and declaration.commune_insee == "46042"
    assert db.session.get(Household, household.id).commune_insee is None
