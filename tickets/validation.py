"""Input checks shared by the SLA core: aware datetimes and JSON-able dict fields.

Calendars, SLA tiers and escalation snapshots are stored as JSON by store/ and
edited by people, so every reader names the exact field it rejects
(`tiers[2].calendar.weekly_hours.mon[0]`) instead of failing deep inside the maths.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from shiftdesk.errors import UserError


class TicketDataError(UserError):
    """Bad SLA/escalation input; `field` is the path of the offending value."""

    def __init__(self, field: str, problem: str) -> None:
        super().__init__(f"{field}: {problem}")
        self.field = field
        self.problem = problem


class NaiveDatetimeError(TicketDataError):
    """A datetime without a zone: refused, because its instant is unknowable."""


def as_utc(value: datetime, field: str) -> datetime:
    """Return `value` as an aware UTC datetime; refuse naive ones (no guessing a zone)."""
    if not isinstance(value, datetime):
        raise TicketDataError(field, f"expected a datetime, got {type(value).__name__}")
    if value.tzinfo is None or value.utcoffset() is None:
        raise NaiveDatetimeError(field, f"naive datetime {value.isoformat()} refused; give a zone (UTC in storage)")
    return value.astimezone(UTC)


def parse_instant(value: Any, field: str, error: type[TicketDataError]) -> datetime:
    """Read an ISO-8601 string with an offset (as written by `format_instant`) as UTC."""
    if not isinstance(value, str):
        raise error(field, f"expected an ISO-8601 timestamp string, got {value!r}")
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise error(field, f"not an ISO-8601 timestamp: {value!r}") from None
    if parsed.tzinfo is None:
        raise error(field, f"timestamp {value!r} has no offset; store UTC, e.g. '2026-10-01T01:00:00+00:00'")
    return parsed.astimezone(UTC)


def format_instant(value: datetime) -> str:
    """ISO-8601 in UTC with an explicit +00:00 offset, the storage form."""
    return value.astimezone(UTC).isoformat()


def expect_mapping(value: Any, field: str, error: type[TicketDataError]) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise error(field, f"expected an object, got {type(value).__name__}")
    return value


def expect_list(value: Any, field: str, error: type[TicketDataError]) -> Sequence[Any]:
    if isinstance(value, (str, bytes)) or not isinstance(value, Sequence):
        raise error(field, f"expected a list, got {type(value).__name__}")
    return value


def expect_str(value: Any, field: str, error: type[TicketDataError]) -> str:
    if not isinstance(value, str) or not value.strip():
        raise error(field, f"expected a non-empty string, got {value!r}")
    return value


def expect_int(value: Any, field: str, error: type[TicketDataError]) -> int:
    # bool is an int subclass; `true` for a number of minutes is a typo, not 1.
    if isinstance(value, bool) or not isinstance(value, int):
        raise error(field, f"expected a whole number, got {value!r}")
    return value


def reject_unknown_keys(data: Mapping[str, Any], allowed: set[str], field: str, error: type[TicketDataError]) -> None:
    """Refuse keys we do not read, so a misspelt setting is an error, not silently ignored."""
    unknown = sorted(set(data) - allowed)
    if unknown:
        raise error(field, f"unknown key(s) {', '.join(unknown)}; allowed: {', '.join(sorted(allowed))}")
