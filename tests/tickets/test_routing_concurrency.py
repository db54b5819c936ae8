"""Assignment under concurrency: never one ticket to two agents, never an agent over capacity in a channel.

Real PostgreSQL (row locks, SKIP LOCKED); the stale-load case also on SQLite.
Two workers and an intake thread share one backlog; two open transactions
show that a pass skips what another holds instead of waiting or doubling;
and a load that changed after the router read it is re-counted inside the
agent's lock.
"""

from __future__ import annotations

import random
import threading
from collections import Counter
from collections.abc import Callable
from datetime import datetime, time
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select, text
from sqlalchemy.orm import Session, sessionmaker

from store.db import make_engine, make_session_factory, session_scope
from store.enums import TicketStatus
from store.schema import Employee, EmployeeChannelLimit, EmployeeSkill, Queue, Roster, RosterAssignment, ShiftType, Skill, Ticket, TicketEvent
from tests.conftest import fresh_database_url
from tests.desk_factory import SmallDesk, build_small_desk, local
from tickets import lifecycle, routing
from tickets.lifecycle import Actor, NewTicket

NOW = local(2026, 11, 26, 10, 0)  # the day shift: Li Na and the crowd below
CUSTOMER = Actor("customer")
OPEN = [s.value for s in (TicketStatus.NEW, TicketStatus.OPEN, TicketStatus.PENDING)]


@pytest.fixture
def pg_engine(request: pytest.FixtureRequest, tmp_path: Path) -> Engine:
    engine = make_engine(fresh_database_url("postgresql", request, tmp_path))
    request.addfinalizer(engine.dispose)
    return engine


def _crowded_desk(factory: sessionmaker[Session], agents: int, capacity: int, tickets: int) -> SmallDesk:
    """The small desk plus `agents` technical agents on today's day shift, everyone holding at most `capacity`
    open tickets, and `tickets` unassigned technical tickets (some VIP, some complaints, mixed priorities)."""
    rng = random.Random(7)
    with session_scope(factory) as session:
        desk = build_small_desk(session, NOW)
        technical = session.scalar(select(Skill).where(Skill.code == "technical"))
        day = session.scalar(select(ShiftType).where(ShiftType.code == "D"))
        roster = session.scalar(select(Roster).order_by(Roster.week_start.desc()).limit(1))
        assert technical is not None and day is not None and roster is not None and day.start_local == time(9)
        for index in range(agents):
            employee = Employee(team_id=desk.team_id, name=f"Agent {index:02d}",
                                skills=[EmployeeSkill(skill=technical, level=1 + index % 5)])
            roster.assignments.append(RosterAssignment(employee=employee, day=NOW.date(), shift_type=day,
                                                       skill=technical))
        session.flush()
        for employee in session.scalars(select(Employee)):
            employee.max_concurrent_tickets = capacity
        for number in range(tickets):
            lifecycle.create_ticket(session, NewTicket(
                queue="tech_email", subject=f"backlog {number}", priority=rng.choice(["low", "normal", "high"]),
                customer_tier="vip" if number % 7 == 0 else "standard",
                category="complaint" if number % 5 == 0 else "inquiry"), CUSTOMER, NOW)
    return desk


def _assert_never_doubled(session: Session) -> dict[int, int]:
    """Each ticket was given at most once and holds the agent its one assignment named; returns ticket -> agent."""
    given = Counter(session.scalars(select(TicketEvent.ticket_id).where(TicketEvent.kind == "assigned")))
    assert given and max(given.values()) == 1, [t for t, n in given.items() if n > 1]
    holders = {ticket_id: employee_id for ticket_id, employee_id in session.execute(
        select(Ticket.id, Ticket.assignee_id).where(Ticket.assignee_id.is_not(None)))}
    named = {e.ticket_id: e.data["to"] for e in session.scalars(select(TicketEvent).where(
        TicketEvent.kind == "assigned"))}
    assert holders == named
    return holders


def _assert_never_doubled_never_over(factory: sessionmaker[Session]) -> tuple[int, int]:
    """Each ticket was given at most once and holds the agent its one assignment named; nobody is over capacity.

    Returns (tickets assigned, total capacity of the agents on shift with the skill).
    """
    with factory() as session:
        holders = _assert_never_doubled(session)
        loads = session.execute(
            select(Employee.name, Employee.max_concurrent_tickets, func.count(Ticket.id))
            .join(Ticket, Ticket.assignee_id == Employee.id)
            .where(Ticket.status.in_(OPEN))
            .group_by(Employee.name, Employee.max_concurrent_tickets)
        ).all()
        assert all(count <= capacity for _, capacity, count in loads), loads
        capacity = sum(c.capacity for c in routing.team_now(session, 1, NOW).skilled("technical"))
        return len(holders), capacity


