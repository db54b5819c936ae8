"""Plan, store, publish and revert a team's weekly roster.

`build_week` turns the desk's rows (people, contracts, skills, shift types,
approved time off, last week's published shifts, the fairness ledger of the
weeks before, the approved staffing requirement) into a pure
`rostering.Problem`; `solve_week` runs the CP-SAT engine on it; the result is
stored as a draft version that a planner edits (every edit checked by the
validator), publishes (the previous version is archived) or reverts.
"""

from __future__ import annotations

import dataclasses
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import holidays as holidays_package
import pandas as pd
from sqlalchemy.orm import Session

from rostering.domain import (
    Assignment,
    Contract,
    Employee,
    IntervalDemand,
    LedgerEntry,
    NightMinimum,
    Problem,
    Roster,
    Rules,
    ShiftType,
    TimeOff,
)
from rostering.calendar import calendar_of
from rostering.explain import Explanation, explain_costs
from rostering.kpis import compute_kpis
from rostering.solve import Progress, SolveResult, solve
from rostering.validate import Report, cells_by_employee, interval_cover, validate
from shiftdesk.auth import CurrentUser, require
from shiftdesk.errors import UserError
from shiftdesk.services.forecasts import approved_requirement, forecast_team
from store import rosters as roster_store
from store.enums import RosterStatus
from store.forecasts import customer_queues
from store.schema import Roster as RosterRow
from store.schema import Team
from tickets.oncall_gaps import alert_gaps_on_publish

HISTORY_DAYS = 7  # last week's shifts: rest, successions and consecutive days across the week boundary
LEDGER_WEEKS = 8  # fairness of nights, weekends and holidays is balanced over this many past weeks
REGULAR_MINUTES_WEEK = 40 * 60  # minutes above this in a week are overtime
NIGHT_WINDOW = (time(22, 0), time(6, 0))


@dataclass(frozen=True)
class WeekPlan:
    """A week's rostering problem and how its ids map back to rows."""

    team_id: int
    monday: date
    problem: Problem
    employee_ids: Mapping[str, int]  # domain id -> employees.id
    shift_ids: Mapping[str, int]  # shift code -> shift_types.id
    skill_ids: Mapping[str, int]  # skill code -> skills.id
    demand_source: str


def monday_of(day: date) -> date:
    return day - timedelta(days=day.weekday())


def build_week(session: Session, team_id: int, monday: date, now: datetime) -> WeekPlan:
    """The rostering problem of the week starting `monday` (a local Monday)."""
    if monday.weekday() != 0:
        raise UserError(f"week {monday} is a {monday:%A}: rosters start on a Monday")
    team = session.get_one(Team, team_id)
    zone = ZoneInfo(team.site.time_zone)
    people = roster_store.team_employees(session, team_id)
    if not people:
        raise UserError(f"team {team.name} has no active employees to roster")
    shift_rows = roster_store.team_shift_types(session, team_id)
    if not shift_rows:
        raise UserError(f"team {team.name} has no shift types")
    demand, interval, source = _demand(session, team_id, monday, now)
    skill_ids = {es.skill.code: es.skill_id for e in people for es in e.skills}
    start = datetime.combine(monday, time(0), tzinfo=zone)
    problem = Problem(
        start_date=monday,
        num_days=7,
        shift_types=tuple(ShiftType(s.code, s.start_local, s.duration_minutes, s.is_night, s.name) for s in shift_rows),
        employees=tuple(_employee(e, shift_rows) for e in people),
        tz=team.site.time_zone,
        interval_min=interval,
        rules=Rules(
            night_start=NIGHT_WINDOW[0],
            night_end=NIGHT_WINDOW[1],
            night_minimums=tuple(
                NightMinimum(code, 1) for code in sorted({q.skill.code for q in customer_queues(session, team_id)
                                                           if q.covered_24x7})
            ),
            exempt_runs_at_start=False,
        ),
        interval_demand=demand,
        time_off=_time_off(session, people, start, zone),
        holidays=_holidays(team.site.holiday_country, monday),
        history=_history(session, team_id, monday),
        history_days=HISTORY_DAYS,
        ledger=_ledger(session, team_id, monday, team.site.holiday_country),
        name=f"{team.name} week of {monday:%Y-%m-%d}",
    )
    return WeekPlan(team_id, monday, problem, {str(e.id): e.id for e in people},
                    {s.code: s.id for s in shift_rows}, skill_ids, source)


