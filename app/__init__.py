"""Pitchoun: the families services application of the Grand Cahors agglomeration."""
from __future__ import annotations

import os
from pathlib import Path

from flask import Flask, session
from flask_login import current_user

from config import CONFIGS, Config


def create_app(config: type[Config] | dict | str | None = None) -> Flask:
    """Build the application.

    `config` is a Config class, a dict of overrides on the development
    configuration, a name ("development", "testing", "production") or None,
    in which case PITCHOUN_CONFIG (default "development") chooses.
    """
    app = Flask(__name__, instance_path=str(Path(os.environ.get(
        "PITCHOUN_INSTANCE_DIR", Path(__file__).resolve().parent.parent / "instance"))))
    if config is None:
        config = os.environ.get("PITCHOUN_CONFIG", "development")
    if isinstance(config, str):
        config = CONFIGS[config]
    if isinstance(config, dict):
        app.config.from_object(Config)
        app.config.update(config)
    else:
        # A configuration that must refuse to start (production without a secret key) says so
        # itself: compared by behaviour, not by class identity (config.py may have been reloaded).
        check = getattr(config, "check", None)
        if callable(check):
            check()
        app.config.from_object(config)
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)

    from app.models import import_all_models

    import_all_models()
    _init_extensions(app)
    from app.urls import register_converters

    register_converters(app)  # before any route is added: every <int:...> is bounded
    from app.composition import compose

    compose(app)  # the composition root: every registry, registration, blueprint and command

    from app.errors import register_error_handlers
    from app.security import register_security

    register_error_handlers(app)
    register_security(app)
    return app


def _init_extensions(app: Flask) -> None:
    from app.extensions import babel, csrf, db, limiter, login_manager, migrate

    db.init_app(app)
    migrate.init_app(app, db, render_as_batch=True, compare_type=True)
    csrf.init_app(app)
    limiter.init_app(app)
    babel.init_app(app, locale_selector=_select_locale, timezone_selector=lambda: "Europe/Paris")

    login_manager.init_app(app)
    login_manager.login_view = "accounts.login"
    login_manager.login_message = None  # the login page explains itself
    # "basic", not "strong": a phone changing networks changes its address,
    # and parents must not be logged out mid-booking. Sessions are revoked
    # server-side through the account's session version instead.
    login_manager.session_protection = "basic"

    from app.accounts.models import User

    @login_manager.user_loader
    def load_user(user_id: str):
        try:
            uid, version = (int(part) for part in user_id.split(":"))
        except ValueError:
            return None
        user = db.session.get(User, uid)
        if user is None or user.session_version != version or not user.active:
            return None
        return user

    @app.context_processor
    def inject_globals():
        from app.accounts.access import can
        from app.navigation import main_tasks, navigation_for

        return {"can": can, "navigation": navigation_for(current_user), "main_tasks": main_tasks(current_user),
                "current_locale": _select_locale()}


def _select_locale() -> str:
    from flask import current_app, has_request_context

    if not has_request_context():
        return current_app.config["BABEL_DEFAULT_LOCALE"]
    lang = session.get("lang")
    if lang in current_app.config["LANGUAGES"]:
        return lang
    return current_app.config["BABEL_DEFAULT_LOCALE"]
