from __future__ import annotations

import io
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
import time_machine
from flask import current_app
from icalendar import Calendar
from sqlalchemy import func, select

from app import clock
from app.accounts.models import Role
from app.booking import services as booking_services
from app.booking.models import ActivityKind, AttendanceStatus, BookingStatus, StaffingRegime, UnitKind
from app.booking.staffing import full_staffing_for, staffing_for
from app.errors import Conflict, Forbidden, NotFound, ValidationFailed
from app.exports import to_csv
from app.extensions import db, utcnow
from app.families.models import HouseholdMember
from app.inclusion import adaptation, plans, reports, services
from app.inclusion import cards as cards_module
from app.inclusion.models import AuditEntry, NeedDocument, PlanStatus, PlanVersion, PreparationWaiver, ReceptionPlan
from app.notifications.models import OutboxMessage
from tests.booking.factories import (
    NOW,
    WEDNESDAY,
    make_activity,
    make_parent_with_child,
    make_session,
    make_site,
    make_staff,
    make_unit,
)
from tests.factories import make_user
from tests.inclusion.factories import (
    PDF,
    PNG,
    WEDNESDAYS,
    attend,
    book,
    make_active_plan,
    make_morning_unit,
    make_needs,
)

# ---------------------------------------------------------------- needs and documents

def test_declaring_needs_keeps_the_child_flag_in_sync_and_is_audited():
    parent, _h, child = make_parent_with_child()
    services.declare_needs(parent, child.id, needs_particular_care=True, has_aeeh=True)
    assert child.needs_particular_care is True
    services.declare_needs(parent, child.id, needs_particular_care=False)
    assert child.needs_particular_care is False
    actions = db.session.scalars(select(AuditEntry.action).where(AuditEntry.child_id == child.id)
                                 .order_by(AuditEntry.id)).all()
    assert actions == ["create", "update"]


def test_other_parent_cannot_declare_needs():
    _p, _h, child = make_parent_with_child()
    other, _h2, _c2 = make_parent_with_child()
    with pytest.raises(NotFound):
        services.declare_needs(other, child.id, needs_particular_care=True)


@pytest.mark.parametrize("filename, content", [
    ("notes.txt", b"just text"),
    ("pai.pdf", b"<html><script>alert(1)</script></html>"),           # HTML posing as a PDF
    ("pai.pdf", b"%PDF-1.4\n<html><script>alert(1)</script></html>"),  # valid signature, markup inside
    ("photo.png", b"GIF89a" + b"\x00" * 20),
    ("vide.pdf", b""),
])
def test_upload_refuses_what_is_not_a_pdf_png_or_jpeg(filename, content):
    parent, _h, child = make_parent_with_child()
    with pytest.raises(ValidationFailed):
        services.upload_document(parent, child.id, filename=filename, content=content)
    assert db.session.scalar(select(func.count(NeedDocument.id))) == 0


def test_upload_refuses_an_oversized_file(monkeypatch):
    parent, _h, child = make_parent_with_child()
    monkeypatch.setitem(current_app.config, "MAX_UPLOAD_BYTES", 100)
    with pytest.raises(ValidationFailed, match="taille maximale"):
        services.upload_document(parent, child.id, filename="pai.pdf", content=PDF + b"0" * 200)


def test_upload_stores_under_a_random_name_whatever_the_name_given():
    parent, _h, child = make_parent_with_child()
    before = set(Path(current_app.config["UPLOAD_DIR"]).iterdir())
    doc = services.upload_document(parent, child.id, filename="../../../etc/passwd.pdf", content=PDF)
    png = services.upload_document(parent, child.id, filename="ordonnance.pdf", content=PNG, kind="prescription")
    created = set(Path(current_app.config["UPLOAD_DIR"]).iterdir()) - before
    assert {p.name for p in created} == {doc.stored_name, png.stored_name}
    assert ".." not in doc.original_name and "/" not in doc.original_name
    assert doc.content_type == "application/pdf" and doc.stored_name.endswith(".pdf")
    assert png.content_type == "image/png" and png.stored_name.endswith(".png")  # by content, not by name
    assert len(doc.stored_name) > 40


