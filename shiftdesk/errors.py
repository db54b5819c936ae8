"""The one error type every layer raises for bad input.

The CLI, the pages and the API show a `UserError` as one clear line (no
traceback) because it names what is wrong and where; anything else is a bug.
Pure packages (forecasting/, rostering/, tickets/) subclass it for their own
errors so callers can catch them without knowing each package.
"""


class UserError(Exception):
    """Bad input from a person or a file: the message says what and where."""
