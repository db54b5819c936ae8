"""`shiftdesk worker`: the loop that runs the desk between people's clicks.

Each pass, in order and each in its own transaction: SLA escalations that are
due; shift-end handover and routing of waiting tickets to agents on shift;
the night on-call chain (and the daily look for nights nobody covers); shift
requests whose shift has started, expired (their notices go out in the same
pass); API idempotency keys past `IDEMPOTENCY_WINDOW`, forgotten; then the
notification outbox. All state lives in the database, so a restart loses
nothing: due tickets are found by `sla_next_check_at`, waiting tickets by
their queue, pages by `escalate_at`, notifications by their status and lease.
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

from shiftdesk.services.shift_requests import expire_due
from store.db import session_scope
from store.integrations import forget_requests_before
from tickets.channels.base import Sender
from tickets.delivery import LEASE, DeliveryReport, deliver_due
from tickets.escalate import PassReport, process_due_tickets
from tickets.oncall import OnCallReport, oncall_pass
from tickets.oncall_gaps import daily_gap_check
from tickets.routing import HandoverReport, RoutingReport, handover_pass, routing_pass


# How long the API remembers an idempotency key: a retry within it gets the first answer; after it the
# same key is a new request (integrations retry within minutes; a week leaves room for a long outage).
IDEMPOTENCY_WINDOW = timedelta(days=7)


@dataclass
class WorkerTotals:
    passes: int = 0
    tickets: int = 0
    steps: int = 0
    routed: int = 0
    paged: int = 0
    delivered: int = 0
    retrying: int = 0
    dead: int = 0


@dataclass(frozen=True)
class PassReports:
    sla: PassReport
    handover: HandoverReport
    routing: RoutingReport
    oncall: OnCallReport
    expired_requests: int
    forgotten_keys: int
    delivery: DeliveryReport

    @property
    def busy(self) -> bool:
        return bool(self.sla.tickets or self.routing.routed or self.handover.considered or self.oncall.paged
                    or self.oncall.escalated or self.expired_requests or self.forgotten_keys or self.delivery.claimed)


def run_pass(
    factory: sessionmaker[Session], sender: Sender, worker_id: str, clock: Callable[[], datetime],
    *, batch: int = 500, outbox_batch: int = 200, lease: timedelta = LEASE,
) -> PassReports:
    """One pass of every job, each in its own transaction (a failure in one leaves the others' work)."""
    with session_scope(factory) as session:
        sla = process_due_tickets(session, clock(), limit=batch)
    with session_scope(factory) as session:
        handover = handover_pass(session, clock(), limit=batch)
    with session_scope(factory) as session:
        routed = routing_pass(session, clock(), limit=batch)
    with session_scope(factory) as session:
        now = clock()
        paging = oncall_pass(session, now, limit=batch)
        daily_gap_check(session, now)
    with session_scope(factory) as session:
        expired = expire_due(session, clock())
    with session_scope(factory) as session:
        forgotten = forget_requests_before(session, clock() - IDEMPOTENCY_WINDOW, limit=batch)
    delivery = deliver_due(factory, sender, worker_id, clock, limit=outbox_batch, lease=lease)
    return PassReports(sla, handover, routed, paging, expired, forgotten, delivery)


def run_worker(
    factory: sessionmaker[Session],
    sender: Sender,
    worker_id: str,
    clock: Callable[[], datetime],
    *,
    poll_seconds: float = 1.0,
    max_seconds: float | None = None,
    stop: threading.Event | None = None,
    on_pass: Callable[[PassReports], None] | None = None,
    batch: int = 500,
    outbox_batch: int = 200,
    lease: timedelta = LEASE,
) -> WorkerTotals:
    """Run passes until `stop` is set or `max_seconds` pass; sleep `poll_seconds` when idle."""
    stop = stop or threading.Event()
    deadline = None if max_seconds is None else time.monotonic() + max_seconds
    totals = WorkerTotals()
    while not stop.is_set() and (deadline is None or time.monotonic() < deadline):
        reports = run_pass(factory, sender, worker_id, clock, batch=batch, outbox_batch=outbox_batch, lease=lease)
        totals.passes += 1
        totals.tickets += reports.sla.tickets
        totals.steps += reports.sla.steps
        totals.routed += reports.routing.routed
        totals.paged += reports.oncall.paged + reports.oncall.escalated
        totals.delivered += reports.delivery.delivered
        totals.retrying += reports.delivery.retrying
        totals.dead += reports.delivery.dead
        full = reports.sla.tickets >= batch or reports.forgotten_keys >= batch or \
            reports.delivery.claimed >= outbox_batch
        if reports.busy and on_pass is not None:
            on_pass(reports)
        if not full:
            stop.wait(poll_seconds)
    return totals
