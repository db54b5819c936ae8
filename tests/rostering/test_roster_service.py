"""The roster service on the seeded demo desk: solve a week, store it as a draft, edit it under the
rules, publish, revert, and write it out as files a person and a calendar app can read."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pandas as pd
import pytest
from icalendar import Calendar
from sqlalchemy import select

from rostering.calendar import calendar_of
from rostering.validate import validate
from shiftdesk.auth import CurrentUser, PermissionDenied, as_current_user
from shiftdesk.errors import UserError
from shiftdesk.services import rosters
from shiftdesk.services.roster_exports import agent_calendar, write_roster
from store.db import make_engine, make_session_factory, session_scope
from store.enums import RosterStatus
from store.rosters import roster_with_assignments, week_versions
from store.schema import Employee, User
from tests.conftest import FIXED_NOW
from tests.test_cli import run

NEXT_MONDAY = date(2026, 11, 30)
THIS_MONDAY = date(2026, 11, 23)


@pytest.fixture
def desk(demo_db):
    engine = make_engine(demo_db[0])
    yield make_session_factory(engine)
    engine.dispose()


def _user(session, login: str) -> CurrentUser:
    return as_current_user(session.scalar(select(User).where(User.login == login)))


def test_a_solved_week_is_stored_as_a_legal_draft_and_published(desk) -> None:
    with session_scope(desk) as session:
        plan = rosters.build_week(session, 1, NEXT_MONDAY, FIXED_NOW)
    assert len(plan.problem.employees) == 40 and plan.problem.num_days == 7
    result = rosters.solve_week(plan, time_limit_s=5)
    assert result.roster is not None and not validate(plan.problem, result.roster).violations
    with session_scope(desk) as session:
        planner = _user(session, "planner")
        row = rosters.save_draft(session, planner, plan, result.roster, FIXED_NOW, solver_status=result.status.value)
        assert (row.version, row.status) == (1, RosterStatus.DRAFT)
        assert row.objective == validate(plan.problem, result.roster).objective
        assert {"coverage", "night", "fairness"} <= set(row.kpis)
        rosters.publish(session, planner, row.id, FIXED_NOW)
    with session_scope(desk) as session:
        [stored] = week_versions(session, 1, NEXT_MONDAY)
        assert stored.status is RosterStatus.PUBLISHED and stored.published_at is not None
        assert len(roster_with_assignments(session, stored.id).assignments) == len(result.roster.assignments)


def test_each_persons_own_minimum_rest_reaches_the_solver(desk) -> None:
    """Raising one person's rest (the Team page) binds that person only, not the whole team."""
    with session_scope(desk) as session:
        [first, *others] = session.scalars(select(Employee).where(Employee.team_id == 1).order_by(Employee.id))
        first.min_rest_minutes = 14 * 60
        rest = {str(e.id): e.min_rest_minutes for e in [first, *others]}
    with session_scope(desk) as session:
        plan = rosters.build_week(session, 1, NEXT_MONDAY, FIXED_NOW)
    cal = calendar_of(plan.problem)
    assert {e: cal.rest_of(e) for e in rest} == rest
    assert sorted(set(rest.values())) == [11 * 60, 14 * 60]  # the others keep the demo's 11 h


def test_an_agent_may_not_store_or_publish_a_roster(desk) -> None:
    with session_scope(desk) as session:
        agent = _user(session, "agent")
        [current] = week_versions(session, 1, THIS_MONDAY)
        with pytest.raises(PermissionDenied):
            rosters.publish(session, agent, current.id, FIXED_NOW)
        with pytest.raises(PermissionDenied):
            rosters.edit(session, agent, current.id, 1, THIS_MONDAY, None, None, FIXED_NOW)


def _draft_copy(desk) -> tuple[int, rosters.WeekPlan]:
    with session_scope(desk) as session:
        planner = _user(session, "planner")
        [current] = week_versions(session, 1, THIS_MONDAY)
        plan = rosters.build_week(session, 1, THIS_MONDAY, FIXED_NOW)
        row = roster_with_assignments(session, current.id)
        draft = rosters.save_draft(session, planner, plan, rosters.roster_of(plan, row), FIXED_NOW,
                                   solver_status="copy", note="copy")
        return draft.id, plan


def test_an_edit_that_breaks_a_rule_is_refused_and_changes_nothing(desk) -> None:
    draft_id, plan = _draft_copy(desk)
    with session_scope(desk) as session:
        before = sorted((a.employee_id, a.day) for a in roster_with_assignments(session, draft_id).assignments)
        night = next(a for a in roster_with_assignments(session, draft_id).assignments
                     if a.shift_type.is_night and a.day < THIS_MONDAY + timedelta(days=6))
        person, day = night.employee_id, night.day + timedelta(days=1)
    with pytest.raises(UserError, match="rest|night then early|succession"):
        with session_scope(desk) as session:  # an early shift straight after a night: too little rest
            rosters.edit(session, _user(session, "planner"), draft_id, person, day, "E", None, FIXED_NOW)
    with session_scope(desk) as session:
        after = sorted((a.employee_id, a.day) for a in roster_with_assignments(session, draft_id).assignments)
    assert after == before


