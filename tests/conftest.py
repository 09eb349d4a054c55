"""Test fixtures: one application and schema per test session, emptied after each test.

The database is SQLite in a temporary file, or PostgreSQL when
TEST_DATABASE_URL is set (for example
postgresql+psycopg://postgres@127.0.0.1:5432/pitchoun_test). Tests commit
for real (concurrency tests need it); every table is emptied after each test,
even a failing one.
"""
from __future__ import annotations

import os
import re

import pytest
from flask.testing import FlaskClient
from sqlalchemy import text

from app import create_app
from app.extensions import db, limiter
from config import TestConfig
from tests import clock_scenarios

_travel = None


def pytest_configure(config):
    """PITCHOUN_TODAY=<scenario or ISO date-time> runs the whole suite on that day.

    The clock keeps ticking from that instant (time-machine patches every thread,
    so the live server and the browser's requests see the same day).
    """
    global _travel
    wanted = os.environ.get("PITCHOUN_TODAY")
    if wanted:
        import time_machine

        from app import clock

        _travel = time_machine.travel(clock_scenarios.instant(wanted, clock.today()), tick=True)
        _travel.start()


_DATE_WORDS = re.compile(r"\b(date|datetime|timedelta|clock|utcnow|time_machine|future_\w+|today)\b")


BROWSER_FIXTURES = frozenset({"browser", "page_factory"})

# The sweeps and external tools that `make test-fast` leaves to `make test` (marked `slow` at
# collection, so files under a frozen contract stay untouched): (file, test) -> the parameter ids
# the fast loop still runs. CPU seconds on one core of the 2-core machine (BENCHMARKS.md, "The test loop").
SLOW_IN_FAST_LOOP: dict[tuple[str, str], tuple[str, ...]] = {
    # every route x 5 roles x hostile identifiers and dates: ~45 s
    ("tests/security/test_fuzz_urls.py", "test_huge_identifiers_and_extreme_dates_never_break_a_page"): (),
    # every route x every role on a built world: ~30 s; the anonymous column stays in the loop
    ("tests/security/test_access_matrix.py", "test_each_role_gets_the_declared_answer_on_others_objects"):
        ("anonymous",),
    ("tests/test_route_sweep.py", "test_every_route_answers_each_role_as_declared"): ("anonymous",),
    # every state-changing route x 5 roles posted without a token: ~10 s
    ("tests/security/test_attacks.py", "test_every_state_changing_html_route_refuses_a_post_without_csrf_token"): (),
    # the Nu HTML checker (a Java process)
    ("tests/test_html_validity.py", "test_two_forms_on_one_page_share_no_id_and_required_selects_are_valid"): (),
    ("tests/notifications/test_email_html.py", "test_every_kind_arrives_with_text_and_the_same_content_in_html"): (),
    ("tests/notifications/test_email_html.py", "test_the_checker_sees_invalid_html"): (),
    # Alembic up and down on a fresh database
    ("tests/test_migrations.py", "test_every_migration_goes_down_and_up_again"): (),
    ("tests/test_migrations.py", "test_upgrade_from_empty_database_matches_models"): (),
}


def mark_slow_in_fast_loop(items) -> None:
    for item in items:
        kept = SLOW_IN_FAST_LOOP.get((item.nodeid.split("::", 1)[0], getattr(item, "originalname", item.name)))
        if kept is None:
            continue
        callspec = getattr(item, "callspec", None)
        if callspec is None or callspec.id not in kept:
            item.add_marker(pytest.mark.slow)


# A module-level mark: `pytestmark = pytest.mark.slow` or `pytestmark = [pytest.mark.slow, ...]`.
_MODULE_MARK = re.compile(r"^pytestmark\s*=\s*(\[[^\]]*\]|pytest\.mark\.\w+)", re.MULTILINE)


def deselected_markers(markexpr: str) -> set[str]:
    """The markers a plain conjunction of negations (`-m "not browser and not slow"`) deselects whatever
    else a test carries; none for any other expression (`or`, parentheses, a positive term)."""
    if not markexpr or " or " in markexpr or "(" in markexpr:
        return set()
    terms = [term.strip() for term in markexpr.split(" and ")]
    if not all(term.startswith("not ") for term in terms):
        return set()
    return {term.removeprefix("not ").strip() for term in terms}


