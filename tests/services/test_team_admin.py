"""Team administration on the store (SQLite and PostgreSQL): a manager reads and changes the people of the
small desk (contact, supervisor, skills, contract, routing limits, active) and adds one; every rule refuses
with the employee and the field named, a save made from an outdated read is refused, and a refused change
leaves every row as it was."""

from __future__ import annotations

from dataclasses import replace

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload, sessionmaker

from shiftdesk.auth import (
    AccountDeactivated,
    CurrentUser,
    PermissionDenied,
    authenticate,
    set_password,
)
from shiftdesk.errors import UserError
from shiftdesk.services import team_admin
from shiftdesk.services.team_admin import EmployeeDetails, Member
from store.db import session_scope
from store.enums import Channel, Role
from store.routing_queries import channel_limits
from store.schema import Employee, EmployeeSkill, Team
from tests.conftest import FIXED_NOW
from tests.desk_factory import SmallDesk, build_small_desk

MANAGER = CurrentUser(1, "manager", "Desk manager", Role.MANAGER, None)
PLANNER = CurrentUser(2, "planner", "Planner", Role.PLANNER, None)
AGENT = CurrentUser(3, "li.na", "Li Na", Role.AGENT, None)


@pytest.fixture
def desk(factory: sessionmaker[Session]) -> SmallDesk:
    with session_scope(factory) as session:
        return build_small_desk(session, FIXED_NOW)


def member(factory: sessionmaker[Session], desk: SmallDesk, name: str) -> Member:
    with factory() as session:
        people = team_admin.team_people(session, MANAGER, desk.team_id)
    return next(m for m in people.members if m.details.name == name)


def details(factory: sessionmaker[Session], desk: SmallDesk, name: str) -> EmployeeDetails:
    return member(factory, desk, name).details


def save(factory: sessionmaker[Session], desk: SmallDesk, employee: str | None, new: EmployeeDetails,
         user: CurrentUser = MANAGER, version: int | None = None) -> int:
    """Save in one transaction, as the page does (committed, or rolled back on a refusal); an existing employee
    against `version`, by default the one stored now (nobody saved in between)."""
    if employee is not None and version is None:
        version = member(factory, desk, employee).version
    with session_scope(factory) as session:
        return team_admin.save_employee(session, user, desk.team_id, desk.employees.get(employee or ""), new,
                                        version)


def snapshot(factory: sessionmaker[Session]) -> list[tuple[object, ...]]:
    """Every employee row with its skills and channel limits, read afresh."""
    with factory() as session:
        employees = session.scalars(select(Employee).order_by(Employee.id).options(
            selectinload(Employee.skills).selectinload(EmployeeSkill.skill), selectinload(Employee.channel_limits)))
        return [(e.id, e.team_id, e.name, e.email, e.phone, e.supervisor_id, e.version, e.min_minutes_per_week,
                 e.max_minutes_per_week, e.max_consecutive_days, e.min_consecutive_days_off, e.min_rest_minutes,
                 e.may_work_nights, e.max_nights_per_week, e.max_concurrent_tickets, e.active,
                 sorted((s.skill.code, s.level) for s in e.skills),
                 sorted((c.channel.value, c.max_concurrent_tickets) for c in e.channel_limits)) for e in employees]


def test_a_manager_reads_the_teams_people_skills_and_new_employee_defaults(factory, desk) -> None:
    with factory() as session:
        people = team_admin.team_people(session, MANAGER, desk.team_id)
    assert people.team == "Small team"
    assert people.skills == {"technical": "Technical", "vip_care": "VIP care"}
    assert [m.details.name for m in people.members] == ["Chen Jie", "Li Na", "Wang Wei", "Zhang Min", "Zhao Li"]
    zhang = next(m for m in people.members if m.details.name == "Zhang Min")
    assert zhang.id == desk.employees["Zhang Min"]
    assert zhang.details.skills == {"vip_care": 5, "technical": 2} and zhang.details.channel_limits == {}
    # The new-employee form starts from the schema's defaults, whatever they are.
    columns = Employee.__table__.c
    assert people.new.name == "" and people.new.skills == {} and people.new.channel_limits == {}
    assert (people.new.email, people.new.phone, people.new.supervisor_id) == (None, None, None)
    assert people.new.max_minutes_per_week == columns.max_minutes_per_week.default.arg == 40 * 60
    assert people.new.min_rest_minutes == columns.min_rest_minutes.default.arg and people.new.active is True


