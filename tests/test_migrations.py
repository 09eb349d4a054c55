"""The schema built by the migrations is exactly the models' metadata, on the test database."""
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import upgrade
from sqlalchemy import create_engine, inspect, text

from app import create_app
from app.extensions import db
from config import TestConfig


def _empty_database_url(database_url: str, tmp_path) -> tuple[str, callable]:
    """A fresh empty database of the same kind as the test database."""
    if database_url.startswith("sqlite"):
        return f"sqlite:///{tmp_path / 'migrations.db'}", lambda: None
    base, _, _name = database_url.rpartition("/")
    name = "pitchoun_migrations_check"
    admin = create_engine(f"{base}/postgres", isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))

    def drop():
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()

    return f"{base}/{name}", drop


def test_upgrade_from_empty_database_matches_models(database_url, tmp_path):
    url, drop = _empty_database_url(database_url, tmp_path)

    class Config(TestConfig):
        SQLALCHEMY_DATABASE_URI = url

    app = create_app(Config)
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
