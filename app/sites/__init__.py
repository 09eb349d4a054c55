"""Sites (shared kernel): the leisure centres every domain refers to, and the staff attached to them.

`models.py` holds `Site` and `SiteStaff`; `scopes.py` attaches directors and animators to sites (the
"site" staff scope of accounts/scopes.py); `access.py` answers which sites an account may act on.
The kernel imports no domain: booking adds a site's activities (`Site.activities`) from its own models.
"""
