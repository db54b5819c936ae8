"""Queries behind ticket routing: agents' loads, the unassigned backlog, and the row locks.

Locks: tickets are taken `FOR UPDATE SKIP LOCKED`, so two workers take
disjoint batches; an agent's row is taken `FOR NO KEY UPDATE SKIP LOCKED`, so
assignments to one agent are serialised (and their load re-counted inside the
lock) while foreign-key checks of other writers (which take `KEY SHARE`) are
neither blocked nor mistaken for a router. Skipping instead of waiting means
a router never waits for an agent while holding others, so two routers cannot
deadlock. SQLite ignores these clauses: it has one writer at a time.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import and_, case, func, select
from sqlalchemy.orm import Session, selectinload

from store.enums import Priority, RosterStatus
from store.schema import Employee, Queue, Roster, RosterAssignment, Team, Ticket
from store.tickets import OPEN_STATUSES

# Most urgent first: the priority, then the earliest first-response deadline, then the oldest.
_PRIORITY_RANK = case(
    {Priority.URGENT.value: 0, Priority.HIGH.value: 1, Priority.NORMAL.value: 2, Priority.LOW.value: 3},
    value=Ticket.priority,
    else_=4,
)
_MOST_URGENT_FIRST = (_PRIORITY_RANK, Ticket.first_response_due_at.is_(None), Ticket.first_response_due_at,
                      Ticket.created_at, Ticket.id)


@dataclass(frozen=True)
class AgentState:
    """What routing needs of an employee beyond the roster: capacity, open tickets, last routed ticket."""

    employee_id: int
    capacity: int  # max concurrent open tickets
    open_tickets: int
    last_assigned_at: datetime | None


def agent_states(session: Session, employee_ids: Collection[int]) -> dict[int, AgentState]:
    """Active employees among `employee_ids` with their open-ticket counts (new, open and pending)."""
    if not employee_ids:
        return {}
    rows = session.execute(
        select(Employee.id, Employee.max_concurrent_tickets, Employee.last_assigned_at, func.count(Ticket.id))
        .outerjoin(Ticket, and_(Ticket.assignee_id == Employee.id, Ticket.status.in_(OPEN_STATUSES)))
        .where(Employee.id.in_(sorted(employee_ids)), Employee.active.is_(True))
        .group_by(Employee.id, Employee.max_concurrent_tickets, Employee.last_assigned_at)
    ).all()
    return {eid: AgentState(eid, capacity, count, last) for eid, capacity, last, count in rows}


def lock_agent(session: Session, employee_id: int) -> Employee | None:
    """The employee's row locked for this transaction, or None while another router holds it."""
    return session.scalar(
        select(Employee)
        .where(Employee.id == employee_id)
        .with_for_update(skip_locked=True, key_share=True)
        .execution_options(populate_existing=True)
    )


def open_ticket_count(session: Session, employee_id: int) -> int:
    """Open tickets assigned to the employee as committed now (call it inside the agent's lock)."""
    return session.scalar(
        select(func.count()).select_from(Ticket)
        .where(Ticket.assignee_id == employee_id, Ticket.status.in_(OPEN_STATUSES))
    ) or 0


def lock_unassigned(session: Session, queue_ids: Collection[int], limit: int) -> list[Ticket]:
    """Up to `limit` open unassigned tickets of those queues, most urgent first, locked (skipping locked ones)."""
    if not queue_ids or limit <= 0:
        return []
    return list(session.scalars(
        select(Ticket)
        .where(Ticket.queue_id.in_(sorted(queue_ids)), Ticket.assignee_id.is_(None), Ticket.status.in_(OPEN_STATUSES))
        .order_by(*_MOST_URGENT_FIRST)
        .limit(limit)
        .with_for_update(skip_locked=True, of=Ticket)
        .options(selectinload(Ticket.events), selectinload(Ticket.queue).selectinload(Queue.skill))
        .execution_options(populate_existing=True)
    ))


def lock_held_off_shift(session: Session, team_id: int, on_shift_ids: Collection[int], limit: int) -> list[Ticket]:
    """Open tickets of the team's queues whose assignee is not among `on_shift_ids`, most urgent first, locked."""
    if limit <= 0:
        return []
    return list(session.scalars(
        select(Ticket)
        .join(Queue, Ticket.queue_id == Queue.id)
        .where(Queue.team_id == team_id, Ticket.assignee_id.is_not(None), Ticket.status.in_(OPEN_STATUSES),
               Ticket.assignee_id.not_in(sorted(on_shift_ids)))
        .order_by(*_MOST_URGENT_FIRST)
        .limit(limit)
        .with_for_update(skip_locked=True, of=Ticket)
        .options(selectinload(Ticket.events), selectinload(Ticket.queue).selectinload(Queue.skill),
                 selectinload(Ticket.assignee))
        .execution_options(populate_existing=True)
    ))


def team_ids(session: Session) -> list[int]:
    return list(session.scalars(select(Team.id).order_by(Team.id)))


def team_queues_with_skill(session: Session, team_id: int) -> list[Queue]:
    """The team's queues with their skill loaded (routing matches agents on it)."""
    return list(session.scalars(
        select(Queue).where(Queue.team_id == team_id).order_by(Queue.name).options(selectinload(Queue.skill))
    ))


def roster_published_for(session: Session, team_id: int, days: Sequence[date]) -> bool:
    """Whether any published roster of the team has an assignment on one of `days`.

    Without one the desk is not run by a roster at all, and handing tickets
    over because "nobody is on shift" would empty every agent's queue.
    """
    return session.scalar(
        select(RosterAssignment.id)
        .join(Roster, RosterAssignment.roster_id == Roster.id)
        .where(Roster.team_id == team_id, Roster.status == RosterStatus.PUBLISHED,
               RosterAssignment.day.in_(list(days)))
        .limit(1)
    ) is not None
