from datetime import date

from sqlalchemy import func, select

from app.accounts.models import Role
from app.booking.demo import DEMO_PASSWORD, load_demo
from app.booking.models import Activity, Booking, BookingStatus, Session, Tariff
from app.extensions import db
from app.sites.models import Site, SiteStaff
from tests.conftest import login
from tests.factories import make_child, make_household, make_user


def _counts():
    return [db.session.scalar(select(func.count()).select_from(model))
            for model in (Site, Activity, Session, Tariff, Booking, SiteStaff)]


def test_demo_is_idempotent_and_has_a_full_day_with_waiting_list(client):
    for n, births in ((1, [date(2017, 5, 1), date(2020, 2, 2)]), (2, [date(2015, 1, 1), date(2019, 3, 3)]),
                      (3, [date(2018, 8, 8)])):
        household = make_household(make_user(Role.PARENT, email=f"parent{n}@demo.pitchoun.fr"))
        for i, birth in enumerate(births):
            make_child(household, first_name=f"Enfant{i}", birth_date=birth)
    lines = load_demo()
    assert any("director1@demo.pitchoun.fr" in line for line in lines)
    names = set(db.session.scalars(select(Site.name)))
    assert {"Accueil de loisirs de la Croix-de-Fer", "Centre social de Pradines"} <= names
    croix = db.session.scalar(select(Site).where(Site.name == "Accueil de loisirs de la Croix-de-Fer"))
    assert croix.address.startswith("180 rue Albert-Camus")
    first = _counts()
    assert first[4] > 0
    assert db.session.scalar(select(func.count(Booking.id)).where(Booking.status == BookingStatus.WAITLISTED)) > 0
    load_demo()
    assert _counts() == first
    response = login(client, "director1@demo.pitchoun.fr", DEMO_PASSWORD)
    assert response.status_code == 302


def test_demo_without_parents_still_loads():
    lines = load_demo()
    assert any("no demo parents" in line for line in lines)
