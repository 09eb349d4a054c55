"""Administrators' pages for occasional care, with the test client and CSRF on."""
import re
from datetime import date, time, timedelta

import pytest
from sqlalchemy import select

from app import clock
from app.accounts.models import Role
from app.extensions import db
from app.occasional import services
from app.occasional.models import OccasionalProvider, ProviderOpening, ProviderStaff
from tests.conftest import get_csrf
from tests.factories import make_commune, make_user
from tests.occasional.factories import make_family, make_provider

BASE = "/garde-ponctuelle/admin/structures"

PROVIDER_FORM = {"name": "Multi-accueil Les Lucioles", "kind": "multi_accueil", "address": "3 place Rousseau",
                 "commune_insee": "46042", "phone": "05 65 00 00 00", "min_age_months": "3",
                 "max_age_months": "48", "walking_age_months": "18", "notice_hours": "24",
                 "ratio_not_walking": "5", "ratio_walking": "8", "closed_on_public_holidays": "y", "active": "y"}


@pytest.fixture
def admin_client(login_as):
    return login_as(make_user(Role.ADMIN))


def _post(client, url, data, page=None):
    return client.post(url, data={"csrf_token": get_csrf(client, page or BASE + "/nouvelle"), **data})


def _next_monday() -> date:
    today = clock.today()
    return today + timedelta(days=14 - today.weekday())


def test_admin_creates_a_provider_then_its_period_and_tariff(admin_client):
    make_commune()
    response = _post(admin_client, BASE + "/nouvelle", PROVIDER_FORM)
    assert response.status_code == 302
    provider = db.session.scalar(select(OccasionalProvider))
    assert (provider.name, provider.commune_insee, provider.notice_hours, provider.max_age_months) == (
        "Multi-accueil Les Lucioles", "46042", 24, 48)
    page = BASE + f"/{provider.id}"
    assert _post(admin_client, page + "/horaires", {"weekday": "2", "opens_at": "07:30", "closes_at": "12:00",
                                                    "capacity_not_walking": "2", "capacity_walking": "4"},
                 page).status_code == 302
    assert _post(admin_client, page + "/tarifs", {"qf_min": "0", "qf_max": "", "hourly_price": "1,35"},
                 page).status_code == 302
    html = admin_client.get(page).get_data(as_text=True)
    assert "Mercredi 07:30–12:00" in html and "QF 0 et plus" in html and "1,35 €" in html and "4,05 €" in html
    listing = admin_client.get(BASE).get_data(as_text=True)
    assert "Les Lucioles" in listing and "Cahors" in listing and "de 3 à 47 mois" in listing and "24 h" in listing


def test_duplicate_name_is_a_french_error_beside_the_field(admin_client):
    make_provider("Les Lucioles")
    response = _post(admin_client, BASE + "/nouvelle", {**PROVIDER_FORM, "name": "Les Lucioles"})
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert 'id="name-error"' in html and "Une structure porte déjà ce nom" in html
    assert 'aria-describedby="name-error"' in html and 'class="error-summary"' in html


def test_unaligned_period_and_overlapping_band_show_errors_beside_the_field(admin_client):
    provider = make_provider()
    page = BASE + f"/{provider.id}"
    response = _post(admin_client, page + "/horaires", {"weekday": "6", "opens_at": "07:15", "closes_at": "12:00",
                                                        "capacity_not_walking": "1", "capacity_walking": "1"}, page)
    html = response.get_data(as_text=True)
    assert response.status_code == 422 and 'id="opens_at-error"' in html and "demi-heure" in html
    response = _post(admin_client, page + "/tarifs", {"qf_min": "500", "qf_max": "900", "hourly_price": "2"}, page)
    html = response.get_data(as_text=True)
    assert response.status_code == 422 and 'id="qf_min-error"' in html and "chevauche la tranche QF 0 à 700" in html


def test_lowering_a_capacity_under_bookings_is_refused_with_the_dates(admin_client):
    provider = make_provider(walking=2)
    parent, _h, child = make_family()
    monday = _next_monday()
    services.request_care(parent, child.id, provider.id, monday, "05:30", "06:30")
    other, _h2, other_child = make_family()
    services.request_care(other, other_child.id, provider.id, monday, "05:30", "06:30")
    opening = next(o for o in provider.openings if o.weekday == 0 and o.opens_at == time(5))
    url = BASE + f"/{provider.id}/horaires/{opening.id}"
    assert admin_client.get(url).status_code == 200
    response = _post(admin_client, url, {"weekday": "0", "opens_at": "05:00", "closes_at": "08:00",
                                         "capacity_not_walking": "2", "capacity_walking": "1"}, url)
    html = response.get_data(as_text=True)
    assert response.status_code == 422 and "Impossible de réduire la capacité" in html
    assert f"lundi {monday.day}" in html and "05:30" in html
    db.session.expire_all()
    assert db.session.get(ProviderOpening, opening.id).capacity_walking == 2


