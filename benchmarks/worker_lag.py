"""Worker lag: from an SLA warning's due time to its notification handed to the channel.

Builds the demo desk, adds open tickets up to `--open` (100,000 by default),
of which `--due` (2,000) VIP complaints have their SLA warning fall due within
the same minute, a little after the worker starts. One `shiftdesk worker`
process (the real CLI) then runs against a real SMTP server and a real webhook
receiver on loopback. For every warning notification the lag is
`sent_at - due_at` (the worker records `sent_at` when the channel accepted the
message). Prints p50/p99 per channel and overall; the target is p99 < 2 s
with one worker on PostgreSQL.

    bash scripts/with-postgres.sh .venv/bin/python benchmarks/worker_lag.py [--backend postgresql]
"""

from __future__ import annotations

import argparse
import os
import random
import socket
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from aiosmtpd.controller import Controller
from sqlalchemy import func, insert, select, update

from shiftdesk.demo.seed import seed_demo
from store.db import make_engine, make_session_factory, session_scope
from store.enums import NotificationStatus
from store.schema import Employee, EmployeeSkill, Notification, Queue, Skill, Team, Ticket
from support import fresh_database, percentile
from tickets.lifecycle import Actor, NewTicket, create_ticket, set_assignee
from tickets.on_shift import on_shift

WARN_AFTER = timedelta(minutes=24)  # VIP complaint: 30 min target, warning at 80 %
PILOT = 20  # tickets created first to time the build


class _Sink:
    """An SMTP handler that accepts and counts."""

    def __init__(self) -> None:
        self.count = 0

    async def handle_DATA(self, server, session, envelope) -> str:  # noqa: ANN001, N802 - aiosmtpd's hook
        self.count += 1
        return "250 OK"


class _Hook(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    received = 0

    def do_POST(self) -> None:  # noqa: N802 - http.server's hook
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        type(self).received += 1
        self.send_response(200)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args: object) -> None:
        """Quiet."""


def build_backlog(url: str, open_total: int, due: int, webhook: str) -> tuple[datetime, datetime]:
    """Seed the desk and the tickets; return the first and last due time of the warnings."""
    factory = make_session_factory(make_engine(url))
    now = datetime.now(UTC)
    with session_scope(factory) as session:
        seed_demo(session, now=now)
        session.execute(update(Team).values(webhook_url=webhook))
    with factory() as session:
        open_now = session.scalar(select(func.count()).select_from(Ticket).where(Ticket.status != "closed"))
        queue_ids = list(session.scalars(select(Queue.id).where(Queue.channel != "internal")))
        team_id = session.scalar(select(Team.id))
        vip_agents = [a.employee_id for a in on_shift(session, team_id, now) if "vip_care" in a.skills]
        if not vip_agents:
            vip_agents = list(session.scalars(
                select(Employee.id).join(EmployeeSkill).join(Skill).where(Skill.code == "vip_care")))
    filler = max(0, open_total - due - open_now - PILOT)
    pick = random.Random(5)
    later = now + timedelta(days=1)
    with session_scope(factory) as session:
        for start in range(0, filler, 5000):
            session.execute(insert(Ticket), [
                {"channel": "email", "customer_tier": "standard", "category": "inquiry", "priority": "normal",
                 "queue_id": pick.choice(queue_ids), "status": "open", "subject": f"Backlog {n}", "body": "",
                 "created_at": now, "updated_at": now, "sla_next_check_at": later, "version": 1}
                for n in range(start, min(start + 5000, filler))
            ])
    actor = Actor("api:bench")
    # Creating the due tickets takes a while (longer on a busy machine): time a few first, so the first
    # warning falls due only after the last ticket exists and the worker is up; a late build would be
    # counted as worker lag.
    started = time.monotonic()
    for n in range(PILOT):  # their warnings fall due tomorrow: they only time the build
        with session_scope(factory) as session:
            create_ticket(session, NewTicket(queue="vip_care", subject=f"Pilot {n}", customer_tier="vip",
                                             category="complaint"), actor, later)
    per_ticket = (time.monotonic() - started) / PILOT
    first_due = datetime.now(UTC) + timedelta(seconds=2 * per_ticket * due + 30)
    for n in range(due):
        due_at = first_due + timedelta(seconds=60 * n / due)
        with session_scope(factory) as session:
            ticket, _ = create_ticket(session, NewTicket(
                queue="vip_care", subject=f"Complaint {n}", customer_tier="vip", category="complaint",
                external_id=f"LAG-{n}"), actor, due_at - WARN_AFTER)
            set_assignee(ticket, vip_agents[n % len(vip_agents)], actor, due_at - WARN_AFTER)
    return first_due, first_due + timedelta(seconds=60)