def _run_together(factory: sessionmaker[Session], routed: Counter[str], intake: Callable[[], None]) -> None:
    """Two workers draining the backlog (routing passes of 4 until three passes in a row find nothing) and
    `intake`, started together in threads; each adds what it routed to `routed`. Any thread's error fails
    the test."""
    start = threading.Barrier(3)
    errors: list[BaseException] = []

    def worker(name: str) -> None:
        start.wait()
        idle = 0
        while idle < 3:
            with session_scope(factory) as session:
                report = routing.routing_pass(session, NOW, limit=4)
            routed[name] += report.routed
            idle = 0 if report.considered else idle + 1

    def started_intake() -> None:
        start.wait()
        intake()

    def guarded(target: Callable[..., None], *args: str) -> None:
        try:
            target(*args)
        except BaseException as error:  # noqa: BLE001 - handed to the test thread
            errors.append(error)

    threads = [threading.Thread(target=guarded, args=(worker, f"worker-{i}")) for i in (1, 2)]
    threads.append(threading.Thread(target=guarded, args=(started_intake,)))
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not errors, errors
    assert not any(thread.is_alive() for thread in threads)


@pytest.mark.postgres
def test_two_workers_and_intake_on_one_backlog_never_double_assign_or_overfill(pg_engine: Engine) -> None:
    factory = make_session_factory(pg_engine)
    desk = _crowded_desk(factory, agents=10, capacity=4, tickets=90)
    routed: Counter[str] = Counter()

    def intake() -> None:
        for number in range(20):  # new tickets routed on creation while the workers drain the backlog
            with session_scope(factory) as session:
                ticket, _ = lifecycle.create_ticket(
                    session, NewTicket(queue="tech_email", subject=f"new {number}"), CUSTOMER, NOW)
                outcome = routing.route_ticket(session, ticket.id, NOW)
            routed["intake"] += outcome.employee_id is not None

    _run_together(factory, routed, intake)

    assigned, capacity = _assert_never_doubled_never_over(factory)
    # 11 agents with the skill (Li Na and the crowd) x 4 = 44 places for 110 tickets: every place is filled.
    assert assigned == capacity == 44 == sum(routed.values())
    with factory() as session:
        waiting = session.scalar(select(func.count()).select_from(Ticket).where(Ticket.assignee_id.is_(None)))
    assert waiting == 110 - 44 and desk.queues["tech_email"]


@pytest.mark.postgres
def test_two_workers_and_intake_never_exceed_an_agents_limit_in_a_channel(pg_engine: Engine) -> None:
    """The crowded desk with a technical chat queue beside the email one: every agent may hold 1 chat and
    3 emails (4 in all, over the single number 2, which no channel falls back to). Two workers and intake
    route 40 chats and 60 + 20 emails at once: each channel fills to its limits and no further."""
    factory = make_session_factory(pg_engine)
    desk = _crowded_desk(factory, agents=10, capacity=2, tickets=60)
    with session_scope(factory) as session:
        email = session.get_one(Queue, desk.queues["tech_email"])
        session.add(Queue(team_id=desk.team_id, code="tech_chat", name="Technical chat", channel="chat",
                          skill_id=email.skill_id))
        for employee in session.scalars(select(Employee)):
            employee.channel_limits = [EmployeeChannelLimit(channel="chat", max_concurrent_tickets=1),
                                       EmployeeChannelLimit(channel="email", max_concurrent_tickets=3)]
        session.flush()
        for number in range(40):
            lifecycle.create_ticket(session, NewTicket(queue="tech_chat", subject=f"chat {number}"), CUSTOMER, NOW)
    routed: Counter[str] = Counter()

    def intake() -> None:
        for number in range(20):
            with session_scope(factory) as session:
                queue = "tech_chat" if number % 2 else "tech_email"
                ticket, _ = lifecycle.create_ticket(session, NewTicket(queue=queue, subject=f"new {number}"),
                                                    CUSTOMER, NOW)
                routed["intake"] += routing.route_ticket(session, ticket.id, NOW).employee_id is not None

    _run_together(factory, routed, intake)

    with factory() as session:
        holders = _assert_never_doubled(session)
        loads = session.execute(
            select(Ticket.assignee_id, Queue.channel, func.count())
            .join(Queue, Ticket.queue_id == Queue.id)
            .where(Ticket.assignee_id.is_not(None), Ticket.status.in_(OPEN))
            .group_by(Ticket.assignee_id, Queue.channel)
        ).all()
        limits = {(limit.employee_id, limit.channel): limit.max_concurrent_tickets
                  for limit in session.scalars(select(EmployeeChannelLimit))}
        assert all(count <= limits[(employee_id, channel)] for employee_id, channel, count in loads), loads
        by_channel = Counter({channel.value: 0 for channel in {c for _, c, _ in loads}})
        for _, channel, count in loads:
            by_channel[channel.value] += count
        team = routing.team_now(session, 1, NOW)
        skilled = team.skilled("technical")
    # 11 agents with the skill (Li Na and the crowd): 11 chat places for 60 chats, 33 email places for 70 emails.
    assert len(skilled) == 11 and dict(by_channel) == {"chat": 11, "email": 33}
    assert len(holders) == 44 == sum(routed.values())
    assert all(not c.has_room("chat") and not c.has_room("email") for c in skilled)


