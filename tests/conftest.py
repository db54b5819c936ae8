"""Shared fixtures: fresh migrated databases on SQLite and on the real PostgreSQL server.

`make test` starts a throwaway PostgreSQL cluster and exports
SHIFTDESK_TEST_POSTGRES_URL; a PostgreSQL test without it fails loudly rather
than skipping. Each test gets its own database (PostgreSQL: cloned from a
migrated template per xdist worker, which is fast).
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

from shiftdesk.demo.seed import SeedReport, seed_demo
from store import migrate
from store.db import make_engine, make_session_factory, session_scope

# The desk queues e-mail only when an SMTP server is configured; tests assert on e-mail rows.
# (Tests that deliver start a real SMTP server and pass its address explicitly.)
os.environ.setdefault("SHIFTDESK_SMTP_HOST", "127.0.0.1")

REPO_ROOT = Path(__file__).resolve().parent.parent
SHARED = REPO_ROOT.parent / "shared"
# A fixed instant for tests: Thursday 26 Nov 2026, 10:30 in Shanghai.
FIXED_NOW = datetime(2026, 11, 26, 2, 30, tzinfo=UTC)
BACKENDS = ["sqlite", "postgresql"]


def postgres_admin_url() -> str:
    url = os.environ.get("SHIFTDESK_TEST_POSTGRES_URL")
    if not url:
        pytest.fail(
            "SHIFTDESK_TEST_POSTGRES_URL is not set: run the suite with `make test`, which starts a "
            "throwaway PostgreSQL server (scripts/with-postgres.sh)"
        )
    return url


def _worker() -> str:
    return os.environ.get("PYTEST_XDIST_WORKER", "main")


@pytest.fixture(scope="session")
def _pg_template() -> Iterator[str]:
    """A migrated database per xdist worker, used as the template for each test's database."""
    admin = postgres_admin_url()
    name = f"tmpl_{_worker()}_{uuid.uuid4().hex[:8]}"
    _pg_admin(admin, f'CREATE DATABASE "{name}"')
    url = make_url(admin).set(database=name).render_as_string(hide_password=False)
    engine = make_engine(url)
    migrate.upgrade(engine)
    engine.dispose()
    yield name
    _pg_admin(admin, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _pg_admin(url: str, statement: str) -> None:
    engine = create_engine(make_url(url), isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.execute(text(statement))
    engine.dispose()


@pytest.fixture(scope="session")
def _sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("sqlite-template") / "template.db"
    engine = make_engine(f"sqlite:///{path}")
    migrate.upgrade(engine)
    engine.dispose()
    return path


def fresh_database_url(backend: str, request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A new, migrated, empty database on `backend`, dropped after the test."""
    if backend == "sqlite":
        path = tmp_path / "shiftdesk.db"
        shutil.copy(request.getfixturevalue("_sqlite_template"), path)
        return f"sqlite:///{path}"
    template = request.getfixturevalue("_pg_template")
    admin = postgres_admin_url()
    name = f"t_{_worker()}_{uuid.uuid4().hex[:10]}"
    _pg_admin(admin, f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
    request.addfinalizer(lambda: _pg_admin(admin, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    return make_url(admin).set(database=name).render_as_string(hide_password=False)


@pytest.fixture(params=BACKENDS)
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A fresh migrated database, once on SQLite and once on PostgreSQL."""
    return fresh_database_url(request.param, request, tmp_path)


@pytest.fixture
def sqlite_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    return fresh_database_url("sqlite", request, tmp_path)


@pytest.fixture
def engine(db_url: str) -> Iterator[Engine]:
    engine = make_engine(db_url)
    yield engine
    engine.dispose()


@pytest.fixture
def factory(engine: Engine) -> sessionmaker[Session]:
    return make_session_factory(engine)


@pytest.fixture(scope="session")
def _seeded_sqlite(tmp_path_factory: pytest.TempPathFactory, _sqlite_template: Path) -> tuple[Path, SeedReport]:
    """The demo desk seeded once per worker into a SQLite file that tests copy."""
    path = tmp_path_factory.mktemp("seeded") / "demo.db"
    shutil.copy(_sqlite_template, path)
    engine = make_engine(f"sqlite:///{path}")
    with session_scope(make_session_factory(engine)) as session:
        report = seed_demo(session, now=FIXED_NOW)
    engine.dispose()
    return path, report


@pytest.fixture
def demo_db(_seeded_sqlite: tuple[Path, SeedReport], tmp_path: Path) -> tuple[str, SeedReport]:
    """A private copy of the seeded demo desk: (database URL, seed report with the passwords)."""
    source, report = _seeded_sqlite
    path = tmp_path / "demo.db"
    shutil.copy(source, path)
    return f"sqlite:///{path}", report


@pytest.fixture(params=BACKENDS)
def db_backend_for_migrations(request: pytest.FixtureRequest) -> str:
    return request.param