def test_remove_period_in_use_is_refused_and_provider_with_requests_is_not_deleted(admin_client):
    provider = make_provider()
    parent, _h, child = make_family()
    services.request_care(parent, child.id, provider.id, _next_monday(), "05:30", "06:30")
    opening = next(o for o in provider.openings if o.weekday == 0 and o.opens_at == time(5))
    page = BASE + f"/{provider.id}"
    response = _post(admin_client, page + f"/horaires/{opening.id}/supprimer", {}, page)
    assert response.status_code == 302
    assert "Des familles ont des demandes" in admin_client.get(page).get_data(as_text=True)
    assert db.session.get(ProviderOpening, opening.id) is not None
    _post(admin_client, page + "/supprimer", {}, page)
    assert "Désactivez-la plutôt" in admin_client.get(page).get_data(as_text=True)
    assert db.session.get(OccasionalProvider, provider.id) is not None


def test_staff_choice_offers_directors_and_animators_only(admin_client):
    provider = make_provider()
    director = make_user(Role.DIRECTOR, first_name="Nadia", last_name="Couderc")
    parent = make_user(Role.PARENT, first_name="Paul", last_name="Parent")
    page = BASE + f"/{provider.id}"
    html = admin_client.get(page).get_data(as_text=True)
    options = re.findall(r'<option[^>]*value="(\d+)"', html[html.index('id="user_id"'):])
    assert str(director.id) in options and str(parent.id) not in options
    response = _post(admin_client, page + "/equipe", {"user_id": str(parent.id)}, page)
    assert response.status_code == 422  # not a choice offered
    assert _post(admin_client, page + "/equipe", {"user_id": str(director.id)}, page).status_code == 302
    assert db.session.scalar(select(ProviderStaff.user_id).where(ProviderStaff.provider_id == provider.id)) \
        == director.id
    assert "Nadia Couderc" in admin_client.get(page).get_data(as_text=True)
    assert _post(admin_client, page + f"/equipe/{director.id}/retirer", {}, page).status_code == 302
    assert "Plus aucune coordinatrice" in admin_client.get(page).get_data(as_text=True)


@pytest.mark.parametrize("role", [Role.PARENT, Role.DIRECTOR, Role.ANIMATOR, Role.RAM_STAFF, Role.CHILDMINDER])
def test_other_roles_are_refused(login_as, role):
    provider = make_provider()
    client = login_as(make_user(role))
    assert client.get(BASE).status_code == 403
    assert client.get(BASE + f"/{provider.id}").status_code == 403
    token = get_csrf(client, "/mon-compte/mot-de-passe")
    response = client.post(BASE + "/nouvelle", data={"csrf_token": token, **PROVIDER_FORM, "name": "Intrus"})
    assert response.status_code == 403
    assert db.session.scalar(select(OccasionalProvider).where(OccasionalProvider.name == "Intrus")) is None


def test_without_csrf_token_nothing_is_written(admin_client):
    make_commune()
    response = admin_client.post(BASE + "/nouvelle", data=PROVIDER_FORM)
    assert response.status_code in (400, 422)
    assert db.session.scalar(select(OccasionalProvider.id)) is None
    provider = make_provider()
    response = admin_client.post(BASE + f"/{provider.id}/tarifs", data={"qf_min": "5000", "hourly_price": "9"})
    assert response.status_code in (400, 422) and len(provider.tariffs) == 2


def test_admin_has_a_navigation_entry(admin_client):
    assert f'href="{BASE}"' in admin_client.get("/").get_data(as_text=True) or \
        f'href="{BASE}"' in admin_client.get("/accueil").get_data(as_text=True)


def test_admin_chooses_the_national_scale_for_a_provider(admin_client):
    from app.occasional.models import Pricing

    make_commune()
    assert _post(admin_client, BASE + "/nouvelle", PROVIDER_FORM).status_code == 302
    provider = db.session.scalar(select(OccasionalProvider))
    assert provider.pricing is Pricing.OWN_TARIFF  # the default
    page = BASE + f"/{provider.id}"
    form = admin_client.get(page).get_data(as_text=True)
    assert 'name="pricing"' in form and "Barème national de la CNAF" in form
    assert _post(admin_client, page, {**PROVIDER_FORM, "pricing": "cnaf_scale"}, page).status_code == 302
    db.session.expire_all()
    assert db.session.get(OccasionalProvider, provider.id).pricing is Pricing.CNAF_SCALE
    assert "applique le barème national de la CNAF" in admin_client.get(page).get_data(as_text=True)
    refused = _post(admin_client, page, {**PROVIDER_FORM, "pricing": "free"}, page)
    assert refused.status_code == 422 and 'id="pricing-error"' in refused.get_data(as_text=True)
