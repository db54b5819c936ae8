"""The worker's outbox pass: lease due notifications, hand them to their channels, record the outcome.

Leases make a crash harmless: rows a dead worker had leased become due again
when the lease expires. What a crash can cost is a second send of the messages
in flight at that moment; every message carries its idempotency key (the
webhook `Idempotency-Key` header, the e-mail `Message-ID`), so receivers drop
the repeat. Batches are kept small to keep that window small.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy.orm import Session, sessionmaker

from store import outbox
from store.db import session_scope
from tickets.channels.base import MAX_ATTEMPTS, OutgoingMessage, Outcome, Sender, retry_delay

LEASE = timedelta(seconds=60)


@dataclass
class DeliveryReport:
    claimed: int = 0
    delivered: int = 0
    retrying: int = 0
    dead: int = 0
    lost_lease: int = 0
    delivered_keys: list[str] = field(default_factory=list)


def deliver_due(
    factory: sessionmaker[Session],
    sender: Sender,
    worker_id: str,
    now: Callable[[], datetime],
    *,
    limit: int = 200,
    lease: timedelta = LEASE,
) -> DeliveryReport:
    """One outbox pass of up to `limit` messages. `now` is read for the lease and again after sending."""
    report = DeliveryReport()
    claimed_at = now()
    with session_scope(factory) as session:
        rows = outbox.claim_due(session, worker_id, claimed_at, limit, lease)
        batch = [
            (row.id, row.attempts, OutgoingMessage(row.idempotency_key, row.channel.value, row.recipient, row.subject,
                                                   row.body, row.payload))
            for row in rows
        ]
    report.claimed = len(batch)
    if not batch:
        return report
    results = sender.send_batch([message for _, _, message in batch], now=claimed_at)
    finished_at = now()
    with session_scope(factory) as session:
        delivered = [(row_id, message) for (row_id, _, message), result in zip(batch, results, strict=True)
                     if result.outcome is Outcome.DELIVERED]
        recorded = outbox.mark_sent(session, [row_id for row_id, _ in delivered], worker_id, finished_at)
        report.delivered = len(recorded)
        report.delivered_keys = [message.idempotency_key for row_id, message in delivered if row_id in recorded]
        report.lost_lease = len(delivered) - len(recorded)
        for (row_id, attempts, message), result in zip(batch, results, strict=True):
            if result.outcome is not Outcome.DELIVERED:
                failures = attempts + 1
                retry = result.outcome is Outcome.TRANSIENT and failures < MAX_ATTEMPTS
                retry_at = finished_at + retry_delay(failures, message.idempotency_key) if retry else None
                kept = outbox.mark_failed(session, row_id, worker_id, str(result.error), retry_at)
                if kept:
                    report.retrying += retry
                    report.dead += not retry
                report.lost_lease += not kept
    return report
