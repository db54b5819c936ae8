"""`shiftdesk api`: serve the HTTP API with uvicorn; `shiftdesk api token create|list|revoke`."""

from __future__ import annotations

import typer


def register(app: typer.Typer) -> None:
    api = typer.Typer(help="The HTTP API for integrations, and their tokens.")
    token = typer.Typer(help="Integration tokens: each integration has one, shown once.", no_args_is_help=True)

    @api.callback(invoke_without_command=True)
    def serve(
        ctx: typer.Context,
        host: str = typer.Option("127.0.0.1", help="Address to listen on (0.0.0.0 for every interface)."),
        port: int = typer.Option(8000, help="Port to listen on (0: any free port, printed at start)."),
        workers: int = typer.Option(1, min=1, help="Worker processes (each with its own connection pool)."),
    ) -> None:
        """Serve the API (docs at /docs) until stopped."""
        if ctx.invoked_subcommand is not None:
            return
        import uvicorn

        from shiftdesk.errors import UserError
        from shiftdesk.runtime import engine_from_settings
        from store import migrate

        if migrate.current_revision(engine_from_settings()) != migrate.head_revision():
            raise UserError("database schema is not up to date: run `shiftdesk db upgrade` first")
        uvicorn.run("api.app:app_from_settings", factory=True, host=host, port=port, workers=workers,
                    log_level="info", access_log=False, proxy_headers=False)

    @token.command("create")
    def create(name: str = typer.Argument(..., help="The integration, e.g. shop or chat-widget.")) -> None:
        """Create an integration and print its token once (only its hash is stored)."""
        from api.tokens import issue_token
        from shiftdesk.clock import utc_now
        from shiftdesk.runtime import session_factory
        from store.db import session_scope

        with session_scope(session_factory()) as session:
            secret = issue_token(session, name, utc_now())
        typer.echo(f"integration '{name.strip()}' created; its token (shown only now, keep it secret):")
        typer.echo(secret)

    @token.command("list")
    def list_tokens() -> None:
        """Integrations with their token's first characters, state and last use."""
        from api.tokens import listing
        from shiftdesk.runtime import session_factory

        with session_factory()() as session:
            rows = listing(session)
        if not rows:
            typer.echo("no integrations yet: `shiftdesk api token create NAME`")
        for row in rows:
            used = f"{row.last_used_at:%Y-%m-%d %H:%M} UTC" if row.last_used_at else "never"
            typer.echo(f"{row.name:<24} {row.token_hint}…  {'active' if row.active else 'revoked':<8} "
                       f"created {row.created_at:%Y-%m-%d}  last used {used}")

    @token.command("revoke")
    def revoke(name: str = typer.Argument(...)) -> None:
        """Revoke an integration's token: its next request gets 401."""
        from api.tokens import revoke as revoke_token
        from shiftdesk.runtime import session_factory
        from store.db import session_scope

        with session_scope(session_factory()) as session:
            revoke_token(session, name)
        typer.echo(f"integration '{name}' revoked")

    api.add_typer(token, name="token")
    app.add_typer(api, name="api")
