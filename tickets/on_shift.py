"""Who is working now according to the published roster, with their skills.

Routing, quiet hours and the home page all ask this; a shift's window comes
from its local start on its day plus its duration (see `shift_window`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from store.org import team_zone
from store.rosters import published_assignments_on
from store.schema import ShiftType


@dataclass(frozen=True)
class OnShiftAgent:
    employee_id: int
    name: str
    skills: dict[str, int]  # skill code -> level
    shift_code: str
    shift_name: str
    is_night: bool
    skill_worked: str | None
    starts_at: datetime  # aware, UTC
    ends_at: datetime


def shift_window(day: date, shift: ShiftType, zone: ZoneInfo) -> tuple[datetime, datetime]:
    """A shift's start and end (aware): it starts at the local wall-clock time on `day` and lasts
    its duration in elapsed minutes, so a night shift crosses midnight and, across a DST change,
    ends an hour earlier or later on the clock."""
    start = datetime.combine(day, shift.start_local, tzinfo=zone)
    return start, start + timedelta(minutes=shift.duration_minutes)


def on_shift(session: Session, team_id: int, now: datetime) -> list[OnShiftAgent]:
    """Agents whose published shift covers `now` (yesterday's night shifts included)."""
    zone = ZoneInfo(team_zone(session, team_id))
    today = now.astimezone(zone).date()
    working = []
    for assignment in published_assignments_on(session, team_id, [today - timedelta(days=1), today]):
        start, end = shift_window(assignment.day, assignment.shift_type, zone)
        if start <= now < end:
            employee = assignment.employee
            working.append(
                OnShiftAgent(
                    employee_id=employee.id,
                    name=employee.name,
                    skills={es.skill.code: es.level for es in employee.skills},
                    shift_code=assignment.shift_type.code,
                    shift_name=assignment.shift_type.name,
                    is_night=assignment.shift_type.is_night,
                    skill_worked=assignment.skill.code if assignment.skill else None,
                    starts_at=start,
                    ends_at=end,
                )
            )
    return sorted(working, key=lambda a: (a.skill_worked or "", a.name))
