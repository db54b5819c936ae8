"""Requests end to end on the store (SQLite and PostgreSQL): checks, approval, policies, expiry.

The crafted week (Shanghai, Mon 23 - Sun 29 Nov 2026; now is Thu 26 Nov 10:30):
  Li Na     technical  D (09-18) Wed Thu Fri Sat
  Wang Wei  technical  L (15-23) Wed Thu Sat Sun
  Zhang Min vip_care   N (22-06) every night (the only night cover for the 24x7 VIP queue)
  Zhao Li   vip_care   D Thu Fri Sat Sun
  Chen Jie  technical  D Sun
Requirement: one vip_care agent around the clock, one technical 09-18.
"""

from __future__ import annotations

import threading
from datetime import date, time, timedelta

import icalendar
import pytest
from sqlalchemy import delete, select

from shiftdesk.auth import CurrentUser, PermissionDenied
from shiftdesk.errors import UserError
from shiftdesk.services import rosters
from shiftdesk.services import shift_requests as requests
from store.db import make_engine, make_session_factory, session_scope
from store.enums import RequestKind, RequestStatus, Role
from store.schema import (
    Employee, ForecastRun, Notification, Roster, RosterAssignment, ShiftType, Skill, StaffingRequirement, Ticket,
    TimeOffRequest, User,
)
from tests.conftest import FIXED_NOW, fresh_database_url
from tests.desk_factory import SHANGHAI, build_small_desk, local

NOW = FIXED_NOW
MONDAY = date(2026, 11, 23)
WEEK = {
    "Li Na": ("D", "technical", (2, 3, 4, 5)),
    "Wang Wei": ("L", "technical", (2, 3, 5, 6)),
    "Zhang Min": ("N", "vip_care", range(7)),
    "Zhao Li": ("D", "vip_care", (3, 4, 5, 6)),
    "Chen Jie": ("D", "technical", (6,)),
}


def day(n: int) -> date:
    return MONDAY + timedelta(days=n)


@pytest.fixture
def desk(factory):
    return _crafted_desk(factory)


@pytest.fixture
def pg_factory(request: pytest.FixtureRequest, tmp_path):
    """Row locks and real concurrency need PostgreSQL; this test runs there only (never skipped)."""
    engine = make_engine(fresh_database_url("postgresql", request, tmp_path), pool_size=4)
    yield make_session_factory(engine)
    engine.dispose()


def _crafted_desk(factory):
    with session_scope(factory) as session:
        small = build_small_desk(session, NOW)
        team = small.team_id
        session.execute(delete(Roster).where(Roster.week_start != MONDAY))  # no history: the week stands alone
        session.expunge_all()  # the database cascaded the delete to assignments the session still holds
        shifts = {s.code: s for s in session.scalars(select(ShiftType).where(ShiftType.team_id == team))}
        shifts["N"].start_local = time(22)  # the night shift covers the whole night window 22-06
        skills = {s.code: s for s in session.scalars(select(Skill))}
        zhang = session.get(Employee, small.employees["Zhang Min"])
        zhang.max_nights_per_week, zhang.max_consecutive_days, zhang.max_minutes_per_week = 7, 7, 7 * 480
        roster = session.scalar(select(Roster).where(Roster.week_start == MONDAY))
        roster.assignments.clear()
        session.flush()
        for name, (code, skill, days) in WEEK.items():
            for n in days:
                roster.assignments.append(RosterAssignment(employee_id=small.employees[name], day=day(n),
                                                           shift_type_id=shifts[code].id, skill_id=skills[skill].id))
        for login, name in (("zhang.min", "Zhang Min"), ("zhao.li", "Zhao Li"), ("chen.jie", "Chen Jie")):
            session.add(User(login=login, display_name=name, password_hash="-", role="agent",
                             employee_id=small.employees[name], created_at=NOW))
        run = ForecastRun(team_id=team, created_at=NOW, start_at=local(2026, 11, 23), horizon_days=7,
                          interval_minutes=60, model="test", status="approved", approved_at=NOW)
        session.add(run)
        session.flush()
        start = local(2026, 11, 23)
        for h in range(7 * 24):
            at = start + timedelta(hours=h)
            session.add(StaffingRequirement(run_id=run.id, skill_id=skills["vip_care"].id, interval_start=at, required=1))
            if 9 <= at.astimezone(SHANGHAI).hour < 18:
                session.add(StaffingRequirement(run_id=run.id, skill_id=skills["technical"].id, interval_start=at,
                                                required=1))
        session.flush()
        users = {u.login: CurrentUser(u.id, u.login, u.display_name, Role(u.role), u.employee_id)
                 for u in session.scalars(select(User))}
    return small, users


