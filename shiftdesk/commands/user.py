"""`shiftdesk user ...`: list logins and set a password (argon2-hashed)."""

from __future__ import annotations

import typer
from sqlalchemy import select

from shiftdesk.auth import generate_password, set_password
from shiftdesk.runtime import session_factory
from store.db import session_scope
from store.schema import User


def register(app: typer.Typer) -> None:
    user = typer.Typer(help="Logins and passwords.", no_args_is_help=True)

    @user.command("list")
    def list_users() -> None:
        """List logins with their role."""
        with session_scope(session_factory()) as session:
            for row in session.scalars(select(User).order_by(User.role, User.login)):
                typer.echo(f"{row.login:<12} {row.role.value:<8} {row.display_name}")

    @user.command("set-password")
    def set_password_command(
        login: str,
        password: str = typer.Option(None, "--password", help="New password (default: generate and print one)."),
    ) -> None:
        """Set a user's password; without --password a random one is generated and printed once."""
        new_password = password or generate_password()
        with session_scope(session_factory()) as session:
            set_password(session, login, new_password)
        typer.echo(f"password for {login} set" + ("" if password else f": {new_password}"))

    app.add_typer(user, name="user")
