"""API intake throughput: ticket creation over HTTP on loopback, against a plain bulk insert of the same rows.

For SQLite and PostgreSQL: seed the demo desk (90k tickets of history), mint
an integration token, start the real server in its own process
(`uvicorn api.app:app_from_settings --factory`, `--workers` of them, 1 by
default) and have `--clients` threads (8) each with its own keep-alive httpx
client POST `/api/v1/tickets` with an Idempotency-Key and an external id, as
a shop integration would: token check, validation, the lifecycle's ticket
with its audit event, SLA clocks and escalation snapshot, and the stored
idempotency answer, one transaction per request. Prints requests per second,
p50/p99 latency, then the same rows inserted in one bulk statement, and the
ratio. The clients share the machine with the server, as they would on one
host; the load average before each run is printed because other work on the
machine moves these figures.

    bash scripts/with-postgres.sh .venv/bin/python benchmarks/api_intake.py [--requests 2000] [--workers 1]
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
from datetime import UTC, datetime
from pathlib import Path

import httpx
from sqlalchemy import insert, select

from api.tokens import issue_token
from shiftdesk.demo.seed import seed_demo
from store.db import make_engine, make_session_factory, session_scope
from store.schema import Queue, Ticket
from support import fresh_database, percentile, postgres_admin_url

REPO = Path(__file__).resolve().parent.parent
SUBJECTS = ["无法登录账户", "Refund not received", "设备无法开机", "Parcel stuck in customs", "投诉：没有回复"]
CATEGORIES = ["login", "refund", "device_down", "customs", "complaint"]
WARM_UP = 50


def payloads(queues: list[str], count: int, prefix: str, seed: int = 7) -> list[dict[str, str]]:
    pick = random.Random(seed)
    return [
        {"queue": pick.choice(queues), "subject": f"{pick.choice(SUBJECTS)} #{n}", "body": "Please help.",
         "category": pick.choice(CATEGORIES), "customer_tier": pick.choice(["standard"] * 9 + ["vip"]),
         "priority": pick.choice(["low", "normal", "normal", "high"]), "customer_email": f"c{n}@example.com",
         "external_id": f"{prefix}-{n}"}
        for n in range(count)
    ]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start_server(url: str, port: int, workers: int) -> subprocess.Popen[bytes]:
    command = [sys.executable, "-m", "uvicorn", "api.app:app_from_settings", "--factory", "--host", "127.0.0.1",
               "--port", str(port), "--workers", str(workers), "--log-level", "warning", "--no-access-log"]
    server = subprocess.Popen(command, cwd=REPO, env={**os.environ, "SHIFTDESK_DATABASE_URL": url})
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/api/v1/health", timeout=1).status_code == 200:
                return server
        except httpx.TransportError:
            time.sleep(0.1)
    server.kill()
    raise SystemExit("the API server did not start")


def hammer(base: str, token: str, bodies: list[dict[str, str]], clients: int) -> tuple[float, list[float]]:
    """Send every body once, spread over `clients` threads; returns (wall seconds, latencies in ms)."""
    latencies: list[float] = []
    lock = threading.Lock()
    failures: list[str] = []

    def client(share: list[dict[str, str]]) -> None:
        mine = []
        with httpx.Client(base_url=base, headers={"Authorization": f"Bearer {token}"}, timeout=60) as http:
            for body in share:
                started = time.perf_counter()
                response = http.post("/api/v1/tickets", json=body, headers={"Idempotency-Key": body["external_id"]})
                mine.append((time.perf_counter() - started) * 1000)
                if response.status_code != 201:
                    failures.append(f"{response.status_code} {response.text[:200]}")
        with lock:
            latencies.extend(mine)

    threads = [threading.Thread(target=client, args=(bodies[n::clients],)) for n in range(clients)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    wall = time.perf_counter() - started
    if failures:
        raise SystemExit(f"{len(failures)} requests failed, e.g. {failures[0]}")
    return wall, latencies


def bulk_insert(url: str, bodies: list[dict[str, str]], queue_ids: dict[str, int]) -> float:
    now = datetime.now(UTC)
    rows = [{"external_id": f"BULK-{n}", "channel": "api", "customer_tier": b["customer_tier"],
             "category": b["category"], "priority": b["priority"], "queue_id": queue_ids[b["queue"]],
             "status": "new", "subject": b["subject"], "body": b["body"], "customer_email": b["customer_email"],
             "created_at": now, "updated_at": now, "version": 1} for n, b in enumerate(bodies)]
    engine = make_engine(url)
    started = time.perf_counter()
    with session_scope(make_session_factory(engine)) as session:
        session.execute(insert(Ticket), rows)
    elapsed = time.perf_counter() - started
    engine.dispose()
    return elapsed


def measure(backend: str, count: int, clients: int, workers: int) -> dict[str, float]:
    with fresh_database(backend) as url:
        engine = make_engine(url)
        with session_scope(make_session_factory(engine)) as session:
            seed_demo(session, now=datetime.now(UTC))
            token = issue_token(session, "bench", datetime.now(UTC))
            queue_ids = dict(session.execute(select(Queue.code, Queue.id).where(Queue.channel != "internal")).all())
        engine.dispose()
        port = free_port()
        server = start_server(url, port, workers)
        try:
            base = f"http://127.0.0.1:{port}"
            hammer(base, token, payloads(sorted(queue_ids), WARM_UP, "WARM"), clients)
            load = os.getloadavg()[0]
            bodies = payloads(sorted(queue_ids), count, "API")
            wall, latencies = hammer(base, token, bodies, clients)
        finally:
            server.terminate()
            server.wait(30)
        bulk_s = bulk_insert(url, bodies, queue_ids)
    return {"per_s": count / wall, "p50": percentile(latencies, 0.5), "p99": percentile(latencies, 0.99),
            "bulk_per_s": count / bulk_s, "ratio": (count / bulk_s) / (count / wall), "load": load}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--workers", type=int, default=1, help="uvicorn worker processes")
    parser.add_argument("--backend", choices=["sqlite", "postgresql"], action="append")
    args = parser.parse_args()
    backends = args.backend or (["sqlite"] + (["postgresql"] if postgres_admin_url() else []))
    print(f"{os.cpu_count()} CPUs; uvicorn workers={args.workers}; {args.clients} concurrent clients; "
          f"{args.requests} creations per backend")
    print(f"{'backend':<11} {'load':>5} {'requests/s':>11} {'p50 ms':>8} {'p99 ms':>8} {'bulk rows/s':>12} "
          f"{'bulk / API':>11}")
    for backend in backends:
        f = measure(backend, args.requests, args.clients, args.workers)
        print(f"{backend:<11} {f['load']:>5.1f} {f['per_s']:>11.0f} {f['p50']:>8.1f} {f['p99']:>8.1f} "
              f"{f['bulk_per_s']:>12.0f} {f['ratio']:>10.0f}x")
    if "postgresql" not in backends:
        print("(PostgreSQL skipped: run under scripts/with-postgres.sh to include it)")


if __name__ == "__main__":
    main()