def test_a_manager_changes_skills_contract_routing_limits_and_active_flag(factory, desk) -> None:
    li_na = details(factory, desk, "Li Na")
    changed = replace(
        li_na, name="  Li   Na ", skills={"vip_care": 2}, min_minutes_per_week=960, max_minutes_per_week=1920,
        max_consecutive_days=6, min_consecutive_days_off=2, min_rest_minutes=12 * 60, may_work_nights=False,
        max_nights_per_week=0, max_concurrent_tickets=4, channel_limits={"phone": 1, "chat": 0}, active=False,
    )
    assert save(factory, desk, "Li Na", changed) == desk.employees["Li Na"]
    stored = details(factory, desk, "Li Na")
    assert stored == replace(changed, name="Li Na")
    # A channel whose limit is taken away shares the single number again; a level changes in place.
    assert save(factory, desk, "Li Na", replace(stored, skills={"vip_care": 4, "technical": 1},
                                                channel_limits={"chat": 0})) == desk.employees["Li Na"]
    again = details(factory, desk, "Li Na")
    assert again.skills == {"vip_care": 4, "technical": 1} and again.channel_limits == {"chat": 0}
    with factory() as session:  # routing reads what the page stored: chat never, every other channel shares 4
        assert channel_limits(session, [desk.employees["Li Na"]]) == {desk.employees["Li Na"]: {Channel.CHAT: 0}}


def test_a_manager_adds_an_employee(factory, desk) -> None:
    with factory() as session:
        new = team_admin.team_people(session, MANAGER, desk.team_id).new
    employee_id = save(factory, desk, None, replace(new, name="Sun Hao", skills={"technical": 3},
                                                    channel_limits={"phone": 1, "email": 8}))
    assert employee_id not in desk.employees.values()
    stored = details(factory, desk, "Sun Hao")
    assert stored.skills == {"technical": 3} and stored.channel_limits == {"phone": 1, "email": 8}
    assert stored.max_minutes_per_week == new.max_minutes_per_week and stored.active


REFUSED = [
    ({"min_minutes_per_week": 2000, "max_minutes_per_week": 1920},
     "Li Na: min minutes per week 2000 is above max minutes per week 1920"),
    ({"channel_limits": {"chat": -1}}, "Li Na: chat limit is -1: it cannot be negative"),
    ({"max_concurrent_tickets": -2}, "Li Na: shared limit is -2: it cannot be negative"),
    ({"channel_limits": {"email": 500}}, "Li Na: email limit is 500: it must be between 0 and 100"),
    ({"channel_limits": {"fax": 1}}, ("Li Na: unknown channel 'fax' (channels: phone, chat, email, webform, api, "
                                     "internal)")),
    ({"skills": {"technical": 3, "plumbing": 2}}, ("Li Na: unknown skill 'plumbing' (the team's skills: technical, "
                                                  "vip_care)")),
    ({"skills": {"technical": 6}}, "Li Na: level in technical is 6: it must be between 1 and 5"),
    ({"skills": {"technical": 0}}, "Li Na: level in technical is 0: it must be between 1 and 5"),
    ({"name": "wang  WEI"}, "Li Na: name 'wang WEI' is taken by another employee of Small team"),
    ({"name": "   "}, "Li Na: name is empty"),
    ({"name": "x" * 101}, "Li Na: name is longer than 100 characters"),
    ({"max_consecutive_days": 0}, "Li Na: max days in a row is 0: it must be between 1 and 7"),
    ({"min_rest_minutes": -60}, "Li Na: min rest minutes is -60: it cannot be negative"),
    ({"max_nights_per_week": 8}, "Li Na: max nights per week is 8: it must be between 0 and 7"),
    ({"max_minutes_per_week": 2.5}, "Li Na: max minutes per week must be a whole number, not '2.5'"),
    ({"active": None}, "Li Na: active must be yes or no"),
    ({"email": "li.na.desk.test"}, "Li Na: email 'li.na.desk.test' is not an address like name@example.com"),
    ({"email": "li na@desk.test"}, "Li Na: email 'li na@desk.test' is not an address like name@example.com"),
    ({"email": "li.na@desk"}, "Li Na: email 'li.na@desk' is not an address like name@example.com"),
    ({"email": "a@b." + "c" * 200}, "Li Na: email is longer than 200 characters"),
    ({"phone": "call me"}, "Li Na: phone 'call me' may hold only digits, spaces, a leading + and ( ) - ."),
    ({"phone": "1" * 41}, "Li Na: phone is longer than 40 characters"),
    ({"supervisor_id": 999_999}, "Li Na: supervisor #999999 is not an employee of Small team"),
]


