from sqlalchemy import func, select

from app.extensions import db
from app.ram.demo import load_demo
from app.ram.models import Childminder, FamilyDemand, Relais, Workshop
from tests.ram.factories import load_communes


def test_demo_is_idempotent_and_realistic(login_as):
    load_communes()
    first = load_demo()
    assert any("ram1@demo.pitchoun.fr" in line for line in first)
    counts = [db.session.scalar(select(func.count()).select_from(m)) for m in (Relais, Childminder, FamilyDemand,
                                                                               Workshop)]
    assert counts[0] == 6 and counts[1] >= 18 and counts[2] >= 3 and counts[3] == 1
    second = load_demo()
    assert second[-1].endswith("nothing to do")
    assert [db.session.scalar(select(func.count()).select_from(m)) for m in (Relais, Childminder, FamilyDemand,
                                                                              Workshop)] == counts
    from app.accounts.models import User

    staff = db.session.scalar(select(User).where(User.email == "ram1@demo.pitchoun.fr"))
    client = login_as(staff, "Pitchoun-Demo-2026!")
    assert client.get("/relais/").status_code == 200
    demand = db.session.scalar(select(FamilyDemand).where(FamilyDemand.family_name == "Bessières"))
    page = client.get(f"/relais/demandes/{demand.id}/correspondances")
    assert page.status_code == 200
    assert client.get("/relais/observatoire").status_code == 200
    cm_user = db.session.scalar(select(User).where(User.email == "childminder1@demo.pitchoun.fr"))
    cm_client = login_as(cm_user, "Pitchoun-Demo-2026!")
    assert cm_client.get("/relais/mon-profil", follow_redirects=True).status_code == 200
