"""Headers and cookie rules applied to every response."""
from __future__ import annotations

from flask import Flask, request
from flask_login import current_user

CSP = "; ".join([
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    "font-src 'self'",
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
])

PUBLIC_CACHEABLE_PREFIXES = ("/static/",)


def _has_nul(value) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(_has_nul(k) or _has_nul(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_has_nul(v) for v in value)
    return False


def refuse_nul_characters() -> None:
    """No text with a NUL character reaches the services: PostgreSQL refuses it in a
    string (a 500), and no person types one. Query string, form fields, file names, JSON.
    The refusal names the field at fault."""
    from flask_babel import gettext as _

    from app.errors import ValidationFailed

    pairs = list(request.args.items(multi=True)) + list(request.form.items(multi=True))
    pairs += [(name, f.filename or "") for name, f in request.files.items(multi=True)]
    if request.is_json:
        data = request.get_json(silent=True)
        pairs += list(data.items()) if isinstance(data, dict) else [("", data)]
    for key, value in pairs:
        if _has_nul(key) or _has_nul(value):
            name = key if isinstance(key, str) and not _has_nul(key) else ""
            raise ValidationFailed(_("Le champ « %(name)s » contient des caractères non autorisés (caractère nul).",
                                     name=name), field=name or None)


def register_security(app: Flask) -> None:
    app.before_request(refuse_nul_characters)

    @app.after_request
    def set_security_headers(response):
        headers = response.headers
        headers.setdefault("Content-Security-Policy", CSP)
        headers.setdefault("X-Content-Type-Options", "nosniff")
        headers.setdefault("X-Frame-Options", "DENY")
        headers.setdefault("Referrer-Policy", "same-origin")
        headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
        headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
        if app.config.get("HSTS"):
            headers.setdefault("Strict-Transport-Security", "max-age=63072000; includeSubDomains")
        # Pages with personal data must not linger in shared caches or the
        # back-button history of a family centre's computer.
        # A 503 (database unreachable) sets no-store itself and must not look up the user again.
        if response.status_code != 503 and not request.path.startswith(PUBLIC_CACHEABLE_PREFIXES) and (
            current_user.is_authenticated or request.path.startswith("/api/")
            or "Authorization" in request.headers
        ):
            headers["Cache-Control"] = "no-store"
            headers["Pragma"] = "no-cache"
        return response
