"""Ticket queries that pages and the worker need in bulk."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any, Protocol

from sqlalchemy import delete, func, insert, select
from sqlalchemy.orm import Session, selectinload

from shiftdesk.errors import UserError
from store.enums import TicketStatus
from store.schema import Queue, SlaPolicy, SlaStepFiring, Ticket, TicketSlaClock


class MetricClockLike(Protocol):
    """What store needs of an SLA clock (tickets.sla.MetricClock), without importing tickets/."""

    metric: Any
    cycle: int
    tier: str
    target_minutes: int
    started_at: datetime
    warn_at: datetime | None
    due_at: datetime | None
    paused_since: datetime | None
    fulfilled_at: datetime | None

    @property
    def attained(self) -> bool | None: ...

OPEN_STATUSES = (TicketStatus.NEW, TicketStatus.OPEN, TicketStatus.PENDING)


def open_counts_by_queue(session: Session, team_id: int) -> list[tuple[int, TicketStatus, bool, int]]:
    """(queue id, status, unassigned?, count) for the team's open tickets."""
    rows = session.execute(
        select(Ticket.queue_id, Ticket.status, Ticket.assignee_id.is_(None), func.count())
        .join(Queue, Ticket.queue_id == Queue.id)
        .where(Queue.team_id == team_id, Ticket.status.in_(OPEN_STATUSES))
        .group_by(Ticket.queue_id, Ticket.status, Ticket.assignee_id.is_(None))
    ).all()
    return [(queue_id, status, bool(unassigned), n) for queue_id, status, unassigned, n in rows]


def active_sla_tier_rows(session: Session) -> list[dict[str, Any]]:
    """Active SLA tiers in matching order, as plain column dicts."""
    table = SlaPolicy.__table__
    rows = session.execute(select(table).where(table.c.active.is_(True)).order_by(table.c.position)).mappings()
    return [dict(row) for row in rows]


def replace_sla_clocks(session: Session, ticket_id: int, clocks: Iterable[MetricClockLike]) -> None:
    """Store the ticket's clocks as just computed (the old rows go: they are derived data)."""
    session.execute(delete(TicketSlaClock).where(TicketSlaClock.ticket_id == ticket_id))
    insert_sla_clocks(session, sla_clock_rows(ticket_id, clocks))


def insert_sla_clocks(session: Session, rows: list[dict[str, Any]]) -> None:
    if rows:
        session.execute(insert(TicketSlaClock.__table__), rows)


def sla_clock_rows(ticket_id: int, clocks: Iterable[MetricClockLike]) -> list[dict[str, Any]]:
    return [
        {
            "ticket_id": ticket_id,
            "metric": clock.metric.value,
            "cycle": clock.cycle,
            "tier": clock.tier,
            "target_minutes": clock.target_minutes,
            "started_at": clock.started_at,
            "warn_at": clock.warn_at,
            "due_at": clock.due_at,
            "paused_since": clock.paused_since,
            "fulfilled_at": clock.fulfilled_at,
            "attained": clock.attained,
        }
        for clock in clocks
    ]


def fired_keys(session: Session, ticket_id: int) -> set[str]:
    return set(session.scalars(select(SlaStepFiring.idempotency_key).where(SlaStepFiring.ticket_id == ticket_id)))


def fired_keys_for(session: Session, ticket_ids: Sequence[int]) -> dict[int, set[str]]:
    keys: dict[int, set[str]] = {ticket_id: set() for ticket_id in ticket_ids}
    for ticket_id, key in session.execute(
        select(SlaStepFiring.ticket_id, SlaStepFiring.idempotency_key).where(SlaStepFiring.ticket_id.in_(ticket_ids))
    ):
        keys[ticket_id].add(key)
    return keys


def lock_due_tickets(session: Session, now: datetime, limit: int) -> list[Ticket]:
    """Tickets whose SLA check is due, locked for this transaction.

    On PostgreSQL `FOR UPDATE SKIP LOCKED` lets several workers take disjoint
    batches; SQLite has no row locks (one writer at a time), so one worker runs there.
    """
    return list(
        session.scalars(
            select(Ticket)
            .where(Ticket.sla_next_check_at <= now)
            .order_by(Ticket.sla_next_check_at)
            .limit(limit)
            .with_for_update(skip_locked=True, of=Ticket)
            .options(selectinload(Ticket.events), selectinload(Ticket.queue))
        )
    )


def lock_ticket(session: Session, ticket_id: int) -> Ticket:
    """One ticket, row-locked until the transaction ends (waits for another holder)."""
    ticket = session.scalar(
        select(Ticket).where(Ticket.id == ticket_id).with_for_update(of=Ticket).execution_options(populate_existing=True)
    )
    if ticket is None:
        raise UserError(f"no ticket #{ticket_id}")
    return ticket


def ticket_by_external_id(session: Session, external_id: str) -> Ticket | None:
    return session.scalar(select(Ticket).where(Ticket.external_id == external_id))


def existing_external_ids(session: Session, external_ids: Sequence[str]) -> set[str]:
    found: set[str] = set()
    for start in range(0, len(external_ids), 500):
        chunk = list(external_ids[start : start + 500])
        found.update(session.scalars(select(Ticket.external_id).where(Ticket.external_id.in_(chunk))))
    return found
