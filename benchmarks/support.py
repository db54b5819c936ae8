"""Helpers the desk benchmarks share: a fresh migrated database on SQLite or PostgreSQL.

PostgreSQL comes from SHIFTDESK_BENCH_POSTGRES_URL (or SHIFTDESK_TEST_POSTGRES_URL);
without either, run the script under `bash scripts/with-postgres.sh`, which
starts a throwaway server and exports the URL.
"""

from __future__ import annotations

import os
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from store import migrate
from store.db import make_engine


def postgres_admin_url() -> str | None:
    return os.environ.get("SHIFTDESK_BENCH_POSTGRES_URL") or os.environ.get("SHIFTDESK_TEST_POSTGRES_URL")


@contextmanager
def fresh_database(backend: str) -> Iterator[str]:
    """Yield the URL of a new, migrated, empty database; drop it afterwards."""
    if backend == "sqlite":
        with tempfile.TemporaryDirectory() as folder:
            url = f"sqlite:///{Path(folder) / 'bench.db'}"
            migrate.upgrade(make_engine(url))
            yield url
        return
    admin = postgres_admin_url()
    if admin is None:
        raise SystemExit("no PostgreSQL: set SHIFTDESK_BENCH_POSTGRES_URL or run under scripts/with-postgres.sh")
    name = f"bench_{uuid.uuid4().hex[:10]}"
    control = create_engine(make_url(admin), isolation_level="AUTOCOMMIT")
    with control.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    url = make_url(admin).set(database=name).render_as_string(hide_password=False)
    try:
        migrate.upgrade(make_engine(url))
        yield url
    finally:
        with control.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        control.dispose()


def percentile(values: list[float], share: float) -> float:
    """Nearest-rank percentile (share in 0..1) of a non-empty list."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, int(round(share * len(ordered) + 0.5)) - 1))]
