"""A database that cannot be reached answers 503, Retry-After and a French message (issue 17, item 10).

While PostgreSQL restarted, booking requests got a 500. Here the database goes away under load:
every new connection is refused (as by a stopped server) and the pool's connections are dropped,
while clients keep sending requests from several threads. Every answer is a success or a 503
with Retry-After and a French message, in HTML and in JSON; never a 500. When the database comes
back, the same clients are served again without restarting anything (pool_pre_ping).
"""
from __future__ import annotations

import threading
import time

import pytest
import requests
from sqlalchemy import event

from app.accounts.models import Role
from app.extensions import db
from tests.conftest import api_token, csrf_token_from
from tests.factories import DEFAULT_PASSWORD, make_user


class Outage:
    """Refuse every new database connection while `down`, as a stopped server does."""

    def __init__(self, engine):
        self.engine = engine
        self.down = False
        event.listen(engine, "do_connect", self._connect)

    def _connect(self, dialect, conn_rec, cargs, cparams):
        if self.down:
            if dialect.name == "sqlite":
                import sqlite3

                raise sqlite3.OperationalError("unable to open database file")
            import psycopg

            raise psycopg.OperationalError("connection refused: the server is not running")
        return None

    def stop(self):
        self.down = True
        self.engine.dispose()  # the server went away: the pool's connections are dead
        if self.engine.dialect.name == "postgresql":
            # As a restart does: every open session of this database is ended by the server, including
            # the ones in use by a request (never stopping the machine's server, which others use).
            import psycopg

            url = self.engine.url
            with psycopg.connect(host=url.host, port=url.port or 5432, user=url.username, dbname="postgres",
                                 autocommit=True) as admin:
                admin.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                              "WHERE datname = %s AND pid <> pg_backend_pid()", (url.database,))

    def start(self):
        self.down = False

    def close(self):
        self.down = False
        event.remove(self.engine, "do_connect", self._connect)


@pytest.mark.slow
def test_database_outage_under_load_answers_503_never_500(app, live_server):
    email = make_user(Role.PARENT).email
    db.session.commit()  # no transaction left open: on SQLite it would hold the write lock
    token = api_token(live_server, email)
    browser = requests.Session()
    form = browser.get(f"{live_server}/connexion", timeout=30).text
    logged_in = browser.post(f"{live_server}/connexion", timeout=30, allow_redirects=False,
                             data={"email": email, "password": DEFAULT_PASSWORD, "csrf_token": csrf_token_from(form)})
    assert logged_in.status_code == 302
    cookies = browser.cookies.get_dict()
    outage = Outage(db.engine)
    answers: list[tuple[str, int, dict, str]] = []
    stop = threading.Event()

    def client(kind: str):
        while not stop.is_set():
            if kind == "json":
                response = requests.get(f"{live_server}/api/v1/sites", timeout=30,
                                        headers={"Authorization": f"Bearer {token}"})
            else:
                response = requests.get(f"{live_server}/notifications/preferences", timeout=30, cookies=cookies,
                                        allow_redirects=False)
            answers.append((kind, response.status_code, dict(response.headers), response.text))

    threads = [threading.Thread(target=client, args=(kind,)) for kind in ("json", "json", "html", "html")]
    try:
        for thread in threads:
            thread.start()
        time.sleep(0.5)
        outage.stop()
        time.sleep(1.5)
        outage.start()
        time.sleep(0.8)
    finally:
        stop.set()
        for thread in threads:
            thread.join(timeout=30)
        outage.close()
    statuses = [status for _kind, status, _h, _t in answers]
    assert 500 not in statuses, statuses
    unavailable = [(kind, headers, text) for kind, status, headers, text in answers if status == 503]
    assert unavailable, "the outage was not seen: the test shows nothing"
    assert {kind for kind, _h, _t in unavailable} == {"json", "html"}
    for kind, headers, text in unavailable:
        assert headers.get("Retry-After") == "5"
        if kind == "json":
            import json

            error = json.loads(text)["error"]
            assert error["code"] == "unavailable" and "momentanément indisponible" in error["message"]
        else:
            assert 'lang="fr"' in text and "momentanément indisponible" in text and "Traceback" not in text
    # After the outage, everyone is served again.
    assert answers[-1][1] == 200
    assert requests.get(f"{live_server}/api/v1/sites", timeout=30,
                        headers={"Authorization": f"Bearer {token}"}).status_code == 200



def _end_the_connection_under(session) -> None:
    """Make the session's connection die as a restarting server makes it: PostgreSQL ends the
    backend; SQLite, which has no server, reports its ROLLBACK failed as a vanished file would."""
    from sqlalchemy import text

    engine = session.get_bind()
    if engine.dialect.name == "postgresql":
        import psycopg

        pid = session.execute(text("SELECT pg_backend_pid()")).scalar_one()
        url = engine.url
        with psycopg.connect(host=url.host, port=url.port or 5432, user=url.username, dbname="postgres",
                             autocommit=True) as admin:
            admin.execute("SELECT pg_terminate_backend(%s)", (pid,))
    else:
        import sqlite3

        session.execute(text("SELECT 1"))
        raw = session.connection().connection.dbapi_connection

        class Dead:
            def __getattr__(self, name):
                return getattr(raw, name)

            def rollback(self):
                raw.rollback()  # the file's lock is released; only the answer is lost
                raise sqlite3.OperationalError("disk I/O error")

        session.connection().connection.dbapi_connection = Dead()


def test_a_connection_dropped_after_the_answer_still_lets_the_request_end(app):
    """The database restarts between the answer and the end of the request: the session's closing
    ROLLBACK meets a dead connection. Leaving the request still works (the answer goes out instead
    of a 500 from the server) and the next request gets a live connection from the pool."""
    from sqlalchemy import text

    with app.app_context():
        _end_the_connection_under(db.session)
    with app.app_context():
        assert db.session.execute(text("SELECT 1")).scalar_one() == 1


def test_a_bug_while_closing_the_session_is_not_taken_for_an_outage(app, monkeypatch):
    import pytest

    def buggy_close():
        raise ValueError("a bug, not an outage")

    with pytest.raises(ValueError), app.app_context():
        monkeypatch.setattr(db.session, "close", buggy_close)
    monkeypatch.undo()