def pytest_ignore_collect(collection_path, config):
    """Do not even import a test module whose module-level mark the -m expression deselects (the
    slow files in `make test-fast`): importing them (hypothesis strategies, schemathesis building an
    application and its schema) cost a large share of the fast loop's CPU for no test run."""
    if collection_path.suffix != ".py" or not collection_path.name.startswith("test_"):
        return None
    deselected = deselected_markers(config.getoption("markexpr") or "")
    if not deselected:
        return None
    mark = _MODULE_MARK.search(collection_path.read_text(encoding="utf-8"))
    if mark and deselected & set(re.findall(r"pytest\.mark\.(\w+)", mark.group(1))):
        return True
    return None


def unmarked_browser_tests(items) -> list[str]:
    """The tests that start Chromium (directly or through a fixture) without the `browser` marker."""
    return [item.nodeid for item in items
            if BROWSER_FIXTURES & set(getattr(item, "fixturenames", ())) and not item.get_closest_marker("browser")]


def pytest_collection_modifyitems(config, items):
    """Refuse a browser test without the `browser` marker (`make test-fast` deselects by marker);
    mark `slow` the sweeps of SLOW_IN_FAST_LOOP; mark `dates` every test whose module works with days
    or instants (`make test-dates`)."""
    mark_slow_in_fast_loop(items)
    unmarked = unmarked_browser_tests(items)
    if unmarked:
        raise pytest.UsageError("these tests start Chromium without @pytest.mark.browser "
                                "(add `pytestmark = pytest.mark.browser`):\n  " + "\n  ".join(unmarked))
    uses_dates: dict[str, bool] = {}
    for item in items:
        path = str(item.path)
        if path not in uses_dates:
            with open(path, encoding="utf-8") as source:
                uses_dates[path] = bool(_DATE_WORDS.search(source.read()))
        if uses_dates[path]:
            item.add_marker(pytest.mark.dates)


def pytest_unconfigure(config):
    if _travel is not None:
        _travel.stop()


def pytest_report_header(config):
    if _travel is not None:
        from app import clock

        return f"clock set by PITCHOUN_TODAY={os.environ['PITCHOUN_TODAY']}: {clock.local_now().isoformat()}"
    return None


