"""Headers, cookie and session rules applied to every request; the proxy and host checks."""
from __future__ import annotations

from flask import Flask, request, session
from flask_login import current_user, logout_user
from werkzeug.middleware.proxy_fix import ProxyFix

from app import clock

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


class TrustedProxies:
    """Werkzeug's ProxyFix for TRUSTED_PROXIES proxies, read from the configuration at each request.

    With n proxies, the client address and scheme are the n-th values from the
    right of X-Forwarded-For / X-Forwarded-Proto (the ones our own proxies
    wrote); a client cannot pass for another by sending the header itself.
    With 0 (the default), the headers are ignored. X-Forwarded-Host is never
    trusted: the Host header is checked against TRUSTED_HOSTS instead.
    """

    def __init__(self, app: Flask, wsgi_app):
        self.app = app
        self.wsgi_app = wsgi_app
        self._fixed: dict[int, ProxyFix] = {}

    def __call__(self, environ, start_response):
        count = int(self.app.config.get("TRUSTED_PROXIES") or 0)
        if count <= 0:
            return self.wsgi_app(environ, start_response)
        fixed = self._fixed.get(count)
        if fixed is None:
            fixed = self._fixed[count] = ProxyFix(self.wsgi_app, x_for=count, x_proto=count, x_host=0,
                                                  x_port=0, x_prefix=0)
        return fixed(environ, start_response)


SESSION_AUTH_AT = "_auth_at"
SESSION_SEEN_AT = "_seen_at"
SEEN_AT_GRANULARITY = 60  # seconds: the cookie is rewritten at most once a minute for the idle clock


def mark_session_start() -> None:
    """Called right after a log-in: the absolute and idle clocks of this session start now."""
    now = int(clock.now().timestamp())
    session[SESSION_AUTH_AT] = now
    session[SESSION_SEEN_AT] = now


def end_expired_session() -> None:
    """Log out a session older than SESSION_ABSOLUTE_LIFETIME since its log-in, or idle for longer
    than PERMANENT_SESSION_LIFETIME (ASVS 5.0, 7.3). A session without these marks (from before
    they existed) is ended too."""
    from flask import current_app

    if request.path.startswith(("/static/", "/api/")) or not current_user.is_authenticated:
        return
    now = int(clock.now().timestamp())
    config = current_app.config
    idle = config["PERMANENT_SESSION_LIFETIME"]
    idle = idle.total_seconds() if hasattr(idle, "total_seconds") else idle
    auth_at, seen_at = session.get(SESSION_AUTH_AT), session.get(SESSION_SEEN_AT)
    if (not isinstance(auth_at, int) or not isinstance(seen_at, int)
            or now - auth_at > config["SESSION_ABSOLUTE_LIFETIME"] or now - seen_at > idle):
        lang = session.get("lang")
        logout_user()
        session.clear()
        if lang:
            session["lang"] = lang
        return
    if now - seen_at >= SEEN_AT_GRANULARITY:
        session[SESSION_SEEN_AT] = now


def refuse_untrusted_host(error):
    """A Host outside TRUSTED_HOSTS: 400, in plain text. No page template here: without a
    trusted host there is no URL adapter, so nothing may be built (nor any link from that Host)."""
    from flask import Response

    return Response("Bad Request: unknown host.\n", status=400, mimetype="text/plain")


def register_security(app: Flask) -> None:
    from werkzeug.exceptions import SecurityError

    app.wsgi_app = TrustedProxies(app, app.wsgi_app)
    app.register_error_handler(SecurityError, refuse_untrusted_host)
    app.before_request(refuse_nul_characters)
    app.before_request(end_expired_session)

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
