"""Months in the administrators' forms are chosen with a month picker, parsed on the server by
app/months.py with a French message (issue 19)."""
from __future__ import annotations

from app.accounts.models import Role
from tests.conftest import get_csrf
from tests.factories import make_user


def test_close_month_form_is_a_month_picker_with_a_french_refusal(login_as):
    client = login_as(make_user(Role.ADMIN))
    page = client.get("/facturation/mois").get_data(as_text=True)
    assert 'type="month"' in page and "AAAA-MM" not in page
    token = get_csrf(client, "/facturation/mois")
    for bad in ("2026-13", "mars", "9999-01"):
        refused = client.post("/facturation/mois/cloturer", data={"csrf_token": token, "month": bad})
        assert refused.status_code == 422, bad
        assert "Mois non valide" in refused.get_data(as_text=True), bad
    empty = client.post("/facturation/mois/cloturer", data={"csrf_token": token, "month": ""})
    assert empty.status_code == 422 and "Choisissez le mois à clôturer." in empty.get_data(as_text=True)


def test_month_field_keeps_what_was_typed_and_reads_a_date():
    from werkzeug.datastructures import MultiDict

    from app.billing.forms import CloseMonthForm

    form = CloseMonthForm(MultiDict({"month": "2026-03"}), meta={"csrf": False})
    assert form.validate() and form.month.data.isoformat() == "2026-03-01"
    assert 'value="2026-03"' in form.month()
    bad = CloseMonthForm(MultiDict({"month": "2026-3x"}), meta={"csrf": False})
    assert not bad.validate() and 'value="2026-3x"' in bad.month()


def test_relais_observatory_months_are_month_pickers(login_as):
    from tests.ram.factories import make_relais, make_staff

    client = login_as(make_staff(make_relais()))
    page = client.get("/relais/observatoire?first_month=2026-02&last_month=2026-03").get_data(as_text=True)
    assert page.count('type="month"') == 2 and "AAAA-MM" not in page and 'value="2026-02"' in page
    refused = client.get("/relais/observatoire?first_month=2026-13").get_data(as_text=True)
    assert "Mois non valide" in refused