def _worker_database(url: str, worker: str) -> str:
    """`<database>_<worker>` on the same server, created on first use (PostgreSQL)."""
    from sqlalchemy import create_engine
    from sqlalchemy.engine import make_url

    base = make_url(url)
    if not base.get_backend_name().startswith("postgresql"):
        return url
    name = f"{base.database}_{worker}"
    engine = create_engine(base, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as connection:
            if not connection.scalar(text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": name}):
                connection.execute(text(f'CREATE DATABASE "{name}"'))
    finally:
        engine.dispose()
    return base.set(database=name).render_as_string(hide_password=False)


def _database_url(tmp_path_factory) -> str:
    url = os.environ.get("TEST_DATABASE_URL")
    if url:
        if url.startswith("postgresql://"):
            url = "postgresql+psycopg://" + url[len("postgresql://"):]
        worker = os.environ.get("PYTEST_XDIST_WORKER")
        if worker:  # pytest-xdist (`make test-fast`): each worker gets its own database
            url = _worker_database(url, worker)
        return url
    return f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.db'}"


@pytest.fixture(scope="session")
def database_url(tmp_path_factory) -> str:
    return _database_url(tmp_path_factory)


class IsolatedClient(FlaskClient):
    """A test client whose every request runs in its own application context.

    The tests keep an application context open (for factories and service
    calls); Flask would reuse it for requests, sharing `g` (CSRF token,
    logged-in user) and the database session between requests. A browser
    gets none of that, so neither do the tests.
    """

    def open(self, *args, **kwargs):
        # End the test's own transaction first: on SQLite every transaction
        # holds the write lock (BEGIN IMMEDIATE), as a finished request would.
        if db.session().in_transaction():
            db.session.commit()
        with self.application.app_context():
            return super().open(*args, **kwargs)


@pytest.fixture(scope="session")
def app(database_url, tmp_path_factory):
    class Config(TestConfig):
        SQLALCHEMY_DATABASE_URI = database_url
        UPLOAD_DIR = str(tmp_path_factory.mktemp("uploads"))

    application = create_app(Config)
    application.test_client_class = IsolatedClient
    with application.app_context():
        db.drop_all()
        db.create_all()
    yield application
    with application.app_context():
        db.session.remove()
        db.drop_all()
        db.engine.dispose()


def _non_empty_tables() -> set[str]:
    """The tables that hold a row, in one statement (a test writes to a handful of the 75)."""
    return set(db.session.execute(text(" UNION ALL ".join(
        f"SELECT '{table.name}' WHERE EXISTS (SELECT 1 FROM \"{table.name}\")"
        for table in db.metadata.sorted_tables))).scalars())


def _empty_all_tables() -> None:
    """Empty every table a test wrote to (even a failing one), in foreign-key order.

    DELETE, not TRUNCATE: on PostgreSQL a TRUNCATE of every table costs about a
    second per test, a DELETE of a few rows almost nothing. One query first
    names the tables that hold a row, so a test pays for the few tables it used
    instead of 75 DELETE statements.
    """
    db.session.rollback()
    filled = _non_empty_tables()
    for table in reversed(db.metadata.sorted_tables):
        if table.name in filled:
            db.session.execute(text(f'DELETE FROM "{table.name}"'))
    db.session.commit()


@pytest.fixture(autouse=True)
def _app_context(app):
    """Every test runs inside an application context on an empty database."""
    with app.app_context():
        limiter.reset()
        yield
        db.session.remove()
        _empty_all_tables()
        db.session.remove()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def make_client(app):
    """A factory of independent clients (one browser each)."""
    return app.test_client


CSRF_RE = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"|name="csrf_token" value="([^"]+)"')


def csrf_token_from(html: str) -> str:
    match = CSRF_RE.search(html)
    assert match, "no CSRF token in the page"
    return match.group(1) or match.group(2)


def get_csrf(client, url: str = "/connexion") -> str:
    response = client.get(url)
    return csrf_token_from(response.get_data(as_text=True))


def login(client, user_or_email, password: str | None = None):
    """Log in through the real form (CSRF included). Returns the response."""
    from tests.factories import DEFAULT_PASSWORD

    email = getattr(user_or_email, "email", user_or_email)
    token = get_csrf(client, "/connexion")
    return client.post("/connexion", data={"email": email, "password": password or DEFAULT_PASSWORD,
                                           "csrf_token": token})


@pytest.fixture
def login_as(make_client):
    """login_as(user) -> a client logged in as `user`."""

    def _login_as(user, password: str | None = None):
        c = make_client()
        response = login(c, user, password)
        assert response.status_code == 302, response.get_data(as_text=True)[:500]
        return c

    return _login_as


@pytest.fixture
def live_server(app):
    """The application served by a real threaded HTTP server on 127.0.0.1 (free port).

    Yields the base URL, e.g. "http://127.0.0.1:54321". Each request runs in
    its own thread with its own database connection, as in production.
    Call `db.session.commit()` in the test after using factories or queries
    and before sending requests: on SQLite the test's open transaction holds
    the write lock (BEGIN IMMEDIATE) that the server's requests need.
    """
    import threading

    from werkzeug.serving import make_server

    db.session.commit()  # release the test's transaction (SQLite write lock)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=10)


def api_token(base_or_client, email: str, password: str | None = None) -> str:
    """A bearer token from POST /api/v1/auth/token (test client or live-server URL)."""
    from tests.factories import DEFAULT_PASSWORD

    payload = {"email": email, "password": password or DEFAULT_PASSWORD}
    if isinstance(base_or_client, str):
        import requests

        response = requests.post(f"{base_or_client}/api/v1/auth/token", json=payload, timeout=30)
        assert response.status_code == 200, response.text
        return response.json()["token"]
    response = base_or_client.post("/api/v1/auth/token", json=payload)
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_json()["token"]


# Browser fixtures (one Chromium for the whole session, shared by every domain's browser tests).
from tests.browser_support import browser, page_factory, viewport  # noqa: E402,F401
