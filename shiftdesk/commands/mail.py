"""`shiftdesk mail-poll`: import new e-mail from a Maildir folder or an IMAP mailbox as tickets and replies."""

from __future__ import annotations

import time
from pathlib import Path

import typer


def register(app: typer.Typer) -> None:
    @app.command("mail-poll")
    def mail_poll(
        maildir: Path = typer.Option(None, help="Read this Maildir folder instead of IMAP."),
        imap_host: str = typer.Option(None, envvar="SHIFTDESK_IMAP_HOST", help="IMAP server."),
        imap_port: int = typer.Option(993, envvar="SHIFTDESK_IMAP_PORT"),
        imap_user: str = typer.Option(None, envvar="SHIFTDESK_IMAP_USER"),
        imap_password: str = typer.Option(None, envvar="SHIFTDESK_IMAP_PASSWORD", show_default=False),
        imap_mailbox: str = typer.Option("INBOX", envvar="SHIFTDESK_IMAP_MAILBOX"),
        imap_ssl: bool = typer.Option(True, "--imap-ssl/--imap-plain", help="TLS from the start (port 993)."),
        queue: str = typer.Option("tech_email", envvar="SHIFTDESK_MAIL_QUEUE",
                                  help="Queue for new mail to no mapped address."),
        route: list[str] = typer.Option([], help="ADDRESS=QUEUE: mail to this address opens tickets in QUEUE "
                                                 "(repeatable), e.g. vip@desk.example=vip."),
        done_folder: str = typer.Option(None, help="Move imported mail here (Maildir default: done; IMAP: "
                                                   "only marked seen)."),
        failed_folder: str = typer.Option("failed", help="Move refused mail here, with the reason in a header."),
        acknowledge: bool = typer.Option(True, "--acknowledge/--no-acknowledge",
                                         help="E-mail each new ticket's customer a receipt carrying the ticket tag."),
        classify: bool = typer.Option(True, "--classify/--no-classify",
                                      help="Let the trained classifier set a new ticket's category and priority "
                                           "when it is confident (see `shiftdesk classify`)."),
        limit: int = typer.Option(None, min=1, help="At most this many messages per pass."),
        every: float = typer.Option(None, min=1, help="Poll again every this many seconds until stopped."),
    ) -> None:
        """Import new mail once (or every --every seconds): new ticket, threaded reply, or already seen."""
        from shiftdesk.clock import utc_now
        from shiftdesk.errors import UserError
        from shiftdesk.runtime import session_factory
        from shiftdesk.settings import Settings
        from tickets.mail_intake import ImapSource, MaildirSource, MailSetup, classifier_labels, poll

        setup = MailSetup(default_queue=queue, queues_by_address=_routes(route),
                          desk_address=Settings.from_env().smtp_sender if acknowledge else None,
                          classify=classifier_labels if classify else None)

        def one_pass() -> None:
            if maildir is not None:
                source = MaildirSource(maildir, done_folder or "done", failed_folder)
                _show(poll(session_factory(), source, setup, utc_now, limit=limit))
                return
            if not (imap_host and imap_user and imap_password):
                raise UserError("give --maildir PATH, or an IMAP server: --imap-host, --imap-user and "
                                "--imap-password (or SHIFTDESK_IMAP_HOST/_USER/_PASSWORD)")
            with ImapSource.connect(imap_host, imap_port, imap_user, imap_password, use_ssl=imap_ssl,
                                    mailbox_name=imap_mailbox, done_folder=done_folder,
                                    failed_folder=failed_folder) as source:
                _show(poll(session_factory(), source, setup, utc_now, limit=limit))

        one_pass()
        while every is not None:
            try:
                time.sleep(every)
            except KeyboardInterrupt:
                return
            one_pass()


def _routes(pairs: list[str]) -> dict[str, str]:
    from shiftdesk.errors import UserError

    routes: dict[str, str] = {}
    for pair in pairs:
        address, _, queue = pair.partition("=")
        if "@" not in address or not queue.strip():
            raise UserError(f"--route {pair!r}: write ADDRESS=QUEUE, e.g. vip@desk.example=vip")
        routes[address.strip().lower()] = queue.strip()
    return routes


def _show(report) -> None:  # noqa: ANN001 - tickets.mail_intake.PollReport, imported lazily
    for key, reason in report.failed:
        typer.echo(f"refused {key}: {reason}", err=True)
    typer.echo(f"mail: {report.created} new ticket(s), {report.replied} repl(ies), "
               f"{report.duplicates} already imported, {len(report.failed)} refused")
