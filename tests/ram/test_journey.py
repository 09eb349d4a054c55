"""The issue's "done when" journey, through the pages, with CSRF on."""
from __future__ import annotations

from datetime import date

from app.extensions import db
from app.notifications.models import OutboxMessage
from app.ram.models import CareContract, DemandStatus, FamilyDemand
from tests.conftest import csrf_token_from
from tests.ram.factories import add_child, make_childminder, make_relais, make_staff, make_workshop

ADULT = date(2026, 11, 1)


def test_staff_records_demand_sees_matches_and_pair_then_contract(login_as):
    relais = make_relais("Relais Douelle", "46088")
    staff = make_staff(relais)
    # Full match in Pradines (4 km), a stale one in Douelle, and a pair: Mon–Tue in Douelle, Wed–Thu in Cahors.
    full = make_childminder(insee="46224", relais=relais, first_name="Anne", last_name="Pradel", offers_meals=True)
    make_childminder(insee="46088", relais=relais, first_name="Zoé", last_name="Ancienne",
                     declared=None)
    monday_tuesday = make_childminder(insee="46088", relais=relais, first_name="Marie", last_name="Lundi")
    add_child(monday_tuesday, date(2025, 1, 1), {str(d): [["07:00", "19:00"]] for d in (2, 3)})
    add_child(monday_tuesday, date(2025, 2, 1), {str(d): [["07:00", "19:00"]] for d in (2, 3)})
    add_child(monday_tuesday, date(2025, 3, 1), {str(d): [["07:00", "19:00"]] for d in (2, 3)})
    add_child(monday_tuesday, date(2025, 4, 1), {str(d): [["07:00", "19:00"]] for d in (2, 3)})
    wednesday_thursday = make_childminder(insee="46042", relais=relais, first_name="Lucie", last_name="Mercredi",
                                          max_children=1, max_under_3=1)
    add_child(wednesday_thursday, date(2025, 1, 1), {str(d): [["07:00", "19:00"]] for d in (0, 1)})
    make_childminder(insee="46268", first_name="Paule", last_name="Loin")

    client = login_as(staff)
    page = client.get("/relais/demandes/nouvelle")
    assert page.status_code == 200
    token = csrf_token_from(page.get_data(as_text=True))
    data = {"csrf_token": token, "family_name": "Bessières", "contact_phone": "06 12 34 56 78",
            "child_first_name": "Emma", "child_birth_date": "2026-05-01", "start_date": "2027-03-01",
            "commune_insee": "46088", "max_distance_km": "10", "relais_id": str(relais.id)}
    for day in range(4):
        data[f"day{day}_start"], data[f"day{day}_end"] = "07:30", "17:30"
    response = client.post("/relais/demandes/nouvelle", data=data)
    assert response.status_code == 302, response.get_data(as_text=True)
    demand = db.session.scalar(db.select(FamilyDemand))
    assert demand.schedule == {str(d): [["07:30", "17:30"]] for d in range(4)}
    assert demand.atypical_hours  # 7:30 is before 8 h

    page = client.get(f"/relais/demandes/{demand.id}/correspondances").get_data(as_text=True)
    assert "Anne Pradel" in page and "Place libre pour un enfant de moins de 3 ans" in page
    assert "Paule Loin" not in page  # Saint-Géry-Vers is 17 km away
    demand.max_distance_km = 20  # …and only the distance keeps her out: a family accepting 20 km sees her
    db.session.commit()
    assert "Paule Loin" in client.get(f"/relais/demandes/{demand.id}/correspondances").get_data(as_text=True)
    demand.max_distance_km = 10
    db.session.commit()
    assert "Zoé Ancienne" not in page  # stale availability excluded by default
    assert "Marie Lundi + Lucie Mercredi" in page or "Lucie Mercredi + Marie Lundi" in page
    assert "Couvre 50 %" in page
    with_stale = client.get(f"/relais/demandes/{demand.id}/correspondances?inclure_anciennes=1").get_data(
        as_text=True)
    assert "Zoé Ancienne" in with_stale and "Disponibilités non confirmées" in with_stale

    token = csrf_token_from(page)
    response = client.post(f"/relais/demandes/{demand.id}/mises-en-relation",
                           data={"csrf_token": token, "childminder_id": str(full.id)})
    assert response.status_code == 302
    db.session.refresh(demand)
    assert demand.status == DemandStatus.IN_PROGRESS
    introduction = demand.introductions[0]
    before = client.get(f"/relais/assistantes-maternelles/{full.id}").get_data(as_text=True)
    assert "4 pour un enfant de moins de 3 ans" in before

    demand_page = client.get(f"/relais/demandes/{demand.id}").get_data(as_text=True)
    response = client.post(f"/relais/mises-en-relation/{introduction.id}/issue",
                           data={"csrf_token": csrf_token_from(demand_page), "outcome": "contract_signed",
                                 "outcome_on": "2027-02-10"})
    assert response.status_code == 302
    db.session.expire_all()
    demand = db.session.get(FamilyDemand, demand.id)
    assert demand.status == DemandStatus.MET and demand.met_on == date(2027, 2, 10)
    contract = db.session.scalar(db.select(CareContract).where(CareContract.demand_id == demand.id))
    assert contract.childminder_id == full.id and contract.start_date == date(2027, 3, 1)
    availability = client.get(f"/relais/assistantes-maternelles/{full.id}/disponibilites?date=2027-03-01")
    assert availability.status_code == 200
    assert "3 places pour un enfant de moins de 3 ans" in availability.get_data(as_text=True)

    obs = client.get("/relais/observatoire?group_by=commune&first_month=2027-02&last_month=2027-03")
    assert obs.status_code == 200
    text = obs.get_data(as_text=True)
    assert "<svg" not in text and "style=" not in text.split("<main", 1)[1]  # charts are images, no inline style
    assert 'src="/relais/observatoire/graphique-1.svg?group_by=commune&amp;first_month=2027-02' in text
    assert "<th scope=\"row\">février 2027</th>" in text  # the data table beside the chart
    svg = client.get("/relais/observatoire/graphique-1.svg?group_by=commune&first_month=2027-02&last_month=2027-03")
    body = svg.get_data(as_text=True)
    assert svg.status_code == 200 and svg.mimetype == "image/svg+xml"
    assert "<script" not in body and "févr. 2027" in body and "Demandes reçues" in body
    assert client.get("/relais/observatoire/graphique-9.svg").status_code == 404
    places = client.get("/relais/observatoire/graphique-3.svg").get_data(as_text=True)
    assert "…" not in places  # names are never truncated
    csv_text = client.get("/relais/observatoire.csv?group_by=commune&first_month=2027-02&last_month=2027-02") \
        .get_data(as_text=True)
    douelle = [line for line in csv_text.splitlines() if ";Douelle;" in line][0].split(";")
    assert douelle[3] == "1"  # met in February 2027


