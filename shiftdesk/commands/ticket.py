"""`shiftdesk ticket ...`: create, import and inspect tickets from the command line."""

from __future__ import annotations

from pathlib import Path

import typer


def register(app: typer.Typer) -> None:
    ticket = typer.Typer(help="Create, import and show tickets.", no_args_is_help=True)

    @ticket.command("create")
    def create(
        queue: str = typer.Option(None, help="Queue code, e.g. tech_email (default: the classifier's choice)."),
        subject: str = typer.Option(...),
        body: str = typer.Option(""),
        priority: str = typer.Option(None, help="Default: the classifier's, else normal."),
        customer_tier: str = typer.Option("standard", "--tier"),
        category: str = typer.Option(None, help="Default: the classifier's, else inquiry."),
        channel: str = typer.Option(None, help="Default: the queue's channel."),
        external_id: str = typer.Option(None, help="Your system's id: creating it again returns the same ticket."),
    ) -> None:
        """Open a ticket (classified, routed, paged at night); prints its number, SLA deadlines and routing."""
        from shiftdesk.clock import utc_now
        from shiftdesk.runtime import session_factory
        from store.db import session_scope
        from tickets.intake import open_ticket
        from tickets.lifecycle import Actor, NewTicket

        new = NewTicket(queue=queue, subject=subject, body=body, priority=priority, customer_tier=customer_tier,
                        category=category, channel=channel, external_id=external_id)
        with session_scope(session_factory()) as session:
            opened = open_ticket(session, new, Actor("cli"), utc_now())
            created = opened.ticket
            typer.echo(("created" if opened.created else "already exists:")
                       + f" ticket #{created.id} in {created.queue.code} ({created.sla_tier or 'no SLA'})")
            for label, due in (("first response due", created.first_response_due_at),
                               ("resolution due", created.resolution_due_at)):
                if due is not None:
                    typer.echo(f"  {label} {due:%Y-%m-%d %H:%M} UTC")
            if opened.created:
                for name, value in opened.suggested.items():
                    typer.echo(f"  {name} suggested by the classifier: {value}")
                if opened.triage:
                    typer.echo(f"  left to a person (classifier unsure): {', '.join(opened.triage)}")
                typer.echo(f"  {opened.routing}" + ("; the engineer on night duty was paged" if opened.paged else ""))

    @ticket.command("import")
    def import_file(
        path: Path = typer.Argument(..., help="CSV with queue,subject[,external_id,body,...] columns."),
        zone: str = typer.Option(None, help="Zone for times without an offset (default: the site's)."),
    ) -> None:
        """Import tickets from CSV: all rows are checked first; a bad file imports nothing."""
        from shiftdesk.clock import utc_now
        from shiftdesk.runtime import session_factory
        from store.db import session_scope
        from store.org import first_team_id, team_zone
        from tickets.importer import import_csv
        from tickets.lifecycle import Actor

        with session_scope(session_factory()) as session:
            team_id = first_team_id(session)
            site_zone = zone or (team_zone(session, team_id) if team_id else "Asia/Shanghai")
            report = import_csv(session, path, Actor(f"import:{path.name}"), utc_now(), site_zone)
        typer.echo(f"imported {report.created} ticket(s), skipped {report.skipped} already imported")

    @ticket.command("show")
    def show(ticket_id: int) -> None:
        """A ticket's state, SLA deadlines and audit trail."""
        from shiftdesk.errors import UserError
        from shiftdesk.runtime import session_factory
        from store.schema import Ticket

        with session_factory()() as session:
            found = session.get(Ticket, ticket_id)
            if found is None:
                raise UserError(f"no ticket #{ticket_id}")
            typer.echo(f"#{found.id} [{found.status.value}] {found.subject}")
            typer.echo(f"  queue {found.queue.code} · {found.channel.value} · priority {found.priority.value} · "
                       f"{found.customer_tier.value} · {found.category} · tier {found.sla_tier or '-'}")
            for event in found.events:
                typer.echo(f"  {event.at:%Y-%m-%d %H:%M} {event.actor:<16} {event.kind:<14} {event.data}")

    app.add_typer(ticket, name="ticket")
