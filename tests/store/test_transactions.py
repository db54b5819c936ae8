"""A session is one transaction on both databases: what a savepoint did is undone when the
session rolls back, also when the savepoint held the session's first write (SQLite's driver
would otherwise have committed it on release)."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from store.schema import Site, Skill


def _count(factory: sessionmaker[Session], model: type) -> int:
    with factory() as session:
        return session.scalar(select(func.count()).select_from(model))


def test_a_released_savepoint_is_undone_by_the_sessions_rollback(factory) -> None:
    with factory() as session:
        session.scalar(select(func.count()).select_from(Site))  # a read first, as services do
        with session.begin_nested():
            session.add(Site(name="Inside a savepoint"))
        session.add(Skill(code="after", name="After the savepoint"))
        session.flush()
        session.rollback()
    assert _count(factory, Site) == 0 and _count(factory, Skill) == 0


def test_a_savepoint_rolled_back_alone_leaves_the_rest_to_commit(factory) -> None:
    with factory() as session:
        with session.begin_nested():
            session.add(Site(name="Kept"))
        savepoint = session.begin_nested()
        session.add(Site(name="Rolled back alone"))
        session.flush()
        savepoint.rollback()
        session.commit()
    with factory() as session:
        assert session.scalars(select(Site.name)).all() == ["Kept"]