def test_the_crafted_week_is_legal(factory, desk) -> None:
    small, _ = desk
    with session_scope(factory) as session:
        plan = rosters.build_week(session, small.team_id, MONDAY, NOW)
        row = session.scalar(select(Roster).where(Roster.week_start == MONDAY))
        from rostering.validate import validate
        assert validate(plan.problem, rosters.roster_of(plan, row)).violations == ()


def test_like_for_like_swap_is_checked_accepted_approved_applied_and_audited(factory, desk) -> None:
    small, users = desk
    with session_scope(factory) as session:
        request = requests.propose_swap(session, users["li.na"], day=day(5), other_employee_id=small.employees["Chen Jie"],
                                        other_day=day(6), now=NOW)
        assert request.status is RequestStatus.PROPOSED
        review = requests.check(session, users["manager"], request.id, NOW)
        assert review.ok and review.violations == ()
        assert "night duty unaffected" in review.risk_line and "fairness" in review.risk_line
        with pytest.raises(UserError, match="acceptance"):
            requests.approve(session, users["manager"], request.id, NOW)
        requests.accept(session, users["chen.jie"], request.id, NOW)
        assert request.status is RequestStatus.ACCEPTED
        assert [r.id for r in requests.inbox(session, users["manager"])] == [request.id]
        with pytest.raises(PermissionDenied):
            requests.approve(session, users["li.na"], request.id, NOW)
        requests.approve(session, users["manager"], request.id, NOW, "fine")
        assert request.status is RequestStatus.APPLIED
        versions = rosters.roster_store.week_versions(session, small.team_id, MONDAY)
        assert [(v.version, v.status.value) for v in versions] == [(2, "published"), (1, "archived")]
        cells = {(a.employee_id, a.day) for a in versions[0].assignments}
        assert (small.employees["Li Na"], day(6)) in cells and (small.employees["Chen Jie"], day(5)) in cells
        assert (small.employees["Li Na"], day(5)) not in cells
        assert [e.action for e in requests.events(session, users["manager"], request.id)] == [
            "create", "submit", "accept", "approve", "apply"]
        notified = session.scalars(select(Notification.recipient_user_id).where(Notification.channel == "in_app")).all()
        assert {users["li.na"].id, users["chen.jie"].id, users["manager"].id} <= set(notified)
        ics = icalendar.Calendar.from_ical(requests.my_calendar(session, users["li.na"], MONDAY))
        starts = sorted(e.decoded("dtstart").date() for e in ics.walk("VEVENT"))
        assert starts == [day(2), day(3), day(4), day(6)]
        for refused in (requests.withdraw, requests.approve):
            with pytest.raises(UserError, match="applied"):
                refused(session, users["li.na"] if refused is requests.withdraw else users["manager"], request.id, NOW)
        reverted = rosters.revert(session, None, versions[1].id, NOW)  # the history can undo it
        assert reverted.version == 3


def test_a_swap_that_breaks_rest_time_is_refused_naming_the_rule(factory, desk) -> None:
    small, users = desk
    with session_scope(factory) as session:
        with pytest.raises(UserError, match="rest"):
            requests.propose_swap(session, users["wang.wei"], day=day(6), other_employee_id=small.employees["Li Na"],
                                  other_day=day(4), now=NOW)
    with session_scope(factory) as session:
        assert session.scalars(select(requests.ShiftRequest)).all() == []  # nothing half-written


def test_a_give_away_that_leaves_a_night_uncovered_is_refused(factory, desk) -> None:
    small, users = desk
    with session_scope(factory) as session:
        with pytest.raises(UserError, match="(?i)night"):
            requests.propose_give_away(session, users["zhang.min"], day=day(5), to_employee_id=small.employees["Chen Jie"],
                                       now=NOW)


