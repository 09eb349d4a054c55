"""The desk pages and the administrators' account pages are valid HTML in every state (W3C Nu checker).

tests/test_html_validity.py crawls every GET route, but the desk's household pages need an open desk
session (they redirect otherwise) and the forms' error states need a POST: both are visited here.
"""
from __future__ import annotations

import pytest
import time_machine
from sqlalchemy import select

from app.accounts.models import Role
from app.booking.models import Booking
from app.desk import services as desk
from app.extensions import db
from tests.booking.factories import NOW, make_parent_with_child, make_session, make_site, make_unit
from tests.conftest import get_csrf
from tests.factories import make_commune, make_user
from tests.html_check import assert_valid_html, warm_up
from tests.ram.factories import make_relais


@pytest.mark.slow  # starts the Nu checker
@time_machine.travel(NOW, tick=False)
def test_desk_and_account_pages_are_valid_html(login_as):
    warm_up()
    make_commune()
    staff = make_user(Role.RAM_STAFF)
    boss = make_user(Role.ADMIN)
    make_relais()
    parent, household, child = make_parent_with_child()
    site = make_site()
    session = make_session(make_unit())
    desk.book(staff, "fs_catus", household.id, [(child.id, session.id)], desk.Consent("Camille Martin", True),
              now=NOW)
    booking = db.session.scalar(select(Booking))
    pages: dict[str, str] = {}
    client = login_as(staff)
    pages["search"] = client.get("/guichet?q=martin&desk=fs_catus").get_data(as_text=True)
    pages["search, none"] = client.get("/guichet?q=personne").get_data(as_text=True)
    pages["new household"] = client.get("/guichet/nouveau-foyer").get_data(as_text=True)
    pages["new household, errors"] = client.post("/guichet/nouveau-foyer", data={
        "csrf_token": get_csrf(client, "/guichet/nouveau-foyer"), "desk": "fs_catus"}).get_data(as_text=True)
    client.post("/guichet/ouvrir", data={"csrf_token": get_csrf(client, "/guichet"), "household_id": household.id,
                                         "desk": "fs_catus"})
    pages["household"] = client.get("/guichet/foyer").get_data(as_text=True)
    pages["child"] = client.get("/guichet/foyer/enfant").get_data(as_text=True)
    pages["child, errors"] = client.post("/guichet/foyer/enfant", data={
        "csrf_token": get_csrf(client, "/guichet/foyer/enfant")}).get_data(as_text=True)
    book_url = f"/guichet/foyer/reserver?site={site.id}&month=2026-03"
    pages["book"] = client.get(book_url).get_data(as_text=True)
    pages["book, errors"] = client.post(book_url, data={
        "csrf_token": get_csrf(client, book_url), "child_id": str(child.id)}).get_data(as_text=True)
    pages["book, answer"] = client.post(book_url, data={
        "csrf_token": get_csrf(client, book_url), "child_id": str(child.id), "session": [str(session.id)],
        "consent": "y", "consent_given_by": "Camille Martin"}).get_data(as_text=True)
    cancel_url = f"/guichet/foyer/annuler/{booking.id}"
    pages["cancel"] = client.get(cancel_url).get_data(as_text=True)
    pages["cancel, errors"] = client.post(cancel_url, data={"csrf_token": get_csrf(client, cancel_url)}).get_data(
        as_text=True)
    pages["family history"] = login_as(parent).get("/foyer/aides-de-l-accueil").get_data(as_text=True)
    admin_client = login_as(boss)
    pages["accounts"] = admin_client.get("/admin/comptes?q=a&role=parent").get_data(as_text=True)
    pages["account"] = admin_client.get(f"/admin/comptes/{staff.id}").get_data(as_text=True)
    pages["account, errors"] = admin_client.post(f"/admin/comptes/{staff.id}", data={
        "csrf_token": get_csrf(admin_client, f"/admin/comptes/{staff.id}"), "email": "x",
        "role": "director"}).get_data(as_text=True)
    pages["new account"] = admin_client.get("/admin/comptes/nouveau").get_data(as_text=True)
    for where, html in pages.items():
        if html:
            assert "<html" in html, where
            assert_valid_html(html, where)