def test_upload_through_http_wrong_type_oversized_traversal_and_html(login_as, monkeypatch):
    from tests.conftest import get_csrf

    parent, _h, child = make_parent_with_child()
    client = login_as(parent)
    token = get_csrf(client, "/accueil")

    def post(name, content):
        return client.post(f"/inclusion/enfants/{child.id}/documents", content_type="multipart/form-data",
                           data={"csrf_token": token, "kind": "pai", "document": (io.BytesIO(content), name)},
                           follow_redirects=True)

    refused = post("a.exe", b"MZ\x90\x00").get_data(as_text=True)
    # Beside the file field (tied to it by aria-describedby), and in the error summary.
    assert 'id="document-error"' in refused and 'aria-describedby="document-hint document-error"' in refused
    assert "Seuls les fichiers PDF, PNG ou JPEG sont acceptés." in refused.split('id="document-error"')[1][:300]
    assert 'class="error-summary"' in refused
    assert "PDF, PNG ou JPEG" in post("pai.pdf", b"<!DOCTYPE html><html></html>").get_data(as_text=True)
    monkeypatch.setitem(current_app.config, "MAX_UPLOAD_BYTES", 64)
    assert "taille maximale" in post("pai.pdf", PDF).get_data(as_text=True)
    monkeypatch.setitem(current_app.config, "MAX_UPLOAD_BYTES", 5 * 1024 * 1024)
    assert post("../../secret.pdf", PDF).status_code == 200
    doc = db.session.scalar(select(NeedDocument))
    assert doc is not None and doc.original_name == "secret.pdf"
    assert db.session.scalar(select(func.count(NeedDocument.id))) == 1


def test_reads_are_audited():
    site = make_site()
    director = make_staff(site, Role.DIRECTOR)
    parent, _h, child = make_parent_with_child()
    make_needs(child, allergies="Noix")
    book(parent, child, make_session(make_morning_unit(site)))
    doc = services.upload_document(parent, child.id, filename="pai.pdf", content=PDF)
    services.read_file(director, child.id)
    services.open_document(director, doc.id)
    entries = db.session.scalars(select(AuditEntry).where(AuditEntry.actor_id == director.id).order_by(AuditEntry.id)).all()
    assert [(e.action, e.target) for e in entries] == [("read", "file"), ("read", f"document:{doc.id}")]
    assert all(e.at is not None and e.actor_label for e in entries)


def test_export_of_all_data_about_the_child():
    parent, _h, child = make_parent_with_child()
    services.declare_needs(parent, child.id, needs_particular_care=True, allergies="Noix")
    services.upload_document(parent, child.id, filename="pai.pdf", content=PDF)
    data = services.export_child_data(parent, child.id)
    assert data["needs"]["allergies"] == "Noix" and data["documents"][0]["original_name"] == "pai.pdf"
    assert {e["action"] for e in data["audit_trail"]} >= {"create"}
    other, _h2, _c2 = make_parent_with_child()
    with pytest.raises(NotFound):
        services.export_child_data(other, child.id)


def test_audit_export_needs_admin():
    with pytest.raises(Forbidden):
        services.export_audit(make_user(Role.DIRECTOR))
    assert services.export_audit(make_user(Role.ADMIN)).columns[0] == "Date et heure (Paris)"


# ---------------------------------------------------------------- purge

