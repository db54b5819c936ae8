"""The people of a team as the roster solver and routing read them, kept by a manager.

A manager (`desk.manage`) sets each employee's e-mail, phone and supervisor
(escalations notify the supervisor), skills and levels, the contract limits the
solver applies (minutes per week, days in a row, days off, rest, nights), the
routing limits (one number shared by the channels without a limit of their own,
and per-channel limits, 0 meaning never routed that channel) and the active flag
(an inactive employee is neither rostered, routed, nor let sign in), or adds an
employee. Until now only the demo seed could.

A change is checked as a whole before anything is written, and every problem is
named with the employee and the field, so the database's check constraints
never see bad input and a refused change stores nothing. The team row is locked
while a change is written, so two managers cannot give two people one name; and
a change carries the employee's version it was made from, so a manager saving
over another's newer change is refused rather than silently undoing it.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from shiftdesk.auth import CurrentUser, require
from shiftdesk.errors import UserError
from store import staff
from store.enums import Channel
from store.schema import Employee, EmployeeChannelLimit, EmployeeSkill, Team

MANAGE = "desk.manage"
WEEK_MINUTES = 7 * 24 * 60
MAX_OPEN_TICKETS = 100  # a sanity bound on any routing limit: a typo (500) is refused, not routed
LEVELS = (1, 5)
NAME_LENGTH = 100  # employees.name is VARCHAR(100)
EMAIL_LENGTH = 200  # employees.email is VARCHAR(200)
PHONE_LENGTH = 40  # employees.phone is VARCHAR(40)
# The shape only (one @, a dotted domain, no spaces): whether the mailbox exists shows when mail bounces.
EMAIL = re.compile(r"[^@\s]+@[^@\s.]+(\.[^@\s.]+)+")
PHONE = re.compile(r"\+?[0-9 ().-]*[0-9][0-9 ().-]*")
CHANNELS = tuple(c.value for c in Channel)

# Contract and routing numbers: (label as on the page and in refusals, lowest, highest allowed).
NUMBERS: dict[str, tuple[str, int, int]] = {
    "min_minutes_per_week": ("min minutes per week", 0, WEEK_MINUTES),
    "max_minutes_per_week": ("max minutes per week", 0, WEEK_MINUTES),
    "max_consecutive_days": ("max days in a row", 1, 7),
    "min_consecutive_days_off": ("min days off in a row", 0, 6),
    "min_rest_minutes": ("min rest minutes", 0, 24 * 60),
    "max_nights_per_week": ("max nights per week", 0, 7),
    "max_concurrent_tickets": ("shared limit", 0, MAX_OPEN_TICKETS),
}
FLAGS = {"may_work_nights": "nights allowed", "active": "active"}


@dataclass(frozen=True)
class EmployeeDetails:
    """Everything a manager sets for one employee. `email` and `phone` may be None (not known);
    `supervisor_id` is another employee of the team or None. `skills` maps skill code -> level 1-5;
    `channel_limits` holds only the channels with a limit of their own (0: never routed that channel), the
    others share `max_concurrent_tickets`."""

    name: str
    email: str | None
    phone: str | None
    supervisor_id: int | None
    skills: Mapping[str, int]
    min_minutes_per_week: int
    max_minutes_per_week: int
    max_consecutive_days: int
    min_consecutive_days_off: int
    min_rest_minutes: int
    may_work_nights: bool
    max_nights_per_week: int
    max_concurrent_tickets: int
    channel_limits: Mapping[str, int]
    active: bool


@dataclass(frozen=True)
class Member:
    """One employee as read, with the version a change made from this read must be saved against."""

    id: int
    version: int
    details: EmployeeDetails


@dataclass(frozen=True)
class TeamPeople:
    """What the Team page shows: the team's skill list (code -> name), its people, and the new-employee form's
    starting values (the schema's defaults)."""

    team: str
    skills: dict[str, str]
    members: list[Member]
    new: EmployeeDetails


def team_people(session: Session, user: CurrentUser, team_id: int) -> TeamPeople:
    """The team's people for the Team page; managers only, as contracts and limits are theirs to set."""
    require(user, MANAGE)
    return TeamPeople(
        team=session.get_one(Team, team_id).name,
        skills={s.code: s.name for s in staff.team_skills(session, team_id)},
        members=[Member(e.id, e.version, _details_of(e)) for e in staff.team_members(session, team_id)],
        new=EmployeeDetails(name="", email=None, phone=None, supervisor_id=None, skills={}, channel_limits={},
                            **staff.employee_defaults((*NUMBERS, *FLAGS))),
    )


def save_employee(session: Session, user: CurrentUser, team_id: int, employee_id: int | None,
                  details: EmployeeDetails, loaded_version: int | None) -> int:
    """Store `details` for the employee (a new one of the team when `employee_id` is None); return its id.

    `loaded_version` is the `Member.version` the details were edited from (None for a new employee): if anyone
    saved the employee since, the change is refused, so neither manager's change is lost without them knowing.
    Refused with every problem at once (UserError) before anything is written."""
    require(user, MANAGE)
    team = staff.lock_team(session, team_id)
    if team is None:
        raise UserError(f"no team #{team_id}")
    unchanged_since_read = employee_id is None or staff.bump_version(session, team_id, employee_id, loaded_version)
    members = staff.team_members(session, team_id)
    employee = next((e for e in members if e.id == employee_id), None)
    if employee_id is not None and employee is None:
        raise UserError(f"employee #{employee_id} is not in team {team.name}")
    if employee is not None and not unchanged_since_read:
        raise UserError(f"{employee.name} was changed by someone else since you opened it; reload to see their "
                        "change")
    skills = {s.code: s for s in staff.team_skills(session, team_id)}
    name = _folded(details.name)
    email, phone = _folded(details.email) or None, _folded(details.phone) or None  # blank: not known
    who = employee.name if employee is not None else f"new employee {name}".rstrip()
    taken = {_folded(e.name).casefold() for e in members if e is not employee}
    problems = [*_problems(details, name, taken, team.name, sorted(skills)), *_contact_problems(email, phone),
                *_supervisor_problems(details.supervisor_id, employee, members, team.name)]
    # `is False`: an active flag that is not yes or no at all is already named above.
    if details.active is False and employee is not None and employee.id == user.employee_id:
        problems.append("you cannot deactivate your own account (ask another manager)")
    if problems:
        raise UserError(f"{who}: " + "; ".join(problems))

    if employee is None:
        employee = Employee(team_id=team_id)
        session.add(employee)
    employee.name = name
    employee.email, employee.phone, employee.supervisor_id = email, phone, details.supervisor_id
    for field in (*NUMBERS, *FLAGS):
        setattr(employee, field, getattr(details, field))
    _sync_rows(employee.skills, {skills[code].id: level for code, level in details.skills.items()}, "skill_id",
               "level", lambda skill_id, level: EmployeeSkill(skill_id=skill_id, level=level))
    _sync_rows(employee.channel_limits, {Channel(c): limit for c, limit in details.channel_limits.items()}, "channel",
               "max_concurrent_tickets", lambda channel, limit: EmployeeChannelLimit(channel=channel,
                                                                                     max_concurrent_tickets=limit))
    session.flush()
    return employee.id


def _problems(details: EmployeeDetails, name: str, taken: set[str], team: str, known_skills: list[str]) -> list[str]:
    """Every rule the details break, in the page's words; empty when they may be stored."""
    problems = []
    if not name:
        problems.append("name is empty")
    elif len(name) > NAME_LENGTH:
        problems.append(f"name is longer than {NAME_LENGTH} characters")
    elif name.casefold() in taken:
        problems.append(f"name '{name}' is taken by another employee of {team}")
    bad_numbers = set()
    for field, (label, low, high) in NUMBERS.items():
        if found := _number_problems(label, getattr(details, field), low, high):
            problems += found
            bad_numbers.add(field)
    if not bad_numbers & {"min_minutes_per_week", "max_minutes_per_week"} \
            and details.min_minutes_per_week > details.max_minutes_per_week:
        problems.append(f"min minutes per week {details.min_minutes_per_week} is above max minutes per week "
                        f"{details.max_minutes_per_week}")
    for field, label in FLAGS.items():
        if not isinstance(getattr(details, field), bool):
            problems.append(f"{label} must be yes or no")
    for code, level in details.skills.items():
        if code not in known_skills:
            problems.append(f"unknown skill '{code}' (the team's skills: {', '.join(known_skills)})")
        else:
            problems += _number_problems(f"level in {code}", level, *LEVELS)
    for channel, limit in details.channel_limits.items():
        if channel not in CHANNELS:
            problems.append(f"unknown channel '{channel}' (channels: {', '.join(CHANNELS)})")
        else:
            problems += _number_problems(f"{channel} limit", limit, 0, MAX_OPEN_TICKETS)
    return problems


def _contact_problems(email: str | None, phone: str | None) -> list[str]:
    problems = []
    if email is not None:
        if len(email) > EMAIL_LENGTH:
            problems.append(f"email is longer than {EMAIL_LENGTH} characters")
        elif not EMAIL.fullmatch(email):
            problems.append(f"email '{email}' is not an address like name@example.com")
    if phone is not None:
        if len(phone) > PHONE_LENGTH:
            problems.append(f"phone is longer than {PHONE_LENGTH} characters")
        elif not PHONE.fullmatch(phone):
            problems.append(f"phone '{phone}' may hold only digits, spaces, a leading + and ( ) - .")
    return problems


def _supervisor_problems(supervisor_id: int | None, employee: Employee | None, members: Sequence[Employee],
                         team: str) -> list[str]:
    """A new supervisor must be another active employee of the team who does not report to this one.

    Only a changed supervisor is checked: one who has left since being chosen must not block every other
    change to the people they supervised. Supervisors are chosen within the team here, so a loop this change
    would close runs through the team's people only.
    """
    if supervisor_id is None or supervisor_id == (employee.supervisor_id if employee is not None else None):
        return []
    by_id = {e.id: e for e in members}
    supervisor = by_id.get(supervisor_id)
    if supervisor is None:
        return [f"supervisor #{supervisor_id} is not an employee of {team}"]
    if supervisor is employee:
        return ["supervisor cannot be the employee themself"]
    if not supervisor.active:
        return [f"supervisor {supervisor.name} is not active"]
    chain = [supervisor]
    while (boss := by_id.get(chain[-1].supervisor_id)) is not None and boss not in chain:
        chain.append(boss)
        if boss is employee:
            reports = [f"{chain[0].name} reports to {chain[1].name}", *(f"who reports to {e.name}" for e in chain[2:])]
            return [f"supervisor {supervisor.name} would make a loop: " + ", ".join(reports)]
    return []


def _folded(text: str | None) -> str:
    """`text` with its spacing folded ("  Li   Na " -> "Li Na"); empty for None."""
    return " ".join((text or "").split())


def _details_of(employee: Employee) -> EmployeeDetails:
    return EmployeeDetails(
        name=employee.name,
        email=employee.email,
        phone=employee.phone,
        supervisor_id=employee.supervisor_id,
        skills={row.skill.code: row.level for row in sorted(employee.skills, key=lambda r: -r.level)},
        channel_limits={row.channel.value: row.max_concurrent_tickets for row in employee.channel_limits},
        **{field: getattr(employee, field) for field in (*NUMBERS, *FLAGS)},
    )


def _number_problems(label: str, value: object, low: int, high: int) -> list[str]:
    if not isinstance(value, int) or isinstance(value, bool):
        return [f"{label} must be a whole number, not '{value}'"]
    if value < 0 <= low:
        return [f"{label} is {value}: it cannot be negative"]
    if not low <= value <= high:
        return [f"{label} is {value}: it must be between {low} and {high}"]
    return []


def _sync_rows(rows: list, wanted: dict, key: str, value: str, make: Callable[[Any, int], object]) -> None:
    """Make an employee's child rows (skills, channel limits) hold `wanted` (key -> value; consumed), changing rows
    in place: a row replaced by a new one with the same key would clash on the table's unique key when flushed."""
    for row in list(rows):
        if getattr(row, key) in wanted:
            setattr(row, value, wanted.pop(getattr(row, key)))
        else:
            rows.remove(row)
    rows.extend(make(k, v) for k, v in wanted.items())
