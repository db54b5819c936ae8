"""What the home page shows: open work per queue, who is on shift now, the published week."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from store.enums import RosterStatus, TicketStatus
from store.schema import Queue, Roster, RosterAssignment, ShiftType, Team, Ticket

OPEN_STATUSES = (TicketStatus.NEW, TicketStatus.OPEN, TicketStatus.PENDING)


@dataclass(frozen=True)
class QueueLoad:
    queue: str
    channel: str
    new: int
    open: int
    pending: int
    unassigned: int


@dataclass(frozen=True)
class OnShift:
    employee: str
    shift: str
    skill: str | None
    ends_at_local: datetime


@dataclass(frozen=True)
class DeskSummary:
    team: str
    zone: str
    local_now: datetime
    queues: list[QueueLoad]
    on_shift: list[OnShift]
    published_week: date | None
    published_version: int | None


def shift_window(day: date, shift: ShiftType, zone: ZoneInfo) -> tuple[datetime, datetime]:
    """A shift's start and end as aware datetimes: it starts at the local wall-clock time on `day`
    and lasts its duration in elapsed minutes (so a night shift crosses midnight, and across a
    DST change it ends an hour earlier or later on the clock)."""
    start = datetime.combine(day, shift.start_local, tzinfo=zone)
    return start, start + timedelta(minutes=shift.duration_minutes)


def desk_summary(session: Session, team_id: int, now: datetime) -> DeskSummary:
    team = session.get_one(Team, team_id)
    zone = ZoneInfo(team.site.time_zone)
    local_now = now.astimezone(zone)
    return DeskSummary(
        team=team.name,
        zone=team.site.time_zone,
        local_now=local_now,
        queues=queue_loads(session, team_id),
        on_shift=on_shift_now(session, team_id, now),
        **_published_week(session, team_id, local_now.date()),
    )


def queue_loads(session: Session, team_id: int) -> list[QueueLoad]:
    counts = session.execute(
        select(Queue.name, Queue.channel, Ticket.status, Ticket.assignee_id.is_(None), func.count())
        .join(Ticket, Ticket.queue_id == Queue.id)
        .where(Queue.team_id == team_id, Ticket.status.in_(OPEN_STATUSES))
        .group_by(Queue.name, Queue.channel, Ticket.status, Ticket.assignee_id.is_(None))
    ).all()
    loads: dict[str, dict[str, object]] = {
        name: {"queue": name, "channel": channel.value, "new": 0, "open": 0, "pending": 0, "unassigned": 0}
        for name, channel in session.execute(select(Queue.name, Queue.channel).where(Queue.team_id == team_id))
    }
    for name, _channel, status, unassigned, n in counts:
        loads[name][status.value] = int(loads[name][status.value]) + n  # type: ignore[call-overload]
        if unassigned:
            loads[name]["unassigned"] = int(loads[name]["unassigned"]) + n  # type: ignore[call-overload]
    return [QueueLoad(**row) for row in sorted(loads.values(), key=lambda r: str(r["queue"]))]  # type: ignore[arg-type]


def on_shift_now(session: Session, team_id: int, now: datetime) -> list[OnShift]:
    """Who the latest published roster has working at `now` (yesterday's night shifts included)."""
    team = session.get_one(Team, team_id)
    zone = ZoneInfo(team.site.time_zone)
    today = now.astimezone(zone).date()
    rows = session.execute(
        select(RosterAssignment)
        .join(Roster)
        .where(
            Roster.team_id == team_id,
            Roster.status == RosterStatus.PUBLISHED,
            RosterAssignment.day.in_([today - timedelta(days=1), today]),
        )
    ).scalars()
    working = []
    for assignment in rows:
        start, end = shift_window(assignment.day, assignment.shift_type, zone)
        if start <= now < end:
            working.append(
                OnShift(
                    employee=assignment.employee.name,
                    shift=assignment.shift_type.name,
                    skill=assignment.skill.name if assignment.skill else None,
                    ends_at_local=end.astimezone(zone),
                )
            )
    return sorted(working, key=lambda o: (o.skill or "", o.employee))


def _published_week(session: Session, team_id: int, today: date) -> dict[str, object]:
    monday = today - timedelta(days=today.weekday())
    roster = session.scalars(
        select(Roster)
        .where(Roster.team_id == team_id, Roster.status == RosterStatus.PUBLISHED, Roster.week_start <= monday)
        .order_by(Roster.week_start.desc(), Roster.version.desc())
        .limit(1)
    ).first()
    return {
        "published_week": roster.week_start if roster else None,
        "published_version": roster.version if roster else None,
    }


def first_team_id(session: Session) -> int | None:
    return session.scalar(select(Team.id).order_by(Team.id).limit(1))
