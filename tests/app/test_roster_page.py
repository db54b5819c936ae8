"""The roster page, driven as a planner would: build next week with the engine (it runs off the
script thread; the stop button ends it early), read it, edit a day under the rules, publish, and
go back to an earlier version. What the page shows is checked against the database."""

from __future__ import annotations

import time
from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from streamlit.testing.v1 import AppTest

from rostering.validate import validate
from shiftdesk.services import rosters
from store.db import make_engine, make_session_factory, session_scope
from store.enums import RosterStatus
from store.org import team_zone
from store.rosters import roster_with_assignments, week_versions
from store.schema import Employee
from tests.app.conftest import PAGE_NOW
from tests.rostering.test_roster_service import NEXT_MONDAY, THIS_MONDAY

PAGE = "views/roster.py"


@pytest.fixture
def desk(demo_db):
    engine = make_engine(demo_db[0])
    yield make_session_factory(engine)
    engine.dispose()


def _finish_solve(at: AppTest) -> AppTest:
    """Wait for the background solve, then rerun as the page's fragment would."""
    job = at.session_state["roster_job"]
    job.wait(60)
    assert job.done
    return at.run()


def test_an_agent_is_not_offered_the_roster_page(app_as) -> None:
    at = app_as("agent")
    with pytest.raises(ValueError, match="Could not find a navigation page"):
        at.switch_page(PAGE)


def test_the_planner_builds_stops_and_publishes_next_week(open_page, desk) -> None:
    at = open_page("planner", PAGE)
    assert [t.value for t in at.title] == ["Roster"]
    assert at.date_input[0].value == NEXT_MONDAY
    assert [i.value for i in at.info] == [f"No roster for the week of {NEXT_MONDAY:%d %b %Y} yet. Build one."]
    at.slider[0].set_value(30)
    next(b for b in at.button if b.label == "Build roster").click()
    at.run()
    assert "roster_job" in at.session_state
    assert [p.value for p in at.get("progress")]  # the search shows how far it is
    job = at.session_state["roster_job"]
    deadline = time.monotonic() + 60
    while job.latest is None and time.monotonic() < deadline:  # stop once a first roster is found
        time.sleep(0.2)
    at.run()
    assert {m.label for m in at.metric} >= {"Best cost so far", "Proven lower bound", "Rosters found"}
    next(b for b in at.button if b.label == "Stop and keep the best roster").click()
    at.run()
    at = _finish_solve(at)
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]
    with session_scope(desk) as session:
        [draft] = week_versions(session, 1, NEXT_MONDAY)
        plan = rosters.build_week(session, 1, NEXT_MONDAY, PAGE_NOW)
        report = validate(plan.problem, rosters.roster_of(plan, roster_with_assignments(session, draft.id)))
        assert (draft.version, draft.status, draft.objective) == (1, RosterStatus.DRAFT, report.objective)
        assert not report.violations
        worked = len(roster_with_assignments(session, draft.id).assignments)
        employees = session.query(Employee).filter(Employee.team_id == 1, Employee.active.is_(True)).count()
    [notice] = [s.value for s in at.success]
    assert notice.startswith(("Optimal roster, cost ", "Feasible roster, cost "))
    assert notice.endswith(f"cost {report.objective}. Saved as version 1 (draft).") or \
        f"cost {report.objective} (bound " in notice
    assert at.selectbox[0].value.startswith("v1 · draft · cost ")
    assert [t.label for t in at.tabs] == ["Timeline", "Coverage", "Why", "Edit", "Versions"]
    timeline = at.dataframe[0].value
    assert len(timeline) == employees
    assert sum(cell != "" for column in timeline.columns[1:] for cell in timeline[column]) == worked
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Nights below minimum"] == "0"
    next(b for b in at.button if b.label == "Publish this version").click()
    at.run()
    assert not at.exception and not at.error, [e.value for e in [*at.exception, *at.error]]
    with session_scope(desk) as session:
        [published] = week_versions(session, 1, NEXT_MONDAY)
        assert published.status is RosterStatus.PUBLISHED
    assert "Version 1 published; agents see it now." in [s.value for s in at.success]


def test_an_edit_breaking_a_rule_is_refused_on_the_page(open_page, desk) -> None:
    with session_scope(desk) as session:  # a draft copy of this week's published roster
        [current] = week_versions(session, 1, THIS_MONDAY)
        published = roster_with_assignments(session, current.id).assignments
        night = next(a for a in published
                     if a.shift_type.is_night and a.day < THIS_MONDAY + timedelta(days=6))
        name, next_day = night.employee.name, night.day + timedelta(days=1)
    at = open_page("planner", PAGE)
    at.date_input[0].set_value(THIS_MONDAY).run()
    next(b for b in at.button if b.label == "Copy to a new draft").click()
    at.run()
    at.selectbox[0].set_value(next(o for o in at.selectbox[0].options if o.startswith("v2"))).run()
    form = {s.label: s for s in at.selectbox}
    form["Agent"].set_value(next(o for o in form["Agent"].options if o.startswith(name)))
    form["Day"].set_value(next_day)
    form["Shift"].set_value("E")
    next(b for b in at.button if b.label == "Apply, checked by the rules").click()
    at.run()
    [error] = [e.value for e in at.error]
    assert "rest" in error or "night then early" in error or "succession" in error
    with session_scope(desk) as session:
        draft = next(v for v in week_versions(session, 1, THIS_MONDAY) if v.version == 2)
        cells = {(a.employee_id, a.day, a.shift_type.code) for a in roster_with_assignments(session, draft.id).assignments}
        assert cells == {(a.employee_id, a.day, a.shift_type.code) for a in published}


def test_versions_list_their_times_in_the_sites_zone(open_page, desk) -> None:
    """The page says 'times in <zone>': this week's published demo roster is listed with its
    creation and publication times on the site's clock, not in UTC."""
    with session_scope(desk) as session:
        [current] = week_versions(session, 1, THIS_MONDAY)
        zone = ZoneInfo(team_zone(session, 1))
        stamps = [t.astimezone(zone) for t in (current.created_at, current.published_at)]  # stored aware UTC
    at = open_page("planner", PAGE)
    at.date_input[0].set_value(THIS_MONDAY).run()
    versions = next(d.value for d in at.dataframe if "published" in d.value.columns)
    assert versions[["created", "published"]].values.tolist() == [[f"{t:%a %d %b %Y %H:%M}" for t in stamps]]