def test_purge_deletes_needs_plans_documents_and_files_after_retention():
    with time_machine.travel(NOW, tick=False):
        site = make_site()
        parent, _h, child = make_parent_with_child()
        services.declare_needs(parent, child.id, needs_particular_care=True, allergies="Noix")
        make_active_plan(child, site)
        booking = book(parent, child, make_session(make_morning_unit(site)))
        attend(booking)
        doc = services.upload_document(parent, child.id, filename="pai.pdf", content=PDF)
        path = Path(current_app.config["UPLOAD_DIR"]) / doc.stored_name
    with time_machine.travel(NOW + timedelta(days=400), tick=False):
        keeper_parent, _h2, keeper = make_parent_with_child()
        services.declare_needs(keeper_parent, keeper.id, needs_particular_care=True)  # never attended: kept by date
    limit = date(WEDNESDAY.year + 3, WEDNESDAY.month, WEDNESDAY.day)  # three years (the rule's default)

    assert services.purge(limit) == 0  # exactly at the limit: kept
    assert path.exists()
    assert services.purge(limit + timedelta(days=1)) == 1
    assert not path.exists()
    assert services.needs_of(child.id) is None
    assert db.session.scalar(select(func.count(NeedDocument.id))) == 0
    assert db.session.scalar(select(func.count(ReceptionPlan.id))) == 0
    assert db.session.scalar(select(func.count(PlanVersion.id))) == 0
    assert child.needs_particular_care is False
    assert services.needs_of(keeper.id) is not None
    assert services.purge(limit + timedelta(days=1)) == 0  # safe to run again
    assert db.session.scalar(select(AuditEntry.action).where(AuditEntry.child_id == child.id,
                                                             AuditEntry.action == "purge")) == "purge"


def test_purge_cli(app):
    parent, _h, child = make_parent_with_child()
    services.declare_needs(parent, child.id, needs_particular_care=True)
    db.session.commit()
    result = app.test_cli_runner().invoke(args=["inclusion", "purge", "--today", "2099-01-01"])
    assert result.exit_code == 0 and "1 child file(s) purged" in result.output


# ---------------------------------------------------------------- preparation and plans

def _held_world():
    site = make_site()
    director = make_staff(site, Role.DIRECTOR)
    unit = make_morning_unit(site)
    parent, household, child = make_parent_with_child()
    second = make_user(Role.PARENT, first_name="Sam", last_name="Durand")
    household.members.append(HouseholdMember(user=second))
    db.session.commit()
    make_needs(child, allergies="Noix")
    bookings = [book(parent, child, make_session(unit, day=d)) for d in WEDNESDAYS[:2]]
    return site, director, parent, second, child, bookings


def test_hold_keeps_the_place_and_never_refuses():
    site, director, parent, _second, child, bookings = _held_world()
    assert all(b.status is BookingStatus.PENDING_PREPARATION for b in bookings)
    assert bookings[0].session.taken_over6 == 1
    queue = plans.preparation_queue(director)
    assert [(w.child.id, w.first_day, w.held) for w in queue] == [(child.id, WEDNESDAYS[0], 2)]
    other_director = make_staff(make_site("Autre"), Role.DIRECTOR)
    assert plans.preparation_queue(other_director) == []


def test_foreseeing_the_hold_writes_nothing_and_the_booking_tells_the_directors_once():
    """Booking foresees the admission checks of a one-item submission in a read-only transaction:
    preparation_check must only decide there; the e-mail to the directors is written with the booking."""
    from app.booking import admission

    site = make_site()
    director = make_staff(site, Role.DIRECTOR)
    unit = make_morning_unit(site)
    parent, _household, child = make_parent_with_child()
    make_needs(child, allergies="Noix")
    session = make_session(unit, day=WEDNESDAYS[0])
    db.session.commit()
    proposals = select(func.count()).select_from(OutboxMessage).where(
        OutboxMessage.kind == "inclusion.meeting_proposal", OutboxMessage.recipient_user_id == director.id)

    assert admission.foresee(child, session).decision == "hold"
    db.session.flush()
    assert db.session.scalar(proposals) == 0 and not db.session.new

    booking = book(parent, child, session)
    assert booking.status is BookingStatus.PENDING_PREPARATION
    assert db.session.scalar(proposals) == 1


