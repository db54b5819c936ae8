"""Routing throughput: tickets assigned per second with 200 agents on shift and 5,000 open unassigned tickets.

A seeded generator builds one Shanghai team: 200 agents over 5 skills (a
primary skill at level 2-5, up to two more at 1-3), every one rostered on the
published day shift of the benchmark's Thursday, each holding at most
`--capacity` open tickets (30: 6,000 places); 8 queues, half least-load and
half longest-idle; and 5,000 open unassigned tickets over the last 8 hours
(5 % VIP, 10 % complaints, mixed priorities), inserted in bulk. Then, on a
fresh copy each time:

- worker: `routing_pass` in transactions of `--batch` tickets until a pass
  routes nothing (what `shiftdesk worker` runs);
- intake: `route_ticket` once per ticket, each in its own transaction (what
  the create paths run), over the first `--intake` tickets, with p50/p99;
- PostgreSQL only, 2 workers: two processes running passes on the same
  backlog at once (row locks with SKIP LOCKED share it out).

After each run the desk is checked: no ticket assigned twice, no agent over
capacity. The machine has 2 cores shared with other work, so figures move
from run to run; the load average before each run is printed. The throwaway
PostgreSQL of scripts/with-postgres.sh runs with fsync off.

    bash scripts/with-postgres.sh .venv/bin/python benchmarks/routing.py [--backend sqlite|postgresql|both]
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import random
import shutil
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from datetime import time as clock_time
from pathlib import Path

from sqlalchemy import String, case, cast, func, insert, select
from sqlalchemy.orm import Session

from store.db import make_engine, make_session_factory, session_scope
from store.schema import (
    Employee,
    EmployeeChannelLimit,
    EmployeeSkill,
    Queue,
    Roster,
    RosterAssignment,
    ShiftType,
    Site,
    Skill,
    Team,
    Ticket,
    TicketEvent,
)
from support import fresh_database, percentile, postgres_admin_url
from tickets.routing import route_ticket, routing_pass

NOW = datetime(2026, 11, 26, 2, 30, tzinfo=UTC)  # Thursday 10:30 in Shanghai: the day shift is on
SKILLS = ("billing", "technical", "device_repair", "cross_border", "vip_care")
QUEUES = (  # code, channel, skill, policy, share of the backlog
    ("billing_chat", "chat", "billing", "least_load", 0.16),
    ("billing_email", "email", "billing", "longest_idle", 0.12),
    ("tech_phone", "phone", "technical", "least_load", 0.20),
    ("tech_email", "email", "technical", "longest_idle", 0.12),
    ("device_repair", "webform", "device_repair", "least_load", 0.14),
    ("cross_border", "email", "cross_border", "longest_idle", 0.12),
    ("vip_care", "phone", "vip_care", "least_load", 0.08),
    ("escalations", "internal", "vip_care", "longest_idle", 0.06),
)
PRIORITIES = ("low", "normal", "normal", "normal", "high", "urgent")


@dataclass(frozen=True)
class Run:
    backend: str
    path: str
    load: float  # 1-minute load average before the run
    routed: int
    seconds: float
    latencies_ms: list[float]

    @property
    def per_second(self) -> float:
        return self.routed / self.seconds if self.seconds else 0.0


def build_desk(url: str, agents: int, tickets: int, capacity: int, seed: int) -> None:
    """Write the generated desk and its backlog into the empty database at `url`."""
    rng = random.Random(seed)
    engine = make_engine(url)
    with session_scope(make_session_factory(engine)) as session:
        team = Team(site=Site(name="Benchmark site", time_zone="Asia/Shanghai"), name="Benchmark team")
        skills = {code: Skill(code=code, name=code) for code in SKILLS}
        day = ShiftType(team=team, code="D", name="Day 09:00-18:00", start_local=clock_time(9), duration_minutes=540)
        monday = date(2026, 11, 23)
        roster = Roster(team=team, week_start=monday, status="published", created_at=NOW, published_at=NOW)
        for number in range(agents):
            primary = SKILLS[number % len(SKILLS)]
            levels = {primary: rng.randint(2, 5)}
            for extra in rng.sample([s for s in SKILLS if s != primary], k=rng.choice((0, 1, 1, 2))):
                levels[extra] = rng.randint(1, 3)
            employee = Employee(team=team, name=f"Agent {number:03d}", max_concurrent_tickets=capacity,
                                skills=[EmployeeSkill(skill=skills[s], level=level) for s, level in levels.items()])
            roster.assignments.append(RosterAssignment(employee=employee, day=NOW.date(), shift_type=day,
                                                       skill=skills[primary]))
        queues = [Queue(team=team, code=code, name=code, channel=channel, skill=skills[skill], routing_policy=policy)
                  for code, channel, skill, policy, _ in QUEUES]
        session.add_all([team, day, roster, *skills.values(), *queues])
        session.flush()
        session.execute(insert(Ticket), _backlog(rng, queues, tickets))
    engine.dispose()


def _backlog(rng: random.Random, queues: list[Queue], count: int) -> list[dict[str, object]]:
    shares = [share for *_, share in QUEUES]
    rows = []
    for number in range(count):
        queue = rng.choices(queues, weights=shares)[0]
        created = NOW - timedelta(minutes=rng.uniform(1, 480))
        rows.append({
            "channel": queue.channel, "queue_id": queue.id, "status": "new", "subject": f"Backlog ticket {number}",
            "customer_tier": "vip" if rng.random() < 0.05 else "standard",
            "category": "complaint" if rng.random() < 0.10 else "inquiry", "priority": rng.choice(PRIORITIES),
            "created_at": created, "updated_at": created, "first_response_due_at": created + timedelta(hours=2),
            "version": 1,
        })
    return rows


def worker_passes(url: str, batch: int, start_at: float | None = None) -> tuple[float, float, int]:
    """Run passes until one finds nothing to route; (monotonic start, end, tickets routed).

    A pass that found tickets but no agent it could lock (another worker
    holds them all) is not the end: the next pass tries again.
    """
    engine = make_engine(url)
    factory = make_session_factory(engine)
    if start_at is not None:
        time.sleep(max(0.0, start_at - time.monotonic()))  # both processes start together, after spawning
    started, routed = time.monotonic(), 0
    while True:
        with session_scope(factory) as session:
            report = routing_pass(session, NOW, limit=batch)
        routed += report.routed
        if not report.considered:
            break
    ended = time.monotonic()
    engine.dispose()
    return started, ended, routed


def intake(url: str, count: int) -> list[float]:
    """Route the first `count` tickets one transaction each, oldest first; the milliseconds each took."""
    engine = make_engine(url)
    factory = make_session_factory(engine)
    with factory() as session:
        ids = session.scalars(select(Ticket.id).order_by(Ticket.created_at).limit(count)).all()
    latencies = []
    for ticket_id in ids:
        started = time.perf_counter()
        with session_scope(factory) as session:
            route_ticket(session, ticket_id, NOW)
        latencies.append(1000 * (time.perf_counter() - started))
    engine.dispose()
    return latencies


def two_workers(url: str, batch: int) -> float:
    """Two processes running passes on the same backlog at once; seconds from their start until both are done."""
    context = multiprocessing.get_context("spawn")
    start_at = time.monotonic() + 5  # CLOCK_MONOTONIC is system-wide on Linux: both processes read the same clock
    with context.Pool(2) as pool:
        spans = pool.starmap(worker_passes, [(url, batch, start_at), (url, batch, start_at)])
    return max(end for _, end, _ in spans) - min(start for start, _, _ in spans)


def check(url: str) -> int:
    """Tickets assigned; fails loudly if a ticket was given twice or an agent is over capacity in a channel."""
    engine = make_engine(url)
    with Session(engine) as session:
        doubled = session.scalar(select(func.count()).select_from(
            select(TicketEvent.ticket_id).where(TicketEvent.kind == "assigned").group_by(TicketEvent.ticket_id)
            .having(func.count() > 1).subquery()))
        # A channel with a limit of its own is counted alone; the others share max_concurrent_tickets.
        limit = func.coalesce(EmployeeChannelLimit.max_concurrent_tickets, Employee.max_concurrent_tickets)
        bucket = case((EmployeeChannelLimit.employee_id.is_not(None), cast(Queue.channel, String)), else_="shared")
        over = session.scalar(select(func.count()).select_from(
            select(Employee.id).join(Ticket, Ticket.assignee_id == Employee.id)
            .join(Queue, Ticket.queue_id == Queue.id)
            .outerjoin(EmployeeChannelLimit, (EmployeeChannelLimit.employee_id == Employee.id)
                       & (EmployeeChannelLimit.channel == Queue.channel))
            .group_by(Employee.id, bucket, limit)
            .having(func.count() > limit).subquery()))
        assigned = session.scalar(select(func.count()).select_from(Ticket).where(Ticket.assignee_id.is_not(None)))
    engine.dispose()
    if doubled or over:
        raise SystemExit(f"broken: {doubled} tickets assigned twice, {over} agents over capacity")
    return assigned or 0


@contextmanager
def copy_of(backend: str, template: str, build: Callable[[str], None]) -> Iterator[str]:
    """A fresh desk: a copy of the SQLite template file, or a newly built PostgreSQL database."""
    if backend == "sqlite":
        with tempfile.TemporaryDirectory() as folder:
            target = Path(folder) / "copy.db"
            shutil.copy(template, target)
            yield f"sqlite:///{target}"
        return
    with fresh_database(backend) as url:
        build(url)
        yield url


def measure(backend: str, args: argparse.Namespace) -> list[Run]:
    build = lambda url: build_desk(url, args.agents, args.tickets, args.capacity, args.seed)  # noqa: E731
    runs = []
    with fresh_database(backend) as template_url:
        if backend == "sqlite":
            build(template_url)
        template = template_url.removeprefix("sqlite:///")
        with copy_of(backend, template, build) as url:
            load = os.getloadavg()[0]
            started, ended, _ = worker_passes(url, args.batch)
            runs.append(Run(backend, f"1 worker, passes of {args.batch}", load, check(url), ended - started, []))
        with copy_of(backend, template, build) as url:
            load = os.getloadavg()[0]
            latencies = intake(url, args.intake)
            runs.append(Run(backend, "intake, 1 per transaction", load, check(url), sum(latencies) / 1000, latencies))
        if backend == "postgresql":
            with copy_of(backend, template, build) as url:
                load = os.getloadavg()[0]
                elapsed = two_workers(url, args.batch)
                runs.append(Run(backend, f"2 workers, passes of {args.batch}", load, check(url), elapsed, []))
    return runs


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backend", choices=("sqlite", "postgresql", "both"), default="both")
    parser.add_argument("--agents", type=int, default=200)
    parser.add_argument("--tickets", type=int, default=5000)
    parser.add_argument("--capacity", type=int, default=30, help="max open tickets per agent")
    parser.add_argument("--batch", type=int, default=500, help="tickets per worker pass (one transaction)")
    parser.add_argument("--intake", type=int, default=1000, help="tickets routed one per transaction")
    parser.add_argument("--seed", type=int, default=1111)
    args = parser.parse_args()
    backends = ["sqlite", "postgresql"] if args.backend == "both" else [args.backend]
    if "postgresql" in backends and postgres_admin_url() is None:
        backends.remove("postgresql")
        print("(PostgreSQL skipped: run under scripts/with-postgres.sh to include it)")
    print(f"{os.cpu_count()} CPUs (shared); {args.agents} agents on shift, {args.tickets:,} open unassigned tickets, "
          f"capacity {args.capacity} each, seed {args.seed}")
    print(f"{'backend':<11} {'path':<27} {'load':>5} {'routed':>7} {'seconds':>8} {'tickets/s':>10} "
          f"{'p50 ms':>7} {'p99 ms':>7}")
    for backend in backends:
        for run in measure(backend, args):
            tail = (f"{percentile(run.latencies_ms, 0.5):>7.1f} {percentile(run.latencies_ms, 0.99):>7.1f}"
                    if run.latencies_ms else f"{'':>7} {'':>7}")
            print(f"{run.backend:<11} {run.path:<27} {run.load:>5.1f} {run.routed:>7} {run.seconds:>8.2f} "
                  f"{run.per_second:>10.0f} {tail}", flush=True)
    print("checked after every run: no ticket assigned twice, no agent over capacity")


if __name__ == "__main__":
    main()
