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


def register_security(app: Flask) -> None:
    @app.before_request
    def refuse_nul_bytes():
        """No text a person types contains a NUL byte; PostgreSQL cannot store one."""
        for values in (request.args, request.form):
            for value in values.values():
                if "\x00" in value:
                    from flask import abort

                    abort(400)

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
        if not request.path.startswith(PUBLIC_CACHEABLE_PREFIXES) and (
            current_user.is_authenticated or request.path.startswith("/api/")
            or "Authorization" in request.headers
        ):
            headers["Cache-Control"] = "no-store"
            headers["Pragma"] = "no-cache"
        return response
