"""`shiftdesk db ...`: create or migrate the database."""

from __future__ import annotations

import typer

from shiftdesk.runtime import engine_from_settings
from store import migrate


def register(app: typer.Typer) -> None:
    db = typer.Typer(help="Create and migrate the database.", no_args_is_help=True)

    @db.command("upgrade")
    def upgrade(revision: str = typer.Argument("head", help="Target revision.")) -> None:
        """Create the schema or migrate it to the latest revision."""
        engine = engine_from_settings()
        before = migrate.current_revision(engine)
        migrate.upgrade(engine, revision)
        after = migrate.current_revision(engine)
        where = engine.url.render_as_string(hide_password=True)
        typer.echo(f"database {where}: " + ("up to date" if before == after else f"{before or 'empty'} -> {after}"))

    @db.command("current")
    def current() -> None:
        """Print the database's schema revision."""
        typer.echo(migrate.current_revision(engine_from_settings()) or "empty")

    app.add_typer(db, name="db")
