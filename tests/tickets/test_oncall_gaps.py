"""Nights without on-call cover are reported before they happen: on publish and by the daily check.

Small desk: Zhang Min (technical 2, vip_care 5) works every night 23:00-07:00
of the published weeks; the 24x7 queues (`vip`, `escalations`) need vip_care.
"""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import delete, select

from store.db import session_scope
from store.schema import Notification, Roster, RosterAssignment, ShiftType, User
from tests.desk_factory import SHANGHAI, build_small_desk, local
from tickets.oncall_gaps import (
    CrewMember,
    alert_gaps_on_publish,
    daily_gap_check,
    find_gaps,
    night_coverage_gaps,
)
from tickets.oncall_nights import NightWindow

NOW = local(2026, 11, 26, 10, 0)  # Thursday morning
THURSDAY, FRIDAY, SATURDAY = date(2026, 11, 26), date(2026, 11, 27), date(2026, 11, 28)
NEXT_MONDAY = date(2026, 11, 30)


def _night(day: date) -> NightWindow:
    start = local(day.year, day.month, day.day, 23)
    return NightWindow(day, start, start + timedelta(hours=8))


NEEDED = {"vip_care": ["VIP hotline"]}


@pytest.mark.parametrize(("crew", "reason"), [
    ([CrewMember("Zhang Min", frozenset({"vip_care", "technical"}))], None),
    ([CrewMember("Li Na", frozenset({"technical"}))], "nobody with vip_care (needed by VIP hotline)"),
    ([], "nobody on a night shift"),
])
def test_a_night_is_a_gap_without_anyone_or_without_a_24x7_skill(crew, reason) -> None:
    gaps = find_gaps([_night(THURSDAY)], {THURSDAY: crew}, NEEDED, published_mondays={date(2026, 11, 23)})
    assert [g.reason for g in gaps] == ([reason] if reason else [])


def test_a_night_in_a_week_without_a_published_roster_says_so() -> None:
    (gap,) = find_gaps([_night(NEXT_MONDAY)], {}, NEEDED, published_mondays={date(2026, 11, 23)})
    assert (gap.reason, gap.nobody, gap.missing_skills) == ("no roster published for the week of 30 Nov", True,
                                                             ("vip_care",))


def _desk_with_holes(factory):
    """Friday night unrostered; Saturday night worked by Li Na (technical only) instead of Zhang Min."""
    with session_scope(factory) as session:
        desk = build_small_desk(session, NOW)
        zhang, li_na = desk.employees["Zhang Min"], desk.employees["Li Na"]
        session.execute(delete(RosterAssignment).where(RosterAssignment.employee_id == zhang,
                                                       RosterAssignment.day.in_([FRIDAY, SATURDAY])))
        night = session.scalar(select(ShiftType).where(ShiftType.code == "N"))
        saturday = session.scalars(select(RosterAssignment).where(RosterAssignment.employee_id == li_na,
                                                                  RosterAssignment.day == SATURDAY)).one()
        saturday.shift_type_id = night.id
        session.add(User(login="planner", display_name="Wu Fang", password_hash="-", role="planner", created_at=NOW))
    return desk


def test_the_published_rosters_gaps_are_listed_night_by_night(factory) -> None:
    desk = _desk_with_holes(factory)
    with factory() as session:
        gaps = night_coverage_gaps(session, desk.team_id, THURSDAY, 5)
    assert [(g.night.day, g.on_call, g.reason) for g in gaps] == [
        (FRIDAY, (), "nobody on a night shift"),
        (SATURDAY, ("Li Na",), "nobody with vip_care (needed by Escalations, VIP hotline)"),
        (NEXT_MONDAY, (), "no roster published for the week of 30 Nov"),
    ]
    assert gaps[0].night.starts_at == local(2026, 11, 27, 23) and gaps[0].night.ends_at.tzinfo == SHANGHAI


