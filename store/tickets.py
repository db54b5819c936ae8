"""Ticket queries that pages and the worker need in bulk."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from store.enums import TicketStatus
from store.schema import Queue, Ticket

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
