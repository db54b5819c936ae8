"""Request rows: lookups with row locks, the lists the pages show, and the tickets due in a week."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import or_, select
from sqlalchemy.orm import Session, selectinload

from shiftdesk.errors import UserError
from store.enums import RequestKind, RequestStatus, RosterStatus
from store.schema import Queue, RequestPolicy, Roster, ShiftRequest, ShiftType, Skill, Ticket
from store.tickets import OPEN_STATUSES

PENDING = (RequestStatus.DRAFT, RequestStatus.PROPOSED, RequestStatus.ACCEPTED)


def get_request(session: Session, request_id: int, *, lock: bool = False) -> ShiftRequest:
    """The request, re-read from the database; with `lock`, row-locked until commit (PostgreSQL)
    so two people acting on one request take turns and the second sees the first's outcome."""
    query = select(ShiftRequest).where(ShiftRequest.id == request_id).execution_options(populate_existing=True)
    request = session.scalar(query.with_for_update() if lock else query)
    if request is None:
        raise UserError(f"no request #{request_id}")
    return request


def published_version(session: Session, team_id: int, monday: date) -> Roster | None:
    """The week's published roster version as the database has it now (not a cached copy)."""
    return session.scalar(
        select(Roster)
        .where(Roster.team_id == team_id, Roster.week_start == monday, Roster.status == RosterStatus.PUBLISHED)
        .order_by(Roster.version.desc()).limit(1)
        .execution_options(populate_existing=True)
    )


def policy(session: Session, team_id: int) -> RequestPolicy:
    """The team's request policy; the defaults (not stored) when it has none."""
    return session.get(RequestPolicy, team_id) or RequestPolicy(
        team_id=team_id, auto_approve=[], cutoff_hours=12, overtime_limit_minutes_week=8 * 60)


def requests_where(session: Session, *conditions: object, limit: int = 200) -> list[ShiftRequest]:
    """Requests matching `conditions`, newest first, with the people and shift loaded."""
    return list(session.scalars(
        select(ShiftRequest).where(*conditions)  # type: ignore[arg-type]
        .options(selectinload(ShiftRequest.requester), selectinload(ShiftRequest.counterpart),
                 selectinload(ShiftRequest.shift_type), selectinload(ShiftRequest.other_shift_type),
                 selectinload(ShiftRequest.skill))
        .order_by(ShiftRequest.created_at.desc(), ShiftRequest.id.desc()).limit(limit)
    ))


def of_employee(session: Session, employee_id: int) -> list[ShiftRequest]:
    return requests_where(session, or_(ShiftRequest.requester_id == employee_id,
                                       ShiftRequest.counterpart_id == employee_id))


def due_to_expire(session: Session, now: datetime) -> list[ShiftRequest]:
    """Pending requests whose first shift has started, locked so two workers do not both expire one."""
    return list(session.scalars(
        select(ShiftRequest).where(ShiftRequest.status.in_(PENDING), ShiftRequest.starts_at <= now)
        .order_by(ShiftRequest.id).with_for_update(skip_locked=True)
    ))


def overtime_minutes(session: Session, employee_id: int, monday: date, exclude_id: int | None) -> int:
    """Minutes of the employee's approved or applied overtime in the week of `monday`."""
    rows = session.scalars(
        select(ShiftType.duration_minutes).join(ShiftRequest, ShiftRequest.shift_type_id == ShiftType.id).where(
            ShiftRequest.requester_id == employee_id, ShiftRequest.kind == RequestKind.OVERTIME,
            ShiftRequest.week_start == monday, ShiftRequest.id != (exclude_id or -1),
            ShiftRequest.status.in_((RequestStatus.APPROVED, RequestStatus.APPLIED)),
        )
    )
    return sum(rows)


def tickets_due(session: Session, team_id: int, start: datetime, end: datetime) -> list[tuple[int, str, str, datetime]]:
    """(ticket id, queue name, skill code, deadline) for every deadline of an open ticket of the team
    falling in [start, end): first response (while unanswered), next reply and resolution."""
    rows = session.execute(
        select(Ticket.id, Queue.name, Skill.code, Ticket.first_response_at, Ticket.first_response_due_at,
               Ticket.next_reply_due_at, Ticket.resolution_due_at)
        .join(Queue, Ticket.queue_id == Queue.id).join(Skill, Queue.skill_id == Skill.id)
        .where(Queue.team_id == team_id, Ticket.status.in_(OPEN_STATUSES), or_(
            Ticket.first_response_due_at.between(start, end), Ticket.next_reply_due_at.between(start, end),
            Ticket.resolution_due_at.between(start, end)))
    ).all()
    out = []
    for ticket_id, queue, skill, answered, first, reply, resolve in rows:
        for due in (None if answered else first, reply, resolve):
            if due is not None and start <= due < end:
                out.append((ticket_id, queue, skill, due))
    return out

