"""`shiftdesk worker`: the loop that runs SLA escalations and the outbox.

All state lives in the database, so a restart loses nothing: due tickets are
found by `sla_next_check_at`, due notifications by their status and lease.
On PostgreSQL any number of workers share the work (row locks with SKIP
LOCKED, leases); on SQLite run one. The loop is the edge that reads the clock;
it passes `now` into every pass.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.orm import Session, sessionmaker

from store.db import session_scope
from tickets.channels.base import Sender
from tickets.delivery import LEASE, DeliveryReport, deliver_due
from tickets.escalate import PassReport, process_due_tickets


@dataclass
class WorkerTotals:
    passes: int = 0
    tickets: int = 0
    steps: int = 0
    delivered: int = 0
    retrying: int = 0
    dead: int = 0


def run_pass(
    factory: sessionmaker[Session], sender: Sender, worker_id: str, clock: Callable[[], datetime],
    *, batch: int = 500, outbox_batch: int = 200, lease: timedelta = LEASE,
) -> tuple[PassReport, DeliveryReport]:
    """One SLA pass (one transaction) then one outbox pass."""
    with session_scope(factory) as session:
        sla = process_due_tickets(session, clock(), limit=batch)
    delivery = deliver_due(factory, sender, worker_id, clock, limit=outbox_batch, lease=lease)
    return sla, delivery


def run_worker(
    factory: sessionmaker[Session],
    sender: Sender,
    worker_id: str,
    clock: Callable[[], datetime],
    *,
    poll_seconds: float = 1.0,
    max_seconds: float | None = None,
    stop: threading.Event | None = None,
    on_pass: Callable[[PassReport, DeliveryReport], None] | None = None,
    batch: int = 500,
    outbox_batch: int = 200,
    lease: timedelta = LEASE,
) -> WorkerTotals:
    """Run passes until `stop` is set or `max_seconds` pass; sleep `poll_seconds` when idle."""
    stop = stop or threading.Event()
    deadline = None if max_seconds is None else time.monotonic() + max_seconds
    totals = WorkerTotals()
    while not stop.is_set() and (deadline is None or time.monotonic() < deadline):
        sla, delivery = run_pass(factory, sender, worker_id, clock, batch=batch, outbox_batch=outbox_batch,
                                 lease=lease)
        totals.passes += 1
        totals.tickets += sla.tickets
        totals.steps += sla.steps
        totals.delivered += delivery.delivered
        totals.retrying += delivery.retrying
        totals.dead += delivery.dead
        busy = sla.tickets >= batch or delivery.claimed >= outbox_batch
        if (sla.tickets or delivery.claimed) and on_pass is not None:
            on_pass(sla, delivery)
        if not busy:
            stop.wait(poll_seconds)
    return totals