def test_child_with_an_active_plan_is_confirmed_at_once():
    site = make_site()
    parent, _h, child = make_parent_with_child()
    make_needs(child)
    make_active_plan(child, site)
    assert book(parent, child, make_session(make_morning_unit(site))).status is BookingStatus.CONFIRMED


def test_invitation_parses_with_method_organizer_and_attendees():
    site, director, parent, second, child, _b = _held_world()
    start = (utcnow() + timedelta(days=10)).replace(hour=8, minute=0, second=0, microsecond=0)
    plans.propose_meeting(director, child.id, site.id, starts_at=start, duration_minutes=45, location="Bureau")
    mails = db.session.scalars(select(OutboxMessage).where(OutboxMessage.kind == "inclusion.meeting_invitation")
                               .order_by(OutboxMessage.id)).all()
    assert {m.to_address for m in mails} == {parent.email, second.email}
    attachment = mails[0].attachments[0]
    assert attachment["filename"] == "invitation.ics" and attachment["method"] == "REQUEST"
    assert attachment["content_type"] == "text/calendar"
    cal = Calendar.from_ical(attachment["content"])
    assert str(cal["METHOD"]) == "REQUEST"
    event = cal.walk("VEVENT")[0]
    assert str(event["ORGANIZER"]) == f"mailto:{director.email}"
    attendees = event["ATTENDEE"] if isinstance(event["ATTENDEE"], list) else [event["ATTENDEE"]]
    assert {str(a) for a in attendees} == {f"mailto:{parent.email}", f"mailto:{second.email}"}
    assert str(event["DTSTART"].dt.tzinfo) == "Europe/Paris"
    assert [str(tz["TZID"]) for tz in cal.walk("VTIMEZONE")] == ["Europe/Paris"]
    assert event["DTEND"].dt - event["DTSTART"].dt == timedelta(minutes=45)
    uid = str(event["UID"])
    # Moving the meeting keeps the UID and bumps the SEQUENCE.
    plans.propose_meeting(director, child.id, site.id, starts_at=start + timedelta(days=1))
    moved = db.session.scalars(select(OutboxMessage).where(OutboxMessage.kind == "inclusion.meeting_invitation")
                               .order_by(OutboxMessage.id.desc())).first()
    event2 = Calendar.from_ical(moved.attachments[0]["content"]).walk("VEVENT")[0]
    assert str(event2["UID"]) == uid and int(event2["SEQUENCE"]) == 1


def test_meeting_in_the_past_is_refused():
    site, director, _p, _s, child, _b = _held_world()
    with pytest.raises(ValidationFailed):
        plans.propose_meeting(director, child.id, site.id, starts_at=utcnow() - timedelta(days=1))


def test_director_confirms_without_plan_with_a_recorded_reason():
    site, director, _p, _s, child, bookings = _held_world()
    with pytest.raises(ValidationFailed):
        plans.confirm_without_plan(director, bookings[0].id, "")
    plans.confirm_without_plan(director, bookings[0].id, "PAI déjà appliqué l'an dernier, équipe formée.")
    assert bookings[0].status is BookingStatus.CONFIRMED and bookings[1].status is BookingStatus.PENDING_PREPARATION
    waiver = db.session.scalar(select(PreparationWaiver))
    assert waiver.director_id == director.id and "PAI" in waiver.reason
    with pytest.raises(Conflict):
        plans.confirm_without_plan(director, bookings[0].id, "encore une fois")
    with pytest.raises(NotFound):
        plans.confirm_without_plan(make_staff(make_site("Autre"), Role.DIRECTOR), bookings[1].id, "raison valable")


