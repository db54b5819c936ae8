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

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session, selectinload

from store.enums import Channel, Priority, RosterStatus
from store.schema import (Employee, EmployeeChannelLimit, EmployeeSkill, Queue, Roster, RosterAssignment, ShiftType,
                          Skill, Team, Ticket)
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
class RosteredAgent:
    """An active employee's published shift on one day, with what routing needs of them."""

    employee_id: int
    name: str
    day: date  # local date the shift starts on
    shift: ShiftType
    skill_worked: str | None  # the skill the roster put them on
    capacity: int  # max concurrent open tickets in a channel without a limit of its own
    last_assigned_at: datetime | None


def rostered_agents(session: Session, team_id: int, days: Sequence[date]) -> list[RosteredAgent]:
    """Active employees with a published shift of the team on `days`, as plain rows.

    Plain columns (and the few shift types as objects) rather than whole
    employees with their skills: intake routes every new ticket, and loading
    a 200-agent roster as ORM objects took most of a ticket's routing time.
    """
    rows = session.execute(
        select(RosterAssignment.employee_id, Employee.name, RosterAssignment.day, ShiftType, Skill.code,
               Employee.max_concurrent_tickets, Employee.last_assigned_at)
        .join(Roster, RosterAssignment.roster_id == Roster.id)
        .join(Employee, RosterAssignment.employee_id == Employee.id)
        .join(ShiftType, RosterAssignment.shift_type_id == ShiftType.id)
        .outerjoin(Skill, RosterAssignment.skill_id == Skill.id)
        .where(Roster.team_id == team_id, Roster.status == RosterStatus.PUBLISHED,
               RosterAssignment.day.in_(list(days)), Employee.active.is_(True))
        .order_by(RosterAssignment.employee_id, RosterAssignment.day)
    ).all()
    return [RosteredAgent(*row) for row in rows]


def skill_levels(session: Session, employee_ids: Collection[int]) -> dict[int, dict[str, int]]:
    """Each employee's skills: skill code -> level."""
    levels: dict[int, dict[str, int]] = {employee_id: {} for employee_id in employee_ids}
    if employee_ids:
        for employee_id, code, level in session.execute(
            select(EmployeeSkill.employee_id, Skill.code, EmployeeSkill.level)
            .join(Skill, EmployeeSkill.skill_id == Skill.id)
            .where(EmployeeSkill.employee_id.in_(sorted(employee_ids)))
        ):
            levels[employee_id][code] = level
    return levels


def open_ticket_counts(session: Session, employee_ids: Collection[int]) -> dict[int, dict[Channel, int]]:
    """Open tickets (new, open, pending) assigned to each employee as committed now, by the channel of the
    ticket's queue; an absent employee or channel means none.

    Read inside the agents' locks, this is the re-count no other router can change until this transaction ends.
    """
    counts: dict[int, dict[Channel, int]] = {}
    if not employee_ids:
        return counts
    rows = session.execute(
        select(Ticket.assignee_id, Queue.channel, func.count())
        .join(Queue, Ticket.queue_id == Queue.id)
        .where(Ticket.assignee_id.in_(sorted(employee_ids)), Ticket.status.in_(OPEN_STATUSES))
        .group_by(Ticket.assignee_id, Queue.channel)
        .execution_options(autoflush=False)
    )
    for employee_id, channel, count in rows:
        if employee_id is not None:
            counts.setdefault(employee_id, {})[channel] = count
    return counts


def channel_limits(session: Session, employee_ids: Collection[int]) -> dict[int, dict[Channel, int]]:
    """Each employee's own limits of open tickets per channel; a channel absent falls back to the employee's
    `max_concurrent_tickets`."""
    limits: dict[int, dict[Channel, int]] = {}
    if employee_ids:
        for employee_id, channel, limit in session.execute(
            select(EmployeeChannelLimit.employee_id, EmployeeChannelLimit.channel,
                   EmployeeChannelLimit.max_concurrent_tickets)
            .where(EmployeeChannelLimit.employee_id.in_(sorted(employee_ids)))
            .execution_options(autoflush=False)
        ):
            limits.setdefault(employee_id, {})[channel] = limit
    return limits


def lock_agents(session: Session, employee_ids: Collection[int]) -> dict[int, Employee]:
    """Those employees' rows locked for this transaction, by id; rows another router holds are left out.

    No autoflush (here and in the counts): routing flushes once when it
    starts, and after that assigns only to agents it has locked, so nothing
    pending can change the load of an agent not yet locked.
    """
    if not employee_ids:
        return {}
    return {employee.id: employee for employee in session.scalars(
        select(Employee)
        .where(Employee.id.in_(sorted(employee_ids)))
        .order_by(Employee.id)
        .with_for_update(skip_locked=True, key_share=True)
        .execution_options(populate_existing=True, autoflush=False)
    )}


def any_unassigned(session: Session, queue_ids: Collection[int]) -> bool:
    """Whether any of those queues holds an open unassigned ticket (a pass checks before it locks anything)."""
    return bool(queue_ids) and session.scalar(
        select(Ticket.id)
        .where(Ticket.queue_id.in_(sorted(queue_ids)), Ticket.assignee_id.is_(None), Ticket.status.in_(OPEN_STATUSES))
        .limit(1)
    ) is not None


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
