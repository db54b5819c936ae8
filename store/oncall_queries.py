"""Queries behind the night on-call chain: pages, the standby list, night crews and gap alerts.

Functions take a session and never commit. The locking reads use
`FOR UPDATE SKIP LOCKED` on PostgreSQL, so two workers never take the same
page or ticket; SQLite has no row locks and runs one worker. A page row is
inserted with "on conflict do nothing" on its unique (ticket, step): a step
that another transaction already sent is reported as not inserted, never
raised, so the caller's transaction goes on.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import Insert, exists, or_, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session, selectinload

from shiftdesk.errors import UserError
from store.enums import RequestStatus, Role, RosterStatus, TicketStatus
from store.people import Contact
from store.schema import (
    Employee,
    EmployeeSkill,
    Notification,
    OnCallStandby,
    Page,
    Queue,
    Roster,
    RosterAssignment,
    ShiftType,
    Team,
    Ticket,
    TimeOffRequest,
    User,
)

PAGEABLE_STATUSES = (TicketStatus.NEW, TicketStatus.OPEN)
FINISHED_STATUSES = (TicketStatus.SOLVED, TicketStatus.CLOSED)
OPEN = "open"


# --- night shifts and crews ------------------------------------------------------------


def team_ids(session: Session) -> list[int]:
    return list(session.scalars(select(Team.id).order_by(Team.id)))


def night_shift_types(session: Session, team_id: int) -> list[ShiftType]:
    """The team's shift types marked `is_night`: they define when the night duty is on."""
    return list(session.scalars(
        select(ShiftType).where(ShiftType.team_id == team_id, ShiftType.is_night.is_(True)).order_by(ShiftType.id)
    ))


def roster_night_assignments(session: Session, roster_id: int) -> list[RosterAssignment]:
    """A roster's night-shift assignments (any status), with the employee's skills loaded."""
    return list(session.scalars(
        select(RosterAssignment)
        .join(ShiftType, RosterAssignment.shift_type_id == ShiftType.id)
        .where(RosterAssignment.roster_id == roster_id, ShiftType.is_night.is_(True))
        .options(selectinload(RosterAssignment.shift_type),
                 selectinload(RosterAssignment.employee).selectinload(Employee.skills)
                 .selectinload(EmployeeSkill.skill))
    ))


def roster(session: Session, roster_id: int) -> Roster:
    found = session.get(Roster, roster_id)
    if found is None:
        raise UserError(f"no roster #{roster_id}")
    return found


def published_weeks(session: Session, team_id: int, mondays: Collection[date]) -> set[date]:
    """Which of these weeks (local Mondays) have a published roster."""
    return set(session.scalars(
        select(Roster.week_start).where(Roster.team_id == team_id, Roster.status == RosterStatus.PUBLISHED,
                                        Roster.week_start.in_(list(mondays)))
    ))


def skills_of_24x7_queues(session: Session, team_id: int) -> dict[str, list[str]]:
    """Skill code -> names of the team's around-the-clock queues that need it."""
    needed: dict[str, list[str]] = {}
    for queue in session.scalars(
        select(Queue).where(Queue.team_id == team_id, Queue.covered_24x7.is_(True))
        .options(selectinload(Queue.skill)).order_by(Queue.name)
    ):
        needed.setdefault(queue.skill.code, []).append(queue.name)
    return needed


def team_employees(session: Session, team_id: int) -> list[tuple[int, str]]:
    """(id, name) of the team's active employees, by name: the choices for the standby list."""
    return [(eid, name) for eid, name in session.execute(
        select(Employee.id, Employee.name).where(Employee.team_id == team_id, Employee.active.is_(True))
        .order_by(Employee.name)
    )]