def test_acknowledgements_are_timestamped_and_an_acknowledged_version_is_never_edited():
    site, director, parent, _s, child, bookings = _held_world()
    v1 = plans.save_draft(director, child.id, site.id, goals="Participer aux jeux collectifs")
    same = plans.save_draft(director, child.id, site.id, goals="Participer aux jeux")
    assert same.id == v1.id  # a draft is edited in place
    with pytest.raises(NotFound):
        plans.read_version(parent, v1.id)  # the family sees shared versions only
    with pytest.raises(NotFound):
        plans.acknowledge(parent, v1.id)  # not shared yet: invisible to the family
    with pytest.raises(Conflict):
        plans.acknowledge(director, v1.id)  # a draft awaits no acknowledgement
    plans.share(director, v1.id)
    plans.acknowledge(parent, v1.id)
    assert v1.parent_ack_at is not None and v1.parent_ack_by_id == parent.id and v1.director_ack_at is None
    with pytest.raises(Conflict):
        plans.acknowledge(parent, v1.id)
    v2 = plans.save_draft(director, child.id, site.id, goals="Autre objectif")
    assert v2.id != v1.id and v2.number == 2 and v2.status is PlanStatus.DRAFT
    assert db.session.get(PlanVersion, v1.id).goals == "Participer aux jeux"  # unchanged
    assert v2.goals == "Autre objectif"
    plans.acknowledge(director, v1.id)
    assert v1.status is PlanStatus.ACTIVE and v1.activated_at is not None
    assert {b.status for b in bookings} == {BookingStatus.CONFIRMED}
    plans.share(director, v2.id)
    plans.acknowledge(director, v2.id)
    plans.acknowledge(parent, v2.id)
    assert v2.status is PlanStatus.ACTIVE and db.session.get(PlanVersion, v1.id).status is PlanStatus.SUPERSEDED
    assert [v.number for v in v1.plan.versions] == [1, 2]  # history stays readable
    assert plans.read_version(parent, v1.id).goals == "Participer aux jeux"


def test_professionals_need_the_family_consent():
    site, director, _p, _s, child, _b = _held_world()
    with pytest.raises(ValidationFailed):
        plans.save_draft(director, child.id, site.id, professionals="Orthophoniste, CAMSP")
    version = plans.save_draft(director, child.id, site.id, professionals="Orthophoniste", professionals_consent=True)
    assert version.professionals_consent


# ---------------------------------------------------------------- adaptation
# (tests/inclusion/test_adaptation.py: derivation, overrides, billing, pages)


# ---------------------------------------------------------------- staffing

def test_extra_staff_from_active_plans_adds_to_the_ratio_need():
    site = make_site()
    director = make_staff(site, Role.DIRECTOR)
    unit = make_morning_unit(site)  # PEDT short: 14 over-6 per animator
    # No animator planned: with 3 minors the director counts as one (R227-17).
    session = make_session(unit, day=clock.today() + timedelta(days=3), animators_planned=0)
    children = []
    for _ in range(3):
        parent, _h, child = make_parent_with_child()
        children.append((parent, child))
    make_needs(children[0][1])
    make_active_plan(children[0][1], site, extra_staff=1, extra_staff_hours=Decimal("3.5"))
    make_needs(children[1][1])
    plan = make_active_plan(children[1][1], site, extra_staff=1)
    for parent, child in children:
        booking_services.book(parent, [(child.id, session.id)], now=utcnow())
    db.session.refresh(session)
    assert staffing_for(session).required == 1  # booking's own rule is unchanged
    full = full_staffing_for(session)
    assert (full.ratio_required, full.extra, full.required, full.planned, full.shortfall) == (1, 2, 3, 0, 2)
    plan.status = PlanStatus.SUPERSEDED  # only active plans count
    db.session.commit()
    assert full_staffing_for(session).extra == 1
    dashboard = reports.staffing_dashboard(director, clock.today())
    row = dashboard[0][1][0]
    assert row.with_plan == 1 and row.staffing.required == 2
    assert row.warning == "Il manque 1 membre de l'équipe d'animation."


# ---------------------------------------------------------------- AEEH report

AFTER_MARCH = time_machine.travel(datetime(2026, 3, 31, 18, 0, tzinfo=UTC), tick=False)


