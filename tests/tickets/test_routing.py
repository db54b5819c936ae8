"""Routing rules on the small desk at chosen instants, on SQLite and PostgreSQL.

The small desk's published roster (tests/desk_factory.py), every day:
Li Na technical L3 Day 09-18, Zhao Li vip_care L4 Day 09-18, Wang Wei
technical L4 Late 15-23, Zhang Min technical L2 + vip_care L5 Night 23-07
(rostered for technical); Chen Jie technical L5 is off all week. Every
agent may hold 5 open tickets unless a test says otherwise. Rules come in
pairs: one case just inside a rule and one just outside it.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import holidays
from sqlalchemy import delete, select
from sqlalchemy.orm import Session, sessionmaker

from store.db import make_engine, make_session_factory, session_scope
from store.schema import Employee, EmployeeChannelLimit, EmployeeSkill, Queue, RosterAssignment, Skill, Ticket
from tests.desk_factory import SmallDesk, build_small_desk, local
from tickets import lifecycle, routing
from tickets.lifecycle import Actor, NewTicket
from tickets.on_shift import on_shift

THURSDAY = local(2026, 11, 26, 10, 0)  # Li Na and Zhao Li on the day shift
CUSTOMER = Actor("customer")
MANAGER = Actor("user:manager")


def _desk(factory: sessionmaker[Session], now: datetime = THURSDAY) -> SmallDesk:
    with session_scope(factory) as session:
        return build_small_desk(session, now)


def _ticket(session: Session, at: datetime, queue: str = "tech_email", **fields: str) -> int:
    return lifecycle.create_ticket(session, NewTicket(queue=queue, subject=f"help {queue}", **fields),
                                   CUSTOMER, at)[0].id


def _route(factory: sessionmaker[Session], at: datetime, queue: str = "tech_email",
           **fields: str) -> routing.RoutingOutcome:
    """Open a ticket at `at` and route it on intake, in one transaction (as the create paths do)."""
    with session_scope(factory) as session:
        return routing.route_ticket(session, _ticket(session, at, queue, **fields), at)


def _give(factory: sessionmaker[Session], desk: SmallDesk, name: str, count: int, at: datetime,
          queue: str = "tech_email") -> None:
    """Hand `name` that many open tickets of `queue` by hand (a manager's assignment, not routing)."""
    with session_scope(factory) as session:
        for _ in range(count):
            lifecycle.assign(session, _ticket(session, at, queue), desk.employees[name], MANAGER, at)


def _limit(factory: sessionmaker[Session], desk: SmallDesk, name: str, fallback: int, **per_channel: int) -> None:
    """Give `name` their own limits per channel (phone=1, chat=3, ...) and `fallback` for the other channels."""
    with session_scope(factory) as session:
        employee = session.get_one(Employee, desk.employees[name])
        employee.max_concurrent_tickets = fallback
        employee.channel_limits = [EmployeeChannelLimit(channel=channel, max_concurrent_tickets=limit)
                                   for channel, limit in per_channel.items()]


def _technical_queues_on(factory: sessionmaker[Session], desk: SmallDesk, *channels: str) -> None:
    """Open technical queues in more channels than the small desk's email one: tech_chat, tech_phone, ..."""
    with session_scope(factory) as session:
        technical = session.get_one(Queue, desk.queues["tech_email"]).skill_id
        for channel in channels:
            queue = Queue(team_id=desk.team_id, code=f"tech_{channel}", name=f"Technical {channel}", channel=channel,
                          skill_id=technical)
            session.add(queue)
            session.flush()
            desk.queues[queue.code] = queue.id


def _set(factory: sessionmaker[Session], desk: SmallDesk, name: str, **columns: object) -> None:
    with session_scope(factory) as session:
        employee = session.get_one(Employee, desk.employees[name])
        for column, value in columns.items():
            setattr(employee, column, value)


def _assignee(factory: sessionmaker[Session], ticket_id: int) -> int | None:
    with factory() as session:
        return session.get_one(Ticket, ticket_id).assignee_id


def _trail(factory: sessionmaker[Session], ticket_id: int, kinds: tuple[str, ...] = ("assigned", "routing")) -> list:
    with factory() as session:
        return [(e.kind, e.actor, e.data) for e in session.get_one(Ticket, ticket_id).events if e.kind in kinds]


# --- who is on shift -------------------------------------------------------------------


def test_mid_shift_the_skilled_agent_on_shift_takes_it_and_the_trail_says_why(factory) -> None:
    desk = _desk(factory)
    tech = _route(factory, THURSDAY)
    vip = _route(factory, THURSDAY, queue="vip")
    assert (tech.employee_id, tech.text) == (
        desk.employees["Li Na"], "routed to Li Na: technical L3, on Day 09-18, 0/5 email, least load")
    assert (vip.employee_id, vip.text) == (
        desk.employees["Zhao Li"], "routed to Zhao Li: vip_care L4, on Day 09-18, 0/5 phone, least load")
    assert _trail(factory, tech.ticket_id) == [("assigned", "routing", {
        "from": None, "to": desk.employees["Li Na"],
        "reason": "routing: technical L3, on Day 09-18, 0/5 email, least load"})]
    with factory() as session:
        assert session.get_one(Employee, desk.employees["Li Na"]).last_assigned_at == THURSDAY


def test_at_the_shift_change_22_59_goes_to_the_late_shift_and_23_00_to_the_night(factory) -> None:
    desk = _desk(factory)
    before = _route(factory, local(2026, 11, 26, 22, 59))
    at_change = _route(factory, local(2026, 11, 26, 23, 0))
    assert before.text == "routed to Wang Wei: technical L4, on Late 15-23, 0/5 email, least load"
    assert at_change.text == "routed to Zhang Min: technical L2, on Night 23-07, 0/5 email, least load"
    assert (_assignee(factory, before.ticket_id), _assignee(factory, at_change.ticket_id)) == (
        desk.employees["Wang Wei"], desk.employees["Zhang Min"])


def test_at_night_the_night_shift_takes_both_queues(factory) -> None:
    desk = _desk(factory)
    night = local(2026, 11, 27, 3, 0)  # Friday 03:00: Thursday's night shift, which began at 23:00
    vip = _route(factory, night, queue="vip", customer_tier="vip", category="complaint")
    tech = _route(factory, night)
    assert vip.text == ("routed to Zhang Min: vip_care L5, on Night 23-07 for technical, 0/5 phone, "
                        "VIP customer: highest level first")
    # without limits of their own, phone and email share the single number: the VIP call is 1 of 5
    assert tech.text == "routed to Zhang Min: technical L2, on Night 23-07, 1/5 email, least load"
    assert {vip.employee_id, tech.employee_id} == {desk.employees["Zhang Min"]}


def test_on_national_day_the_holiday_roster_decides_not_the_weekday(factory) -> None:
    """1 Oct 2026 is a Thursday and a Chinese public holiday: the published roster gives it a skeleton crew
    (Zhao Li on the VIP line, Li Na off), so at 10:00 a technical ticket waits; at 15:00 the late shift takes
    it. The Thursday before, an ordinary working day, Li Na has it at 10:00."""
    national_day = local(2026, 10, 1, 10, 0)
    assert holidays.CN(years=2026).get(national_day.date()) == "National Day"
    desk = _desk(factory, national_day)
    with session_scope(factory) as session:
        session.execute(delete(RosterAssignment).where(RosterAssignment.day == national_day.date(),
                                                       RosterAssignment.employee_id == desk.employees["Li Na"]))
    ordinary = _route(factory, local(2026, 9, 24, 10, 0))
    holiday = _route(factory, national_day)
    assert ordinary.employee_id == desk.employees["Li Na"]
    assert (holiday.employee_id, holiday.text) == (None, "waits in Technical email: nobody on shift has technical")
    with session_scope(factory) as session:
        report = routing.routing_pass(session, local(2026, 10, 1, 15, 0))
    assert (report.routed, _assignee(factory, holiday.ticket_id)) == (1, desk.employees["Wang Wei"])


# --- who among them --------------------------------------------------------------------


def test_a_vip_customer_or_a_complaint_gets_the_higher_level_a_standard_ticket_the_lighter_load(factory) -> None:
    desk = _desk(factory)
    at = local(2026, 11, 26, 16, 0)  # Li Na (technical 3) and Wang Wei (technical 4) both on shift
    _give(factory, desk, "Wang Wei", 2, at)
    standard = _route(factory, at)
    vip = _route(factory, at, customer_tier="vip")
    complaint = _route(factory, at, category="complaint")
    assert standard.text == "routed to Li Na: technical L3, on Day 09-18, 0/5 email, least load"
    assert vip.text == "routed to Wang Wei: technical L4, on Late 15-23, 2/5 email, VIP customer: highest level first"
    assert complaint.text == ("routed to Wang Wei: technical L4, on Late 15-23, 3/5 email, "
                              "complaint: highest level first")


def test_agents_rostered_on_the_queues_skill_come_before_those_rostered_for_another(factory) -> None:
    desk = _desk(factory)
    with session_scope(factory) as session:  # Zhao Li also knows technical, at level 5, but works VIP care today
        technical = session.scalar(select(Skill).where(Skill.code == "technical"))
        session.add(EmployeeSkill(employee_id=desk.employees["Zhao Li"], skill=technical, level=5))
    _give(factory, desk, "Li Na", 3, THURSDAY)
    standard = _route(factory, THURSDAY)
    vip = _route(factory, THURSDAY, customer_tier="vip")
    assert standard.text == "routed to Li Na: technical L3, on Day 09-18, 3/5 email, least load"
    assert vip.text == ("routed to Zhao Li: technical L5, on Day 09-18 for vip_care, 0/5 email, "
                        "VIP customer: highest level first")


def test_least_load_and_longest_idle_choose_differently_on_the_same_desk(factory) -> None:
    desk = _desk(factory)
    at = local(2026, 11, 26, 16, 0)
    _give(factory, desk, "Wang Wei", 2, at)
    _give(factory, desk, "Li Na", 1, at)
    _set(factory, desk, "Li Na", last_assigned_at=local(2026, 11, 26, 15, 50))
    _set(factory, desk, "Wang Wei", last_assigned_at=local(2026, 11, 26, 15, 10))
    least = _route(factory, at)
    with session_scope(factory) as session:
        session.get_one(Queue, desk.queues["tech_email"]).routing_policy = "longest_idle"
    idle = _route(factory, at)
    assert least.text == "routed to Li Na: technical L3, on Day 09-18, 1/5 email, least load"
    assert idle.text == "routed to Wang Wei: technical L4, on Late 15-23, 2/5 email, longest idle (last routed 15:10)"
    again = _route(factory, at)  # Wang Wei was just routed one: now Li Na has been idle longer
    assert again.text == "routed to Li Na: technical L3, on Day 09-18, 2/5 email, longest idle (last routed 16:00)"


def test_an_agent_never_routed_to_counts_as_the_longest_idle(factory) -> None:
    desk = _desk(factory)
    at = local(2026, 11, 26, 16, 0)
    _set(factory, desk, "Li Na", last_assigned_at=local(2026, 11, 26, 9, 0))
    with session_scope(factory) as session:
        session.get_one(Queue, desk.queues["tech_email"]).routing_policy = "longest_idle"
    assert _route(factory, at).text == ("routed to Wang Wei: technical L4, on Late 15-23, 0/5 email, "
                                        "longest idle (not routed a ticket yet)")


# --- capacity and waiting --------------------------------------------------------------


def test_capacity_one_below_the_limit_takes_it_at_the_limit_passes_it_on(factory) -> None:
    desk = _desk(factory)
    at = local(2026, 11, 26, 16, 0)
    for name in ("Li Na", "Wang Wei"):
        _set(factory, desk, name, max_concurrent_tickets=2)
    _give(factory, desk, "Li Na", 1, at)
    _give(factory, desk, "Wang Wei", 2, at)
    room = _route(factory, at, customer_tier="vip")  # the higher level is full: the lower one has room
    assert room.text == "routed to Li Na: technical L3, on Day 09-18, 1/2 email, VIP customer: highest level first"
    full = _route(factory, at)
    assert (full.employee_id, full.text) == (
        None, "waits in Technical email: all 2 agents on shift with technical are at capacity for email")
    with factory() as session:
        loads = {e.name: sum(1 for t in session.scalars(select(Ticket).where(Ticket.assignee_id == e.id)))
                 for e in session.scalars(select(Employee).where(Employee.name.in_(["Li Na", "Wang Wei"])))}
    assert loads == {"Li Na": 2, "Wang Wei": 2}


def test_an_agent_full_on_chat_still_gets_an_email_ticket(factory) -> None:
    """Both technical agents hold one chat at a chat limit of 1 (and 1 in all, the old single number):
    a chat waits, an email goes to the one with the lighter email load, against the email limit."""
    desk = _desk(factory)
    at = local(2026, 11, 26, 16, 0)  # Li Na (Day) and Wang Wei (Late)
    _technical_queues_on(factory, desk, "chat")
    for name in ("Li Na", "Wang Wei"):
        _limit(factory, desk, name, fallback=1, chat=1, email=10)
        _give(factory, desk, name, 1, at, queue="tech_chat")
    _give(factory, desk, "Li Na", 1, at)  # one email: Wang Wei has the lighter email load
    chat = _route(factory, at, queue="tech_chat")
    assert (chat.employee_id, chat.text) == (
        None, "waits in Technical chat: all 2 agents on shift with technical are at capacity for chat")
    email = _route(factory, at)
    assert (email.employee_id, email.text) == (
        desk.employees["Wang Wei"], "routed to Wang Wei: technical L4, on Late 15-23, 0/10 email, least load")


def test_an_agent_with_room_on_email_but_full_on_phone_does_not_get_a_phone_ticket(factory) -> None:
    """Li Na holds one call (phone limit 1) and nothing else; Wang Wei holds three emails and no call.
    By the load in all channels Li Na is the lighter; the call goes to Wang Wei, the next one waits,
    and Li Na still takes an email."""
    desk = _desk(factory)
    at = local(2026, 11, 26, 16, 0)
    _technical_queues_on(factory, desk, "phone")
    for name in ("Li Na", "Wang Wei"):
        _limit(factory, desk, name, fallback=5, phone=1, email=10)
    _give(factory, desk, "Li Na", 1, at, queue="tech_phone")
    _give(factory, desk, "Wang Wei", 3, at)
    call = _route(factory, at, queue="tech_phone")
    assert (call.employee_id, call.text) == (
        desk.employees["Wang Wei"], "routed to Wang Wei: technical L4, on Late 15-23, 0/1 phone, least load")
    again = _route(factory, at, queue="tech_phone")
    assert (again.employee_id, again.text) == (
        None, "waits in Technical phone: all 2 agents on shift with technical are at capacity for phone")
    email = _route(factory, at)
    assert (email.employee_id, email.text) == (
        desk.employees["Li Na"], "routed to Li Na: technical L3, on Day 09-18, 0/10 email, least load")
    with factory() as session:
        team = routing.team_now(session, desk.team_id, at)
        li_na = team.candidates[desk.employees["Li Na"]]
        assert (li_na.load_in("phone"), li_na.capacity_in("phone"), li_na.has_room("phone")) == (1, 1, False)
        assert (li_na.load_in("email"), li_na.capacity_in("email"), li_na.has_room("email")) == (1, 10, True)


def test_a_channel_without_its_own_limit_falls_back_to_the_single_number(factory) -> None:
    """Limits of their own for chat only (3); email falls back to max_concurrent_tickets (2), counted on email
    alone: Wang Wei full at 2 emails, Li Na 1/2, then both full; a chat still goes through."""
    desk = _desk(factory)
    at = local(2026, 11, 26, 16, 0)
    _technical_queues_on(factory, desk, "chat")
    for name in ("Li Na", "Wang Wei"):
        _limit(factory, desk, name, fallback=2, chat=3)
    _give(factory, desk, "Li Na", 1, at)
    _give(factory, desk, "Wang Wei", 2, at)
    vip = _route(factory, at, customer_tier="vip")  # Wang Wei, the higher level, is full by the fallback
    assert (vip.employee_id, vip.text) == (
        desk.employees["Li Na"],
        "routed to Li Na: technical L3, on Day 09-18, 1/2 email, VIP customer: highest level first")
    full = _route(factory, at)
    assert (full.employee_id, full.text) == (
        None, "waits in Technical email: all 2 agents on shift with technical are at capacity for email")
    chat = _route(factory, at, queue="tech_chat", customer_tier="vip")  # 2 open in all, yet room on chat
    assert (chat.employee_id, chat.text) == (
        desk.employees["Wang Wei"],
        "routed to Wang Wei: technical L4, on Late 15-23, 0/3 chat, VIP customer: highest level first")


def test_channels_without_a_limit_of_their_own_share_the_single_number(factory) -> None:
    """No limits per channel (a desk from before them): max_concurrent_tickets (2) caps chat and email together,
    as it always did; a chat limit of its own then frees chat from that count."""
    desk = _desk(factory)
    at = local(2026, 11, 26, 16, 0)
    _technical_queues_on(factory, desk, "chat")
    for name in ("Li Na", "Wang Wei"):
        _limit(factory, desk, name, fallback=2)
        _give(factory, desk, name, 1, at)
        _give(factory, desk, name, 1, at, queue="tech_chat")
    assert _route(factory, at).employee_id is None
    assert _route(factory, at, queue="tech_chat").employee_id is None
    _limit(factory, desk, "Wang Wei", fallback=2, chat=3)
    chat = _route(factory, at, queue="tech_chat")
    assert chat.employee_id == desk.employees["Wang Wei"] and "1/3 chat" in chat.text
    assert _route(factory, at).employee_id == desk.employees["Wang Wei"]  # email now counts 1 of 2


def test_solved_tickets_do_not_count_against_capacity(factory) -> None:
    desk = _desk(factory)
    at = local(2026, 11, 26, 16, 0)
    _set(factory, desk, "Wang Wei", max_concurrent_tickets=1)
    _give(factory, desk, "Wang Wei", 1, at)
    with session_scope(factory) as session:
        held = session.scalar(select(Ticket.id).where(Ticket.assignee_id == desk.employees["Wang Wei"]))
        lifecycle.set_status(session, held, "solved", MANAGER, at)
    assert _route(factory, at, customer_tier="vip").employee_id == desk.employees["Wang Wei"]


def test_nobody_eligible_the_ticket_waits_says_why_once_and_the_pass_routes_it_when_someone_comes(factory) -> None:
    desk = _desk(factory)
    evening = local(2026, 11, 26, 20, 0)  # Zhao Li left at 18:00; Zhang Min comes at 23:00
    waiting = _route(factory, evening, queue="vip")
    assert (waiting.employee_id, waiting.text) == (None, "waits in VIP hotline: nobody on shift has vip_care")
    with session_scope(factory) as session:
        again = routing.route_ticket(session, waiting.ticket_id, evening + timedelta(minutes=5))
        report = routing.routing_pass(session, evening + timedelta(minutes=5))
    assert again.text == waiting.text and (report.considered, report.routed) == (0, 0)
    assert _trail(factory, waiting.ticket_id) == [
        ("routing", "routing", {"waiting": "nobody on shift has vip_care", "queue": "vip"})]  # said once
    with session_scope(factory) as session:
        report = routing.routing_pass(session, local(2026, 11, 26, 23, 0))
    assert (report.routed, _assignee(factory, waiting.ticket_id)) == (1, desk.employees["Zhang Min"])


def test_without_a_published_roster_nobody_is_on_shift_and_handover_leaves_tickets_alone(factory) -> None:
    desk = _desk(factory)
    _give(factory, desk, "Li Na", 1, THURSDAY)
    later = THURSDAY + timedelta(days=14)  # two weeks on: no roster has been published for that week
    outcome = _route(factory, later)
    assert outcome.text == "waits in Technical email: nobody is on shift by the published roster"
    with session_scope(factory) as session:
        assert routing.handover_pass(session, later).considered == 0
    with factory() as session:
        held = session.scalars(select(Ticket.assignee_id).where(Ticket.id != outcome.ticket_id)).all()
    assert held == [desk.employees["Li Na"]]


def test_an_inactive_employee_on_the_roster_is_not_routed_to(factory) -> None:
    desk = _desk(factory)
    _set(factory, desk, "Li Na", active=False)
    assert _route(factory, THURSDAY).text == "waits in Technical email: nobody on shift has technical"


def test_assigned_solved_and_closed_tickets_are_left_alone(factory) -> None:
    desk = _desk(factory)
    with session_scope(factory) as session:
        taken = _ticket(session, THURSDAY)
        lifecycle.assign(session, taken, desk.employees["Wang Wei"], MANAGER, THURSDAY)
        solved = _ticket(session, THURSDAY)
        lifecycle.set_status(session, solved, "solved", MANAGER, THURSDAY)
    with session_scope(factory) as session:
        outcomes = [routing.route_ticket(session, ticket_id, THURSDAY) for ticket_id in (taken, solved)]
    assert [(o.employee_id, o.text, o.changed) for o in outcomes] == [
        (desk.employees["Wang Wei"], "already assigned to Wang Wei", False),
        (None, "not routed: the ticket is solved", False),
    ]


# --- the worker's passes ---------------------------------------------------------------


def test_the_pass_serves_the_most_urgent_first_and_skips_queues_nobody_can_work(factory) -> None:
    desk = _desk(factory)
    _set(factory, desk, "Li Na", max_concurrent_tickets=1)
    with session_scope(factory) as session:
        low = _ticket(session, THURSDAY - timedelta(hours=2), priority="low")
        normal = _ticket(session, THURSDAY - timedelta(hours=1))
        urgent = _ticket(session, THURSDAY - timedelta(minutes=5), priority="urgent", category="device_down")
        vip = _ticket(session, THURSDAY - timedelta(hours=3), queue="vip")
    with session_scope(factory) as session:
        report = routing.routing_pass(session, THURSDAY)
    assert (report.considered, report.routed, report.waiting) == (4, 2, 2)
    assert report.by_agent == {desk.employees["Li Na"]: 1, desk.employees["Zhao Li"]: 1}
    assert [_assignee(factory, t) for t in (urgent, normal, low, vip)] == [
        desk.employees["Li Na"], None, None, desk.employees["Zhao Li"]]
    with session_scope(factory) as session:  # the technical queue is full: its tickets are not even read
        assert routing.routing_pass(session, THURSDAY + timedelta(minutes=1)).considered == 0


def test_handover_at_shift_end_goes_to_the_night_shift_or_back_to_the_queue(factory) -> None:
    desk = _desk(factory)
    late = local(2026, 11, 26, 16, 0)
    _set(factory, desk, "Zhang Min", max_concurrent_tickets=1)
    with session_scope(factory) as session:
        urgent = _ticket(session, late, priority="urgent", category="device_down")
        normal = _ticket(session, late)
        for ticket_id in (urgent, normal):
            lifecycle.assign(session, ticket_id, desk.employees["Wang Wei"], MANAGER, late)
    with session_scope(factory) as session:
        assert routing.handover_pass(session, local(2026, 11, 26, 22, 59)).considered == 0  # still on shift
    with session_scope(factory) as session:
        report = routing.handover_pass(session, local(2026, 11, 26, 23, 0))
    assert (report.considered, report.handed_over, report.returned_to_queue) == (2, 1, 1)
    assert (_assignee(factory, urgent), _assignee(factory, normal)) == (desk.employees["Zhang Min"], None)
    assert _trail(factory, urgent)[-1][2] == {
        "from": desk.employees["Wang Wei"], "to": desk.employees["Zhang Min"],
        "reason": "handover: Wang Wei is off shift; routing: technical L2, on Night 23-07, 0/1 email, least load"}
    assert _trail(factory, normal)[-1][2] == {
        "from": desk.employees["Wang Wei"], "to": None,
        "reason": "handover: Wang Wei is off shift; waits in Technical email: "
                  "the one agent on shift with technical is at capacity for email"}
    with session_scope(factory) as session:  # handed over once: a second pass finds nothing to move
        assert routing.handover_pass(session, local(2026, 11, 26, 23, 5)).considered == 0


# --- the demo desk's published roster --------------------------------------------------


def test_on_the_demo_roster_tickets_go_to_the_shift_that_is_on_and_vip_to_the_best_level(demo_db) -> None:
    """The demo's 40 agents work Early 07-15, Day 09-18, Late 15-23 and Night 23-07 (Shanghai). A standard and
    a VIP ticket for every queue at each instant go to agents of exactly the shifts on at that minute, with the
    queue's skill and room; the VIP one to the highest level among them."""
    factory = make_session_factory(make_engine(demo_db[0]))
    shifts_on = {
        local(2026, 11, 26, 10, 35): {"E", "D"},  # mid-morning
        local(2026, 11, 26, 22, 59): {"L"},  # the last minute of the late shift
        local(2026, 11, 26, 23, 0): {"N"},  # the night shift has taken over
        local(2026, 11, 27, 3, 0): {"N"},  # deep in the night
    }
    for at, expected in shifts_on.items():
        routed = 0
        with factory() as session:  # rolled back: each instant starts from the seeded desk
            on_shift_now = {a.employee_id for a in on_shift(session, 1, at)}
            assert set(routing.team_now(session, 1, at).candidates) == on_shift_now  # the desk's rule, read leaner
            for queue in session.scalars(select(Queue).where(Queue.channel != "internal")):
                for tier in ("standard", "vip"):
                    team = routing.team_now(session, queue.team_id, at)
                    with_room = [c for c in team.skilled(queue.skill.code) if c.has_room(queue.channel)]
                    outcome = routing.route_ticket(session, _ticket(session, at, queue.code, customer_tier=tier), at)
                    if not with_room:  # a thin night crew may hold nobody with this skill: the ticket waits
                        assert outcome.employee_id is None, (at, queue.code, outcome)
                        continue
                    routed += 1
                    chosen = team.candidates[outcome.employee_id]
                    assert chosen in with_room and chosen.agent.shift_code in expected, (at, queue.code, outcome)
                    if tier == "vip":
                        best = max(c.agent.skills[queue.skill.code] for c in with_room)
                        assert chosen.agent.skills[queue.skill.code] == best, (at, queue.code, outcome)
            session.rollback()
        assert routed >= 6, (at, routed)  # the three 24x7 queues at least, for both tiers