def solve_week(
    plan: WeekPlan, *, time_limit_s: float = 60.0, workers: int | None = None,
    on_progress: Callable[[Progress], None] | None = None, stop: threading.Event | None = None,
    previous: Roster | None = None,
) -> SolveResult:
    """Run the CP-SAT engine on the week (a few seconds to a minute; stop ends it early)."""
    options = {} if workers is None else {"workers": workers}
    return solve(plan.problem, time_limit_s=time_limit_s, on_progress=on_progress, stop=stop, previous=previous,
                 **options)


def save_draft(session: Session, user: CurrentUser | None, plan: WeekPlan, roster: Roster, now: datetime,
               *, solver_status: str, note: str = "") -> RosterRow:
    """Store `roster` as the week's next version, a draft, with its objective and KPIs from the validator."""
    if user is not None:
        require(user, "roster.edit")
    report = validate(plan.problem, roster)
    versions = roster_store.lock_week(session, plan.team_id, plan.monday)
    row = RosterRow(
        team_id=plan.team_id, week_start=plan.monday, version=(versions[0].version + 1) if versions else 1,
        status=RosterStatus.DRAFT, created_at=now, created_by_id=user.id if user else None,
        solver_status=solver_status, objective=report.objective, kpis=kpis_json(plan, roster), note=note,
    )
    return roster_store.add_roster(session, row, _assignment_rows(plan, roster))


def publish(session: Session, user: CurrentUser | None, roster_id: int, now: datetime) -> RosterRow:
    """Make a version the published one (the previous published version is archived).

    Refused when the roster breaks a hard rule: a planner fixes it first.
    """
    if user is not None:
        require(user, "roster.publish")
    row = roster_store.roster_with_assignments(session, roster_id)
    plan = build_week(session, row.team_id, row.week_start, now)
    hard = validate(plan.problem, roster_of(plan, row)).violations
    if hard:
        raise UserError(f"roster v{row.version} breaks {len(hard)} hard rule(s), first: {hard[0].message}")
    for other in roster_store.lock_week(session, row.team_id, row.week_start):
        if other.status is RosterStatus.PUBLISHED and other.id != row.id:
            other.status = RosterStatus.ARCHIVED
    row.status, row.published_at = RosterStatus.PUBLISHED, now
    session.flush()
    alert_gaps_on_publish(session, row.id, now)  # a night nobody covers is flagged before it comes
    return row


def revert(session: Session, user: CurrentUser | None, roster_id: int, now: datetime) -> RosterRow:
    """Publish a copy of an older version as the newest one (history stays intact)."""
    if user is not None:
        require(user, "roster.publish")
    old = roster_store.roster_with_assignments(session, roster_id)
    plan = build_week(session, old.team_id, old.week_start, now)
    copy = save_draft(session, user, plan, roster_of(plan, old), now, solver_status="revert",
                      note=f"copy of version {old.version}")
    return publish(session, user, copy.id, now)


