"""Read queries behind the live desk, the SLA report, the inbox and the ticket form.

Everything that runs over history is aggregated in SQL, one round trip per
figure, so the report stays fast on a desk with 100k tickets. Days are the
site's local days: `local_day` turns a stored UTC timestamp into a local day
number inside the query, exact across daylight-saving changes (see there).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import BigInteger, ColumnElement, Row, and_, case, false, func, literal, select, true
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import Session, selectinload
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.functions import FunctionElement

from store.enums import NotificationChannel, NotificationStatus, TicketStatus
from store.schema import Employee, Notification, Queue, SlaStepFiring, Ticket, TicketSlaClock
from store.tickets import OPEN_STATUSES

EPOCH_DAY = date(1970, 1, 1)
SECONDS_PER_DAY = 86_400
# Every UTC offset in use is a whole number of quarter hours, so offset changes fall on this grid.
_OFFSET_GRID = timedelta(minutes=15)


# --- local days in SQL --------------------------------------------------------------


class _EpochSeconds(FunctionElement[int]):
    """Whole seconds since 1970-01-01 UTC of a stored timestamp (compiled per dialect below)."""

    type = BigInteger()
    inherit_cache = True
    name = "epoch_seconds"


@compiles(_EpochSeconds, "sqlite")
def _epoch_seconds_sqlite(element: _EpochSeconds, compiler: SQLCompiler, **kw: Any) -> str:
    # SQLite keeps UTCDateTime as naive UTC text, which strftime('%s') reads as UTC.
    return f"CAST(strftime('%s', {compiler.process(element.clauses, **kw)}) AS INTEGER)"


@compiles(_EpochSeconds, "postgresql")
def _epoch_seconds_postgresql(element: _EpochSeconds, compiler: SQLCompiler, **kw: Any) -> str:
    # FLOOR, not a bare cast, which would round 23:59:59.7 up into the next day.
    return f"CAST(FLOOR(EXTRACT(EPOCH FROM {compiler.process(element.clauses, **kw)})) AS BIGINT)"


def utc_offsets(zone: ZoneInfo, start: datetime, end: datetime) -> list[tuple[int, int]]:
    """The zone's UTC offset over [start, end): (from epoch second, offset seconds) per stretch, at least one.

    Walks the quarter-hour grid (aligned to the epoch, on which every offset
    change falls), so a window across a DST change yields two stretches.
    """
    grid = int(_OFFSET_GRID.total_seconds())
    second = int(start.timestamp()) // grid * grid
    stretches: list[tuple[int, int]] = []
    while not stretches or second < end.timestamp():
        offset = datetime.fromtimestamp(second, UTC).astimezone(zone).utcoffset()
        assert offset is not None
        if not stretches or stretches[-1][1] != int(offset.total_seconds()):
            stretches.append((second, int(offset.total_seconds())))
        second += grid
    return stretches


def local_day(column: ColumnElement[datetime], zone: ZoneInfo, start: datetime, end: datetime) -> ColumnElement[int]:
    """SQL for the local day number (days since 1970-01-01 on the site's calendar) of a timestamp in [start, end).

    Local day = floor((UTC seconds + UTC offset at that instant) / 86400); the
    offset is a constant per stretch between DST changes, chosen by a CASE.
    """
    epoch = _EpochSeconds(column)
    stretches = utc_offsets(zone, start, end)
    offset: ColumnElement[int]
    if len(stretches) == 1:
        offset = literal(stretches[0][1], BigInteger)
    else:
        changes = zip(stretches, stretches[1:], strict=False)
        offset = case(
            *((epoch < next_start, literal(current, BigInteger)) for (_, current), (next_start, _) in changes),
            else_=literal(stretches[-1][1], BigInteger),
        )
    return (epoch + offset) // SECONDS_PER_DAY


def day_from_number(number: int) -> date:
    return EPOCH_DAY + timedelta(days=int(number))


# --- the live desk -------------------------------------------------------------------


def queue_loads(session: Session, team_id: int) -> Sequence[Row[Any]]:
    """Per queue of the team: new, open, pending, unassigned counts and the oldest ticket waiting on the desk.

    Columns: queue_id, code, name, channel, new, open, pending, unassigned,
    oldest_waiting_at (created_at of the oldest new/open ticket; pending ones
    wait on the customer, not on the desk).
    """
    is_open = Ticket.status.in_(OPEN_STATUSES)
    return session.execute(
        select(
            Queue.id.label("queue_id"),
            Queue.code,
            Queue.name,
            Queue.channel,
            *(_count(Ticket.status == status).label(status.value) for status in OPEN_STATUSES),
            _count(Ticket.id.is_not(None) & Ticket.assignee_id.is_(None)).label("unassigned"),
            func.min(
                case((Ticket.status.in_((TicketStatus.NEW, TicketStatus.OPEN)), Ticket.created_at))
            ).label("oldest_waiting_at"),
        )
        .outerjoin(Ticket, and_(Ticket.queue_id == Queue.id, is_open))
        .where(Queue.team_id == team_id)
        .group_by(Queue.id, Queue.code, Queue.name, Queue.channel)
        .order_by(Queue.name)
    ).all()


def employee_loads(session: Session, team_id: int) -> Sequence[Row[Any]]:
    """Every active employee of the team with the open tickets assigned to them and their capacity.

    Columns: employee_id, name, capacity (max concurrent tickets), open_tickets.
    """
    return session.execute(
        select(
            Employee.id.label("employee_id"),
            Employee.name,
            Employee.max_concurrent_tickets.label("capacity"),
            func.count(Ticket.id).label("open_tickets"),
        )
        .outerjoin(Ticket, and_(Ticket.assignee_id == Employee.id, Ticket.status.in_(OPEN_STATUSES)))
        .where(Employee.team_id == team_id, Employee.active.is_(True))
        .group_by(Employee.id, Employee.name, Employee.max_concurrent_tickets)
        .order_by(Employee.name)
    ).all()


def open_tickets(session: Session, team_id: int, now: datetime, limit: int) -> tuple[list[Ticket], int]:
    """The team's open tickets, most urgent first, with their trail, queue and assignee; and how many there are.

    Urgency comes from the stored running clocks: tickets with a clock past its
    warning time first, then by the earliest running due time; tickets without
    a running deadline (answered, or paused before the deadline was known) last.
    """
    running = (
        select(
            TicketSlaClock.ticket_id,
            func.min(TicketSlaClock.warn_at).label("warn_at"),
            func.min(TicketSlaClock.due_at).label("due_at"),
        )
        .where(TicketSlaClock.fulfilled_at.is_(None))
        .group_by(TicketSlaClock.ticket_id)
        .subquery()
    )
    in_team = and_(Queue.team_id == team_id, Ticket.status.in_(OPEN_STATUSES))
    at_risk = case((running.c.warn_at <= now, 0), else_=1)
    tickets = session.scalars(
        select(Ticket)
        .join(Queue, Ticket.queue_id == Queue.id)
        .outerjoin(running, running.c.ticket_id == Ticket.id)
        .where(in_team)
        .order_by(at_risk, running.c.due_at.is_(None), running.c.due_at, Ticket.created_at, Ticket.id)
        .limit(limit)
        .options(selectinload(Ticket.events), selectinload(Ticket.queue), selectinload(Ticket.assignee))
    ).all()
    total = session.scalar(select(func.count()).select_from(Ticket).join(Queue).where(in_team)) or 0
    return list(tickets), total


def open_tickets_of(session: Session, employee_id: int) -> list[Ticket]:
    """The open tickets assigned to one employee, with their trail, queue and assignee (for "my tickets")."""
    return list(session.scalars(
        select(Ticket)
        .where(Ticket.assignee_id == employee_id, Ticket.status.in_(OPEN_STATUSES))
        .order_by(Ticket.id)
        .options(selectinload(Ticket.events), selectinload(Ticket.queue), selectinload(Ticket.assignee))
    ))


def ticket_with_trail(session: Session, ticket_id: int) -> Ticket | None:
    """One ticket with its audit trail, queue and assignee loaded."""
    return session.scalar(
        select(Ticket)
        .where(Ticket.id == ticket_id)
        .options(selectinload(Ticket.events), selectinload(Ticket.queue), selectinload(Ticket.assignee))
        .execution_options(populate_existing=True)
    )


def employee_names(session: Session, employee_ids: Sequence[int]) -> dict[int, str]:
    ids = sorted(set(employee_ids))
    if not ids:
        return {}
    return {row.id: row.name for row in session.execute(select(Employee.id, Employee.name).where(Employee.id.in_(ids)))}


# --- the SLA report ------------------------------------------------------------------


def _met() -> ColumnElement[bool]:
    return TicketSlaClock.attained.is_(true())


def _breached(now: datetime) -> ColumnElement[bool]:
    """Met late, or still running (or paused) with its deadline behind `now`."""
    return and_(func.coalesce(TicketSlaClock.attained, false()).is_(false()), TicketSlaClock.due_at <= now)


def _decided_at() -> ColumnElement[datetime]:
    """When a clock's outcome became known: when it was met in time, else when its deadline passed."""
    return case((_met(), TicketSlaClock.fulfilled_at), else_=TicketSlaClock.due_at)


def _decided_in(team_id: int, start: datetime, end: datetime, now: datetime) -> ColumnElement[bool]:
    """The team's clocks whose outcome (met or breached) became known in [start, end)."""
    decided = _decided_at()
    return and_(Queue.team_id == team_id, decided >= start, decided < end, _met() | _breached(now))


def attainment_by_day(
    session: Session, team_id: int, zone: ZoneInfo, start: datetime, end: datetime, now: datetime
) -> Sequence[Row[Any]]:
    """Clocks decided in [start, end) per local day, tier and metric: how many met, how many breached.

    Columns: day (local day number, see `day_from_number`), tier, metric, met, breached.
    A met clock counts on the day it was met; a breached one on the day its
    deadline passed, whether it was answered late or is still running.
    """
    day = local_day(_decided_at(), zone, start, end).label("day")
    return session.execute(
        select(day, TicketSlaClock.tier, TicketSlaClock.metric,
               _count(_met()).label("met"), _count(_breached(now)).label("breached"))
        .join(Ticket, Ticket.id == TicketSlaClock.ticket_id)
        .join(Queue, Ticket.queue_id == Queue.id)
        .where(_decided_in(team_id, start, end, now))
        .group_by(day, TicketSlaClock.tier, TicketSlaClock.metric)
        .order_by(day, TicketSlaClock.tier, TicketSlaClock.metric)
    ).all()


def breaches(
    session: Session, team_id: int, start: datetime, end: datetime, now: datetime, limit: int
) -> Sequence[Row[Any]]:
    """The breached clocks whose deadline passed in [start, end), latest first.

    Columns: ticket_id, subject, status, queue, assignee, tier, metric, cycle, due_at, fulfilled_at.
    """
    return session.execute(
        select(
            Ticket.id.label("ticket_id"), Ticket.subject, Ticket.status, Queue.name.label("queue"),
            Employee.name.label("assignee"), TicketSlaClock.tier, TicketSlaClock.metric, TicketSlaClock.cycle,
            TicketSlaClock.due_at, TicketSlaClock.fulfilled_at,
        )
        .join(Ticket, Ticket.id == TicketSlaClock.ticket_id)
        .join(Queue, Ticket.queue_id == Queue.id)
        .outerjoin(Employee, Ticket.assignee_id == Employee.id)
        .where(Queue.team_id == team_id, _breached(now), TicketSlaClock.due_at >= start, TicketSlaClock.due_at < end)
        .order_by(TicketSlaClock.due_at.desc(), Ticket.id.desc())
        .limit(limit)
    ).all()


def escalations_by_day(
    session: Session, team_id: int, zone: ZoneInfo, start: datetime, end: datetime
) -> Sequence[Row[Any]]:
    """Escalation steps fired in [start, end) per local day and action. Columns: day, action, fired."""
    day = local_day(SlaStepFiring.fired_at, zone, start, end).label("day")
    return session.execute(
        select(day, SlaStepFiring.action, func.count().label("fired"))
        .join(Ticket, Ticket.id == SlaStepFiring.ticket_id)
        .join(Queue, Ticket.queue_id == Queue.id)
        .where(Queue.team_id == team_id, SlaStepFiring.fired_at >= start, SlaStepFiring.fired_at < end)
        .group_by(day, SlaStepFiring.action)
        .order_by(day, SlaStepFiring.action)
    ).all()


# --- inbox and ticket form ------------------------------------------------------------


def unread_in_app_count(session: Session, user_id: int) -> int:
    """Delivered in-app notifications the user has not read yet."""
    return session.scalar(
        select(func.count())
        .select_from(Notification)
        .where(
            Notification.recipient_user_id == user_id,
            Notification.channel == NotificationChannel.IN_APP,
            Notification.status == NotificationStatus.SENT,
            Notification.read_at.is_(None),
        )
    ) or 0


def known_categories(session: Session) -> list[str]:
    """Ticket categories in use, alphabetically (the form offers them; a new one may still be typed)."""
    return list(session.scalars(select(Ticket.category).distinct().order_by(Ticket.category)))


def _count(condition: ColumnElement[bool]) -> ColumnElement[int]:
    """COUNT of rows where `condition` holds (portable: SUM of a CASE, 0 when no row matches)."""
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)