def on_time_off(session: Session, employee_ids: Collection[int], at: datetime) -> set[int]:
    """Those of `employee_ids` with approved time off covering `at`."""
    if not employee_ids:
        return set()
    return set(session.scalars(
        select(TimeOffRequest.employee_id).where(
            TimeOffRequest.employee_id.in_(list(employee_ids)),
            TimeOffRequest.status.in_((RequestStatus.APPROVED, RequestStatus.APPLIED)),
            TimeOffRequest.starts_at <= at, TimeOffRequest.ends_at > at,
        )
    ))


# --- the standby list ------------------------------------------------------------------


def standby_entries(session: Session, team_id: int) -> list[OnCallStandby]:
    """The team's standby rows (active or not) in paging order."""
    return list(session.scalars(
        select(OnCallStandby).where(OnCallStandby.team_id == team_id)
        .order_by(OnCallStandby.position, OnCallStandby.id)
    ))


def standby_employees(session: Session, team_id: int) -> list[tuple[Employee, int]]:
    """The active standby people with their position, in paging order (inactive employees left out)."""
    return [(employee, position) for employee, position in session.execute(
        select(Employee, OnCallStandby.position).join(OnCallStandby, OnCallStandby.employee_id == Employee.id)
        .where(OnCallStandby.team_id == team_id, OnCallStandby.active.is_(True), Employee.active.is_(True))
        .order_by(OnCallStandby.position, OnCallStandby.id)
    )]


def replace_standby(session: Session, team_id: int, employee_ids: Sequence[int]) -> None:
    """Make `employee_ids` the active standby list in this order; everyone else on it becomes inactive.

    Rows are kept (not deleted) so the unique (team, employee) row is reused when someone comes back.
    """
    rows = {row.employee_id: row for row in standby_entries(session, team_id)}
    for row in rows.values():
        row.active = False
    for position, employee_id in enumerate(employee_ids, start=1):
        if employee_id in rows:
            rows[employee_id].position, rows[employee_id].active = position, True
        else:
            session.add(OnCallStandby(team_id=team_id, employee_id=employee_id, position=position, active=True))


def employees_in_team(session: Session, team_id: int, employee_ids: Collection[int]) -> set[int]:
    return set(session.scalars(
        select(Employee.id).where(Employee.team_id == team_id, Employee.id.in_(list(employee_ids)))
    ))


# --- pages -----------------------------------------------------------------------------


def insert_page(session: Session, row: dict[str, Any]) -> int | None:
    """Insert one page (column dict); None when that (ticket, step) was already sent."""
    statement: Insert
    if session.get_bind().dialect.name == "postgresql":
        statement = postgresql.insert(Page).on_conflict_do_nothing(index_elements=["ticket_id", "step"])
    else:
        statement = sqlite.insert(Page).on_conflict_do_nothing(index_elements=["ticket_id", "step"])
    return session.execute(statement.values(**row).returning(Page.id)).scalar_one_or_none()


def page(session: Session, page_id: int) -> Page | None:
    return session.get(Page, page_id)


def page_by_token_hash(session: Session, token_hash: str) -> Page | None:
    return session.scalar(select(Page).where(Page.ack_token_hash == token_hash))


def pages_of_ticket(session: Session, ticket_id: int, *, lock: bool = False) -> list[Page]:
    """A ticket's pages by step; `lock` holds them (waiting for another holder) and reads them fresh."""
    statement = select(Page).where(Page.ticket_id == ticket_id).order_by(Page.step)
    if lock:
        statement = statement.with_for_update().execution_options(populate_existing=True)
    return list(session.scalars(statement))


def lock_open_pages_of_ticket(session: Session, ticket_id: int) -> list[Page]:
    """A ticket's open pages, locked; a page a worker is escalating right now is skipped (it sees the
    ticket's new state on its next pass), so this never waits on a worker that waits on the ticket."""
    return list(session.scalars(
        select(Page).where(Page.ticket_id == ticket_id, Page.status == OPEN).order_by(Page.step)
        .with_for_update(skip_locked=True).execution_options(populate_existing=True)
    ))


