"""A team's people as a manager keeps them: employees (active or not) with their skills and routing limits,
the skills the team works, the schema's defaults a new employee starts from, and the version check that keeps
two managers from overwriting each other."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session, selectinload

from store.schema import Employee, EmployeeSkill, Queue, Skill, Team


def team_members(session: Session, team_id: int) -> list[Employee]:
    """Every employee of the team, inactive ones too, with skills and channel limits loaded, by name."""
    return list(session.scalars(
        select(Employee)
        .where(Employee.team_id == team_id)
        .options(selectinload(Employee.skills).selectinload(EmployeeSkill.skill), selectinload(Employee.channel_limits))
        .order_by(Employee.name, Employee.id)
    ))


def team_skills(session: Session, team_id: int) -> list[Skill]:
    """The skills the team works: those of its queues and those its employees hold, by code."""
    queue_skills = select(Queue.skill_id).where(Queue.team_id == team_id)
    held = select(EmployeeSkill.skill_id).join(Employee).where(Employee.team_id == team_id)
    return list(session.scalars(
        select(Skill).where(Skill.id.in_(queue_skills.union(held))).order_by(Skill.code)
    ))


def lock_team(session: Session, team_id: int) -> Team | None:
    """The team row, locked until the transaction ends (PostgreSQL; SQLite has one writer anyway), so two edits
    of one team's people take turns and the second sees the first's names."""
    return session.scalar(select(Team).where(Team.id == team_id).with_for_update())


def employee_defaults(fields: tuple[str, ...]) -> dict[str, Any]:
    """The schema's column defaults of `fields`, so a new employee starts where the database would put them."""
    return {name: Employee.__table__.c[name].default.arg for name in fields}


def bump_version(session: Session, team_id: int, employee_id: int, loaded_version: int | None) -> bool:
    """Move the team's employee one version past `loaded_version`; False (nothing changed) when the row is at
    another version, because someone saved it since it was read, or is not in the team.

    Check and bump are one conditional UPDATE, so no other save can slip in between on either database; as the
    first write of the transaction it also takes SQLite's write lock, so what the caller reads next stays current.
    """
    bumped = session.execute(
        update(Employee)
        .where(Employee.id == employee_id, Employee.team_id == team_id, Employee.version == loaded_version)
        .values(version=Employee.version + 1)
    )
    return bumped.rowcount == 1