@pytest.mark.parametrize(("change", "message"), REFUSED, ids=[m.split(": ", 1)[1][:40] for _, m in REFUSED])
def test_each_rule_refuses_with_the_employee_and_field_named_and_stores_nothing(factory, desk, change,
                                                                                message) -> None:
    before = snapshot(factory)
    # Valid changes ride along: a refusal must not store them either.
    wanted = replace(details(factory, desk, "Li Na"), min_rest_minutes=600, channel_limits={"phone": 1},
                     skills={"technical": 4, "vip_care": 1})
    with pytest.raises(UserError) as refusal:
        save(factory, desk, "Li Na", replace(wanted, **change))
    assert str(refusal.value) == message
    assert snapshot(factory) == before


def test_every_problem_is_named_at_once(factory, desk) -> None:
    bad = replace(details(factory, desk, "Zhao Li"), name="", max_consecutive_days=9, channel_limits={"chat": -1},
                  skills={"vip_care": 7})
    with pytest.raises(UserError, match="^Zhao Li: name is empty; max days in a row is 9: it must be between 1 and "
                                        "7; level in vip_care is 7: .*; chat limit is -1: it cannot be negative$"):
        save(factory, desk, "Zhao Li", bad)


def test_a_new_employee_with_a_taken_name_or_bad_limits_is_not_added(factory, desk) -> None:
    before = snapshot(factory)
    with factory() as session:
        new = team_admin.team_people(session, MANAGER, desk.team_id).new
    with pytest.raises(UserError, match="^new employee Chen Jie: name 'Chen Jie' is taken by another employee"):
        save(factory, desk, None, replace(new, name="Chen Jie", skills={"technical": 2}))
    with pytest.raises(UserError, match="^new employee Sun Hao: min minutes per week 3000 is above max minutes"):
        save(factory, desk, None, replace(new, name="Sun Hao", min_minutes_per_week=3000))
    with pytest.raises(UserError, match="^new employee: name is empty$"):
        save(factory, desk, None, new)
    assert snapshot(factory) == before


def test_the_same_name_in_another_team_is_fine_but_its_employees_are_not_editable_here(factory, desk) -> None:
    with session_scope(factory) as session:
        other = Team(site=session.get_one(Team, desk.team_id).site, name="Other team")
        session.add(Employee(team=other, name="Li Na"))
        session.flush()
        stranger = other.employees[0].id
    assert save(factory, desk, "Li Na", details(factory, desk, "Li Na"))  # its namesake elsewhere is no clash
    before = snapshot(factory)
    with pytest.raises(UserError, match=f"^employee #{stranger} is not in team Small team$"), \
            session_scope(factory) as session:
        team_admin.save_employee(session, MANAGER, desk.team_id, stranger, details(factory, desk, "Wang Wei"), 1)
    assert snapshot(factory) == before