def edit(session: Session, user: CurrentUser | None, roster_id: int, employee_id: int, day: date,
         shift_code: str | None, skill_code: str | None, now: datetime) -> Report:
    """Change one person's day on a draft (None: day off); refused if it breaks a hard rule."""
    if user is not None:
        require(user, "roster.edit")
    row = roster_store.roster_with_assignments(session, roster_id)
    if row.status is not RosterStatus.DRAFT:
        raise UserError(f"version {row.version} is {row.status.value}: copy it to a draft to change it")
    plan = build_week(session, row.team_id, row.week_start, now)
    person, index = str(employee_id), (day - row.week_start).days
    if not 0 <= index < plan.problem.num_days:
        raise UserError(f"{day} is not in the week of {row.week_start}")
    kept = [a for a in roster_of(plan, row).assignments if (a.employee, a.day) != (person, index)]
    if shift_code is not None:
        if shift_code not in plan.shift_ids:
            raise UserError(f"unknown shift '{shift_code}' (known: {', '.join(plan.shift_ids)})")
        employee = next((e for e in plan.problem.employees if e.id == person), None)
        if employee is None:
            raise UserError(f"no active employee #{employee_id} in this team")
        skill = skill_code or max(employee.skills, key=lambda code: employee.skills[code])
        if skill not in employee.skills:
            raise UserError(f"{employee.label} does not have the skill '{skill}'")
        kept.append(Assignment(person, index, shift_code, skill))
    edited = Roster(tuple(kept))
    report = validate(plan.problem, edited)
    if report.violations:
        raise UserError("; ".join(v.message for v in report.violations[:3]))
    roster_store.replace_assignments(session, row, _assignment_rows(plan, edited))
    row.objective, row.kpis = report.objective, kpis_json(plan, edited)
    return report


def explain(plan: WeekPlan, roster: Roster) -> list[Explanation]:
    """The soft rules the roster breaks, worst first, in a planner's words."""
    return explain_costs(plan.problem, validate(plan.problem, roster))


def roster_of(plan: WeekPlan, row: RosterRow) -> Roster:
    """A stored version as the engine's roster."""
    return Roster(tuple(
        Assignment(str(a.employee_id), (a.day - plan.monday).days, a.shift_type.code,
                   a.skill.code if a.skill else _best_skill(plan, str(a.employee_id)))
        for a in row.assignments
    ))


def kpis_json(plan: WeekPlan, roster: Roster) -> dict[str, object]:
    """The roster's KPIs as JSON-able data, stored with the version."""
    return _jsonable(dataclasses.asdict(compute_kpis(plan.problem, roster)))  # type: ignore[return-value]