def ticket_has_pages(session: Session, ticket_id: int) -> bool:
    return bool(session.scalar(select(exists().where(Page.ticket_id == ticket_id))))


def lock_due_pages(session: Session, now: datetime, limit: int) -> list[Page]:
    """Open pages whose acknowledgement time has run out, locked (others skip them), oldest first."""
    return list(session.scalars(
        select(Page).where(Page.status == OPEN, Page.escalate_at <= now)
        .order_by(Page.escalate_at, Page.id).limit(limit)
        .with_for_update(skip_locked=True).execution_options(populate_existing=True)
    ))


def lock_open_pages_of_finished_tickets(session: Session, limit: int) -> list[Page]:
    """Open pages whose ticket is solved or closed, locked (others skip them)."""
    return list(session.scalars(
        select(Page).join(Ticket, Page.ticket_id == Ticket.id)
        .where(Page.status == OPEN, Ticket.status.in_(FINISHED_STATUSES))
        .order_by(Page.id).limit(limit)
        .with_for_update(skip_locked=True, of=Page).execution_options(populate_existing=True)
    ))


def lock_unpaged_tickets(session: Session, team_id: int, tiers: Collection[str], since: datetime,
                         limit: int) -> list[Ticket]:
    """The team's new/open tickets of these SLA tiers, changed since `since`, never paged; locked (others skip).

    `updated_at` narrows the search to tickets that arrived or changed tonight; the caller checks when
    each became urgent.
    """
    if not tiers:
        return []
    return list(session.scalars(
        select(Ticket).join(Queue, Ticket.queue_id == Queue.id)
        .where(Queue.team_id == team_id, Ticket.status.in_(PAGEABLE_STATUSES), Ticket.sla_tier.in_(list(tiers)),
               Ticket.updated_at >= since, ~exists().where(Page.ticket_id == Ticket.id))
        .order_by(Ticket.id).limit(limit)
        .with_for_update(skip_locked=True, of=Ticket)
        .options(selectinload(Ticket.events), selectinload(Ticket.queue))
    ))


def team_pages(session: Session, team_id: int, since: datetime) -> list[tuple[Page, Ticket]]:
    """The team's pages that are open or were sent since `since`, newest first, with their tickets."""
    return [(p, t) for p, t in session.execute(
        select(Page, Ticket).join(Ticket, Page.ticket_id == Ticket.id).join(Queue, Ticket.queue_id == Queue.id)
        .where(Queue.team_id == team_id, or_(Page.status == OPEN, Page.sent_at >= since))
        .order_by(Page.sent_at.desc(), Page.ticket_id, Page.step.desc())
    )]


def open_pages_for(session: Session, employee_id: int | None, user_id: int) -> list[tuple[Page, Ticket]]:
    """Open pages addressed to this person (as an employee, or as a login for the manager step)."""
    mine = Page.user_id == user_id if employee_id is None else or_(Page.user_id == user_id,
                                                                   Page.employee_id == employee_id)
    return [(p, t) for p, t in session.execute(
        select(Page, Ticket).join(Ticket, Page.ticket_id == Ticket.id)
        .where(Page.status == OPEN, mine).order_by(Page.sent_at, Page.id)
    )]


# --- alerts ----------------------------------------------------------------------------


def planner_and_manager_contacts(session: Session) -> list[Contact]:
    """Active planners and managers, reached in-app only (an alert about next week is not worth a mail)."""
    users = session.scalars(
        select(User).where(User.role.in_((Role.PLANNER, Role.MANAGER)), User.active.is_(True)).order_by(User.id)
    )
    return [Contact(u.display_name, u.employee_id, u.id, None, None) for u in users]


def outbox_has_any(session: Session, idempotency_keys: Collection[str]) -> bool:
    """Whether any of these notifications was already enqueued (an equality lookup on the unique key)."""
    if not idempotency_keys:
        return False
    return bool(session.scalar(select(exists().where(Notification.idempotency_key.in_(list(idempotency_keys))))))
