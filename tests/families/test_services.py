"""Household and children use cases, and the helpers other domains rely on."""
from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from app.accounts.access import can
from app.accounts.models import Role
from app.errors import Forbidden, NotFound, ValidationFailed
from app.extensions import db
from app.families import declarations, services
from app.families.models import BenefitScheme, Child, Household, HouseholdMember, SchoolLevel
from app.families.services import ChildData, HouseholdData
from tests.families.factories import guardian, make_child, make_commune, make_family, make_parent, make_user

TODAY = date(2026, 11, 29)


def household_data(**overrides) -> HouseholdData:
    values = dict(address="12 rue du Château-du-Roi", commune_insee="46042", family_quotient=780,
                  family_quotient_valid_until=date(2026, 12, 31), benefit_scheme=BenefitScheme.CAF_GENERAL,
                  guardian_relationship="mère", guardian_works=True)
    values.update(overrides)
    return HouseholdData(**values)


def child_data(**overrides) -> ChildData:
    values = dict(first_name="Lina", last_name="Martin", birth_date=date(2018, 3, 2), school_level=SchoolLevel.CE2,
                  school_name="École Lucie-Aubrac", consent_image=True, consent_outings=False,
                  needs_particular_care=False)
    values.update(overrides)
    return ChildData(**values)


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


# ---------------------------------------------------------------- household

def test_parent_creates_household_and_becomes_its_guardian():
    make_commune()
    parent = make_parent(last_name="Martin")
    household = services.create_household(parent, household_data(), today=TODAY)
    assert household.name == "Foyer Martin"
    # The commune and QF given wait for a staff check: not resident, no QF until then.
    assert household.commune_insee is None and household.family_quotient is None
    pending = declarations.pending_declaration(household.id)
    assert (pending.commune_insee, pending.family_quotient) == ("46042", 780)
    assert services.household_of(parent).id == household.id
    member = db.session.scalar(select(HouseholdMember).where(HouseholdMember.user_id == parent.id))
    assert (member.relationship_to_children, member.works) == ("mère", True)


def test_household_outside_agglomeration_has_no_commune():
    parent = make_parent()
    household = services.create_household(parent, household_data(commune_insee=None), today=TODAY)
    assert household.commune_insee is None and not household.is_resident


def test_household_without_quotient_is_accepted():
    make_commune()
    household = services.create_household(make_parent(), household_data(
        family_quotient=None, family_quotient_valid_until=None), today=TODAY)
    assert household.family_quotient is None


def test_a_parent_has_at_most_one_household():
    household = make_family()
    with pytest.raises(services.HouseholdExists) as error:
        services.create_household(guardian(household), household_data(), today=TODAY)
    assert "déjà rattaché à un foyer" in error.value.message
    assert count(Household) == 1


def test_staff_cannot_create_a_household():
    make_commune()
    with pytest.raises(Forbidden):
        services.create_household(make_user(Role.DIRECTOR), household_data(), today=TODAY)
    assert count(Household) == 0


@pytest.mark.parametrize("overrides, field, message", [
    ({"address": "  "}, "address", "Indiquez l'adresse du foyer."),
    ({"address": "x" * 301}, "address", "trop long"),
    ({"commune_insee": "75056"}, "commune_insee", "Choisissez votre commune dans la liste"),
    ({"family_quotient": -1}, "family_quotient", "entre 0 et 9999"),
    ({"family_quotient": 10000}, "family_quotient", "entre 0 et 9999"),
    ({"family_quotient_valid_until": None}, "family_quotient_valid_until", "jusqu'à quand votre quotient"),
    ({"family_quotient": None}, "family_quotient", "Indiquez le montant de votre quotient familial"),
    ({"family_quotient_valid_until": date(2026, 11, 28)}, "family_quotient_valid_until", "déjà passée"),
    ({"family_quotient_valid_until": date(2029, 1, 1)}, "family_quotient_valid_until", "semble erronée"),
    ({"benefit_scheme": "mutuelle"}, "benefit_scheme", "régime de prestations"),
    ({"name": "n" * 151}, "name", "trop long"),
    ({"guardian_relationship": "r" * 51}, "guardian_relationship", "trop long"),
])
def test_household_refusals_name_the_field_in_french(overrides, field, message):
    make_commune()
    with pytest.raises(ValidationFailed) as error:
        services.create_household(make_parent(), household_data(**overrides), today=TODAY)
    assert error.value.field == field
    assert message in error.value.message
    assert count(Household) == 0 and count(HouseholdMember) == 0


