"""The schema built by the migrations is exactly the models' metadata, on the test database."""
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy import create_engine, inspect, text

from app import create_app
from app.extensions import db
from config import TestConfig


def _empty_database_url(database_url: str, tmp_path) -> tuple[str, callable]:
    """A fresh empty database of the same kind as the test database (named after it and the test's
    temporary directory, so that parallel workers and test runs never share one)."""
    if database_url.startswith("sqlite"):
        return f"sqlite:///{tmp_path / 'migrations.db'}", lambda: None
    base, _, test_name = database_url.rpartition("/")
    name = f"{test_name.split('?')[0]}_{tmp_path.name}"[-63:].lower()
    admin = create_engine(f"{base}/postgres", isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))

    def drop():
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()

    return f"{base}/{name}", drop


def _app_on(url: str):
    class Config(TestConfig):
        SQLALCHEMY_DATABASE_URI = url

    return create_app(Config)


def _user_tables(engine) -> set[str]:
    return set(inspect(engine).get_table_names()) - {"alembic_version"}


def test_every_migration_goes_down_and_up_again(database_url, tmp_path):
    """Each migration's downgrade undoes its upgrade: down to an empty schema, then up to the same schema."""
    url, drop = _empty_database_url(database_url, tmp_path)
    app = _app_on(url)
    try:
        with app.app_context():
            upgrade(directory="migrations")
            at_head = _user_tables(db.engine)
            downgrade(directory="migrations", revision="base")
            assert _user_tables(db.engine) == set()
            upgrade(directory="migrations")
            assert _user_tables(db.engine) == at_head
            db.engine.dispose()
    finally:
        drop()


def test_upgrade_from_empty_database_matches_models(database_url, tmp_path):
    url, drop = _empty_database_url(database_url, tmp_path)

    app = _app_on(url)
    try:
        with app.app_context():
            upgrade(directory="migrations")
            tables = set(inspect(db.engine).get_table_names())
            assert {"user_account", "household", "child", "outbox_message"} <= tables
            with db.engine.connect() as conn:
                context = MigrationContext.configure(conn, opts={
                    "compare_type": True, "render_as_batch": True})
                diff = compare_metadata(context, db.metadata)
            assert diff == [], f"models and migrations differ: {diff}"
            db.engine.dispose()
    finally:
        drop()