def test_a_legal_edit_is_stored_and_reverting_publishes_the_old_version(desk) -> None:
    draft_id, plan = _draft_copy(desk)
    with session_scope(desk) as session:
        worked = next(a for a in roster_with_assignments(session, draft_id).assignments if not a.shift_type.is_night)
        person, day = worked.employee_id, worked.day
        planner = _user(session, "planner")
        report = rosters.edit(session, planner, draft_id, person, day, None, None, FIXED_NOW)
        assert not report.violations
    with session_scope(desk) as session:
        edited = roster_with_assignments(session, draft_id)
        assert (person, day) not in {(a.employee_id, a.day) for a in edited.assignments}
        with pytest.raises(UserError, match="published: copy it to a draft"):
            published = next(v for v in week_versions(session, 1, THIS_MONDAY) if v.status is RosterStatus.PUBLISHED)
            rosters.edit(session, planner, published.id, person, day, None, None, FIXED_NOW)
        rosters.publish(session, planner, draft_id, FIXED_NOW)
    with session_scope(desk) as session:
        first = next(v for v in week_versions(session, 1, THIS_MONDAY) if v.version == 1)
        assert first.status is RosterStatus.ARCHIVED
        newest = rosters.revert(session, _user(session, "planner"), first.id, FIXED_NOW)
        assert newest.status is RosterStatus.PUBLISHED and newest.version == 3
        restored = roster_with_assignments(session, newest.id)
        assert (person, day) in {(a.employee_id, a.day) for a in restored.assignments}
        statuses = {v.version: v.status for v in week_versions(session, 1, THIS_MONDAY)}
    assert statuses == {1: RosterStatus.ARCHIVED, 2: RosterStatus.ARCHIVED, 3: RosterStatus.PUBLISHED}


def test_files_read_back_with_the_shifts_in_local_time(desk, tmp_path) -> None:
    with session_scope(desk) as session:
        [current] = week_versions(session, 1, THIS_MONDAY)
        row = roster_with_assignments(session, current.id)
        written = write_roster(row, "Asia/Shanghai", tmp_path)
        night = next(a for a in row.assignments if a.shift_type.is_night)
        mine = sorted((a for a in row.assignments if a.employee_id == night.employee_id), key=lambda a: a.day)
        ics = agent_calendar(row, night.employee_id, "Asia/Shanghai")
    table = pd.read_csv(tmp_path / "roster.csv")
    assert len(table) == len(row.assignments) and len(written) == 2 + len({a.employee_id for a in row.assignments})
    assert pd.read_excel(tmp_path / "roster.xlsx").shape == table.shape
    events = Calendar.from_ical(ics).walk("VEVENT")
    assert len(events) == len(mine)
    assert Calendar.from_ical(ics).walk("VTIMEZONE")[0]["TZID"] == "Asia/Shanghai"
    tz = ZoneInfo("Asia/Shanghai")
    for event, shift in zip(sorted(events, key=lambda e: e.decoded("dtstart")), mine, strict=True):
        start = datetime.combine(shift.day, shift.shift_type.start_local, tzinfo=tz)
        assert event.decoded("dtstart") == start
        assert event.decoded("dtend") - start == timedelta(minutes=shift.shift_type.duration_minutes)
        assert ("Night duty" in str(event.get("description", ""))) == shift.shift_type.is_night
    night_event = next(e for e in events if e.decoded("dtstart").date() == night.day)
    assert night_event.decoded("dtend").date() == night.day + timedelta(days=1)


def test_roster_command_solves_stores_and_writes_the_week(demo_db, tmp_path) -> None:
    env = {"SHIFTDESK_DATABASE_URL": demo_db[0]}
    out = run("roster", "--week", NEXT_MONDAY.isoformat(), "--time-limit", "4", "--out", str(tmp_path / "out"),
              "--publish", env=env)
    assert out.returncode == 0, out.stderr
    assert "40 agents" in out.stderr and "objective" in out.stderr
    assert "stored as version 1 (draft)" in out.stdout and "version 1 published" in out.stdout
    assert (tmp_path / "out" / "roster.csv").exists() and len(list((tmp_path / "out").glob("*.ics"))) >= 30
    tuesday = run("roster", "--week", "2026-12-01", "--time-limit", "4", env=env)
    assert tuesday.returncode == 2 and "Traceback" not in tuesday.stderr
    assert "week 2026-12-01 is a Tuesday: rosters start on a Monday" in tuesday.stderr
