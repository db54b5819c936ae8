"""Roster rows: the team's people and shifts, published weeks, versions and their assignments."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime

from sqlalchemy import delete, insert, select
from sqlalchemy.orm import Session, selectinload

from shiftdesk.errors import UserError
from store.enums import RequestStatus, RosterStatus
from store.schema import Employee, EmployeeSkill, Roster, RosterAssignment, ShiftType, TimeOffRequest


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


def team_employees(session: Session, team_id: int) -> list[Employee]:
    """Active employees of the team with their skills loaded, in id order."""
    return list(session.scalars(
        select(Employee)
        .where(Employee.team_id == team_id, Employee.active.is_(True))
        .options(selectinload(Employee.skills).selectinload(EmployeeSkill.skill))
        .order_by(Employee.id)
    ))


def team_shift_types(session: Session, team_id: int) -> list[ShiftType]:
    return list(session.scalars(select(ShiftType).where(ShiftType.team_id == team_id).order_by(ShiftType.start_local)))


def approved_time_off(session: Session, employee_ids: Sequence[int], start: datetime, end: datetime) -> list[TimeOffRequest]:
    """Approved (or applied) time off overlapping [start, end)."""
    return list(session.scalars(
        select(TimeOffRequest).where(
            TimeOffRequest.employee_id.in_(list(employee_ids)),
            TimeOffRequest.status.in_([RequestStatus.APPROVED, RequestStatus.APPLIED]),
            TimeOffRequest.starts_at < end,
            TimeOffRequest.ends_at > start,
        )
    ))


def published_between(session: Session, team_id: int, first: date, last: date) -> list[RosterAssignment]:
    """Published assignments on days first..last (inclusive)."""
    return list(session.scalars(
        select(RosterAssignment)
        .join(Roster)
        .where(Roster.team_id == team_id, Roster.status == RosterStatus.PUBLISHED,
               RosterAssignment.day >= first, RosterAssignment.day <= last)
        .options(selectinload(RosterAssignment.shift_type), selectinload(RosterAssignment.skill))
    ))


def week_versions(session: Session, team_id: int, monday: date) -> list[Roster]:
    """Every version of the team's week, newest first."""
    return list(session.scalars(
        select(Roster).where(Roster.team_id == team_id, Roster.week_start == monday).order_by(Roster.version.desc())
    ))


def roster_with_assignments(session: Session, roster_id: int) -> Roster:
    roster = session.scalar(
        select(Roster).where(Roster.id == roster_id).options(
            selectinload(Roster.assignments).selectinload(RosterAssignment.shift_type),
            selectinload(Roster.assignments).selectinload(RosterAssignment.skill),
            selectinload(Roster.assignments).selectinload(RosterAssignment.employee),
        )
    )
    if roster is None:
        raise UserError(f"no roster #{roster_id}")
    return roster


def lock_week(session: Session, team_id: int, monday: date) -> list[Roster]:
    """The week's versions, row-locked: two planners publishing at once take turns."""
    return list(session.scalars(
        select(Roster).where(Roster.team_id == team_id, Roster.week_start == monday)
        .order_by(Roster.version.desc()).with_for_update()
    ))


def add_roster(session: Session, roster: Roster, rows: Sequence[dict[str, object]]) -> Roster:
    """Store a roster version and its assignments (column dicts without roster_id)."""
    session.add(roster)
    session.flush()
    if rows:
        session.execute(insert(RosterAssignment.__table__), [{**row, "roster_id": roster.id} for row in rows])
    return roster


def replace_assignments(session: Session, roster: Roster, rows: Sequence[dict[str, object]]) -> None:
    """Swap a draft's assignments for `rows` (column dicts without roster_id)."""
    session.execute(delete(RosterAssignment).where(RosterAssignment.roster_id == roster.id))
    if rows:
        session.execute(insert(RosterAssignment.__table__), [{**row, "roster_id": roster.id} for row in rows])
    session.expire(roster, ["assignments"])
