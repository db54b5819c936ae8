"""The `shiftdesk` command line: one Typer app, one module per command group.

Each module in `shiftdesk/commands/` has `register(app)`; a user error
(`UserError`) prints one line and exits 2, never a traceback.
"""

from __future__ import annotations

import importlib
import sys

import typer

from shiftdesk.errors import UserError

app = typer.Typer(
    help="ShiftDesk: forecast, roster and run a 24x7 support desk.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)

# Command modules, registered in this order. Each imports its heavy libraries inside the command,
# so `shiftdesk --help` and quick commands start fast.
COMMAND_MODULES = [
    "shiftdesk.commands.db",
    "shiftdesk.commands.demo",
    "shiftdesk.commands.user",
    "shiftdesk.commands.ticket",
    "shiftdesk.commands.forecast",
    "shiftdesk.commands.staffing",
    "shiftdesk.commands.roster",
    "shiftdesk.commands.worker",
    "shiftdesk.commands.classify",
    "shiftdesk.commands.api",
    "shiftdesk.commands.mail",
]

for _name in COMMAND_MODULES:
    importlib.import_module(_name).register(app)


def main() -> None:
    """Console entry point: a UserError becomes one line on stderr and exit code 2.

    Usage errors (unknown option, missing argument) are Click's own and also exit 2.
    """
    try:
        app()
    except UserError as exc:
        typer.echo(f"error: {exc}", err=True)
        sys.exit(2)