def test_update_household_changes_address_commune_and_guardian_details():
    household = make_family()
    make_commune("46224", "Pradines", 44.465, 1.389)
    parent = guardian(household)
    services.update_household(parent, household_data(address="3 chemin de la Plaine", commune_insee="46224",
                                                     guardian_relationship="père", guardian_works=False),
                              today=TODAY)
    db.session.expire_all()
    household = db.session.get(Household, household.id)
    assert household.address == "3 chemin de la Plaine" and household.commune.name == "Cahors"
    assert declarations.pending_declaration(household.id).commune_insee == "46224"  # waits for a check
    assert household.members[0].relationship_to_children == "père"
    assert household.name == "Foyer Martin"  # an empty name keeps the current one


def test_an_expired_quotient_does_not_block_an_address_change():
    household = make_family(family_quotient_valid_until=date(2025, 12, 31))
    services.update_household(guardian(household), household_data(
        address="1 quai Cavaignac", family_quotient=800, family_quotient_valid_until=date(2025, 12, 31)),
        today=TODAY)
    db.session.expire_all()
    assert db.session.get(Household, household.id).address == "1 quai Cavaignac"


def test_update_household_refused_leaves_it_unchanged():
    household = make_family()
    with pytest.raises(ValidationFailed):
        services.update_household(guardian(household), household_data(address="Nouvelle adresse",
                                                                       family_quotient=-5), today=TODAY)
    db.session.expire_all()
    assert db.session.get(Household, household.id).address == ""


def test_update_without_household_raises_no_household():
    with pytest.raises(services.NoHousehold) as error:
        services.update_household(make_parent(), household_data(), today=TODAY)
    assert "pas encore créé votre foyer" in error.value.message


# ---------------------------------------------------------------- helpers for other domains

def test_household_helpers():
    household = make_family(children=2)
    other = make_family("Durand")
    parent = guardian(household)
    assert services.household_of(parent).id == household.id
    assert services.require_household(parent).id == household.id
    assert [c.first_name for c in services.children_of(parent)] == ["Léo", "Jade"]
    child = household.children[0]
    assert services.get_child_for_guardian(parent, child.id).id == child.id
    assert services.is_guardian(parent, child)
    assert not services.is_guardian(guardian(other), child)
    with pytest.raises(NotFound):
        services.get_child_for_guardian(guardian(other), child.id)
    with pytest.raises(NotFound):
        services.get_child_for_guardian(parent, 999999)
    with pytest.raises(NotFound):
        services.get_child_for_guardian(parent, "abc")


def test_helpers_for_accounts_without_household():
    parent = make_parent()
    director = make_user(Role.DIRECTOR)
    assert services.household_of(parent) is None and services.household_of(director) is None
    assert services.children_of(parent) == [] and services.children_of(director) == []
    with pytest.raises(services.NoHousehold):
        services.require_household(director)


def test_policies_are_registered_and_hide_other_households():
    household = make_family()
    other = make_family("Durand")
    child = household.children[0]
    parent = guardian(household)
    for action in ("families.view_child", "families.edit_child"):
        assert can(parent, action, child)
        assert not can(guardian(other), action, child)
        assert not can(make_user(Role.ADMIN), action, child)
    for action in ("families.view_household", "families.edit_household", "families.manage_contacts",
                   "families.invite_guardian", "families.add_child"):
        assert can(parent, action, household)
        assert not can(guardian(other), action, household)
    assert can(parent, "families.create_household")
    assert not can(make_user(Role.ANIMATOR), "families.create_household")


# ---------------------------------------------------------------- children

def test_add_child_with_consents_and_particular_care():
    household = make_family(children=0)
    child = services.add_child(guardian(household), child_data(needs_particular_care=True), today=TODAY)
    assert child.household_id == household.id
    assert (child.consent_image, child.consent_outings, child.needs_particular_care) == (True, False, True)
    assert child.school_level == SchoolLevel.CE2


