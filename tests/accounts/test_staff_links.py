"""Staff are attached to sites, occasional-care providers and relais the same way (accounts.scopes.StaffLinks):
an unknown id is refused with the owner's own message and nothing is attached, an owner already held is kept
once, and a scope can be read, listed and withdrawn."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from app.accounts.models import Role
from app.accounts.scopes import assign_scope, scope_ids, scope_options, set_scope
from app.errors import ValidationFailed
from app.extensions import db
from app.occasional.models import ProviderStaff
from app.ram.models import RelaisStaff
from app.sites.access import site_ids_of
from app.sites.models import SiteStaff
from tests.booking.factories import make_site
from tests.factories import make_user
from tests.occasional.factories import make_provider
from tests.ram.factories import make_relais


def _links(model, user) -> int:
    return db.session.scalar(select(func.count()).select_from(model).where(model.user_id == user.id))


def test_sites_are_attached_once_read_listed_and_withdrawn():
    north, south = make_site("Accueil du Nord"), make_site("Accueil du Sud")
    director = make_user(Role.DIRECTOR)
    assign_scope("site", director, [south.id, north.id, south.id])
    assign_scope("site", director, [north.id])  # already held: not attached twice
    db.session.commit()
    assert _links(SiteStaff, director) == 2
    assert scope_ids("site", director) == site_ids_of(director) == {north.id, south.id}
    assert scope_options("site") == [(north.id, "Accueil du Nord"), (south.id, "Accueil du Sud")]
    set_scope("site", director, [south.id])
    db.session.commit()
    assert scope_ids("site", director) == {south.id}


def test_an_unknown_site_is_named_and_nothing_is_attached():
    site = make_site()
    animator = make_user(Role.ANIMATOR)
    with pytest.raises(ValidationFailed) as refused:
        assign_scope("site", animator, [site.id, site.id + 100, site.id + 200])
    assert (refused.value.field, refused.value.message) == ("site_ids", f"Accueil inconnu : {site.id + 100}.")
    assert _links(SiteStaff, animator) == 0


def test_site_ids_of_follows_the_role():
    site = make_site()
    admin, parent = make_user(Role.ADMIN), make_user(Role.PARENT)
    db.session.add(SiteStaff(user_id=parent.id, site_id=site.id))
    db.session.commit()
    assert site_ids_of(admin) == {site.id}  # every site
    assert site_ids_of(parent) == set()  # a parent acts on no site, even with a stray link


def test_relais_unknown_ids_are_all_named_and_a_held_relais_is_kept_once():
    relais = make_relais()
    staff = make_user(Role.RAM_STAFF)
    with pytest.raises(ValidationFailed) as refused:
        assign_scope("relais", staff, [relais.id + 9, relais.id, relais.id + 4])
    assert (refused.value.field, refused.value.message) == (
        "relais_ids", f"Relais inconnu : {relais.id + 4}, {relais.id + 9}.")
    assert _links(RelaisStaff, staff) == 0
    assign_scope("relais", staff, [relais.id, relais.id])
    assign_scope("relais", staff, [relais.id])
    db.session.commit()
    assert _links(RelaisStaff, staff) == 1
    assert scope_ids("relais", staff) == {relais.id}


def test_providers_refuse_an_unknown_id_and_keep_a_held_one_once():
    provider = make_provider()
    coordinator = make_user(Role.DIRECTOR)
    with pytest.raises(ValidationFailed) as refused:
        assign_scope("occasional_provider", coordinator, [provider.id, provider.id + 7])
    assert (refused.value.field, refused.value.message) == ("provider_ids", f"Structure inconnue : {provider.id + 7}.")
    assert _links(ProviderStaff, coordinator) == 0
    assign_scope("occasional_provider", coordinator, [provider.id])
    assign_scope("occasional_provider", coordinator, [provider.id])
    db.session.commit()
    assert _links(ProviderStaff, coordinator) == 1
