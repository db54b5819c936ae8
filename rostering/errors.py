"""Errors for bad rostering input; each names what is wrong and where.

All subclass `shiftdesk.errors.UserError`, so the CLI, the pages and the API
show them as one clear line without knowing this package.
"""

from shiftdesk.errors import UserError


class RosterInputError(UserError):
    """A problem, roster or change refers to something that does not exist or
    asks for something impossible (unknown employee, shift type off the grid,
    naive datetime, negative weight, ...)."""


class InstanceFormatError(UserError):
    """A benchmark instance file is malformed; the message names file and line."""
