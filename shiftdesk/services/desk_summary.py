"""What the home page shows: open work per queue, who is on shift now, the published week."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from store.org import team_queues
from store.rosters import latest_published_roster
from store.schema import Team
from store.tickets import open_counts_by_queue
from tickets.on_shift import OnShiftAgent, on_shift


@dataclass(frozen=True)
class QueueLoad:
    queue: str
    channel: str
    new: int = 0
    open: int = 0
    pending: int = 0
    unassigned: int = 0


@dataclass(frozen=True)
class DeskSummary:
    team: str
    zone: str
    local_now: datetime
    queues: list[QueueLoad]
    on_shift: list[OnShiftAgent]
    published_week: date | None
    published_version: int | None


def desk_summary(session: Session, team_id: int, now: datetime) -> DeskSummary:
    team = session.get_one(Team, team_id)
    zone = ZoneInfo(team.site.time_zone)
    local_now = now.astimezone(zone)
    roster = latest_published_roster(session, team_id, local_now.date() - timedelta(days=local_now.weekday()))
    return DeskSummary(
        team=team.name,
        zone=team.site.time_zone,
        local_now=local_now,
        queues=queue_loads(session, team_id),
        on_shift=on_shift(session, team_id, now),
        published_week=roster.week_start if roster else None,
        published_version=roster.version if roster else None,
    )


def queue_loads(session: Session, team_id: int) -> list[QueueLoad]:
    counts: dict[int, dict[str, int]] = {}
    for queue_id, status, unassigned, n in open_counts_by_queue(session, team_id):
        row = counts.setdefault(queue_id, {})
        row[status.value] = row.get(status.value, 0) + n
        if unassigned:
            row["unassigned"] = row.get("unassigned", 0) + n
    return [
        QueueLoad(queue=q.name, channel=q.channel.value, **counts.get(q.id, {})) for q in team_queues(session, team_id)
    ]
