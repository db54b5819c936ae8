"""Schema migrations (Alembic), driven from code so `shiftdesk db upgrade` needs no ini file."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"


def _config(connection: object | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    if connection is not None:
        config.attributes["connection"] = connection
    return config


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Create or migrate the schema up to `revision`."""
    _run(engine, lambda connection: command.upgrade(_config(connection), revision))


def downgrade(engine: Engine, revision: str) -> None:
    _run(engine, lambda connection: command.downgrade(_config(connection), revision))


def _run(engine: Engine, step: Callable[[Connection], None]) -> None:
    """Run a migration step in a transaction.

    SQLite alters a table by copying it into a new one and dropping the old;
    with foreign keys enforced, dropping a table that others reference fails.
    So on SQLite the check is off while migrating (the pragma only takes effect
    outside a transaction) and the whole database is checked before commit.
    """
    with engine.connect() as connection:
        sqlite = connection.dialect.name == "sqlite"
        if sqlite:
            connection.exec_driver_sql("PRAGMA foreign_keys=OFF")
            connection.commit()
        try:
            with connection.begin():
                step(connection)
                if sqlite:
                    broken = connection.exec_driver_sql("PRAGMA foreign_key_check").all()
                    if broken:
                        raise RuntimeError(f"migration left broken foreign keys: {broken[:5]}")
        finally:
            if sqlite:
                connection.exec_driver_sql("PRAGMA foreign_keys=ON")
                connection.commit()


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def head_revision() -> str:
    head = ScriptDirectory.from_config(_config()).get_current_head()
    assert head is not None, "no migrations found"
    return head


def autogenerate(engine: Engine, message: str) -> None:
    """Write a new migration from the difference between the models and the database (dev tool)."""
    with engine.begin() as connection:
        command.revision(_config(connection), message=message, autogenerate=True)