@AFTER_MARCH  # the reports count attendance of days already come
def test_aeeh_report_on_hand_computed_numbers():
    site = make_site()
    other = make_site("Accueil de Pradines")
    director = make_staff(site, Role.DIRECTOR)
    mercredi = make_activity(site)
    whole = make_unit(mercredi, label="Journée", kind=UnitKind.WHOLE_DAY, start=time(8, 30), end=time(17, 30),
                      with_meal=True)  # 9 h
    morning = make_unit(mercredi, label="Matin", kind=UnitKind.MORNING, start=time(8, 30), end=time(12, 0),
                        with_meal=False)  # 3.5 h
    evening = make_unit(make_activity(site, name="Soirs", kind=ActivityKind.PERISCOLAIRE,
                                      regime=StaffingRegime.PEDT_SHORT),
                        label="Soir", kind=UnitKind.PERISCOLAIRE_EVENING, start=time(17, 30), end=time(19, 30),
                        with_meal=False)  # 2 h
    wed, tue, wed2 = date(2026, 3, 18), date(2026, 3, 17), date(2026, 3, 25)
    pa, _h, a = make_parent_with_child(first_name="Alix")
    pb, _h, b = make_parent_with_child(first_name="Bilal")
    pc, _h, c = make_parent_with_child(first_name="Chloé")
    pd, _h, d = make_parent_with_child(first_name="Dina")
    for child in (a, b, d):
        make_needs(child, needs_particular_care=False, has_aeeh=True)
    make_needs(c, needs_particular_care=False, has_aeeh=False)
    # Alix: whole Wednesday (9 h) + evening the same Wednesday (2 h): capped at 9 h; next Wednesday absent.
    a_whole = make_session(whole, day=wed)
    attend(book(pa, a, a_whole))
    attend(book(pa, a, make_session(evening, day=wed)))
    attend(book(pa, a, make_session(whole, day=wed2)), AttendanceStatus.ABSENT)
    # Bilal: Wednesday morning (3.5 h) and Tuesday evening (2 h).
    attend(book(pb, b, make_session(morning, day=wed)))
    attend(book(pb, b, make_session(evening, day=tue)))
    # Chloé (no AEEH) and Dina (April) do not count.
    attend(book(pc, c, a_whole))
    attend(book(pd, d, make_session(morning, day=date(2026, 4, 1))))
    lines = reports.aeeh_report(director, "2026-03")
    assert [(line.site.name, line.children, line.hours, line.supplement) for line in lines] == [
        (site.name, 2, Decimal("14.50"), Decimal("65.25"))]  # (9 + 3.5 + 2) h × 4.50 €
    admin_lines = reports.aeeh_report(make_user(Role.ADMIN), "2026-03")
    assert {line.site.name: line.children for line in admin_lines} == {site.name: 2, other.name: 0}
    csv_text = to_csv(reports.aeeh_table(lines, "2026-03")).decode("utf-8-sig")
    assert csv_text.splitlines()[1] == f"2026-03;{site.name};2;14,50;65,25"
    with pytest.raises(ValidationFailed):
        reports.aeeh_report(director, "mars")
    with pytest.raises(Forbidden):
        reports.aeeh_report(make_user(Role.RAM_STAFF), "2026-03")


@AFTER_MARCH  # the reports count attendance of days already come
def test_aeeh_rate_is_a_setting():
    from app import rules

    rules.set_value("caf.inclusion_rate_per_hour", "5.00", valid_from=date(2026, 1, 1))
    db.session.commit()
    site = make_site()
    director = make_staff(site, Role.DIRECTOR)
    parent, _h, child = make_parent_with_child()
    make_needs(child, needs_particular_care=False, has_aeeh=True)
    attend(book(parent, child, make_session(make_morning_unit(site), day=WEDNESDAY)))
    assert reports.aeeh_report(director, "2026-03")[0].supplement == Decimal("17.50")



