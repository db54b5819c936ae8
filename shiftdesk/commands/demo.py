"""`shiftdesk demo seed`: the demo desk a planner would recognise."""

from __future__ import annotations

import typer

from shiftdesk.clock import utc_now
from shiftdesk.demo.seed import DEFAULT_SEED, seed_demo
from shiftdesk.errors import UserError
from shiftdesk.runtime import engine_from_settings, session_factory
from store import migrate
from store.db import session_scope


def register(app: typer.Typer) -> None:
    demo = typer.Typer(help="Demo data.", no_args_is_help=True)

    @demo.command("seed")
    def seed(
        reset: bool = typer.Option(False, "--reset", help="Delete everything and seed again."),
        seed_value: int = typer.Option(DEFAULT_SEED, "--seed", help="Random seed: same seed, same desk."),
    ) -> None:
        """Seed the demo desk into an empty database (prints the generated logins)."""
        engine = engine_from_settings()
        if migrate.current_revision(engine) != migrate.head_revision():
            raise UserError("database schema is not up to date: run `shiftdesk db upgrade` first")
        with session_scope(session_factory()) as session:
            report = seed_demo(session, now=utc_now(), seed=seed_value, reset=reset)
        typer.echo(report.message)
        if report.seeded:
            typer.echo(", ".join(f"{n} {what}" for what, n in report.counts.items()))
            typer.echo("Demo logins (shown once; `shiftdesk user set-password LOGIN` changes one):")
            for login in report.logins:
                typer.echo(f"  {login.login:<8} {login.role:<8} {login.password}   {login.display_name}")

    app.add_typer(demo, name="demo")