@pytest.mark.parametrize("overrides, field, message", [
    ({"birth_date": TODAY + timedelta(days=1)}, "birth_date", "La date de naissance ne peut pas être dans le futur."),
    ({"birth_date": date(2008, 11, 29)}, "birth_date", "semble erronée"),
    ({"birth_date": date(1926, 1, 1)}, "birth_date", "semble erronée"),
    ({"birth_date": None}, "birth_date", "Indiquez la date de naissance de l'enfant."),
    ({"first_name": " "}, "first_name", "Indiquez le prénom de l'enfant."),
    ({"last_name": ""}, "last_name", "Indiquez le nom de famille de l'enfant."),
    ({"school_level": "lycee"}, "school_level", "Choisissez la classe"),
    ({"school_name": "é" * 151}, "school_name", "trop long"),
])
def test_child_refusals(overrides, field, message):
    household = make_family(children=0)
    with pytest.raises(ValidationFailed) as error:
        services.add_child(guardian(household), child_data(**overrides), today=TODAY)
    assert error.value.field == field
    assert message in error.value.message
    assert count(Child) == 0


def test_birth_date_limits():
    assert services.check_birth_date(TODAY, TODAY) == TODAY  # a newborn (Relais)
    assert services.check_birth_date(date(2008, 11, 30), TODAY)  # 17 years old, 18 tomorrow


def test_add_child_without_household():
    with pytest.raises(services.NoHousehold):
        services.add_child(make_parent(), child_data(), today=TODAY)


def test_update_child():
    household = make_family()
    child = household.children[0]
    services.update_child(guardian(household), child.id, child_data(first_name="Léon", consent_outings=True),
                          today=TODAY)
    db.session.expire_all()
    child = db.session.get(Child, child.id)
    assert child.first_name == "Léon" and child.consent_outings


def test_update_child_of_another_household_is_not_found_and_unchanged():
    household = make_family()
    other = make_family("Durand")
    child = household.children[0]
    with pytest.raises(NotFound):
        services.update_child(guardian(other), child.id, child_data(first_name="Pirate"), today=TODAY)
    db.session.expire_all()
    assert db.session.get(Child, child.id).first_name == "Léo"


def test_refused_child_update_changes_nothing():
    household = make_family()
    child = household.children[0]
    with pytest.raises(ValidationFailed):
        services.update_child(guardian(household), child.id,
                              child_data(first_name="Autre", birth_date=TODAY + timedelta(days=3)), today=TODAY)
    db.session.expire_all()
    assert db.session.get(Child, child.id).first_name == "Léo"


def test_remove_child():
    household = make_family(children=2)
    services.remove_child(guardian(household), household.children[0].id)
    assert count(Child) == 1


def test_remove_child_of_another_household_is_not_found():
    household = make_family()
    other = make_family("Durand")
    with pytest.raises(NotFound):
        services.remove_child(guardian(other), household.children[0].id)
    assert count(Child) == 2


def test_another_domain_can_refuse_a_child_removal(monkeypatch):
    household = make_family()
    from app.registries import current

    monkeypatch.setattr(current(services.FamiliesRegistry), "child_removal_checks", [])
    services.register_child_removal_check(lambda child: "Léo a des séances réservées.")
    with pytest.raises(services.ChildNotRemovable) as error:
        services.remove_child(guardian(household), household.children[0].id)
    assert error.value.message == "Léo a des séances réservées."
    assert count(Child) == 1


def test_child_helpers_refuse_staff():
    household = make_family()
    child = make_child(household, first_name="Zoé")
    assert not services.is_guardian(make_user(Role.DIRECTOR), child)


def test_household_creation_race_is_a_conflict_not_a_second_household(monkeypatch):
    """Two submissions of the creation form at once: the unique guardian account keeps one household."""
    household = make_family()
    parent = guardian(household)
    monkeypatch.setattr(services, "household_id_of", lambda user: None)  # as if both passed the check
    with pytest.raises(services.HouseholdExists):
        services.create_household(parent, household_data(), today=TODAY)
    monkeypatch.undo()
    assert count(Household) == 1 and services.household_of(parent).id == household.id