@pytest.mark.parametrize("user", [AGENT, PLANNER], ids=["agent", "planner"])
def test_agents_and_planners_may_neither_read_nor_change_the_team(factory, desk, user) -> None:
    before = snapshot(factory)
    wanted = replace(details(factory, desk, "Li Na"), max_concurrent_tickets=9)
    with pytest.raises(PermissionDenied, match="desk.manage"):
        save(factory, desk, "Li Na", wanted, user)
    with pytest.raises(PermissionDenied, match="desk.manage"):
        save(factory, desk, None, replace(wanted, name="Sun Hao"), user)
    with pytest.raises(PermissionDenied, match="desk.manage"), factory() as session:
        team_admin.team_people(session, user, desk.team_id)
    assert snapshot(factory) == before


def test_a_manager_sets_email_phone_and_supervisor_and_blanks_mean_not_known(factory, desk) -> None:
    chen_jie = desk.employees["Chen Jie"]
    changed = replace(details(factory, desk, "Li Na"), email="  li.na@example.cn ", phone=" +86  (21) 5555-0100 ",
                      supervisor_id=chen_jie)
    save(factory, desk, "Li Na", changed)
    stored = details(factory, desk, "Li Na")
    assert (stored.email, stored.phone, stored.supervisor_id) == ("li.na@example.cn", "+86 (21) 5555-0100", chen_jie)
    save(factory, desk, "Li Na", replace(stored, email="  ", phone="", supervisor_id=None))
    stored = details(factory, desk, "Li Na")
    assert (stored.email, stored.phone, stored.supervisor_id) == (None, None, None)
    # A new employee gets hers too.
    with factory() as session:
        new = team_admin.team_people(session, MANAGER, desk.team_id).new
    save(factory, desk, None, replace(new, name="Sun Hao", email="sun.hao@desk.test", phone="138 0000 0001",
                                      supervisor_id=chen_jie))
    added = details(factory, desk, "Sun Hao")
    assert (added.email, added.phone, added.supervisor_id) == ("sun.hao@desk.test", "138 0000 0001", chen_jie)


def test_a_supervisor_must_be_someone_else_active_and_not_below_the_employee(factory, desk) -> None:
    # The desk: Zhang Min supervises Li Na and Wang Wei.
    ids = desk.employees
    save(factory, desk, "Chen Jie", replace(details(factory, desk, "Chen Jie"), active=False))
    before = snapshot(factory)
    refusals = [
        ("Li Na", ids["Li Na"], "Li Na: supervisor cannot be the employee themself"),
        ("Zhao Li", ids["Chen Jie"], "Zhao Li: supervisor Chen Jie is not active"),
        ("Zhang Min", ids["Li Na"], "Zhang Min: supervisor Li Na would make a loop: Li Na reports to Zhang Min"),
    ]
    for name, supervisor, message in refusals:
        with pytest.raises(UserError) as refusal:
            save(factory, desk, name, replace(details(factory, desk, name), supervisor_id=supervisor))
        assert str(refusal.value) == message
    with factory() as session:
        new = team_admin.team_people(session, MANAGER, desk.team_id).new
    with pytest.raises(UserError, match="^new employee Sun Hao: supervisor Chen Jie is not active$"):
        save(factory, desk, None, replace(new, name="Sun Hao", supervisor_id=ids["Chen Jie"]))
    assert snapshot(factory) == before
    # A longer loop: Zhang Min now reports to Zhao Li, so Zhao Li may not report to Li Na.
    save(factory, desk, "Zhang Min", replace(details(factory, desk, "Zhang Min"), supervisor_id=ids["Zhao Li"]))
    with pytest.raises(UserError, match="^Zhao Li: supervisor Li Na would make a loop: Li Na reports to Zhang Min, "
                                        "who reports to Zhao Li$"):
        save(factory, desk, "Zhao Li", replace(details(factory, desk, "Zhao Li"), supervisor_id=ids["Li Na"]))


