"""The only place that reads the wall clock: the CLI, the worker and the app call it
and pass `now` down, so domain code and tests work with a fixed time."""

from datetime import UTC, datetime


def utc_now() -> datetime:
    return datetime.now(UTC)
