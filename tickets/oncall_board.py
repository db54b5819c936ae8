"""What the on-call panel shows: tonight's duty chain, open pages and acknowledgements, gaps ahead,
and the standby list (which managers edit here).

"Tonight" is the night now running, or else the next one to start. The chain
is drawn as the pager would walk it at that night's start, with the same
rules (`tickets.oncall`): skipped steps are shown as skipped, and the delays
add up only over the steps that page somebody.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from shiftdesk.auth import CurrentUser, require
from shiftdesk.errors import UserError
from store import oncall_queries
from store.org import team_zone
from store.people import manager_contacts
from store.rosters import published_assignments_on
from store.schema import Team
from tickets.on_shift import shift_window
from tickets.oncall import (
    DEFAULT_ACK_MINUTES,
    STEP_DUTY,
    STEP_LABELS,
    STEP_MANAGER,
    STEP_REPAGE,
    STEP_STANDBY,
    PageView,
    page_view,
)
from tickets.oncall_gaps import DAILY_HORIZON_DAYS, CoverageGap, night_coverage_gaps
from tickets.oncall_nights import NightWindow, around_the_clock_tiers, tonight

PAGES_SINCE = timedelta(hours=24)


@dataclass(frozen=True)
class DutyPerson:
    employee_id: int
    name: str
    shift: str
    skills: str  # "vip_care 5, technical 2"
    starts_at: datetime  # local
    ends_at: datetime


@dataclass(frozen=True)
class StandbyPerson:
    position: int
    employee_id: int
    name: str
    note: str  # why the pager would pass over them tonight, if it would


@dataclass(frozen=True)
class ChainStep:
    step: int
    label: str
    who: str
    when: str  # "at once", "after 5 min", or "skipped"


@dataclass(frozen=True)
class OnCallBoard:
    team: str
    local_now: datetime
    night: NightWindow | None  # tonight; None when the team has no night shifts
    night_on_now: bool
    tiers: list[str]  # the 24x7 SLA tiers whose tickets page at night
    ack_minutes: int
    duty: list[DutyPerson]
    standby: list[StandbyPerson]
    managers: list[str]
    chain: list[ChainStep]
    pages: list[PageView]  # open, or sent in the last 24 hours; newest first
    gaps: list[CoverageGap]  # the next nights, from tonight on
    employees: list[tuple[int, str]]  # who may be put on the standby list


def oncall_board(session: Session, user: CurrentUser, team_id: int, now: datetime,
                 *, ack_minutes: int = DEFAULT_ACK_MINUTES) -> OnCallBoard:
    require(user, "roster.view")
    zone = ZoneInfo(team_zone(session, team_id))
    night = tonight(session, team_id, now)
    duty = _duty(session, team_id, night, zone)
    standby = _standby(session, team_id, night or now, {d.employee_id for d in duty})
    managers = [c.name for c in manager_contacts(session)]
    start_day = night.day if night else now.astimezone(zone).date()
    return OnCallBoard(
        team=session.get_one(Team, team_id).name,
        local_now=now.astimezone(zone),
        night=night,
        night_on_now=night is not None and night.covers(now),
        tiers=sorted(around_the_clock_tiers(session)),
        ack_minutes=ack_minutes,
        duty=duty,
        standby=standby,
        managers=managers,
        chain=_chain(duty, standby, managers, ack_minutes),
        pages=[page_view(session, p, t) for p, t in oncall_queries.team_pages(session, team_id, now - PAGES_SINCE)],
        gaps=[g for g in night_coverage_gaps(session, team_id, start_day, DAILY_HORIZON_DAYS) if g.night.ends_at > now],
        employees=oncall_queries.team_employees(session, team_id),
    )


def save_standby(session: Session, user: CurrentUser, team_id: int, employee_ids: Sequence[int]) -> None:
    """Make `employee_ids` the team's standby list, in paging order (managers only)."""
    require(user, "desk.manage")
    duplicates = sorted({e for e in employee_ids if list(employee_ids).count(e) > 1})
    if duplicates:
        raise UserError(f"the standby list names employee #{duplicates[0]} twice")
    strangers = set(employee_ids) - oncall_queries.employees_in_team(session, team_id, employee_ids)
    if strangers:
        raise UserError(f"employee #{min(strangers)} is not in this team")
    oncall_queries.replace_standby(session, team_id, list(employee_ids))


def _duty(session: Session, team_id: int, night: NightWindow | None, zone: ZoneInfo) -> list[DutyPerson]:
    if night is None:
        return []
    people = []
    for assignment in published_assignments_on(session, team_id, [night.day]):
        if not assignment.shift_type.is_night:
            continue
        starts, ends = shift_window(assignment.day, assignment.shift_type, zone)
        skills = ", ".join(f"{es.skill.code} {es.level}"
                           for es in sorted(assignment.employee.skills, key=lambda es: (-es.level, es.skill.code)))
        people.append(DutyPerson(assignment.employee_id, assignment.employee.name, assignment.shift_type.name,
                                 skills, starts, ends))
    return sorted(people, key=lambda p: (p.starts_at, p.name))


def _standby(session: Session, team_id: int, night: NightWindow | datetime, on_duty: set[int]) -> list[StandbyPerson]:
    at = night.starts_at if isinstance(night, NightWindow) else night
    entries = oncall_queries.standby_employees(session, team_id)
    away = oncall_queries.on_time_off(session, [e.id for e, _ in entries], at)
    people = []
    for employee, position in entries:
        note = ("on night duty tonight: passed over" if employee.id in on_duty
                else "time off: passed over" if employee.id in away else "")
        people.append(StandbyPerson(position, employee.id, employee.name, note))
    return people


def _chain(duty: list[DutyPerson], standby: list[StandbyPerson], managers: list[str],
           ack_minutes: int) -> list[ChainStep]:
    reachable = next((s.name for s in standby if not s.note), None)
    names = duty[0].name if len(duty) == 1 else f"the best fit of the {len(duty)} on night duty for the ticket's queue"
    who = {
        STEP_DUTY: names if duty else None,
        STEP_REPAGE: "the same duty agent again, if still on shift" if duty else None,
        STEP_STANDBY: reachable,
        STEP_MANAGER: ", ".join(managers) or None,
    }
    steps, delay = [], 0
    for step in (STEP_DUTY, STEP_REPAGE, STEP_STANDBY, STEP_MANAGER):
        if who[step] is None:
            steps.append(ChainStep(step, STEP_LABELS[step], "nobody", "skipped"))
            continue
        steps.append(ChainStep(step, STEP_LABELS[step], str(who[step]), f"after {delay} min" if delay else "at once"))
        delay += ack_minutes
    return steps
