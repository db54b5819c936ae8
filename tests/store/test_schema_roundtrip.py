"""The schema stores and returns every kind of value intact on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError, StatementError
from sqlalchemy.orm import Session, sessionmaker

from store.db import session_scope
from store.enums import Channel, CustomerTier, Priority, Role, TicketStatus
from store.schema import (
    Employee,
    EmployeeSkill,
    Notification,
    Queue,
    Roster,
    RosterAssignment,
    ShiftType,
    Site,
    Skill,
    Team,
    Ticket,
    TicketEvent,
    User,
)
from store.types import NaiveDatetimeError

SHANGHAI = ZoneInfo("Asia/Shanghai")


def _desk(session: Session) -> tuple[Team, Skill, Queue, Employee]:
    site = Site(name="Test site")
    team = Team(site=site, name="Team A")
    skill = Skill(code="technical", name="Technical support")
    employee = Employee(team=team, name="Li Na", skills=[EmployeeSkill(skill=skill, level=3)])
    queue = Queue(team=team, code="tech_phone", name="Hotline", channel=Channel.PHONE, skill=skill)
    session.add_all([site, team, skill, employee, queue])
    session.flush()
    return team, skill, queue, employee


def test_roundtrip_keeps_values_and_time_zones(factory: sessionmaker[Session]) -> None:
    created_local = datetime(2026, 3, 29, 1, 30, tzinfo=SHANGHAI)
    with session_scope(factory) as session:
        team, skill, queue, employee = _desk(session)
        night = ShiftType(team=team, code="N", name="Night", start_local=time(23), duration_minutes=480, is_night=True)
        roster = Roster(team=team, week_start=date(2026, 3, 23), created_at=created_local, kpis={"nights": [1, 2]})
        roster.assignments.append(RosterAssignment(employee=employee, day=date(2026, 3, 28), shift_type=night, skill=skill))
        ticket = Ticket(
            channel=Channel.PHONE, customer_tier=CustomerTier.VIP, category="device_down",
            priority=Priority.URGENT, queue=queue, subject="设备无法开机", body="黑屏 — screen dark",
            created_at=created_local, updated_at=created_local, external_id="EXT-1",
            escalation_snapshot={"steps": [{"id": "warn", "offset_minutes": -10}]},
        )
        ticket.events.append(TicketEvent(at=created_local, actor="system", kind="created", data={"via": "phone"}))
        session.add_all([night, roster, ticket])
        session.add(User(login="li.na", display_name="Li Na", password_hash="x", role=Role.AGENT,
                         employee=employee, created_at=created_local))

    with session_scope(factory) as session:
        ticket = session.scalars(select(Ticket).where(Ticket.external_id == "EXT-1")).one()
        assert ticket.created_at == created_local
        assert ticket.created_at.tzinfo is not None and ticket.created_at.utcoffset() == timedelta(0)
        assert ticket.subject == "设备无法开机" and ticket.body == "黑屏 — screen dark"
        assert ticket.priority is Priority.URGENT and ticket.status is TicketStatus.NEW
        assert ticket.escalation_snapshot == {"steps": [{"id": "warn", "offset_minutes": -10}]}
        assert [e.kind for e in ticket.events] == ["created"]
        roster = session.scalars(select(Roster)).one()
        assert roster.kpis == {"nights": [1, 2]}
        (assignment,) = roster.assignments
        assert assignment.shift_type.start_local == time(23) and assignment.shift_type.is_night
        assert assignment.employee.skills[0].level == 3
        user = session.scalars(select(User)).one()
        assert user.role is Role.AGENT and user.employee is not None and user.employee.name == "Li Na"


def test_naive_datetime_is_refused_with_a_clear_error(factory: sessionmaker[Session]) -> None:
    with pytest.raises(StatementError) as caught:
        with session_scope(factory) as session:
            _desk(session)
            session.add(Notification(idempotency_key="k", channel="in_app", recipient="u1", subject="s",
                                     next_attempt_at=datetime(2026, 1, 1, 9, 0), created_at=datetime.now(timezone.utc)))
    assert isinstance(caught.value.orig, NaiveDatetimeError)
    assert "naive datetime 2026-01-01T09:00:00 refused" in str(caught.value.orig)
    with session_scope(factory) as session:  # the failed transaction left nothing behind
        assert session.scalars(select(Site)).all() == []


def test_constraints_reject_bad_rows(factory: sessionmaker[Session]) -> None:
    with pytest.raises(IntegrityError):
        with session_scope(factory) as session:
            team, skill, queue, employee = _desk(session)
            session.add(ShiftType(team=team, code="X", name="Too long", start_local=time(8), duration_minutes=2000))
    with pytest.raises(StatementError):
        with session_scope(factory) as session:
            team, skill, queue, employee = _desk(session)
            now = datetime.now(timezone.utc)
            session.add(Ticket(channel="fax", queue=queue, subject="s", created_at=now, updated_at=now))