def lags(url: str) -> dict[str, list[float]]:
    factory = make_session_factory(make_engine(url))
    with factory() as session:
        rows = session.execute(
            select(Notification.channel, Notification.payload, Notification.sent_at)
            .join(Ticket, Notification.ticket_id == Ticket.id)
            .where(Ticket.external_id.like("LAG-%"), Notification.idempotency_key.contains(":warn-assignee:"),
                   Notification.status == NotificationStatus.SENT)
        ).all()
    result: dict[str, list[float]] = {}
    for channel, payload, sent_at in rows:
        due_at = datetime.fromisoformat(payload["due_at"])
        result.setdefault(channel.value, []).append((sent_at - due_at).total_seconds())
    return result


def warned_tickets(url: str) -> int:
    """Due tickets whose every warning notification has been handed to its channel."""
    with make_session_factory(make_engine(url))() as session:
        warnings = (select(Notification.ticket_id, Notification.status).join(Ticket, Notification.ticket_id == Ticket.id)
                    .where(Ticket.external_id.like("LAG-%"), Notification.idempotency_key.contains(":warn-assignee:"))
                    .subquery())
        unsent = select(warnings.c.ticket_id).where(warnings.c.status != NotificationStatus.SENT)
        return session.scalar(select(func.count(func.distinct(warnings.c.ticket_id)))
                              .where(warnings.c.ticket_id.not_in(unsent)))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backend", choices=["postgresql", "sqlite"], default="postgresql")
    parser.add_argument("--open", type=int, default=100_000, help="open tickets in the database")
    parser.add_argument("--due", type=int, default=2_000, help="warnings falling due in one minute")
    args = parser.parse_args()

    sink = _Sink()
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        smtp_port = probe.getsockname()[1]
    smtp = Controller(sink, hostname="127.0.0.1", port=smtp_port)
    smtp.start()
    hooks = ThreadingHTTPServer(("127.0.0.1", 0), _Hook)
    hooks.daemon_threads = True
    threading.Thread(target=hooks.serve_forever, daemon=True).start()
    webhook = f"http://127.0.0.1:{hooks.server_address[1]}/sms"

    with fresh_database(args.backend) as url:
        print(f"building {args.open:,} open tickets, {args.due:,} warnings due in one minute ({args.backend})…",
              file=sys.stderr)
        first_due, last_due = build_backlog(url, args.open, args.due, webhook)
        env = {**os.environ, "SHIFTDESK_DATABASE_URL": url, "SHIFTDESK_SMTP_HOST": "127.0.0.1",
               "SHIFTDESK_SMTP_PORT": str(smtp_port), "SHIFTDESK_WEBHOOK_SECRET": "bench-secret"}
        shiftdesk = str(Path(sys.executable).parent / "shiftdesk")
        worker = subprocess.Popen([shiftdesk, "worker", "--poll-seconds", "0.2"], env=env,
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            wait = max(0.0, (first_due - datetime.now(UTC)).total_seconds())
            print(f"worker started; first warning due in {wait:.0f} s", file=sys.stderr)
            time.sleep(wait + 60)
            deadline = time.monotonic() + 120
            while warned_tickets(url) < args.due and time.monotonic() < deadline:
                time.sleep(1)
        finally:
            worker.terminate()
            worker.wait()
        by_channel = lags(url)
    smtp.stop()
    hooks.shutdown()

    everything = [lag for values in by_channel.values() for lag in values]
    print(f"{'channel':<10} {'messages':>9} {'p50 s':>7} {'p99 s':>7} {'max s':>7}")
    for channel, values in sorted(by_channel.items()) + [("all", everything)]:
        print(f"{channel:<10} {len(values):>9} {percentile(values, 0.5):>7.2f} {percentile(values, 0.99):>7.2f} "
              f"{max(values):>7.2f}")
    p99 = percentile(everything, 0.99)
    complete = min(sink.count, _Hook.received) >= args.due  # the demo desk's own tickets may add a few
    print(f"target p99 < 2 s with one worker on {args.backend}: {'PASS' if p99 < 2 and complete else 'FAIL'} "
          f"({p99:.2f} s); received: {sink.count} e-mails, {_Hook.received} webhooks for {args.due} warnings")


if __name__ == "__main__":
    main()