def _in_app_alerts(factory):
    with factory() as session:
        return session.scalars(select(Notification).where(Notification.channel == "in_app")
                               .order_by(Notification.id)).all()


def test_publishing_a_roster_with_a_gap_alerts_planners_and_managers_once(factory) -> None:
    desk = _desk_with_holes(factory)
    with session_scope(factory) as session:
        roster = Roster(team_id=desk.team_id, week_start=NEXT_MONDAY, status="published", created_at=NOW,
                        published_at=NOW)
        this_week = session.scalars(select(RosterAssignment).join(Roster)
                                    .where(Roster.week_start == date(2026, 11, 23))).all()
        for a in this_week:  # next week is this week again (holes included), and without Zhang Min's Tuesday
            day = a.day + timedelta(days=7)
            if not (a.employee_id == desk.employees["Zhang Min"] and day == date(2026, 12, 1)):
                roster.assignments.append(RosterAssignment(employee_id=a.employee_id, day=day,
                                                           shift_type_id=a.shift_type_id, skill_id=a.skill_id))
        session.add(roster)
        session.flush()
        gaps = alert_gaps_on_publish(session, roster.id, NOW)
        alert_gaps_on_publish(session, roster.id, NOW)  # published twice: still one alert
    assert [(g.night.day, g.reason) for g in gaps] == [
        (date(2026, 12, 1), "nobody on a night shift"),
        (date(2026, 12, 4), "nobody on a night shift"),
        (date(2026, 12, 5), "nobody with vip_care (needed by Escalations, VIP hotline)"),
    ]
    alerts = _in_app_alerts(factory)
    with factory() as session:
        planner = session.scalar(select(User.id).where(User.login == "planner"))
    assert sorted(a.recipient_user_id for a in alerts) == sorted([desk.users["manager"], planner])
    assert alerts[0].subject == "Night on-call gaps in the roster for the week of 30 Nov 2026 (version 1): 3 night(s)"
    assert "Tue 01 Dec 23:00–07:00: nobody on a night shift" in alerts[0].body
    assert {a.channel.value for a in _all(factory)} == {"in_app"}  # an alert about next week is not mailed


def _all(factory):
    with factory() as session:
        return session.scalars(select(Notification)).all()


def test_nights_already_over_are_not_alerted_on_publish(factory) -> None:
    desk = _desk_with_holes(factory)
    with session_scope(factory) as session:
        this_week = session.scalar(select(Roster.id).where(Roster.week_start == date(2026, 11, 23)))
        session.execute(delete(RosterAssignment).where(RosterAssignment.employee_id == desk.employees["Zhang Min"],
                                                       RosterAssignment.day == date(2026, 11, 24)))  # Tuesday: past
        gaps = alert_gaps_on_publish(session, this_week, NOW)
    assert [g.night.day for g in gaps] == [FRIDAY, SATURDAY]


def test_the_daily_check_alerts_once_per_local_day(factory) -> None:
    _desk_with_holes(factory)
    with session_scope(factory) as session:
        first = daily_gap_check(session, NOW)
        again = daily_gap_check(session, NOW + timedelta(hours=13))  # 23:00: still Thursday in Shanghai
    assert [len(a.gaps) for a in first] == [5] and first[0].notifications == 2  # Fri, Sat, Mon, Tue, Wed
    assert again == []
    with session_scope(factory) as session:
        tomorrow = daily_gap_check(session, NOW + timedelta(hours=14, minutes=1))  # Friday 00:01
    assert [g.night.day for g in tomorrow[0].gaps][:2] == [FRIDAY, SATURDAY]
    assert len(_in_app_alerts(factory)) == 4


def test_the_daily_check_is_quiet_when_every_night_is_covered(factory) -> None:
    with session_scope(factory) as session:
        build_small_desk(session, NOW)
        assert daily_gap_check(session, NOW, days=3) == []  # Thu, Fri, Sat all worked by Zhang Min
    assert _all(factory) == []
