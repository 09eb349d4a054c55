"""Former name of app.accounts.access (issue 21: permission modules are all called `access`).

Kept as an alias while the importers move to app.accounts.access; it holds no rule.
"""
from app.accounts.access import can, policy, registered_actions, require, roles_required  # noqa: F401