def _demand(session: Session, team_id: int, monday: date, now: datetime) -> tuple[tuple[IntervalDemand, ...], int, str]:
    """The approved staffing requirement, or one forecast now (fast model) when none is approved."""
    required = approved_requirement(session, team_id, monday)
    source = "approved forecast"
    if required is None or required.empty:
        outcome = forecast_team(session, team_id, monday, now, interval_minutes=60, model="historic_average",
                                time_limit_s=30)
        required, source = outcome.staffing.required, "forecast made now (no approved forecast for this week)"
    stamps = pd.DatetimeIndex(required["timestamp"])
    steps = pd.Series(stamps.unique()).sort_values().diff().dropna()
    interval = int(steps.min().total_seconds() // 60) if len(steps) else 60
    demand = tuple(
        IntervalDemand(ts.to_pydatetime(), skill, int(n))
        for ts, skill, n in zip(stamps, required["skill"], required["required"], strict=True) if n > 0
    )
    return demand, interval, source


def _employee(row, shift_rows) -> Employee:  # noqa: ANN001 - store rows
    nights_allowed = row.may_work_nights and row.max_nights_per_week > 0
    allowed = None if nights_allowed else frozenset(s.code for s in shift_rows if not s.is_night)
    return Employee(
        id=str(row.id),
        skills={es.skill.code: es.level for es in row.skills},
        contract=Contract(
            min_minutes_week=row.min_minutes_per_week or None,
            max_minutes_week=row.max_minutes_per_week,
            regular_minutes_week=min(REGULAR_MINUTES_WEEK, row.max_minutes_per_week),
            max_consecutive_days=row.max_consecutive_days,
            min_consecutive_days_off=row.min_consecutive_days_off or None,
            max_nights_week=row.max_nights_per_week if nights_allowed else 0,
            min_rest_min=row.min_rest_minutes,
        ),
        name=row.name,
        allowed_shifts=allowed,
    )


def _time_off(session: Session, people, start: datetime, zone: ZoneInfo) -> tuple[TimeOff, ...]:  # noqa: ANN001
    end = start + timedelta(days=7)
    days: list[TimeOff] = []
    for leave in roster_store.approved_time_off(session, [e.id for e in people], start, end):
        first = max(leave.starts_at, start).astimezone(zone).date()
        last = (min(leave.ends_at, end) - timedelta(microseconds=1)).astimezone(zone).date()
        for offset in range((last - first).days + 1):
            day = (first - start.date()).days + offset
            days.append(TimeOff(str(leave.employee_id), day, leave.reason or "leave"))
    return tuple(days)


def _holidays(country: str | None, monday: date) -> frozenset[int]:
    if not country:
        return frozenset()
    table = holidays_package.country_holidays(country, years=sorted({monday.year, (monday + timedelta(6)).year}))
    return frozenset(n for n in range(7) if monday + timedelta(n) in table)


def _history(session: Session, team_id: int, monday: date) -> tuple[Assignment, ...]:
    rows = roster_store.published_between(session, team_id, monday - timedelta(HISTORY_DAYS), monday - timedelta(1))
    return tuple(
        Assignment(str(a.employee_id), (a.day - monday).days, a.shift_type.code, a.skill.code if a.skill else "")
        for a in rows
    )


def _ledger(session: Session, team_id: int, monday: date, country: str | None) -> dict[str, LedgerEntry]:
    first = monday - timedelta(weeks=LEDGER_WEEKS)
    rows = roster_store.published_between(session, team_id, first, monday - timedelta(1))
    table = holidays_package.country_holidays(country, years=sorted({first.year, monday.year})) if country else {}
    counts: dict[str, dict[str, set]] = {}
    for a in rows:
        mine = counts.setdefault(str(a.employee_id), {"nights": set(), "weekends": set(), "holidays": set()})
        if a.shift_type.is_night:
            mine["nights"].add(a.day)
        if a.day.weekday() >= 5:
            mine["weekends"].add(monday_of(a.day))
        if a.day in table:
            mine["holidays"].add(a.day)
    return {person: LedgerEntry(len(c["nights"]), len(c["weekends"]), len(c["holidays"])) for person, c in counts.items()}


def _assignment_rows(plan: WeekPlan, roster: Roster) -> list[dict[str, object]]:
    return [
        {"employee_id": plan.employee_ids[a.employee], "day": plan.monday + timedelta(days=a.day),
         "shift_type_id": plan.shift_ids[a.shift], "skill_id": plan.skill_ids.get(a.skill)}
        for a in roster.assignments if 0 <= a.day < plan.problem.num_days
    ]


def _best_skill(plan: WeekPlan, person: str) -> str:
    employee = next(e for e in plan.problem.employees if e.id == person)
    return max(employee.skills, key=lambda code: employee.skills[code])


def _jsonable(value: object) -> object:
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if isinstance(value, float):
        return round(value, 3)
    return value


def coverage_frame(plan: WeekPlan, roster: Roster) -> pd.DataFrame:
    """Per interval and skill: agents required and agents rostered on that skill (local times)."""
    cal = calendar_of(plan.problem)
    cells, _ = cells_by_employee(cal, roster)
    cover = interval_cover(cal, cells)
    zone = ZoneInfo(plan.problem.tz)
    rows = [
        {"timestamp": cal.interval_start(i).astimezone(zone), "skill": skill, "required": need,
         "covered": cover.get((i, skill), 0)}
        for (i, skill), need in sorted(cal.interval_required.items())
    ]
    return pd.DataFrame(rows, columns=["timestamp", "skill", "required", "covered"])


def timeline_frame(plan: WeekPlan, roster: Roster) -> pd.DataFrame:
    """One row per person, one column per day: the shift and skill worked ("N · vip_care"), blank when off."""
    days = [plan.monday + timedelta(days=n) for n in range(plan.problem.num_days)]
    cells = {(a.employee, a.day): f"{a.shift} · {a.skill}" for a in roster.assignments}
    return pd.DataFrame(
        [{"agent": e.label, **{f"{d:%a %d}": cells.get((e.id, n), "") for n, d in enumerate(days)}}
         for e in plan.problem.employees]
    )