@pytest.mark.postgres
def test_a_pass_skips_the_ticket_and_agent_an_open_transaction_holds_instead_of_waiting(pg_engine: Engine) -> None:
    """Intake has routed one ticket to Li Na (the best: technical L3, rostered, nothing open) and not committed yet.
    A worker's pass meanwhile neither waits for those two rows nor touches them: it routes the rest to others."""
    factory = make_session_factory(pg_engine)
    desk = _crowded_desk(factory, agents=6, capacity=2, tickets=12)
    with factory() as session:  # the second backlog ticket: a standard inquiry (the first is a VIP's)
        standard = sorted(session.scalars(select(Ticket.id)))[1]
    intake, worker = factory(), factory()
    try:
        worker.execute(text("SET lock_timeout = '3s'"))  # waiting on a lock would fail here, not hang
        held = routing.route_ticket(intake, standard, NOW)
        report = routing.routing_pass(worker, NOW)
        assert held.employee_id == desk.employees["Li Na"]
        assert (report.considered, report.routed) == (11, 11) and desk.employees["Li Na"] not in report.by_agent
        worker.commit()
        intake.commit()
    finally:
        intake.close()
        worker.close()
    assert _assert_never_doubled_never_over(factory) == (12, 14)


def test_a_load_that_grew_after_it_was_read_is_recounted_inside_the_agents_lock(factory, monkeypatch) -> None:
    """The router reads Li Na 0/2, Wang Wei 1/2; before it locks Li Na, a manager gives her two tickets
    (committed elsewhere). The re-count inside her lock sees 2/2, so the ticket goes to Wang Wei."""
    at = local(2026, 11, 26, 16, 0)
    with session_scope(factory) as session:
        desk = build_small_desk(session, at)
        for employee in session.scalars(select(Employee)):
            employee.max_concurrent_tickets = 2
        lifecycle.assign(session, _new(session, at), desk.employees["Wang Wei"], CUSTOMER, at)
        extra = [_new(session, at), _new(session, at)]
        routed_id = _new(session, at)
    read_desk = routing.team_now

    def stale_then_changed(session: Session, team_id: int, now: datetime) -> routing.TeamNow:
        seen = read_desk(session, team_id, now)
        with session_scope(factory) as elsewhere:
            for ticket_id in extra:
                lifecycle.assign(elsewhere, ticket_id, desk.employees["Li Na"], Actor("user:manager"), at)
        return seen

    monkeypatch.setattr(routing, "team_now", stale_then_changed)
    with session_scope(factory) as session:
        outcome = routing.route_ticket(session, routed_id, at)
    assert outcome.text == "routed to Wang Wei: technical L4, on Late 15-23, 1/2 email, least load"
    with factory() as session:
        assert session.scalar(select(func.count()).select_from(Ticket).where(
            Ticket.assignee_id == desk.employees["Li Na"])) == 2


def _new(session: Session, at: datetime) -> int:
    return lifecycle.create_ticket(session, NewTicket(queue="tech_email", subject="help"), CUSTOMER, at)[0].id
