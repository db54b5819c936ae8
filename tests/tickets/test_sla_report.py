"""The SLA report: attainment counted by hand on crafted tickets, local days across DST, the demo desk cross-checked.

Counting rule under test: a clock met in time counts as met on the local day
it was met; one whose deadline passed first counts as breached on the day of
the deadline, whether it was answered late or is still running; clocks still
inside their target are not counted.
"""

from __future__ import annotations

from collections import Counter
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import literal, select

from shiftdesk.errors import UserError
from store import desk_queries
from store.db import make_engine, make_session_factory, session_scope
from store.schema import SlaStepFiring, TicketSlaClock
from store.types import UTCDateTime
from tests.conftest import FIXED_NOW
from tests.desk_factory import build_small_desk, local
from tickets import desk_view, lifecycle
from tickets.escalate import process_due_tickets
from tickets.lifecycle import Actor, NewTicket

NOW = local(2026, 11, 26, 12, 0)
AGENT = Actor("user:li.na")
WED, THU = date(2026, 11, 25), date(2026, 11, 26)


def _history(factory) -> int:
    """Six tickets over Wednesday and Thursday with outcomes known by hand; returns the team id."""
    with session_scope(factory) as session:
        desk = build_small_desk(session, local(2026, 11, 25, 9, 0))

        def create(subject: str, at: datetime, **fields: str) -> int:
            return lifecycle.create_ticket(session, NewTicket(queue="tech_email", subject=subject, **fields),
                                           Actor("customer"), at)[0].id

        # Wednesday: device down answered in 30 min (met), and in 90 min (due 12:00, met late = breached Wed).
        lifecycle.agent_reply(session, create("met wed", local(2026, 11, 25, 10), category="device_down"), "Hi",
                              AGENT, local(2026, 11, 25, 10, 30))
        lifecycle.agent_reply(session, create("late wed", local(2026, 11, 25, 11), category="device_down"), "Hi",
                              AGENT, local(2026, 11, 25, 12, 30))
        # VIP complaints just before midnight: one solved 00:10 Thursday (met Thursday), one never solved
        # (due 00:10 Thursday: breached Thursday, still running).
        vip = {"customer_tier": "vip", "category": "complaint"}
        lifecycle.set_status(session, create("vip solved", local(2026, 11, 25, 23, 50), **vip), "solved", AGENT,
                             local(2026, 11, 26, 0, 10))
        create("vip open", local(2026, 11, 25, 23, 40), **vip)
        # Thursday: a device down still inside its hour (not counted), a normal inquiry answered in 20 min (met).
        create("running thu", local(2026, 11, 26, 11, 30), category="device_down")
        lifecycle.agent_reply(session, create("inquiry thu", local(2026, 11, 26, 9)), "Hi", AGENT,
                              local(2026, 11, 26, 9, 20))
    return desk.team_id


def _counts(rows) -> dict[tuple[str, str, str], tuple[int, int]]:
    return {(row.period, row.tier, row.metric): (row.met, row.breached) for row in rows}


def test_attainment_matches_the_hand_count(factory) -> None:
    team_id = _history(factory)
    with factory() as session:
        report = desk_view.sla_report(session, team_id, WED, THU, NOW)
    assert _counts(report.daily) == {
        ("2026-11-25", "Device down", "first_response"): (1, 1),
        ("2026-11-26", "Normal inquiry", "first_response"): (1, 0),
        ("2026-11-26", "VIP complaint", "resolution"): (1, 1),
    }
    assert _counts(report.weekly) == {
        ("2026-W48", "Device down", "first_response"): (1, 1),
        ("2026-W48", "Normal inquiry", "first_response"): (1, 0),
        ("2026-W48", "VIP complaint", "resolution"): (1, 1),
    }
    assert [(row.tier, row.share) for row in report.totals] == [
        ("Device down", 0.5), ("Normal inquiry", 1.0), ("VIP complaint", 0.5)]
    assert report.breach_total == 2
    assert [(b.subject, f"{b.due_at:%d %H:%M}", b.fulfilled_at and f"{b.fulfilled_at:%H:%M}", b.late_minutes)
            for b in report.breaches] == [("vip open", "26 00:10", None, 11 * 60 + 50),
                                          ("late wed", "25 12:00", "12:30", 30)]


def test_one_day_and_a_window_in_the_future(factory) -> None:
    team_id = _history(factory)
    with factory() as session:
        wednesday = desk_view.sla_report(session, team_id, WED, WED, NOW)
        ahead = desk_view.sla_report(session, team_id, date(2026, 11, 27), date(2026, 11, 28), NOW)
        with pytest.raises(UserError, match="starts 26 Nov 2026, after it ends"):
            desk_view.sla_report(session, team_id, THU, WED, NOW)
    assert _counts(wednesday.daily) == {("2026-11-25", "Device down", "first_response"): (1, 1)}
    assert [b.subject for b in wednesday.breaches] == ["late wed"]
    assert (ahead.daily, ahead.breaches, ahead.escalations) == ([], [], [])


