"""Write the demo desk into an empty database, in one transaction.

`seed_demo` does nothing to a database that already holds a desk unless
`reset=True`; a failure part-way rolls back, so nothing is half-written.
Passwords are generated (not derived from the seed) and returned once so the
caller can print them.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import delete, func, insert, select
from sqlalchemy.orm import Session

from shiftdesk.auth import generate_password, hash_password
from shiftdesk.demo import desk
from shiftdesk.demo.history import generate_tickets, promotion_day
from shiftdesk.demo.requests import seed_requests
from shiftdesk.demo.roster import rotation_roster
from shiftdesk.services.forecasts import forecast_team, save_forecast
from shiftdesk.demo.sla import seed_sla_tiers, seed_ticket_sla
from tickets.intake import TRIAGE_QUEUE
from store.schema import (
    Base,
    Employee,
    EmployeeChannelLimit,
    EmployeeSkill,
    ForecastEvent,
    OnCallStandby,
    Queue,
    Roster,
    RosterAssignment,
    ShiftType,
    Site,
    Skill,
    Team,
    Ticket,
    User,
)

DEFAULT_SEED = 1111


@dataclass(frozen=True)
class DemoLogin:
    login: str
    role: str
    display_name: str
    password: str


@dataclass
class SeedReport:
    seeded: bool
    message: str
    logins: list[DemoLogin] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)


def database_is_empty(session: Session) -> bool:
    return session.scalar(select(func.count()).select_from(Site)) == 0


def seed_demo(session: Session, *, now: datetime, seed: int = DEFAULT_SEED, reset: bool = False) -> SeedReport:
    """Build the demo desk as of `now` (aware). The caller commits."""
    if not database_is_empty(session):
        if not reset:
            return SeedReport(False, "database already holds a desk: nothing changed (use --reset to rebuild it)")
        wipe(session)

    rng = random.Random(seed)
    site = Site(name=desk.SITE_NAME, time_zone=desk.SITE_ZONE, holiday_country="CN")
    team = Team(site=site, name=desk.TEAM_NAME)
    session.add_all([site, team])
    skills = {code: Skill(code=code, name=name) for code, name in desk.SKILLS.items()}
    session.add_all(skills.values())
    shift_types = [
        ShiftType(team=team, code=s.code, name=s.name, start_local=s.start, duration_minutes=s.minutes,
                  is_night=s.is_night)
        for s in desk.SHIFT_TYPES
    ]
    session.add_all(shift_types)

    agents = desk.build_agents(rng)
    employees = [_employee(team, agent, skills) for agent in agents]
    session.add_all(employees)
    session.flush()
    for agent, employee in zip(agents, employees, strict=True):
        if agent.supervisor is not None:
            employee.supervisor_id = employees[agent.supervisor].id
    standby = [e for a, e in zip(agents, employees, strict=True) if a.senior and a.may_work_nights][:desk.STANDBY_SIZE]
    session.add_all(OnCallStandby(team=team, employee=e, position=n) for n, e in enumerate(standby, start=1))

    queues = {
        q.code: Queue(team=team, code=q.code, name=q.name, channel=q.channel, skill=skills[q.skill],
                      covered_24x7=q.covered_24x7, aht_seconds=q.aht_seconds, service_level=q.service_level,
                      answer_seconds=q.answer_seconds, first_response_minutes=q.first_response_minutes,
                      service_hours=q.service_hours, shrinkage=0.15)
        for q in desk.QUEUES
    }
    session.add_all(queues.values())
    for code, name in ((desk.ESCALATION_QUEUE, "Escalations"), (TRIAGE_QUEUE, "Triage")):
        session.add(Queue(team=team, code=code, name=name, channel="internal", skill=skills["vip_care"],
                          covered_24x7=True))
    seed_sla_tiers(session, now)

    logins = _users(session, employees, now)
    promotion = promotion_day(now.astimezone(ZoneInfo(desk.SITE_ZONE)).date())
    session.add(ForecastEvent(team=team, name=promotion.name, start_date=promotion.day, end_date=promotion.day,
                              multiplier=promotion.multiplier))
    session.flush()

    week_start = _monday(now.astimezone(ZoneInfo(desk.SITE_ZONE)).date())
    for monday in (week_start - timedelta(days=7), week_start):
        _publish_rotation(session, team, monday, agents, employees, shift_types, now)

    agents_by_skill = {
        code: [e.id for a, e in zip(agents, employees, strict=True) if code in a.skills] for code in desk.SKILLS
    }
    rows = generate_tickets(now=now, zone=desk.SITE_ZONE, seed=seed, agents_by_skill=agents_by_skill)
    queue_ids = {code: queue.id for code, queue in queues.items()}
    for row in rows:
        row["queue_id"] = queue_ids[row.pop("queue_code")]  # type: ignore[arg-type]
    session.execute(insert(Ticket), rows)
    session.flush()
    seed_ticket_sla(session, rows, now)
    # An approved forecast for this week and next: the roster's requirement, and what a request's
    # check measures coverage against (without one, every check would forecast afresh).
    session.flush()
    session.expire_all()  # rows built above with plain strings read back as the schema's enums
    outcome = forecast_team(session, team.id, week_start, now, horizon_days=14, interval_minutes=60,
                            model="historic_average", time_limit_s=30)
    save_forecast(session, None, team.id, outcome, now, approve=True)
    waiting = seed_requests(session, team.id, employees, week_start, now)

    counts = {
        "employees": len(employees),
        "queues": len(queues),
        "tickets": len(rows),
        "open tickets": sum(1 for r in rows if r["status"] in ("new", "open", "pending")),
        "requests waiting for approval": len(waiting),
    }
    return SeedReport(True, "demo desk seeded", logins, counts)


def wipe(session: Session) -> None:
    """Delete every row of every table (children first), keeping the schema and its revision."""
    for table in reversed(Base.metadata.sorted_tables):
        session.execute(delete(table))


def _employee(team: Team, agent: desk.DemoAgent, skills: dict[str, Skill]) -> Employee:
    employee = Employee(
        team=team,
        name=agent.name,
        email=agent.email,
        min_minutes_per_week=agent.min_minutes_per_week,
        max_minutes_per_week=agent.max_minutes_per_week,
        max_consecutive_days=agent.max_consecutive_days,
        min_consecutive_days_off=1,
        min_rest_minutes=agent.min_rest_minutes,
        may_work_nights=agent.may_work_nights,
        max_nights_per_week=agent.max_nights_per_week,
        max_concurrent_tickets=6 if agent.senior else 5,
    )
    employee.skills = [EmployeeSkill(skill=skills[code], level=level) for code, level in agent.skills.items()]
    employee.channel_limits = [EmployeeChannelLimit(channel=channel, max_concurrent_tickets=limit)
                               for channel, limit in desk.CHANNEL_LIMITS.items()]
    return employee


def _users(session: Session, employees: list[Employee], now: datetime) -> list[DemoLogin]:
    logins = []
    for login, role, display_name, agent_index in desk.DEMO_USERS:
        password = generate_password()
        employee = employees[agent_index] if agent_index is not None else None
        session.add(
            User(login=login, role=role, display_name=display_name, password_hash=hash_password(password),
                 employee=employee, email=employee.email if employee else f"{login}@shiftdesk.example",
                 created_at=now)
        )
        logins.append(DemoLogin(login, role, display_name, password))
    return logins


def _publish_rotation(
    session: Session,
    team: Team,
    monday: date,
    agents: list[desk.DemoAgent],
    employees: list[Employee],
    shift_types: list[ShiftType],
    now: datetime,
) -> None:
    roster = Roster(team=team, week_start=monday, version=1, status="published", created_at=now,
                    published_at=now, solver_status="rotation", note="demo rotation")
    by_code = {s.code: s for s in shift_types}
    for agent_index, day, shift_code, skill_code in rotation_roster(agents, monday):
        employee = employees[agent_index]
        skill = next(es.skill for es in employee.skills if es.skill.code == skill_code)
        roster.assignments.append(
            RosterAssignment(employee=employee, day=day, shift_type=by_code[shift_code], skill=skill)
        )
    session.add(roster)


def _monday(day: date) -> date:
    return day - timedelta(days=day.weekday())
