"""Outbox rows: enqueue once per idempotency key, lease due rows to one worker at a time."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Insert, and_, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from store.enums import NotificationStatus
from store.schema import Notification


def _insert_ignoring_duplicates(session: Session, rows: list[dict[str, Any]]) -> int:
    """Insert rows; a row whose idempotency key exists is skipped. Returns how many were new."""
    dialect = session.get_bind().dialect.name
    statement: Insert
    if dialect == "postgresql":
        statement = postgresql.insert(Notification).on_conflict_do_nothing(index_elements=["idempotency_key"])
    else:
        statement = sqlite.insert(Notification).on_conflict_do_nothing(index_elements=["idempotency_key"])
    result = session.execute(statement.returning(Notification.id), rows)
    return len(result.all())


def enqueue(session: Session, rows: list[dict[str, Any]]) -> int:
    """Add notifications (dicts of Notification columns) in the caller's transaction."""
    return _insert_ignoring_duplicates(session, rows) if rows else 0


def claim_due(session: Session, worker_id: str, now: datetime, limit: int, lease: timedelta) -> list[Notification]:
    """Lease up to `limit` due rows to `worker_id` until now + lease.

    A row is due when pending, its next attempt has come, and nobody holds a
    live lease on it; an expired lease (a worker that died) makes it due again.
    `SKIP LOCKED` keeps concurrent claimers on PostgreSQL from taking the same rows.
    """
    rows = list(
        session.scalars(
            select(Notification)
            .where(
                Notification.status == NotificationStatus.PENDING,
                Notification.next_attempt_at <= now,
                or_(Notification.lease_until.is_(None), Notification.lease_until < now),
            )
            .order_by(Notification.next_attempt_at, Notification.id)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
    )
    for row in rows:
        row.lease_owner, row.lease_until = worker_id, now + lease
    return rows


def mark_sent(session: Session, notification_ids: Sequence[int], worker_id: str, at: datetime) -> set[int]:
    """Record delivery of the rows this worker still holds the lease on (a stale worker changes
    nothing); one statement for the whole batch. Returns the ids recorded."""
    if not notification_ids:
        return set()
    result = session.execute(
        update(Notification)
        .where(and_(Notification.id.in_(list(notification_ids)), Notification.lease_owner == worker_id,
                    Notification.status == NotificationStatus.PENDING))
        .values(status=NotificationStatus.SENT, sent_at=at, lease_owner=None, lease_until=None,
                attempts=Notification.attempts + 1)
        .returning(Notification.id)
    )
    return set(result.scalars())


def mark_failed(session: Session, notification_id: int, worker_id: str, error: str, retry_at: datetime | None) -> bool:
    """Record a failed attempt: retry at `retry_at`, or dead-letter the row when None."""
    result = session.execute(
        update(Notification)
        .where(and_(Notification.id == notification_id, Notification.lease_owner == worker_id,
                    Notification.status == NotificationStatus.PENDING))
        .values(
            status=NotificationStatus.PENDING if retry_at else NotificationStatus.DEAD,
            attempts=Notification.attempts + 1,
            last_error=error[:2000],
            next_attempt_at=retry_at or Notification.next_attempt_at,
            lease_owner=None,
            lease_until=None,
        )
    )
    return result.rowcount == 1


def in_app_for_user(session: Session, user_id: int, limit: int = 50) -> Sequence[Notification]:
    return session.scalars(
        select(Notification)
        .where(Notification.recipient_user_id == user_id, Notification.channel == "in_app",
               Notification.status == NotificationStatus.SENT)
        .order_by(Notification.created_at.desc())
        .limit(limit)
    ).all()


def mark_read(session: Session, user_id: int, ids: Sequence[int], at: datetime) -> None:
    session.execute(
        update(Notification)
        .where(Notification.recipient_user_id == user_id, Notification.id.in_(list(ids)), Notification.read_at.is_(None))
        .values(read_at=at)
    )
