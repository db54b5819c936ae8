"""The Team page, driven through AppTest on the demo desk: the manager sees every employee with skills,
contract and routing limits, changes one (also e-mail, phone and supervisor), is refused a bad change (nothing
stored, the form keeps it) and adds one; a manager saving over another's newer change is refused until they
reload; someone deactivated here can no longer sign in; agents and planners do not get the page."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload
from streamlit.testing.v1 import AppTest

from shiftdesk.auth import as_current_user
from store.db import make_engine, make_session_factory
from store.schema import Employee, EmployeeSkill, User
from tests.conftest import REPO_ROOT

PAGE = "views/team.py"


@pytest.fixture
def database(demo_db):
    return make_session_factory(make_engine(demo_db[0]))


def _employee(session, name: str) -> Employee:
    return session.scalar(select(Employee).where(Employee.name == name).options(
        selectinload(Employee.skills).selectinload(EmployeeSkill.skill), selectinload(Employee.channel_limits)))


def _pick(at: AppTest, employee_id: int) -> AppTest:
    at.selectbox(key="team_pick").set_value(employee_id).run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def _submit(at: AppTest, label: str) -> AppTest:
    next(b for b in at.button if b.label == label).click().run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def test_the_manager_sees_every_employee_with_skills_contract_and_limits(open_page, database) -> None:
    at = open_page("manager", PAGE)
    assert [t.value for t in at.title] == ["Team"]
    table = at.get_by_key("people").dataframe[0].value.set_index("Name")
    with database() as session:
        assert len(table) == session.scalar(select(func.count()).select_from(Employee)) == 40
        li_na = _employee(session, "Li Na")
        limits = {row.channel.value: row.max_concurrent_tickets for row in li_na.channel_limits}
        skills = sorted(li_na.skills, key=lambda s: -s.level)
    row = table.loc["Li Na"]
    assert row["Skills (level)"] == ", ".join(f"{s.skill.code} {s.level}" for s in skills)
    nights = f"{li_na.max_nights_per_week}/week" if li_na.may_work_nights else "no"
    assert (row["Minutes/week"], row["Days on"], row["Rest"], row["Nights"], row["Active"]) == (
        f"{li_na.min_minutes_per_week}–{li_na.max_minutes_per_week}", li_na.max_consecutive_days,
        li_na.min_rest_minutes, nights, True)
    assert limits == {"phone": 1, "chat": 3, "email": 10, "webform": 10}  # the demo's limits, API and internal share
    assert row["Routing limits"] == \
        f"phone 1 · chat 3 · email 10 · webform 10 · others {li_na.max_concurrent_tickets}"


def test_the_manager_changes_an_employee(open_page, database) -> None:
    with database() as session:
        li_na = _employee(session, "Li Na")
        employee_id, held = li_na.id, {s.skill.code for s in li_na.skills}
    added = next(code for code in ("vip_care", "cross_border", "billing") if code not in held)
    at = _pick(open_page("manager", PAGE), employee_id)
    at.selectbox(key=f"team_{employee_id}_skill_{added}").set_value(2)
    at.number_input(key=f"team_{employee_id}_min_rest_minutes").set_value(12 * 60)
    at.selectbox(key=f"team_{employee_id}_limit_chat").set_value(2)
    at.selectbox(key=f"team_{employee_id}_limit_phone").select_index(0)  # "shared": phone shares the single number
    at.selectbox(key=f"team_{employee_id}_limit_api").set_value(0)  # never routed API tickets
    at.number_input(key=f"team_{employee_id}_max_concurrent_tickets").set_value(4)
    at.checkbox(key=f"team_{employee_id}_active").uncheck()
    at = _submit(at, "Save")
    assert [s.value for s in at.success] == ["Saved Li Na."] and not at.error
    with database() as session:
        stored = _employee(session, "Li Na")
        assert {s.skill.code: s.level for s in stored.skills}[added] == 2
        assert {row.channel.value: row.max_concurrent_tickets for row in stored.channel_limits} == {
            "chat": 2, "email": 10, "webform": 10, "api": 0}
        assert (stored.min_rest_minutes, stored.max_concurrent_tickets, stored.active) == (720, 4, False)
    row = at.get_by_key("people").dataframe[0].value.set_index("Name").loc["Li Na"]
    assert row["Routing limits"] == "chat 2 · email 10 · webform 10 · api never · others 4"
    assert not row["Active"]


def test_a_refused_change_is_shown_stores_nothing_and_keeps_the_form(open_page, database) -> None:
    with database() as session:
        before = _employee(session, "Wang Wei")
        employee_id, shared = before.id, before.max_concurrent_tickets
        limits = {r.channel: r.max_concurrent_tickets for r in before.channel_limits}
    at = _pick(open_page("manager", PAGE), employee_id)
    at.number_input(key=f"team_{employee_id}_min_minutes_per_week").set_value(before.max_minutes_per_week + 60)
    at.number_input(key=f"team_{employee_id}_max_concurrent_tickets").set_value(-1)
    at.selectbox(key=f"team_{employee_id}_limit_chat").select_index(0)
    at = _submit(at, "Save")
    assert [e.value for e in at.error] == [
        (f"Wang Wei: shared limit is -1: it cannot be negative; min minutes per week "
         f"{before.max_minutes_per_week + 60} is above max minutes per week {before.max_minutes_per_week}")]
    assert not at.success
    assert at.number_input(key=f"team_{employee_id}_max_concurrent_tickets").value == -1
    with database() as session:
        after = _employee(session, "Wang Wei")
        assert (after.min_minutes_per_week, after.max_concurrent_tickets) == (before.min_minutes_per_week, shared)
        assert {r.channel: r.max_concurrent_tickets for r in after.channel_limits} == limits


def test_the_manager_adds_an_employee_and_a_taken_name_is_refused(open_page, database) -> None:
    at = _pick(open_page("manager", PAGE), 0)
    at.text_input(key="team_0_name").input("Wang Wei")
    at.selectbox(key="team_0_skill_billing").set_value(3)
    at = _submit(at, "Add employee")
    assert [e.value for e in at.error] == [
        "new employee Wang Wei: name 'Wang Wei' is taken by another employee of Customer Care"]
    at.text_input(key="team_0_name").input("Sun Xiao")
    at.selectbox(key="team_0_limit_phone").set_value(1)
    at = _submit(at, "Add employee")
    assert [s.value for s in at.success] == ["Added Sun Xiao."] and not at.error
    assert at.text_input(key="team_0_name").value == ""  # the form is empty again for the next one
    with database() as session:
        added = _employee(session, "Sun Xiao")
        assert {s.skill.code: s.level for s in added.skills} == {"billing": 3}
        assert {r.channel.value: r.max_concurrent_tickets for r in added.channel_limits} == {"phone": 1}
        assert session.scalar(select(func.count()).select_from(Employee)) == 41
    assert "Sun Xiao" in set(at.get_by_key("people").dataframe[0].value["Name"])


@pytest.mark.parametrize("login", ["agent", "planner"])
def test_agents_and_planners_do_not_get_the_team_page(app_as, demo_db, login) -> None:
    at = app_as(login)
    with pytest.raises(ValueError, match="Could not find a navigation page"):
        at.switch_page(PAGE)  # not in this role's navigation
    # Opened directly (a stale link), the page itself refuses.
    with make_session_factory(make_engine(demo_db[0]))() as session:
        user = as_current_user(session.scalar(select(User).where(User.login == login)))
    direct = AppTest.from_file(str(REPO_ROOT / PAGE), default_timeout=60)
    direct.session_state["current_user"] = user
    direct.run()
    assert [e.value for e in direct.error] == [f"Your role ({login}) may not open this page."]
    assert not direct.title and not direct.dataframe


def test_the_manager_sets_email_phone_and_supervisor_and_a_bad_address_is_refused(open_page, database) -> None:
    with database() as session:
        li_na = _employee(session, "Li Na")
        employee_id, email = li_na.id, li_na.email
        # Li Na supervises part of the desk: her new supervisor is one who reports to nobody, so no loop.
        supervisor_id = session.scalar(select(Employee.id).where(
            Employee.supervisor_id.is_(None), Employee.active.is_(True), Employee.id != employee_id).limit(1))
        assert supervisor_id is not None and supervisor_id != li_na.supervisor_id
    at = _pick(open_page("manager", PAGE), employee_id)
    assert at.text_input(key=f"team_{employee_id}_email").value == email  # the form starts from what is stored
    at.text_input(key=f"team_{employee_id}_email").input("li.na at example.cn")
    at.text_input(key=f"team_{employee_id}_phone").input("+86 21 5555 0100")
    at.selectbox(key=f"team_{employee_id}_supervisor").set_value(supervisor_id)
    at = _submit(at, "Save")
    assert [e.value for e in at.error] == [
        "Li Na: email 'li.na at example.cn' is not an address like name@example.com"]
    with database() as session:
        assert _employee(session, "Li Na").email == email
    at.text_input(key=f"team_{employee_id}_email").input("li.na@example.cn")
    at = _submit(at, "Save")
    assert [s.value for s in at.success] == ["Saved Li Na."] and not at.error
    with database() as session:
        stored = _employee(session, "Li Na")
        assert (stored.email, stored.phone, stored.supervisor_id) == ("li.na@example.cn", "+86 21 5555 0100",
                                                                       supervisor_id)
        boss = session.get_one(Employee, supervisor_id).name
    assert at.get_by_key("people").dataframe[0].value.set_index("Name").loc["Li Na", "Reports to"] == boss


def test_a_manager_saving_over_another_managers_newer_change_is_refused_until_they_reload(open_page,
                                                                                           database) -> None:
    with database() as session:
        employee_id = _employee(session, "Wang Wei").id
    first, second = (_pick(open_page("manager", PAGE), employee_id) for _ in range(2))  # both open Wang Wei
    second.number_input(key=f"team_{employee_id}_max_concurrent_tickets").set_value(2)
    assert [s.value for s in _submit(second, "Save").success] == ["Saved Wang Wei."]
    first.number_input(key=f"team_{employee_id}_min_rest_minutes").set_value(9 * 60)
    first = _submit(first, "Save")
    assert [e.value for e in first.error] == [
        "Wang Wei was changed by someone else since you opened it; reload to see their change"]
    assert first.number_input(key=f"team_{employee_id}_min_rest_minutes").value == 9 * 60  # their edit is kept
    first = _submit(first, "Save")  # saving again from the same outdated form is refused again
    assert [e.value for e in first.error] == [
        "Wang Wei was changed by someone else since you opened it; reload to see their change"]
    with database() as session:
        stored = _employee(session, "Wang Wei")
        assert (stored.max_concurrent_tickets, stored.min_rest_minutes) != (2, 9 * 60)
        assert stored.max_concurrent_tickets == 2  # the second manager's change stands
    first = _submit(first, "Reload")
    assert first.number_input(key=f"team_{employee_id}_max_concurrent_tickets").value == 2  # their change shows
    first.number_input(key=f"team_{employee_id}_min_rest_minutes").set_value(9 * 60)
    assert [s.value for s in _submit(first, "Save").success] == ["Saved Wang Wei."]
    with database() as session:
        stored = _employee(session, "Wang Wei")
        assert (stored.max_concurrent_tickets, stored.min_rest_minutes) == (2, 9 * 60)


def test_an_agent_deactivated_on_the_team_page_cannot_sign_in(open_page, app_as, database) -> None:
    with database() as session:
        employee_id = session.scalar(select(User.employee_id).where(User.login == "agent"))
    at = _pick(open_page("manager", PAGE), employee_id)
    at.checkbox(key=f"team_{employee_id}_active").uncheck()
    assert not _submit(at, "Save").error
    agent = app_as("agent")
    assert [e.value for e in agent.error] == ["This account is deactivated; ask a manager."]
    assert "current_user" not in agent.session_state


def test_deactivating_someone_ends_the_session_they_already_have_open(open_page, app_as, database) -> None:
    agent = open_page("agent", "views/my_shifts.py")
    with database() as session:
        employee_id = session.scalar(select(User.employee_id).where(User.login == "agent"))
    at = _pick(open_page("manager", PAGE), employee_id)
    at.checkbox(key=f"team_{employee_id}_active").uncheck()
    assert not _submit(at, "Save").error
    agent.run()
    assert [e.value for e in agent.error] == ["This account is deactivated; ask a manager."]
    assert "current_user" not in agent.session_state
    assert agent.text_input(key="login_name") is not None
