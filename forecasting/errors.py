"""Errors the forecasting core raises for bad input.

Both subclass `shiftdesk.errors.UserError`, so the CLI and the pages show the
message as one line; each message names the row and the column at fault.
"""

from shiftdesk.errors import UserError


class HistoryError(UserError):
    """A history file or frame that cannot be read as arrivals per interval."""


class ForecastError(UserError):
    """A forecast request that cannot be met (bad horizon, interval, model name...)."""
