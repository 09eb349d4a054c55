"""Application configuration, read from the environment.

`Config` is the development default (SQLite under instance/), `TestConfig`
is used by the test suite, `ProductionConfig` refuses to start without a real
SECRET_KEY. `DATABASE_URL` selects another database, for example
postgresql+psycopg://user@host/dbname.
"""
from __future__ import annotations

import json
import os
from decimal import Decimal
from pathlib import Path
from urllib.parse import urlsplit

BASE_DIR = Path(__file__).resolve().parent
INSTANCE_DIR = Path(os.environ.get("PITCHOUN_INSTANCE_DIR", BASE_DIR / "instance"))


def _database_url(default: str) -> str:
    url = os.environ.get("DATABASE_URL", default)
    # Heroku-style URLs name the old driver; psycopg 3 is the one installed.
    if url.startswith("postgres://"):
        url = "postgresql+psycopg://" + url[len("postgres://"):]
    elif url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://"):]
    return url


DEV_SECRET_KEY = "dev-only-not-secret"


def _flag(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or not value.strip():
        return default
    return value.strip().lower() not in ("0", "false", "no", "off")


def _host_list(name: str) -> list[str] | None:
    value = os.environ.get(name, "")
    hosts = [h.strip() for h in value.split(",") if h.strip()]
    return hosts or None


def _json_dict(name: str) -> dict:
    value = os.environ.get(name, "").strip()
    return dict(json.loads(value)) if value else {}


def _payment_options() -> dict:
    options = _json_dict("PAYMENT_OPTIONS")
    if os.environ.get("PAYFIP_NUMCLI"):
        options["numcli"] = os.environ["PAYFIP_NUMCLI"]
    return options


def _host_of(url: str) -> str:
    return urlsplit(url).hostname or ""


class Config:
    SECRET_KEY = os.environ.get("SECRET_KEY", DEV_SECRET_KEY)
    SQLALCHEMY_DATABASE_URI = _database_url(f"sqlite:///{INSTANCE_DIR / 'pitchoun.db'}")
    SQLALCHEMY_ENGINE_OPTIONS: dict = {"pool_pre_ping": True}

    # Sessions and cookies
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = False
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    PERMANENT_SESSION_LIFETIME = 60 * 60 * 8  # idle: the cookie dies 8 h after the last request
    # Absolute: a log-in is good for this long at most, however active the session.
    SESSION_ABSOLUTE_LIFETIME = int(os.environ.get("SESSION_ABSOLUTE_LIFETIME", str(60 * 60 * 12)))
    WTF_CSRF_TIME_LIMIT = 60 * 60 * 8
    HSTS = False

    # Internationalisation
    BABEL_DEFAULT_LOCALE = "fr"
    BABEL_DEFAULT_TIMEZONE = "Europe/Paris"
    LANGUAGES = ["fr", "en"]

    # Rate limits: memory by default, Redis when RATELIMIT_STORAGE_URI says so
    RATELIMIT_STORAGE_URI = os.environ.get("RATELIMIT_STORAGE_URI", "memory://")
    RATELIMIT_ENABLED = _flag("RATELIMIT_ENABLED", True)
    # Refused log-ins (web form and API together) after which the account's password is
    # not checked for the rest of the window; the owner signs in with an e-mailed link.
    LOGIN_FAILURES_PER_ACCOUNT = os.environ.get("LOGIN_FAILURES_PER_ACCOUNT", "5 per 15 minutes")
    # Refused log-ins from one client address (the proxy-aware one, see TRUSTED_PROXIES).
    LOGIN_FAILURES_PER_ADDRESS = os.environ.get("LOGIN_FAILURES_PER_ADDRESS", "30 per 15 minutes")
    SIGN_IN_LINKS_PER_ACCOUNT = os.environ.get("SIGN_IN_LINKS_PER_ACCOUNT", "5 per hour")
    SIGN_IN_LINK_MAX_AGE = 15 * 60
    SIGN_IN_LINK_REQUESTS_PER_ADDRESS = os.environ.get("SIGN_IN_LINK_REQUESTS_PER_ADDRESS", "20 per hour")
    REGISTRATIONS_PER_ADDRESS = os.environ.get("REGISTRATIONS_PER_ADDRESS", "10 per hour")
    REGISTRATION_EMAILS_PER_ADDRESS = os.environ.get("REGISTRATION_EMAILS_PER_ADDRESS", "3 per hour")
    PASSWORD_RESETS_PER_ADDRESS = os.environ.get("PASSWORD_RESETS_PER_ADDRESS", "10 per hour")
    EMAIL_VERIFICATION_MAX_AGE = 48 * 3600

    # Reverse proxies in front of the application (0: none). With 1, the client
    # address and scheme are read from the last X-Forwarded-For / X-Forwarded-Proto
    # value, which that proxy wrote (werkzeug.middleware.proxy_fix.ProxyFix).
    TRUSTED_PROXIES = int(os.environ.get("TRUSTED_PROXIES", "0"))
    # Host names the application answers to (Flask's host check); None: any (development).
    TRUSTED_HOSTS = _host_list("TRUSTED_HOSTS")

    # Passwords: argon2id, OWASP ASVS 5.0 (m=19 MiB, t=2, p=1 is the minimum)
    ARGON2_TIME_COST = 3
    ARGON2_MEMORY_COST = 65_536  # KiB
    ARGON2_PARALLELISM = 1
    PASSWORD_MIN_LENGTH = 12
    PASSWORD_RESET_MAX_AGE = 60 * 60  # seconds

    # E-mail
    MAIL_SERVER = os.environ.get("MAIL_SERVER", "127.0.0.1")
    MAIL_PORT = int(os.environ.get("MAIL_PORT", "1025"))
    MAIL_USE_STARTTLS = os.environ.get("MAIL_USE_STARTTLS", "0") == "1"
    MAIL_USERNAME = os.environ.get("MAIL_USERNAME")
    MAIL_PASSWORD = os.environ.get("MAIL_PASSWORD")
    MAIL_SENDER = os.environ.get("MAIL_SENDER", "Pitchoun - Grand Cahors <pitchoun@grandcahors.fr>")
    MAIL_MAX_ATTEMPTS = int(os.environ.get("MAIL_MAX_ATTEMPTS", "8"))
    MAIL_TIMEOUT = int(os.environ.get("MAIL_TIMEOUT", "30"))
    MAIL_CLAIM_TIMEOUT = int(os.environ.get("MAIL_CLAIM_TIMEOUT", "600"))
    MAIL_RETRY_BASE_DELAY = int(os.environ.get("MAIL_RETRY_BASE_DELAY", "60"))
    MAIL_RETRY_MAX_DELAY = int(os.environ.get("MAIL_RETRY_MAX_DELAY", str(6 * 3600)))
    MAIL_TLS_CA_FILE = os.environ.get("MAIL_TLS_CA_FILE")
    OUTBOX_POLL_INTERVAL = int(os.environ.get("OUTBOX_POLL_INTERVAL", "10"))
    OUTBOX_RETENTION_DAYS = int(os.environ.get("OUTBOX_RETENTION_DAYS", "90"))
    PUBLIC_BASE_URL = os.environ.get("PUBLIC_BASE_URL", "http://127.0.0.1:5000")

    # Uploads (inclusion documents) live outside the web root
    UPLOAD_DIR = os.environ.get("UPLOAD_DIR", str(INSTANCE_DIR / "uploads"))
    MAX_CONTENT_LENGTH = 10 * 1024 * 1024
    MAX_UPLOAD_BYTES = 5 * 1024 * 1024

    # Domain settings (defaults from shared/domain.md; see the admin settings)
    # Health-data retention and the childminders' minimums are dated rules (app.rules):
    # inclusion.health_data_retention_years, ram.min_hourly_rate, ram.min_maintenance_per_9h.
    CAF_INCLUSION_RATE_PER_HOUR = Decimal("4.50")
    API_TOKEN_MAX_AGE = 60 * 60 * 24 * 30

    # Online payment (eopayment): the backend ("tipi" for PayFiP Régie, "payfip_ws", a bank's…)
    # and its options (PayFiP: {"numcli": "…"}; return and notification URLs are added from
    # PUBLIC_BASE_URL unless given). Development and tests use eopayment's "dummy" backend against
    # the simulated payment page Pitchoun serves itself (PAYMENT_SIMULATOR), never in production.
    PAYMENT_BACKEND = os.environ.get("PAYMENT_BACKEND", "dummy")
    PAYMENT_OPTIONS = _payment_options()
    PAYMENT_SIMULATOR = True
    # Origins the pay form may lead to (CSP form-action), besides the application itself.
    PAYMENT_SERVICE_ORIGINS = [o.strip() for o in os.environ.get("PAYMENT_SERVICE_ORIGINS", "").split(",") if o.strip()]
    # SEPA direct debit: the régie's creditor identifier (ICS) and account (development: test values).
    SEPA_CREDITOR_ID = os.environ.get("SEPA_CREDITOR_ID", "FR00ZZZ000000")
    SEPA_CREDITOR_NAME = os.environ.get("SEPA_CREDITOR_NAME", "Regie services familles Grand Cahors")
    SEPA_CREDITOR_IBAN = os.environ.get("SEPA_CREDITOR_IBAN", "FR7630001007941234567890185")
    SEPA_CREDITOR_BIC = os.environ.get("SEPA_CREDITOR_BIC", "BDFEFRPPCCT")


class TestConfig(Config):
    TESTING = True
    SECRET_KEY = "test-secret-key"
    SQLALCHEMY_DATABASE_URI = _database_url("sqlite://")
    ARGON2_TIME_COST = 1
    ARGON2_MEMORY_COST = 8
    WTF_CSRF_ENABLED = True
    RATELIMIT_STORAGE_URI = "memory://"


class ProductionConfig(Config):
    SESSION_COOKIE_SECURE = True
    REMEMBER_COOKIE_SECURE = True
    # "__Host-": the browser accepts the cookie only over HTTPS, for the whole
    # site and from this very host (no Domain attribute), so a sibling
    # sub-domain cannot plant or overwrite it.
    SESSION_COOKIE_NAME = "__Host-session"
    REMEMBER_COOKIE_NAME = "__Host-remember_token"
    SESSION_COOKIE_PATH = "/"
    REMEMBER_COOKIE_PATH = "/"
    SESSION_COOKIE_DOMAIN = None
    REMEMBER_COOKIE_DOMAIN = None
    HSTS = True
    # No payment backend unless configured; never the simulated payment page.
    PAYMENT_BACKEND = os.environ.get("PAYMENT_BACKEND", "")
    PAYMENT_SIMULATOR = False
    # A request naming another host is refused (400): nothing is ever built from a forged Host.
    TRUSTED_HOSTS = _host_list("TRUSTED_HOSTS") or [_host_of(Config.PUBLIC_BASE_URL)]

    @classmethod
    def check(cls) -> None:
        key = os.environ.get("SECRET_KEY", "")
        if len(key) < 32 or key == DEV_SECRET_KEY:
            raise RuntimeError(
                "ProductionConfig needs SECRET_KEY in the environment "
                "(at least 32 random characters, e.g. python -c 'import secrets; print(secrets.token_hex(32))')."
            )
        cls.SECRET_KEY = key


CONFIGS = {"development": Config, "testing": TestConfig, "production": ProductionConfig}
