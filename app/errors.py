"""Domain errors and their one mapping to HTTP, for HTML pages and the JSON API.

Every domain raises subclasses of DomainError with a stable `code` and a
French `message`; views never build error responses by hand.
"""
from __future__ import annotations

from flask import Flask, current_app, jsonify, make_response, render_template, request
from flask_babel import lazy_gettext as _l
from sqlalchemy import exc as sa_exc
from werkzeug.exceptions import HTTPException


class DomainError(Exception):
    """A refused use case. `code` is stable (API clients rely on it)."""

    code = "error"
    http_status = 422
    default_message = _l("La demande n'a pas pu être traitée.")

    def __init__(self, message: str | None = None, *, code: str | None = None, field: str | None = None):
        self.message = str(message) if message is not None else str(self.default_message)
        if code:
            self.code = code
        self.field = field
        super().__init__(self.message)

    def to_dict(self) -> dict:
        body = {"code": self.code, "message": self.message}
        if self.field:
            body["field"] = self.field
        return body


class ValidationFailed(DomainError):
    code = "invalid"
    http_status = 422
    default_message = _l("Les informations saisies ne sont pas valides.")


class NotFound(DomainError):
    """Also raised for another household's objects: we never confirm they exist."""

    code = "not_found"
    http_status = 404
    default_message = _l("Cette page ou cet élément n'existe pas.")


class Forbidden(DomainError):
    code = "forbidden"
    http_status = 403
    default_message = _l("Vous n'avez pas accès à cette page.")


class Conflict(DomainError):
    code = "conflict"
    http_status = 409
    default_message = _l("Cette action n'est pas possible dans l'état actuel.")


def wants_json() -> bool:
    return request.path.startswith("/api/")


HTTP_MESSAGES = {
    400: _l("La demande est mal formée."),
    401: _l("Vous devez vous connecter."),
    403: _l("Vous n'avez pas accès à cette page."),
    404: _l("Cette page n'existe pas."),
    405: _l("Cette action n'est pas autorisée ici."),
    409: _l("Cette action n'est pas possible dans l'état actuel."),
    413: _l("Le fichier envoyé est trop volumineux."),
    422: _l("Les informations saisies ne sont pas valides."),
    429: _l("Trop de tentatives. Merci de patienter quelques minutes avant de réessayer."),
    503: _l("Le service est momentanément indisponible. Merci de réessayer dans quelques secondes."),
    500: _l("Une erreur inattendue s'est produite. L'équipe technique a été prévenue."),
}

HTTP_CODES = {400: "bad_request", 401: "unauthorized", 403: "forbidden", 404: "not_found",
              405: "method_not_allowed", 409: "conflict", 413: "too_large", 422: "invalid",
              429: "rate_limited", 500: "server_error", 503: "unavailable"}

# Seconds a client should wait before retrying when the database cannot be reached (a restart
# of PostgreSQL takes a few seconds; the API's Idempotency-Key makes the retry safe).
RETRY_AFTER_SECONDS = 5


def is_database_unavailable(error: BaseException) -> bool:
    """True for the errors of a database that cannot be reached or went away mid-request: a
    refused or dropped connection, a pool that cannot hand one out, a SQLite file locked past its
    wait. Not for a mistake in a query (those stay 500s, logged)."""
    if isinstance(error, (sa_exc.DisconnectionError, sa_exc.TimeoutError)):
        return True
    if isinstance(error, sa_exc.DBAPIError):
        if error.connection_invalidated:
            return True
        if isinstance(error, sa_exc.OperationalError):
            text = str(error.orig).lower()
            # SQLite: only the lock and open failures; a missing table is a bug, not an outage.
            if type(error.orig).__module__.startswith("sqlite3"):
                return any(word in text for word in ("locked", "unable to open", "disk i/o", "busy"))
            return True
    return False


def unavailable_response():
    """503, Retry-After and a French message, without touching the database: the HTML page is a
    standalone template rendered without the context processors (which read the logged-in user)."""
    message = str(HTTP_MESSAGES[503])
    if wants_json():
        response = make_response(jsonify({"error": {"code": HTTP_CODES[503], "message": message}}), 503)
    else:
        body = current_app.jinja_env.get_template("errors/503.html").render(message=message)
        response = make_response(body, 503)
        response.mimetype = "text/html"
    response.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
    response.headers["Cache-Control"] = "no-store"
    return response


def error_response(status: int, code: str, message: str, field: str | None = None):
    if wants_json():
        body = {"code": code, "message": message}
        if field:
            body["field"] = field
        return make_response(jsonify({"error": body}), status)
    template = f"errors/{status}.html" if status in (403, 404, 500) else "errors/generic.html"
    return make_response(render_template(template, status=status, message=message), status)


def close_session_after_request(_error: BaseException | None = None) -> None:
    """End the request's database session even when the database went away after the answer was
    built: the closing ROLLBACK then fails on a dead connection, and left to Flask-SQLAlchemy's own
    teardown it would turn a finished 200 into a 500. The dead connection is invalidated (the pool
    drops it) and the answer goes out. Any other failure is a bug and is raised."""
    from app.extensions import db

    try:
        db.session.close()
    except Exception as error:
        if not is_database_unavailable(error):
            raise
        current_app.logger.warning("Database went away before the session closed: %s", error)
        db.session().invalidate()


def register_error_handlers(app: Flask) -> None:
    # Teardown functions run in reverse order of registration: this one runs before
    # Flask-SQLAlchemy's (registered by db.init_app), which then finds the session closed.
    app.teardown_appcontext(close_session_after_request)

    @app.errorhandler(DomainError)
    def handle_domain_error(error: DomainError):
        return error_response(error.http_status, error.code, error.message, error.field)

    @app.errorhandler(HTTPException)
    def handle_http_error(error: HTTPException):
        status = error.code or 500
        message = str(HTTP_MESSAGES.get(status, error.name))
        # CSRF failures carry a useful description for the user.
        if status == 400 and "CSRF" in (error.description or ""):
            message = str(_l("Le formulaire a expiré ou n'a pas été envoyé depuis ce site. "
                             "Rechargez la page et recommencez."))
            return error_response(400, "csrf", message)
        response = error_response(status, HTTP_CODES.get(status, "error"), message)
        if status == 405 and error.valid_methods:
            response.headers["Allow"] = ", ".join(error.valid_methods)
        return response

    @app.errorhandler(Exception)
    def handle_unexpected(error: Exception):
        from app.extensions import db

        if is_database_unavailable(error):
            app.logger.warning("Database unavailable on %s %s: %s", request.method, request.path, error)
            try:
                db.session.rollback()
            except Exception:  # the connection is gone: nothing to roll back
                db.session().invalidate()
            return unavailable_response()
        app.logger.exception("Unhandled error on %s %s", request.method, request.path)
        db.session.rollback()
        return error_response(500, "server_error", str(HTTP_MESSAGES[500]))