def test_demo_is_idempotent():
    from app.inclusion.demo import load_demo

    site = make_site()
    assert "No demo child" in load_demo()[-1]
    _p, _h, child = make_parent_with_child()
    child.needs_particular_care = True
    db.session.commit()
    first = load_demo()
    assert any("PAI" in line for line in first) and any("plan" in line for line in first)
    assert load_demo() == []
    assert plans.active_version(child.id, site.id) is not None
    assert len(adaptation.site_template(site.id)) == 4


def test_register_card_only_for_staff_of_the_session_site_and_audited():
    from app.booking.register_cards import cards_for

    site = make_site()
    animator = make_staff(site, Role.ANIMATOR)
    elsewhere = make_staff(make_site("Autre"), Role.ANIMATOR)
    parent, _h, child = make_parent_with_child()
    make_needs(child, allergies="Noix", emergency_protocol="Adrénaline")
    make_active_plan(child, site)
    session = make_session(make_morning_unit(site))
    other_session = make_session(make_morning_unit(site), day=WEDNESDAYS[1])
    book(parent, child, session)
    assert cards_for(elsewhere, session, [child.id]) == {}
    assert cards_for(animator, other_session, [child.id]) == {}  # not booked on that session
    card = cards_for(animator, session, [child.id])[child.id][0]
    db.session.rollback()  # the trail entry was committed by the provider itself
    assert card.title == "À savoir aujourd'hui" and card.url == f"/inclusion/seances/{session.id}/a-savoir"
    assert db.session.scalar(select(func.count(AuditEntry.id)).where(AuditEntry.actor_id == animator.id,
                                                                     AuditEntry.target == "card")) == 1
    with pytest.raises(NotFound):
        cards_module.today_cards(elsewhere, session.id)


@AFTER_MARCH  # the reports count attendance of days already come
def test_aeeh_hours_are_computed_once_for_the_inclusion_and_caf_reports():
    """Issue 16: for the same child and month, 13 h / 58.50 € (inclusion) vs 19 h / 85.50 € (CAF).

    A school Wednesday morning and afternoon without a meal count 4 h per half-day (8 h, not 4 h);
    a holiday Wednesday of 11 h with a meal is not capped (11 h, not 9 h).
    The reports are read at the end of the month, once the days have come (attendance is recorded
    from the session's day on, and only days already come count).
    """
    from app.billing import caf

    site = make_site()
    director = make_staff(site, Role.DIRECTOR)
    wednesdays = make_activity(site)
    morning = make_unit(wednesdays, label="Matin", kind=UnitKind.MORNING, start=time(8, 0), end=time(12, 0),
                        with_meal=False)
    afternoon = make_unit(wednesdays, label="Après-midi", kind=UnitKind.AFTERNOON, start=time(13, 30),
                          end=time(17, 30), with_meal=False)
    holidays = make_unit(make_activity(site, name="Vacances", kind=ActivityKind.EXTRASCOLAIRE,
                                       regime=StaffingRegime.EXTRASCOLAIRE),
                         label="Journée", start=time(7, 30), end=time(18, 30), with_meal=True)
    parent, _h, child = make_parent_with_child()
    make_needs(child, needs_particular_care=False, has_aeeh=True)
    attend(book(parent, child, make_session(morning, day=date(2026, 3, 18))))
    attend(book(parent, child, make_session(afternoon, day=date(2026, 3, 18))))
    attend(book(parent, child, make_session(holidays, day=date(2026, 3, 4))))
    [line] = reports.aeeh_report(director, "2026-03")
    caf_report = caf.site_report(director, site.id, date(2026, 3, 1))
    assert (line.children, line.hours, line.supplement) == (1, Decimal("19.00"), Decimal("85.50"))
    assert (caf_report.aeeh.count, caf_report.aeeh.hours, caf_report.aeeh_amount) == (
        line.children, line.hours, line.supplement)
    # The CAF detail export names children without saying who receives AEEH.
    detail = next(t for t in caf.report_tables(caf_report) if t.slug == "detail")
    assert "AEEH" not in " ".join(map(str, detail.columns))
    text = to_csv(detail).decode("utf-8-sig")
    assert "AEEH" not in text and child.first_name in text
