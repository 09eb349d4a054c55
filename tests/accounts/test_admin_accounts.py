"""Accounts administration (issue 19): search, role filter, pagination, edit rules, audit, reset link."""
from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from app.accounts import admin, tokens
from app.accounts.models import AccountAuditEntry, AccountToken, Role, User
from app.errors import Forbidden, ValidationFailed
from app.extensions import db
from app.notifications.models import OutboxMessage
from tests.booking.factories import make_site
from tests.conftest import get_csrf
from tests.factories import make_user
from tests.ram.factories import make_relais


def _changes(user, **kw):
    sites = kw.pop("site_ids", [])
    relais = kw.pop("relais_ids", [])
    return admin.AccountChanges(email=kw.pop("email", user.email), role=kw.pop("role", user.role),
                                site_ids=sites, relais_ids=relais)


# ---------------------------------------------------------------- search and pagination

def test_search_by_name_or_email_any_case_and_role_filter():
    boss = make_user(Role.ADMIN, first_name="Alice", last_name="Admin")
    make_user(Role.PARENT, first_name="Zoé", last_name="Delmas", email="zoe.delmas@example.fr")
    make_user(Role.PARENT, first_name="Paul", last_name="Vidal", email="pv@example.fr")
    make_user(Role.DIRECTOR, first_name="Nora", last_name="Vidal", email="nora@example.fr")
    assert [u.email for u in admin.search_accounts(boss, "delmas").users] == ["zoe.delmas@example.fr"]
    assert [u.email for u in admin.search_accounts(boss, "ZOE.DEL").users] == ["zoe.delmas@example.fr"]
    assert {u.email for u in admin.search_accounts(boss, "vidal").users} == {"pv@example.fr", "nora@example.fr"}
    only_directors = admin.search_accounts(boss, "vidal", Role.DIRECTOR)
    assert [u.email for u in only_directors.users] == ["nora@example.fr"] and only_directors.total == 1
    # A "%" or "_" typed is a character, not a wildcard.
    assert admin.search_accounts(boss, "%").total == 0
    assert admin.search_accounts(boss, "_").total == 0
    with pytest.raises(ValidationFailed):
        admin.search_accounts(boss, "", "pirate")


def test_pagination_counts_every_match_and_clamps_the_page():
    boss = make_user(Role.ADMIN, last_name="Aaa")
    for n in range(7):
        make_user(Role.PARENT, last_name=f"Famille{n:02d}", commit=False)
    db.session.commit()
    first = admin.search_accounts(boss, "famille", per_page=3)
    assert first.total == 7 and first.pages == 3 and first.page == 1 and first.has_next and not first.has_previous
    assert [u.last_name for u in first.users] == ["Famille00", "Famille01", "Famille02"]
    last = admin.search_accounts(boss, "famille", page=99, per_page=3)
    assert last.page == 3 and [u.last_name for u in last.users] == ["Famille06"] and not last.has_next


def test_only_an_administrator_may_search_or_edit():
    director = make_user(Role.DIRECTOR)
    with pytest.raises(Forbidden):
        admin.search_accounts(director, "")
    with pytest.raises(Forbidden):
        admin.update_account(director, director.id, _changes(director, role=Role.ADMIN))


# ---------------------------------------------------------------- edit rules

def test_edit_role_and_sites_is_audited_and_scopes_follow_the_role():
    boss = make_user(Role.ADMIN)
    site_a, site_b = make_site("Accueil A"), make_site("Accueil B")
    relais = make_relais()
    user = make_user(Role.ANIMATOR)
    admin.update_account(boss, user.id, _changes(user, role=Role.DIRECTOR, site_ids=[site_a.id, site_b.id]))
    assert user.role is Role.DIRECTOR
    assert admin.account_scopes(boss, user) == ({site_a.id, site_b.id}, set())
    admin.update_account(boss, user.id, _changes(user, site_ids=[site_b.id]))
    assert admin.account_scopes(boss, user)[0] == {site_b.id}
    # Becoming Relais staff withdraws the sites the new role does not use.
    admin.update_account(boss, user.id, _changes(user, role=Role.RAM_STAFF, site_ids=[site_b.id],
                                                 relais_ids=[relais.id]))
    assert admin.account_scopes(boss, user) == (set(), {relais.id})
    actions = db.session.scalars(select(AccountAuditEntry.action).where(AccountAuditEntry.user_id == user.id)
                                 .order_by(AccountAuditEntry.id)).all()
    assert actions == ["role", "site", "site", "role", "site", "relais"]
    assert all(e.actor_id == boss.id for e in admin.audit_trail(boss, user))


