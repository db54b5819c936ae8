"""Process-wide wiring: the engine and session factory built from the settings, once."""

from __future__ import annotations

from functools import cache

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from shiftdesk.settings import Settings
from store.db import make_engine, make_session_factory


@cache
def engine_from_settings() -> Engine:
    return make_engine(Settings.from_env().database_url)


@cache
def session_factory() -> sessionmaker[Session]:
    return make_session_factory(engine_from_settings())
