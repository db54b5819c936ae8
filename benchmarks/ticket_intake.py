"""Ticket intake throughput: the full service path against a plain bulk insert of the same rows.

For SQLite and PostgreSQL: seed the demo desk (90k tickets of history), then
create N tickets one by one through `tickets.lifecycle.create_ticket` (each
in its own transaction, with its audit event, SLA clocks and escalation
snapshot: what the API and the web form do), then insert the same N rows in
one bulk statement. Prints tickets per second for both and the ratio.

    bash scripts/with-postgres.sh .venv/bin/python benchmarks/ticket_intake.py [--tickets 2000]
"""

from __future__ import annotations

import argparse
import random
import time
from datetime import UTC, datetime, timedelta

from sqlalchemy import insert, select

from shiftdesk.demo.seed import seed_demo
from store.db import make_engine, make_session_factory, session_scope
from store.schema import Queue, Ticket
from support import fresh_database, postgres_admin_url
from tickets.lifecycle import Actor, NewTicket, create_ticket

SUBJECTS = ["无法登录账户", "Refund not received", "设备无法开机", "Parcel stuck in customs", "投诉：没有回复"]
CATEGORIES = ["login", "refund", "device_down", "customs", "complaint"]


def new_tickets(queues: list[str], count: int, seed: int = 7) -> list[NewTicket]:
    pick = random.Random(seed)
    return [
        NewTicket(queue=pick.choice(queues), subject=f"{pick.choice(SUBJECTS)} #{n}", body="Please help.",
                  category=pick.choice(CATEGORIES), customer_tier=pick.choice(["standard"] * 9 + ["vip"]),
                  priority=pick.choice(["low", "normal", "normal", "high"]), external_id=f"BENCH-{n}")
        for n in range(count)
    ]


def measure(backend: str, count: int) -> dict[str, float]:
    with fresh_database(backend) as url:
        engine = make_engine(url)
        factory = make_session_factory(engine)
        now = datetime.now(UTC)
        with session_scope(factory) as session:
            seed_demo(session, now=now)
        with factory() as session:
            queues = dict(session.execute(select(Queue.code, Queue.id).where(Queue.channel != "internal")).all())
        tickets = new_tickets(sorted(queues), count)
        actor = Actor("api:bench")
        started = time.perf_counter()
        for n, ticket in enumerate(tickets):
            with session_scope(factory) as session:
                create_ticket(session, ticket, actor, now + timedelta(milliseconds=n))
        service_s = time.perf_counter() - started

        rows = [
            {"external_id": f"BULK-{n}", "channel": "email", "customer_tier": t.customer_tier, "category": t.category,
             "priority": t.priority, "queue_id": queues[t.queue], "status": "new", "subject": t.subject,
             "body": t.body, "created_at": now, "updated_at": now, "version": 1}
            for n, t in enumerate(tickets)
        ]
        started = time.perf_counter()
        with session_scope(factory) as session:
            session.execute(insert(Ticket), rows)
        bulk_s = time.perf_counter() - started
        engine.dispose()
    return {"service_per_s": count / service_s, "bulk_per_s": count / bulk_s, "ratio": bulk_s / service_s}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tickets", type=int, default=2000)
    args = parser.parse_args()
    backends = ["sqlite"] + (["postgresql"] if postgres_admin_url() else [])
    print(f"{'backend':<11} {'service tickets/s':>18} {'bulk rows/s':>12} {'service / bulk':>15}")
    for backend in backends:
        figures = measure(backend, args.tickets)
        print(f"{backend:<11} {figures['service_per_s']:>18.0f} {figures['bulk_per_s']:>12.0f} "
              f"{figures['ratio']:>15.3f}")
    if len(backends) == 1:
        print("(PostgreSQL skipped: run under scripts/with-postgres.sh to include it)")


if __name__ == "__main__":
    main()