def test_escalations_fired_per_day_and_step(factory) -> None:
    team_id = _history(factory)
    with session_scope(factory) as session:
        process_due_tickets(session, NOW)  # "vip open" is 11 h 50 min past due: every step fires now
    with factory() as session:
        report = desk_view.sla_report(session, team_id, WED, THU, NOW)
        fired = Counter(session.scalars(select(SlaStepFiring.action)))
    assert {(e.day, e.action): e.fired for e in report.escalations} == {(THU, action): n for action, n in fired.items()}
    assert set(fired) == {"warn_assignee", "notify_supervisor", "reassign_to_queue", "raise_priority",
                          "notify_manager"}
    with factory() as session:
        ticket_id = session.scalar(select(SlaStepFiring.ticket_id).limit(1))
        trail = [e.text for e in desk_view.ticket_detail(session, ticket_id, NOW).trail if e.kind == "escalation"]
    assert trail[0] == (f"SLA warning: ticket #{ticket_id} resolution due Thu 26 Nov 00:10 → told Li Na "
                        "(no assignee; covering: Li Na (technical L3, Day 09-18))")


@pytest.mark.parametrize(("zone", "utc", "local_day"), [
    # Berlin falls back at 01:00 UTC on Sunday 25 Oct 2026: 23:59 local is 21:59 UTC before, 22:59 UTC after.
    ("Europe/Berlin", datetime(2026, 10, 24, 21, 59), date(2026, 10, 24)),
    ("Europe/Berlin", datetime(2026, 10, 24, 22, 0), date(2026, 10, 25)),
    ("Europe/Berlin", datetime(2026, 10, 25, 22, 59), date(2026, 10, 25)),
    ("Europe/Berlin", datetime(2026, 10, 25, 23, 0), date(2026, 10, 26)),
    # Spring forward (29 Mar 2026, 01:00 UTC): local midnight is 23:00 UTC before, 22:00 UTC after.
    ("Europe/Berlin", datetime(2026, 3, 28, 22, 59, 59, 700_000), date(2026, 3, 28)),
    ("Europe/Berlin", datetime(2026, 3, 29, 21, 59), date(2026, 3, 29)),
    ("Europe/Berlin", datetime(2026, 3, 29, 22, 0), date(2026, 3, 30)),
    ("Asia/Kolkata", datetime(2026, 11, 25, 18, 29), date(2026, 11, 25)),
    ("Asia/Kolkata", datetime(2026, 11, 25, 18, 30), date(2026, 11, 26)),
    ("Asia/Shanghai", datetime(2026, 11, 25, 16, 0), date(2026, 11, 26)),
])
def test_local_day_in_sql_across_dst_and_odd_offsets(engine, zone, utc, local_day) -> None:
    start, end = datetime(2026, 3, 1, tzinfo=UTC), datetime(2026, 12, 1, tzinfo=UTC)  # both Berlin changes inside
    expression = desk_queries.local_day(literal(utc.replace(tzinfo=UTC), UTCDateTime()), ZoneInfo(zone), start, end)
    with engine.connect() as connection:
        assert desk_queries.day_from_number(connection.scalar(select(expression))) == local_day


def test_the_demo_report_agrees_with_a_count_of_every_clock(demo_db) -> None:
    """The SQL aggregation against a plain Python count of the stored clocks (and fast on ~89k tickets)."""
    url, _ = demo_db
    factory = make_session_factory(make_engine(url))
    now, zone = FIXED_NOW + timedelta(minutes=5), ZoneInfo("Asia/Shanghai")
    first, last = date(2026, 11, 12), date(2026, 11, 26)
    with factory() as session:
        report = desk_view.sla_report(session, 1, first, last, now)
        expected: Counter[tuple[str, str, str, bool]] = Counter()
        for clock in session.scalars(select(TicketSlaClock)):
            met = clock.attained is True
            if not met and (clock.due_at is None or clock.due_at > now):
                continue
            day = (clock.fulfilled_at if met else clock.due_at).astimezone(zone).date()
            if first <= day <= last:
                expected[(day.isoformat(), clock.tier, clock.metric, met)] += 1
    counted = Counter()
    for row in report.daily:
        counted[(row.period, row.tier, row.metric, True)] += row.met
        counted[(row.period, row.tier, row.metric, False)] += row.breached
    assert +counted == expected
    assert report.breach_total == sum(n for (*_, met), n in expected.items() if not met) > 50
    assert len(report.breaches) == min(report.breach_total, desk_view.BREACH_LIMIT)
    assert sum(r.met + r.breached for r in report.weekly) == sum(expected.values())