def test_a_supervisor_who_left_does_not_block_other_changes_to_their_people(factory, desk) -> None:
    save(factory, desk, "Zhang Min", replace(details(factory, desk, "Zhang Min"), active=False))
    li_na = details(factory, desk, "Li Na")
    assert li_na.supervisor_id == desk.employees["Zhang Min"]
    save(factory, desk, "Li Na", replace(li_na, min_rest_minutes=600))  # the supervisor stays as it was
    assert details(factory, desk, "Li Na") == replace(li_na, min_rest_minutes=600)


def test_a_manager_cannot_deactivate_their_own_employee_record(factory, desk) -> None:
    zhao_li = desk.employees["Zhao Li"]
    herself = CurrentUser(9, "zhao.li", "Zhao Li", Role.MANAGER, zhao_li)
    before = snapshot(factory)
    with pytest.raises(UserError, match=r"^Zhao Li: you cannot deactivate your own account \(ask another manager\)$"):
        save(factory, desk, "Zhao Li", replace(details(factory, desk, "Zhao Li"), active=False), herself)
    assert snapshot(factory) == before
    save(factory, desk, "Zhao Li", replace(details(factory, desk, "Zhao Li"), max_concurrent_tickets=4), herself)
    save(factory, desk, "Zhao Li", replace(details(factory, desk, "Zhao Li"), active=False))  # another manager may
    assert not details(factory, desk, "Zhao Li").active


def test_an_employee_deactivated_here_can_no_longer_sign_in(factory, desk) -> None:
    with session_scope(factory) as session:
        set_password(session, "li.na", "correct horse battery")
    save(factory, desk, "Li Na", replace(details(factory, desk, "Li Na"), active=False))
    with pytest.raises(AccountDeactivated, match="^This account is deactivated; ask a manager.$"), \
            session_scope(factory) as session:
        authenticate(session, "li.na", "correct horse battery", FIXED_NOW)


def test_a_save_from_an_outdated_read_is_refused_and_stores_nothing(factory, desk) -> None:
    opened = member(factory, desk, "Li Na")  # two managers open Li Na
    save(factory, desk, "Li Na", replace(opened.details, min_rest_minutes=600), version=opened.version)
    first = snapshot(factory)
    later = replace(opened.details, max_concurrent_tickets=2, email="li.na@example.cn")
    with pytest.raises(UserError) as refusal:
        save(factory, desk, "Li Na", later, version=opened.version)
    assert str(refusal.value) == "Li Na was changed by someone else since you opened it; reload to see their change"
    assert snapshot(factory) == first
    reloaded = member(factory, desk, "Li Na")
    assert reloaded.version == opened.version + 1 and reloaded.details.min_rest_minutes == 600
    save(factory, desk, "Li Na", replace(reloaded.details, max_concurrent_tickets=2), version=reloaded.version)
    assert details(factory, desk, "Li Na").max_concurrent_tickets == 2


def test_a_refused_save_leaves_the_version_so_the_corrected_one_goes_through(factory, desk) -> None:
    opened = member(factory, desk, "Li Na")
    with pytest.raises(UserError, match="name is empty"):
        save(factory, desk, "Li Na", replace(opened.details, name=""), version=opened.version)
    save(factory, desk, "Li Na", replace(opened.details, min_rest_minutes=600), version=opened.version)
    assert member(factory, desk, "Li Na").version == opened.version + 1


def test_routing_giving_an_agent_a_ticket_is_no_conflicting_change(factory, desk) -> None:
    opened = member(factory, desk, "Li Na")
    with session_scope(factory) as session:  # what routing writes on every assignment
        session.get_one(Employee, desk.employees["Li Na"]).last_assigned_at = FIXED_NOW
    save(factory, desk, "Li Na", replace(opened.details, min_rest_minutes=600), version=opened.version)
    assert details(factory, desk, "Li Na").min_rest_minutes == 600
