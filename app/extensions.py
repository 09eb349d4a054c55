"""Flask extensions, created unbound and initialised in create_app()."""
from __future__ import annotations

from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, datetime
from time import monotonic, sleep

from flask_babel import Babel
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect
from sqlalchemy import DateTime, MetaData, TypeDecorator, event
from sqlalchemy.engine import Engine
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import DeclarativeBase, registry
from sqlalchemy.orm import Session as OrmSession

from app import clock

SQLITE_BUSY_TIMEOUT_MS = 15000

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator):
    """An aware datetime stored in UTC.

    SQLite has no time zone type: values come back naive. This type always
    hands back aware UTC datetimes and refuses naive ones on the way in, so
    the application never mixes the two.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given where an aware UTC datetime is required")
        value = value.astimezone(UTC)
        if dialect.name == "sqlite":
            return value.replace(tzinfo=None)
        return value

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


class Base(DeclarativeBase):
    # Every `Mapped[datetime]` column stores an aware UTC datetime.
    registry = registry(metadata=MetaData(naming_convention=NAMING_CONVENTION),
                        type_annotation_map={datetime: UTCDateTime()})


db = SQLAlchemy(model_class=Base)
migrate = Migrate()
login_manager = LoginManager()
csrf = CSRFProtect()
babel = Babel()
limiter = Limiter(key_func=get_remote_address, default_limits=[], headers_enabled=False)


def utcnow() -> datetime:
    """The current instant in UTC (kept for the models' defaults; see app.clock)."""
    return clock.now()


@event.listens_for(Engine, "connect")
def _configure_sqlite(dbapi_connection, connection_record):
    """WAL, busy timeout and foreign keys on every SQLite connection.

    Python's sqlite3 driver in its legacy mode issues no BEGIN before a
    SELECT, so a read-then-write would not be isolated: we take over
    transaction control (isolation_level=None) and emit BEGIN IMMEDIATE in
    the "begin" event below, so that writers queue instead of failing with
    SQLITE_BUSY_SNAPSHOT.
    """
    module = type(dbapi_connection).__module__
    if not module.startswith("sqlite3"):
        return
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


# How long a SQLite writer waits for the database's write lock, and how often it looks again.
SQLITE_WRITE_WAIT_S = 15.0
SQLITE_WRITE_POLL_S = 0.001

_sqlite_deferred = ContextVar("sqlite_deferred_begin", default=False)


@event.listens_for(Engine, "begin")
def _sqlite_begin_immediate(conn):
    """Every SQLite transaction takes the write lock at BEGIN, except inside `read_phase()`.

    SQLite's own busy handler sleeps longer and longer between attempts (up
    to 100 ms), so a writer that has waited long loses the lock to one that
    just arrived: a booking that reached the server first could end up on
    the waiting list behind a later one. Instead, writers look again every
    millisecond (the busy handler is switched off for the BEGIN only), so
    they take the lock within about a millisecond of its release, in
    practice in their order of arrival.
    """
    if conn.dialect.name != "sqlite":
        return
    if _sqlite_deferred.get():
        conn.exec_driver_sql("BEGIN")
        return
    raw = conn.connection.driver_connection
    raw.execute("PRAGMA busy_timeout=0")
    deadline = monotonic() + SQLITE_WRITE_WAIT_S
    try:
        while True:
            try:
                conn.exec_driver_sql("BEGIN IMMEDIATE")
                return
            except OperationalError as error:
                if "locked" not in str(error.orig) or monotonic() > deadline:
                    raise
            sleep(SQLITE_WRITE_POLL_S)
    finally:
        raw.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")


@contextmanager
def read_phase():
    """Run the enclosed reads in a transaction of their own that takes no lock, ended on exit.

    On SQLite the transaction starts with a plain BEGIN instead of BEGIN
    IMMEDIATE, so it does not hold the database's single write lock: other
    requests can write meanwhile (in WAL mode the reads see a snapshot). On
    PostgreSQL it is an ordinary transaction. On exit the transaction is
    committed *without expiring* what it loaded, so the caller can go on
    with those objects in its next, writing transaction; whatever a decision
    depends on must be read again there, under lock. It refuses to start
    after a write that is not committed (RuntimeError): it never commits
    someone else's changes; a transaction that only read is ended. The block
    must not write.
    """
    _refuse_pending_writes()
    _end_keeping_objects()
    token = _sqlite_deferred.set(True)
    try:
        yield
    except BaseException:
        _sqlite_deferred.reset(token)
        raise  # the caller rolls back
    _sqlite_deferred.reset(token)
    _end_keeping_objects()


_WROTE = "pitchoun_wrote"  # Session.info flag: this transaction flushed a write


def _refuse_pending_writes() -> None:
    session = db.session()
    if session.new or session.dirty or session.deleted or session.info.get(_WROTE):
        raise RuntimeError("read_phase() started with uncommitted changes: commit or roll back first")


@event.listens_for(OrmSession, "after_flush")
def _remember_write(session, _context) -> None:
    session.info[_WROTE] = True


@event.listens_for(OrmSession, "after_transaction_end")
def _forget_write(session, transaction) -> None:
    if transaction.parent is None:  # the outermost transaction ended (commit or rollback)
        session.info.pop(_WROTE, None)


def _end_keeping_objects() -> None:
    session = db.session()
    if not session.in_transaction() and not (session.new or session.dirty or session.deleted):
        return
    keep = session.expire_on_commit
    session.expire_on_commit = False
    try:
        session.commit()
    finally:
        session.expire_on_commit = keep