def test_a_director_needs_a_site_and_nothing_is_half_written():
    boss = make_user(Role.ADMIN)
    user = make_user(Role.ANIMATOR, email="anim@example.fr")
    with pytest.raises(ValidationFailed) as refused:
        admin.update_account(boss, user.id, _changes(user, role=Role.DIRECTOR, email="new@example.fr"))
    assert refused.value.field == "site_ids"
    db.session.expire_all()
    assert db.session.get(User, user.id).role is Role.ANIMATOR
    assert db.session.get(User, user.id).email == "anim@example.fr"
    assert db.session.scalar(select(AccountAuditEntry.id)) is None


def test_email_must_be_valid_and_unique():
    boss = make_user(Role.ADMIN)
    make_user(Role.PARENT, email="taken@example.fr")
    user = make_user(Role.DIRECTOR)
    site = make_site()
    with pytest.raises(Exception) as taken:
        admin.update_account(boss, user.id, _changes(user, email="TAKEN@example.fr", site_ids=[site.id]))
    assert taken.value.code == "email_taken"
    with pytest.raises(ValidationFailed) as invalid:
        admin.update_account(boss, user.id, _changes(user, email="pas-une-adresse", site_ids=[site.id]))
    assert invalid.value.field == "email"


def test_changing_the_email_asks_the_owner_to_confirm_it_and_ends_sessions():
    boss = make_user(Role.ADMIN)
    user = make_user(Role.RAM_STAFF)
    relais = make_relais()
    version = user.session_version
    admin.update_account(boss, user.id, _changes(user, email="Nouvelle@Example.fr", relais_ids=[relais.id]))
    assert user.email == "nouvelle@example.fr"
    assert user.email_verified_at is None and user.session_version == version + 1
    mail = db.session.scalar(select(OutboxMessage).where(OutboxMessage.kind == "account.verify_email"))
    assert mail.to_address == "nouvelle@example.fr"
    audit = admin.audit_trail(boss, user)[0]
    assert audit.action == "email" and "nouvelle@example.fr" in audit.details


def test_the_last_administrator_keeps_the_admin_role():
    boss = make_user(Role.ADMIN)
    relais = make_relais()
    with pytest.raises(admin.LastAdministrator):
        admin.update_account(boss, boss.id, _changes(boss, role=Role.RAM_STAFF, relais_ids=[relais.id]))
    db.session.expire_all()
    assert db.session.get(User, boss.id).role is Role.ADMIN
    second = make_user(Role.ADMIN, active=False)  # a disabled administrator does not count
    with pytest.raises(admin.LastAdministrator):
        admin.update_account(boss, boss.id, _changes(boss, role=Role.RAM_STAFF, relais_ids=[relais.id]))
    with pytest.raises(ValidationFailed):  # nor does anyone disable their own account
        admin.set_active(boss, boss.id, False)
    admin.set_active(boss, second.id, True)
    admin.update_account(boss, boss.id, _changes(boss, role=Role.RAM_STAFF, relais_ids=[relais.id]))
    assert db.session.get(User, boss.id).role is Role.RAM_STAFF
    assert [e.action for e in admin.audit_trail(second, boss)] == ["relais", "role"]


def test_parent_and_staff_roles_do_not_swap():
    boss = make_user(Role.ADMIN)
    parent = make_user(Role.PARENT)
    with pytest.raises(ValidationFailed) as refused:
        admin.update_account(boss, parent.id, _changes(parent, role=Role.ADMIN))
    assert refused.value.field == "role"


# ---------------------------------------------------------------- reset link

