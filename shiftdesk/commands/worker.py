"""`shiftdesk worker`: SLA warnings and escalations, routing, night paging, request expiry, and the
notification outbox."""

from __future__ import annotations

import os
import socket
from datetime import timedelta

import typer


def register(app: typer.Typer) -> None:
    @app.command("worker")
    def worker(
        poll_seconds: float = typer.Option(1.0, help="Sleep between passes when there is nothing to do."),
        max_seconds: float = typer.Option(None, help="Stop after this many seconds (default: run until stopped)."),
        batch: int = typer.Option(500, help="Due tickets per SLA pass."),
        outbox_batch: int = typer.Option(200, help="Notifications per outbox pass."),
        worker_id: str = typer.Option(None, help="Name for leases (default: host:pid)."),
        lease_seconds: float = typer.Option(60.0, help="How long a claimed notification stays reserved."),
    ) -> None:
        """Run SLA escalations and deliver notifications until stopped (Ctrl-C)."""
        from shiftdesk.clock import utc_now
        from shiftdesk.runtime import session_factory
        from shiftdesk.settings import Settings
        from tickets.channels.router import ChannelRouter
        from tickets.worker import run_worker

        name = worker_id or f"{socket.gethostname()}:{os.getpid()}"

        def show(r) -> None:  # noqa: ANN001 - tickets.worker.PassReports
            typer.echo(
                f"[{utc_now():%H:%M:%S}] {name}: {r.sla.steps} SLA steps on {r.sla.tickets} tickets; "
                f"{r.routing.routed} routed, {r.handover.considered} handed over; "
                f"{r.oncall.paged} paged, {r.oncall.escalated} escalated; {r.expired_requests} requests expired, "
                f"{r.forgotten_keys} API keys forgotten; "
                f"{r.delivery.delivered} sent, {r.delivery.retrying} to retry, {r.delivery.dead} dead",
                err=True,
            )

        typer.echo(f"worker {name} started", err=True)
        with ChannelRouter.from_settings(Settings.from_env()) as router:
            try:
                totals = run_worker(session_factory(), router, name, utc_now, poll_seconds=poll_seconds,
                                    max_seconds=max_seconds, on_pass=show, batch=batch, outbox_batch=outbox_batch,
                                    lease=timedelta(seconds=lease_seconds))
            except KeyboardInterrupt:
                typer.echo("worker stopped", err=True)
                return
        typer.echo(f"worker {name} done: {totals.steps} SLA steps, {totals.routed} routed, {totals.paged} pages, "
                   f"{totals.delivered} notifications sent", err=True)
