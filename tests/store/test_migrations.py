"""Migrations build the schema from empty to head, and it matches the models exactly."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect

from store import migrate
from store.db import make_engine
from store.schema import Base
from tests.conftest import fresh_database_url


def test_empty_database_to_head_matches_models(request, tmp_path, db_backend_for_migrations) -> None:
    url = fresh_database_url(db_backend_for_migrations, request, tmp_path)
    engine = make_engine(url)
    migrate.downgrade(engine, "base")
    assert migrate.current_revision(engine) is None
    assert set(inspect(engine).get_table_names()) <= {"alembic_version"}

    migrate.upgrade(engine)
    assert migrate.current_revision(engine) == migrate.head_revision()
    assert set(Base.metadata.tables) <= set(inspect(engine).get_table_names())
    with engine.connect() as connection:
        diff = compare_metadata(MigrationContext.configure(connection, opts={"compare_type": True}), Base.metadata)
    assert diff == [], f"models and migrations differ: {diff}"

    migrate.upgrade(engine)  # a second upgrade is a no-op
    assert migrate.current_revision(engine) == migrate.head_revision()
    engine.dispose()


def test_every_enum_check_constraint_admits_every_value(engine) -> None:
    """Alembic does not notice a new enum value; this does (a CHECK left behind by a migration)."""
    from sqlalchemy import Enum, text

    def constraints_of(connection, table: str) -> str:
        if engine.dialect.name == "sqlite":
            return connection.execute(text("SELECT sql FROM sqlite_master WHERE name = :t"), {"t": table}).scalar_one()
        return " ".join(connection.execute(
            text("SELECT pg_get_constraintdef(oid) FROM pg_constraint WHERE contype = 'c' AND conrelid = CAST(:t AS regclass)"),
            {"t": table},
        ).scalars())

    with engine.connect() as connection:
        for table in Base.metadata.tables.values():
            enum_columns = [c for c in table.columns if isinstance(c.type, Enum)]
            if not enum_columns:
                continue
            definitions = constraints_of(connection, table.name)
            for column in enum_columns:
                for value in column.type.enums:
                    assert f"'{value}'" in definitions, f"{table.name}.{column.name} CHECK lacks '{value}'"


def test_upgrade_keeps_the_rows_of_a_database_in_use(engine) -> None:
    """Each migration must carry existing data along (SQLite rebuilds tables to alter them)."""
    from sqlalchemy import text

    migrate.downgrade(engine, "base")
    migrate.upgrade(engine, "0001")
    with engine.begin() as connection:
        for statement in (
            "INSERT INTO sites (id, name, time_zone, holiday_country) VALUES (1, 'S', 'Asia/Shanghai', 'CN')",
            "INSERT INTO teams (id, site_id, name) VALUES (1, 1, 'T')",
            "INSERT INTO skills (id, code, name) VALUES (1, 'technical', 'Technical')",
            "INSERT INTO queues (id, team_id, code, name, channel, skill_id, covered_24x7, aht_seconds) "
            "VALUES (1, 1, 'q', 'Q', 'email', 1, false, 600)",
            "INSERT INTO tickets (id, channel, customer_tier, category, priority, queue_id, status, subject, body, "
            "created_at, updated_at, version) VALUES (1, 'email', 'standard', 'inquiry', 'normal', 1, 'new', "
            "'Hello', '', '2026-11-26 01:00:00+00:00', '2026-11-26 01:00:00+00:00', 1)",
            "INSERT INTO ticket_events (ticket_id, at, actor, kind, data) "
            "VALUES (1, '2026-11-26 01:00:00+00:00', 'x', 'created', '{}')",
            "INSERT INTO employees (id, team_id, name, min_minutes_per_week, max_minutes_per_week, "
            "max_consecutive_days, min_consecutive_days_off, min_rest_minutes, may_work_nights, max_nights_per_week, "
            "max_concurrent_tickets, active) VALUES (1, 1, 'Li Na', 0, 2400, 5, 1, 660, true, 3, 5, true)",
        ):
            connection.execute(text(statement))
    migrate.upgrade(engine)
    with engine.connect() as connection:
        assert connection.execute(text("SELECT subject FROM tickets")).scalar_one() == "Hello"
        assert connection.execute(text("SELECT count(*) FROM ticket_events")).scalar_one() == 1
        assert connection.execute(text("SELECT channel FROM queues")).scalar_one() == "email"
        connection.execute(text("UPDATE queues SET channel = 'internal'"))  # the new value is admitted
        assert connection.execute(text("SELECT shrinkage FROM queues")).scalar_one() == 0.3  # filled for old rows
        # An employee of an older desk starts at the version a new one starts at (the Team page's concurrency check).
        assert connection.execute(text("SELECT name, version FROM employees")).one() == ("Li Na", 1)