def test_childminder_registers_for_workshop_with_two_children(login_as):
    relais = make_relais()
    childminder = make_childminder(relais=relais)
    workshop = make_workshop(relais, capacity=4)
    client = login_as(childminder.user)
    page = client.get(f"/relais/ateliers/{workshop.id}")
    assert page.status_code == 200
    response = client.post(f"/relais/ateliers/{workshop.id}/inscription",
                           data={"csrf_token": csrf_token_from(page.get_data(as_text=True)), "child_1": "Lou",
                                 "child_2": "Nino"})
    assert response.status_code == 302
    page = client.get(f"/relais/ateliers/{workshop.id}").get_data(as_text=True)
    assert "Vous êtes inscrite" in page and "Lou, Nino" in page
    assert "1 restantes sur 4" in page


def test_salary_page_gives_both_kinds_of_year(client):
    full = client.get("/relais/simulateur-salaire?year_kind=full&hourly_rate=4,00&hours_per_week=40"
                      "&days_per_week=5").get_data(as_text=True)
    assert "693.33 €" in full
    part = client.get("/relais/simulateur-salaire?year_kind=incomplete&hourly_rate=4&hours_per_week=40&weeks=40"
                      "&days_per_week=5").get_data(as_text=True)
    assert "533.33 €" in part and "666.67 €" in part
    low = client.get("/relais/simulateur-salaire?year_kind=full&hourly_rate=3,50&hours_per_week=40&days_per_week=5")
    assert low.status_code == 422 and "inférieur au minimum conventionnel" in low.get_data(as_text=True)


def test_stale_reminder_sent_once_per_deadline(app):
    from app.ram.services import send_stale_reminders

    stale = make_childminder(declared=None)
    make_childminder()
    assert send_stale_reminders(date(2026, 12, 2)) == 1
    assert send_stale_reminders(date(2026, 12, 3)) == 0
    message = db.session.scalar(db.select(OutboxMessage).where(OutboxMessage.kind == "ram.availability_stale"))
    assert message.recipient_user_id == stale.user_id  # the stale one, not the fresh one
    assert f"/relais/assistantes-maternelles/{stale.id}" in message.body_text
    assert message.dedup_key.endswith(":2026-12-01")
    assert send_stale_reminders(date(2027, 6, 2)) == 2  # a new deadline: both are stale now


def test_publishing_availability_refused_shows_the_message_on_the_form(login_as):
    """No valid date, or no licence: the page again (422), each message beside its field or in the summary."""
    childminder = make_childminder(declared=None)
    childminder.licences.clear()
    db.session.commit()
    client = login_as(childminder.user)
    url = f"/relais/assistantes-maternelles/{childminder.id}/disponibilites"
    token = csrf_token_from(client.get(url).get_data(as_text=True))

    missing_date = client.post(f"{url}/publier", data={"csrf_token": token, "valid_from": ""})
    page = missing_date.get_data(as_text=True)
    assert missing_date.status_code == 422
    assert 'id="valid_from-error"' in page and 'aria-invalid="true"' in page

    no_licence = client.post(f"{url}/publier", data={"csrf_token": token, "valid_from": "2026-12-01"})
    page = no_licence.get_data(as_text=True)
    assert no_licence.status_code == 422
    assert 'class="error-summary"' in page and "Un agrément doit être enregistré" in page
    db.session.expire_all()
    assert childminder.declarations == []