def test_moving_a_vip_agent_out_of_a_window_with_vip_tickets_due_shows_the_risk(factory, desk) -> None:
    small, users = desk
    with session_scope(factory) as session:
        for n, due in enumerate((local(2026, 11, 28, 11), local(2026, 11, 28, 15), local(2026, 11, 30, 11))):
            session.add(Ticket(channel="phone", queue_id=small.queues["vip"], subject=f"vip {n}", created_at=NOW,
                               updated_at=NOW, status="open", resolution_due_at=due))
        session.flush()
        request = requests.propose_give_away(session, users["zhao.li"], day=day(5),
                                             to_employee_id=small.employees["Chen Jie"], now=NOW)
        review = requests.check(session, users["manager"], request.id, NOW)
        assert review.ok
        assert len(review.sla_risk) == 2  # the Monday deadline is outside the changed hours
        assert "coverage −1 vip_care 09:00–18:00 Sat (1 below requirement)" in review.risk_line
        assert "2 VIP hotline tickets due in that window" in review.risk_line
        assert "night duty unaffected" in review.risk_line


def test_suggestions_and_counter_proposal(factory, desk) -> None:
    small, users = desk
    with session_scope(factory) as session:
        offer = requests.propose_give_away(session, users["li.na"], day=day(5), now=NOW)
        names = [s.name for s in requests.suggestions(session, users["li.na"], offer.id, NOW)]
        assert "Chen Jie" in names and "Li Na" not in names
        swap = requests.propose_swap(session, users["li.na"], day=day(5), other_employee_id=small.employees["Chen Jie"],
                                     other_day=day(6), now=NOW)
        requests.reject(session, users["manager"], swap.id, NOW, "Chen Jie is needed on Sunday")
        with pytest.raises(UserError, match="say why"):
            requests.reject(session, users["manager"], offer.id, NOW, " ")
        counter = requests.suggestions(session, users["li.na"], swap.id, NOW)
        # the only legal other swap: Wang Wei's late shift on the same Saturday (every other one breaks rest
        # or lands on a day the colleague already works)
        assert [(s.name, s.day, s.shift_code) for s in counter] == [("Wang Wei", day(5), "L")]


def test_auto_approval_only_when_every_check_passes(factory, desk) -> None:
    small, users = desk
    with session_scope(factory) as session:
        requests.set_policy(session, users["manager"], small.team_id, auto_approve=[RequestKind.TIME_OFF],
                            cutoff_hours=12, overtime_limit_minutes_week=480)
        night = requests.propose_time_off(session, users["zhang.min"], starts_at=local(2026, 11, 28),
                                          ends_at=local(2026, 11, 29), reason="family", now=NOW)
        assert night.status is RequestStatus.PROPOSED and night.review_ok is False  # the night would be uncovered
        free = requests.propose_time_off(session, users["chen.jie"], starts_at=local(2026, 11, 29),
                                         ends_at=local(2026, 11, 30), reason="wedding", now=NOW)
        assert free.status is RequestStatus.APPLIED
        leave = session.get(TimeOffRequest, free.time_off_id)
        assert leave.status is RequestStatus.APPLIED and leave.employee_id == small.employees["Chen Jie"]
        with pytest.raises(UserError, match="cannot be approved"):
            requests.approve(session, users["manager"], night.id, NOW)
        assert night.status is RequestStatus.PROPOSED


def test_time_off_is_checked_when_proposed_and_kept_when_it_breaks_a_rule(factory, desk) -> None:
    _small, users = desk
    with session_scope(factory) as session:
        night = requests.propose_time_off(session, users["zhang.min"], starts_at=local(2026, 11, 28),
                                          ends_at=local(2026, 11, 29), reason="family", now=NOW)
        assert night.status is RequestStatus.PROPOSED and night.review_ok is False
        assert night.review_line.startswith("BREAKS") and "night" in night.review_line
        assert [(r.id, r.review_line) for r in requests.inbox(session, users["manager"])] == [
            (night.id, night.review_line)]


