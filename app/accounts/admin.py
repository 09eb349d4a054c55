"""Account administration: search, edit (role, scopes, e-mail) and reset links, with an audit trail.

Each public function is one use case (one transaction). Access is the named action
Action.MANAGE_ACCOUNTS (administrators), refused with 403 (the page is not secret, the accounts are).
Every change writes an AccountAuditEntry in the same transaction as the change.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from email_validator import EmailNotValidError, validate_email
from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, or_, select

from app.accounts import services, tokens
from app.accounts.access import Action, administers, gives_up_administration, may_give_role, policy, require
from app.accounts.models import AccountAuditEntry, Role, User
from app.accounts.scopes import scope_ids, set_scope
from app.errors import Conflict, NotFound, ValidationFailed
from app.extensions import db
from app.text_search import contains
from app.transactions import use_case

PER_PAGE = 25
MAX_PAGE = 100_000

_SITE_ROLES = frozenset({Role.DIRECTOR, Role.ANIMATOR})


# What each audit action means, for the account page.
AUDIT_LABELS = {
    "role": _l("Rôle modifié"),
    "site": _l("Accueils de loisirs modifiés"),
    "relais": _l("Relais modifiés"),
    "email": _l("Adresse e-mail modifiée (à confirmer par la personne)"),
    "reset_link": _l("Lien de réinitialisation du mot de passe envoyé"),
    "activated": _l("Compte réactivé"),
    "deactivated": _l("Compte désactivé"),
}


@policy(Action.MANAGE_ACCOUNTS, hide=False)
def _can_manage_accounts(user: User, _obj=None) -> bool:
    return administers(user)


class LastAdministrator(Conflict):
    code = "last_administrator"


@dataclass
class AccountPage:
    users: list[User]
    total: int
    page: int
    per_page: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))

    @property
    def has_previous(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages


def search_accounts(admin: User, query: str = "", role: str | Role | None = None, page: int = 1,
                    per_page: int = PER_PAGE) -> AccountPage:
    """One page of accounts matching `query` (part of the name or e-mail, any case) and `role`.

    Sorted by last name, first name, e-mail; `total` counts every match. A page past the last
    gives the last page. Raises Forbidden (not an administrator), ValidationFailed (unknown role).
    """
    require(admin, Action.MANAGE_ACCOUNTS)
    conditions = []
    words = (query or "").strip().lower().split()[:5]
    for word in words:
        word = word[:100]
        conditions.append(or_(contains(User.email, word), contains(User.first_name, word),
                              contains(User.last_name, word)))
    if role:
        try:
            conditions.append(User.role == Role(role))
        except ValueError:
            raise ValidationFailed(_("Choisissez un rôle dans la liste."), field="role") from None
    total = db.session.scalar(select(func.count(User.id)).where(*conditions)) or 0
    pages = max(1, -(-total // per_page))
    page = min(max(1, int(page or 1)), pages)
    users = list(db.session.scalars(
        select(User).where(*conditions).order_by(func.lower(User.last_name), func.lower(User.first_name),
                                                 User.email, User.id)
        .limit(per_page).offset((page - 1) * per_page)))
    return AccountPage(users, total, page, per_page)


def get_account(admin: User, user_id: int) -> User:
    require(admin, Action.MANAGE_ACCOUNTS)
    user = db.session.get(User, user_id)
    if user is None:
        raise NotFound()
    return user


def account_scopes(admin: User, user: User) -> tuple[set[int], set[int]]:
    """(site ids, relais ids) of `user`."""
    require(admin, Action.MANAGE_ACCOUNTS)
    return scope_ids("site", user), scope_ids("relais", user)


@dataclass
class AccountChanges:
    email: str
    role: Role | str
    site_ids: list[int] = field(default_factory=list)
    relais_ids: list[int] = field(default_factory=list)


def _audit(admin: User, user: User, action: str, details: str = "") -> None:
    db.session.add(AccountAuditEntry(user_id=user.id, actor_id=admin.id, action=action, details=details[:1000]))


def _active_admins_other_than(user: User) -> int:
    return db.session.scalar(select(func.count(User.id)).where(
        User.role == Role.ADMIN, User.active.is_(True), User.id != user.id)) or 0


def check_scopes(role: Role, site_ids: list[int], relais_ids: list[int]) -> None:
    """Directors and animators need a site, Relais staff a relais. Raises ValidationFailed."""
    if role in _SITE_ROLES and not site_ids:
        raise ValidationFailed(_("Un directeur ou un animateur doit être rattaché à au moins un accueil."),
                               field="site_ids")
    if role == Role.RAM_STAFF and not relais_ids:
        raise ValidationFailed(_("Un compte du Relais doit être rattaché à au moins un relais."),
                               field="relais_ids")


@use_case
def update_account(admin: User, user_id: int, changes: AccountChanges) -> User:
    """Change an account's role, sites, relais and e-mail address; each change is audited.

    Rules: the address is valid and unused by another account; a new address is
    unverified until its owner opens the confirmation link sent to it (as at
    registration), and the account's sessions and links end; the last active
    administrator keeps the admin role; parent and childminder accounts keep
    their role (they own a household or a file) and no staff account becomes
    one; directors and animators keep at least one site, Relais staff one relais;
    the scopes a role does not use are withdrawn.
    Raises Forbidden, NotFound, ValidationFailed, EmailTaken, LastAdministrator.
    """
    user = get_account(admin, user_id)
    try:
        role = Role(changes.role)
    except ValueError:
        raise ValidationFailed(_("Choisissez un rôle dans la liste."), field="role") from None
    if not may_give_role(user, role):
        raise ValidationFailed(_("Le rôle d'un compte de parent ou d'assistante maternelle ne change pas, "
                                 "et un compte du personnel ne devient pas l'un d'eux : créez plutôt "
                                 "un autre compte."), field="role")
    if gives_up_administration(user, role) and _active_admins_other_than(user) == 0:
        raise LastAdministrator(_("C'est le dernier compte administrateur actif : il garde ce rôle. "
                                  "Nommez d'abord un autre administrateur."), field="role")
    site_ids = sorted(set(changes.site_ids)) if role in _SITE_ROLES else []
    relais_ids = sorted(set(changes.relais_ids)) if role == Role.RAM_STAFF else []
    check_scopes(role, site_ids, relais_ids)
    raw_email = (changes.email or "").strip()
    try:
        email = services.normalise_email(validate_email(raw_email, check_deliverability=False).normalized)
    except EmailNotValidError:
        raise ValidationFailed(_("Saisissez une adresse e-mail valide, par exemple nom@exemple.fr."),
                               field="email") from None
    if len(email) > 254:
        raise ValidationFailed(_("Cette adresse e-mail est trop longue."), field="email")

    if role != user.role:
        _audit(admin, user, "role", f"{user.role.value} → {role.value}")
        user.role = role
    for kind, wanted in (("site", site_ids), ("relais", relais_ids)):
        held = scope_ids(kind, user)
        if held != set(wanted):
            set_scope(kind, user, wanted)
            _audit(admin, user, kind, f"{sorted(held)} → {wanted}")
    if email != user.email:
        other = services.find_user_by_email(email)
        if other is not None and other.id != user.id:
            raise services.EmailTaken(_("Un compte existe déjà avec cette adresse e-mail."), field="email")
        _audit(admin, user, "email", f"{user.email} → {email}")
        user.email = email
        user.email_verified_at = None
        # The old address's links and sessions stop; the owner proves the new one.
        tokens.retire_all(user)
        user.session_version = user.session_version + 1
        db.session.flush()
        services.queue_email_verification(user)
    return user


@use_case
def send_reset_link(admin: User, user_id: int) -> None:
    """E-mail the account a password-reset link (queued in the outbox). The secret is never returned
    nor shown to the administrator. Raises Forbidden, NotFound, ValidationFailed (disabled account)."""
    user = get_account(admin, user_id)
    if not user.active:
        raise ValidationFailed(_("Ce compte est désactivé : réactivez-le avant d'envoyer un lien."))
    services.queue_reset_link(user)
    _audit(admin, user, "reset_link", "")


def set_active(admin: User, user_id: int, active: bool) -> User:
    """Enable or disable an account; never one's own, nor the last active administrator."""
    user = get_account(admin, user_id)
    if user.id == admin.id:
        raise ValidationFailed(_("Vous ne pouvez pas désactiver votre propre compte."))
    if not active and administers(user) and _active_admins_other_than(user) == 0:
        raise LastAdministrator(_("C'est le dernier compte administrateur actif : il reste actif."))
    _audit(admin, user, "activated" if active else "deactivated")
    services.set_active(user, active)  # commits
    return user


def audit_trail(admin: User, user: User, limit: int = 20) -> list[AccountAuditEntry]:
    require(admin, Action.MANAGE_ACCOUNTS)
    return list(db.session.scalars(select(AccountAuditEntry).where(AccountAuditEntry.user_id == user.id)
                                   .order_by(AccountAuditEntry.created_at.desc(), AccountAuditEntry.id.desc())
                                   .limit(limit)))


def reset_max_minutes() -> int:
    return current_app.config["PASSWORD_RESET_MAX_AGE"] // 60
