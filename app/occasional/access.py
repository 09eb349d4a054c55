"""Who may do what in occasional care: coordinators and staff scoped to providers.

Parents book through booking's BOOK_FOR_CHILD rule (their household's children).
A coordinator is a user with the director role attached to a provider
(ProviderStaff); an animator attached to a provider sees its day view.
"""
from __future__ import annotations

from sqlalchemy import select

from app.accounts.access import policy
from app.accounts.models import Role, User
from app.extensions import db


class Action:
    MANAGE_PROVIDER = "occasional.manage_provider"  # answer urgent requests
    VIEW_PROVIDER = "occasional.view_provider"  # day view, attendance
    ADMINISTER = "occasional.administer"  # providers, opening hours, tariffs, coordinators


# Accounts that may be attached to a provider (ProviderStaff): a director is its
# coordinator (answers urgent requests), an animator sees its day view.
PROVIDER_STAFF_ROLES = (Role.DIRECTOR, Role.ANIMATOR)


def may_join_provider(user: User) -> bool:
    """Only an active account with a director's or an animator's role is attached to a provider."""
    return user.role in PROVIDER_STAFF_ROLES and user.active


def coordinates_providers(user: User) -> bool:
    """A director attached to a provider coordinates it; an animator is part of its team."""
    return user.role == Role.DIRECTOR


def requests_care(user: User) -> bool:
    """Only a parent asks for care for their child."""
    return user.role == Role.PARENT


def provider_ids_of(user: User) -> set[int]:
    from app.occasional.models import OccasionalProvider, ProviderStaff

    if user.role == Role.ADMIN:
        return set(db.session.scalars(select(OccasionalProvider.id)))
    if user.role not in PROVIDER_STAFF_ROLES:
        return set()
    return set(db.session.scalars(select(ProviderStaff.provider_id).where(ProviderStaff.user_id == user.id)))


def _pid(obj) -> int | None:
    return obj if isinstance(obj, int) else getattr(obj, "id", None)


@policy(Action.MANAGE_PROVIDER)
def _can_manage(user: User, provider) -> bool:
    if user.role == Role.ADMIN:
        return True
    return user.role == Role.DIRECTOR and _pid(provider) in provider_ids_of(user)


@policy(Action.VIEW_PROVIDER)
def _can_view(user: User, provider) -> bool:
    if user.role == Role.ADMIN:
        return True
    return user.role in (Role.DIRECTOR, Role.ANIMATOR) and _pid(provider) in provider_ids_of(user)


@policy(Action.ADMINISTER, hide=False)
def _can_administer(user: User, _obj=None) -> bool:
    return user.role == Role.ADMIN
