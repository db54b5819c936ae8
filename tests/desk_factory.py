"""A small, hand-checkable desk for store-level tests (the demo desk is too big to reason about).

Shanghai site; skills technical and vip_care; five employees:
  Li Na (technical 3, day shift 09:00-18:00), Wang Wei (technical 4, late 15:00-23:00),
  Zhang Min (technical 2 + vip_care 5, night 23:00-07:00, supervisor of Li Na and Wang Wei),
  Chen Jie (technical 5, off all week), Zhao Li (vip_care 4, day shift);
users: manager, and agent logins for Li Na and Wang Wei; queues tech_email (business-hours
SLA), vip (24x7), escalations (internal); the default SLA tiers and escalation steps.
The roster is published for the week of `now` and the week before.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from store.schema import (
    Employee,
    EmployeeSkill,
    Queue,
    Roster,
    RosterAssignment,
    ShiftType,
    Site,
    Skill,
    SlaPolicy,
    Team,
    User,
)
from tickets.escalation import DEFAULT_STEPS
from tickets.sla_policy import default_policy

SHANGHAI = ZoneInfo("Asia/Shanghai")


@dataclass(frozen=True)
class SmallDesk:
    team_id: int
    employees: dict[str, int]  # name -> id
    users: dict[str, int]  # login -> id
    queues: dict[str, int]  # code -> id


def local(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    """An instant given as Shanghai wall-clock time."""
    return datetime(year, month, day, hour, minute, tzinfo=SHANGHAI)


def build_small_desk(session: Session, now: datetime, *, webhook_url: str | None = None) -> SmallDesk:
    site = Site(name="Small site", time_zone="Asia/Shanghai")
    team = Team(site=site, name="Small team", webhook_url=webhook_url)
    technical = Skill(code="technical", name="Technical")
    vip = Skill(code="vip_care", name="VIP care")
    shifts = {
        code: ShiftType(team=team, code=code, name=name, start_local=start, duration_minutes=minutes, is_night=night)
        for code, name, start, minutes, night in (
            ("D", "Day 09-18", time(9), 540, False),
            ("L", "Late 15-23", time(15), 480, False),
            ("N", "Night 23-07", time(23), 480, True),
        )
    }
    people = {
        "Li Na": ({technical: 3}, "D"),
        "Wang Wei": ({technical: 4}, "L"),
        "Zhang Min": ({technical: 2, vip: 5}, "N"),
        "Chen Jie": ({technical: 5}, None),
        "Zhao Li": ({vip: 4}, "D"),
    }
    employees = {}
    for name, (skills, _shift) in people.items():
        employees[name] = Employee(
            team=team, name=name, email=name.lower().replace(" ", ".") + "@desk.test", phone="+86 138 0000 0000",
            skills=[EmployeeSkill(skill=skill, level=level) for skill, level in skills.items()],
        )
    session.add_all([site, team, technical, vip, *shifts.values(), *employees.values()])
    session.flush()
    employees["Li Na"].supervisor_id = employees["Zhang Min"].id
    employees["Wang Wei"].supervisor_id = employees["Zhang Min"].id

    monday = now.astimezone(SHANGHAI).date() - timedelta(days=now.astimezone(SHANGHAI).weekday())
    for week_start in (monday - timedelta(days=7), monday):
        roster = Roster(team=team, week_start=week_start, status="published", created_at=now, published_at=now)
        for name, (skills, shift) in people.items():
            if shift is None:
                continue
            for offset in range(7):
                roster.assignments.append(RosterAssignment(
                    employee=employees[name], day=week_start + timedelta(days=offset), shift_type=shifts[shift],
                    skill=next(iter(skills)),
                ))
        session.add(roster)

    queues = {
        "tech_email": Queue(team=team, code="tech_email", name="Technical email", channel="email", skill=technical),
        "vip": Queue(team=team, code="vip", name="VIP hotline", channel="phone", skill=vip, covered_24x7=True),
        "escalations": Queue(team=team, code="escalations", name="Escalations", channel="internal", skill=vip,
                             covered_24x7=True),
    }
    session.add_all(queues.values())
    steps = [step.to_dict() for step in DEFAULT_STEPS]
    for position, tier in enumerate(default_policy(years=range(now.year - 1, now.year + 2)).tiers, start=1):
        session.add(SlaPolicy(position=position, escalation=steps, **tier.to_dict()))
    users = {
        "manager": User(login="manager", display_name="Desk manager", password_hash="-", role="manager",
                        email="manager@desk.test", created_at=now),
        "li.na": User(login="li.na", display_name="Li Na", password_hash="-", role="agent",
                      employee=employees["Li Na"], created_at=now),
        "wang.wei": User(login="wang.wei", display_name="Wang Wei", password_hash="-", role="agent",
                         employee=employees["Wang Wei"], created_at=now),
    }
    session.add_all(users.values())
    session.flush()
    return SmallDesk(
        team_id=team.id,
        employees={name: e.id for name, e in employees.items()},
        users={login: u.id for login, u in users.items()},
        queues={code: q.id for code, q in queues.items()},
    )


def monday_of(day: date) -> date:
    return day - timedelta(days=day.weekday())