def test_cut_off_overtime_limit_and_expiry_with_the_clock_passed_in(factory, desk) -> None:
    small, users = desk
    late = local(2026, 11, 27, 0)  # Friday's 09:00 shift is 9 h away
    with session_scope(factory) as session:
        with pytest.raises(UserError, match="12 h cut-off"):
            requests.propose_give_away(session, users["li.na"], day=day(4), now=late)
        with pytest.raises(UserError, match="limit of 8 h"):
            requests.propose_overtime(session, users["chen.jie"], day=day(5), shift_code="D", now=NOW)
        requests.set_policy(session, users["manager"], small.team_id, auto_approve=[], cutoff_hours=12,
                            overtime_limit_minutes_week=600)
        extra = requests.propose_overtime(session, users["chen.jie"], day=day(5), shift_code="D", now=NOW)
        offer = requests.propose_give_away(session, users["wang.wei"], day=day(6), now=NOW)
        assert requests.expire_due(session, local(2026, 11, 28, 8, 59)) == 0
        assert requests.expire_due(session, local(2026, 11, 28, 9)) == 1
        assert extra.status is RequestStatus.EXPIRED and offer.status is RequestStatus.PROPOSED
        with pytest.raises(UserError, match="expired"):
            requests.approve(session, users["manager"], extra.id, NOW)


def test_bad_input_gets_a_clear_error(factory, desk) -> None:
    small, users = desk
    with session_scope(factory) as session:
        with pytest.raises(UserError, match="no active colleague #999"):
            requests.propose_swap(session, users["li.na"], day=day(5), other_employee_id=999, other_day=day(6), now=NOW)
        with pytest.raises(UserError, match="Li Na has no shift on Sun"):
            requests.propose_give_away(session, users["li.na"], day=day(6), now=NOW)
        with pytest.raises(UserError, match="not linked to an employee"):
            requests.propose_give_away(session, users["manager"], day=day(6), now=NOW)
        with pytest.raises(UserError, match="already works"):
            requests.propose_swap(session, users["li.na"], day=day(5), other_employee_id=small.employees["Zhao Li"],
                                  other_day=day(6), now=NOW)


def test_concurrent_approvals_never_double_book(pg_factory) -> None:
    """Two give-aways to the same colleague on one day, approved at once by two managers."""
    factory = pg_factory
    small, users = _crafted_desk(factory)
    with session_scope(factory) as session:
        ids = [requests.propose_give_away(session, users[login], day=day(5), to_employee_id=small.employees["Chen Jie"],
                                          now=NOW).id for login in ("li.na", "zhao.li")]
        for request_id in ids:
            requests.accept(session, users["chen.jie"], request_id, NOW)
    barrier, errors, done = threading.Barrier(2), [], []

    def approve(request_id: int) -> None:
        barrier.wait()
        try:
            with session_scope(factory) as session:
                requests.approve(session, users["manager"], request_id, NOW)
            done.append(request_id)
        except UserError as exc:
            errors.append(str(exc))

    threads = [threading.Thread(target=approve, args=(i,)) for i in ids]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(done) == 1 and len(errors) == 1 and "Chen Jie already works" in errors[0]
    with session_scope(factory) as session:
        current = rosters.roster_store.week_versions(session, small.team_id, MONDAY)[0]
        saturday = [a.employee_id for a in current.assignments if a.day == day(5)]
        assert len(saturday) == len(set(saturday))  # nobody twice
        assert saturday.count(small.employees["Chen Jie"]) == 1
        assert sum(1 for a in current.assignments if a.day == day(5) and a.shift_type.code == "D") == 2  # none lost: Li Na and Zhao Li before, one of them and Chen Jie after


def test_a_planner_posts_an_open_shift_an_agent_takes_it(factory, desk) -> None:
    small, users = desk
    with session_scope(factory) as session:
        row = User(login="planner", display_name="Planner", password_hash="-", role="planner", created_at=NOW)
        session.add(row)
        session.flush()
        planner = CurrentUser(row.id, row.login, row.display_name, Role.PLANNER, None)
        with pytest.raises(PermissionDenied):
            requests.post_open_shift(session, users["li.na"], team_id=small.team_id, day=day(5), shift_code="D",
                                     skill_code="technical", now=NOW)
        gap = requests.post_open_shift(session, planner, team_id=small.team_id, day=day(5), shift_code="D",
                                       skill_code="technical", now=NOW)
        assert [r.id for r in requests.open_offers(session, users["chen.jie"], NOW)] == [gap.id]
        requests.accept(session, users["chen.jie"], gap.id, NOW)
        assert gap.status is RequestStatus.ACCEPTED and gap.counterpart_id == small.employees["Chen Jie"]
        requests.withdraw(session, planner, gap.id, NOW)  # the planner found cover elsewhere
        assert gap.status is RequestStatus.WITHDRAWN
