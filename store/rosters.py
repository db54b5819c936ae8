"""Roster queries: the published week and the assignments on given days."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from store.enums import RosterStatus
from store.schema import Employee, EmployeeSkill, Roster, RosterAssignment


def published_assignments_on(session: Session, team_id: int, days: Sequence[date]) -> list[RosterAssignment]:
    """Assignments of published rosters on `days`, with employee, skills and shift type loaded."""
    return list(
        session.scalars(
            select(RosterAssignment)
            .join(Roster)
            .where(
                Roster.team_id == team_id,
                Roster.status == RosterStatus.PUBLISHED,
                RosterAssignment.day.in_(list(days)),
            )
            .options(
                selectinload(RosterAssignment.shift_type),
                selectinload(RosterAssignment.skill),
                selectinload(RosterAssignment.employee).selectinload(Employee.skills).selectinload(EmployeeSkill.skill),
            )
        )
    )


def latest_published_roster(session: Session, team_id: int, monday: date) -> Roster | None:
    """The newest published roster of the week starting `monday`, else of the latest earlier week."""
    return session.scalars(
        select(Roster)
        .where(Roster.team_id == team_id, Roster.status == RosterStatus.PUBLISHED, Roster.week_start <= monday)
        .order_by(Roster.week_start.desc(), Roster.version.desc())
        .limit(1)
    ).first()
