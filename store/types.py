"""Column types that keep the house rules: time stored in UTC, never naive.

`UTCDateTime` refuses a naive datetime at bind time with a clear error (a naive
value has no meaning across sites and DST) and always hands back an aware UTC
datetime, on SQLite (which stores text without a zone) and on PostgreSQL
(`timestamptz`) alike.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import DateTime, Dialect
from sqlalchemy.types import TypeDecorator

from shiftdesk.errors import UserError


class NaiveDatetimeError(UserError, ValueError):
    """A datetime without a time zone was about to be stored."""


class UTCDateTime(TypeDecorator[datetime]):
    """An aware datetime, stored as UTC."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if not isinstance(value, datetime):
            raise TypeError(f"expected a datetime, got {type(value).__name__}: {value!r}")
        if value.tzinfo is None or value.utcoffset() is None:
            raise NaiveDatetimeError(
                f"naive datetime {value.isoformat()} refused: timestamps must carry a time zone "
                "(store UTC; convert local times with zoneinfo first)"
            )
        utc = value.astimezone(UTC)
        # SQLite keeps text: store naive UTC so comparisons and ordering are textual-safe.
        return utc.replace(tzinfo=None) if dialect.name == "sqlite" else utc

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)