def test_reset_link_is_queued_in_the_outbox_and_never_returned():
    boss = make_user(Role.ADMIN)
    user = make_user(Role.DIRECTOR, email="dir@example.fr")
    assert admin.send_reset_link(boss, user.id) is None
    mail = db.session.scalar(select(OutboxMessage).where(OutboxMessage.kind == "account.password_reset"))
    assert mail.to_address == "dir@example.fr"
    secret = re.search(r"/reinitialiser/([A-Za-z0-9_-]+)", mail.body_text).group(1)
    assert tokens.find(secret, tokens.RESET)[1].id == user.id  # the e-mailed link works
    assert db.session.scalar(select(AccountToken.token_hash)) != secret  # only its hash is stored
    assert [e.action for e in admin.audit_trail(boss, user)] == ["reset_link"]
    assert secret not in admin.audit_trail(boss, user)[0].details


def test_reset_link_page_shows_no_token(login_as):
    boss = make_user(Role.ADMIN)
    user = make_user(Role.DIRECTOR)
    client = login_as(boss)
    url = f"/admin/comptes/{user.id}"
    response = client.post(f"{url}/lien-de-reinitialisation", data={"csrf_token": get_csrf(client, url)},
                           follow_redirects=True)
    assert response.status_code == 200
    mail = db.session.scalar(select(OutboxMessage).where(OutboxMessage.kind == "account.password_reset"))
    secret = re.search(r"/reinitialiser/([A-Za-z0-9_-]+)", mail.body_text).group(1)
    assert secret not in response.get_data(as_text=True)
    assert "lien pour choisir un nouveau mot de passe est envoyé" in response.get_data(as_text=True)


# ---------------------------------------------------------------- pages

def test_accounts_page_searches_filters_and_pages(login_as):
    boss = make_user(Role.ADMIN, last_name="Aaa")
    for n in range(30):
        make_user(Role.PARENT, last_name=f"Famille{n:02d}", commit=False)
    db.session.commit()
    client = login_as(boss)
    page = client.get("/admin/comptes?q=famille&role=parent").get_data(as_text=True)
    assert "30 comptes trouvés" in page and "page 1 sur 2" in page and "Famille00" in page
    assert "Famille29" not in page and "Page suivante" in page
    second = client.get("/admin/comptes?q=famille&role=parent&page=2").get_data(as_text=True)
    assert "Famille29" in second and "Famille00" not in second


def test_edit_page_uses_choices_of_sites_and_relais(login_as):
    boss = make_user(Role.ADMIN)
    site = make_site("Accueil des Pins")
    relais = make_relais()
    user = make_user(Role.ANIMATOR)
    client = login_as(boss)
    url = f"/admin/comptes/{user.id}"
    page = client.get(url).get_data(as_text=True)
    assert 'type="checkbox"' in page and "Accueil des Pins" in page and relais.name in page
    assert "séparés par des virgules" not in page
    response = client.post(url, data={"csrf_token": get_csrf(client, url), "email": user.email,
                                      "role": "director", "site_ids": [str(site.id)]})
    assert response.status_code == 302
    assert db.session.get(User, user.id).role is Role.DIRECTOR
    refused = client.post(url, data={"csrf_token": get_csrf(client, url), "email": user.email,
                                     "role": "director", "site_ids": ["999999"]})
    assert refused.status_code == 422 and "Choisissez dans la liste" in refused.get_data(as_text=True)


def test_create_page_uses_choices_of_sites(login_as):
    boss = make_user(Role.ADMIN)
    site = make_site("Accueil des Chênes")
    client = login_as(boss)
    url = "/admin/comptes/nouveau"
    response = client.post(url, data={
        "csrf_token": get_csrf(client, url), "first_name": "Nina", "last_name": "Roux",
        "email": "nina.roux@example.fr", "role": "director", "site_ids": [str(site.id)],
        "password": "Un-mot-de-passe-solide-2026"})
    assert response.status_code == 302
    nina = db.session.scalar(select(User).where(User.email == "nina.roux@example.fr"))
    assert admin.account_scopes(boss, nina)[0] == {site.id}
