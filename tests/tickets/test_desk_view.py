"""The live desk's service: countdowns, queue and agent loads, reassign rules, ticket detail, inbox, web form.

Five crafted tickets on the small desk at Thursday 10:00 Shanghai, one per
countdown state (ok, warning, breached, paused, met), checked against the
minutes worked out by hand from the demo tiers: device down 60 min first
response 24x7 (warning at 80%), VIP complaint 30 min resolution 24x7, normal
inquiry 120 business minutes first response (09:00-18:00).
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from shiftdesk.auth import CurrentUser, PermissionDenied
from shiftdesk.errors import UserError
from store.db import session_scope
from store.enums import Role
from store.schema import Employee, EmployeeChannelLimit, Notification, Ticket
from tests.desk_factory import build_small_desk, local
from tickets import desk_view, lifecycle
from tickets.lifecycle import Actor, NewTicket
from tickets.sla import ClockState

NOW = local(2026, 11, 26, 10, 0)  # Thursday: Li Na and Zhao Li on the day shift; Wang Wei comes at 15:00
CUSTOMER = Actor("customer")
SUBJECTS = ("warning", "breached", "paused", "met", "ok")


def _user(desk, login: str, role: Role, employee: str | None = None) -> CurrentUser:
    return CurrentUser(desk.users[login], login, login, role, desk.employees[employee] if employee else None)


def _five_tickets(factory):
    """The small desk with one ticket per countdown state; returns (desk, {subject: ticket id})."""
    with session_scope(factory) as session:
        desk = build_small_desk(session, NOW)
        create = lambda subject, at, queue="tech_email", **fields: lifecycle.create_ticket(  # noqa: E731
            session, NewTicket(queue=queue, subject=subject, **fields), CUSTOMER, at)[0].id
        ids = {
            "warning": create("warning", NOW - timedelta(minutes=50), category="device_down"),
            "breached": create("breached", NOW - timedelta(minutes=40), queue="vip", customer_tier="vip",
                               category="complaint"),
            "paused": create("paused", local(2026, 11, 26, 9, 0)),
            "met": create("met", local(2026, 11, 26, 9, 5)),
            "ok": create("ok", NOW - timedelta(minutes=10), category="device_down"),
        }
        lifecycle.set_status(session, ids["paused"], "pending", CUSTOMER, local(2026, 11, 26, 9, 30))
        lifecycle.agent_reply(session, ids["met"], "On it", Actor("user:li.na"), local(2026, 11, 26, 9, 35))
        lifecycle.assign(session, ids["warning"], desk.employees["Li Na"], CUSTOMER, NOW - timedelta(minutes=45))
        lifecycle.assign(session, ids["breached"], desk.employees["Wang Wei"], CUSTOMER, NOW - timedelta(minutes=35))
    return desk, ids


def test_each_countdown_state_with_its_remaining_minutes(factory) -> None:
    desk, ids = _five_tickets(factory)
    with factory() as session:
        board = desk_view.desk_board(session, desk.team_id, NOW)
    countdowns = {t.subject: t.countdown for t in board.tickets}
    seen = {subject: (c.state, c.metric, c.remaining_minutes, c.due_at and f"{c.due_at:%H:%M}", c.paused)
            for subject, c in countdowns.items() if c is not None}
    assert seen == {
        "warning": (ClockState.WARNING, "first_response", 10.0, "10:10", False),
        "breached": (ClockState.BREACHED, "resolution", -10.0, "09:50", False),
        "paused": (ClockState.PAUSED, "first_response", 90.0, None, True),
        "ok": (ClockState.OK, "first_response", 50.0, "10:50", False),
    }
    assert countdowns["met"] is None  # answered: no clock runs any more
    assert [t.subject for t in board.tickets] == ["breached", "warning", "ok", "paused", "met"]
    assert [t.subject for t in board.at_risk] == ["breached", "warning"]
    assert {t.subject for t in board.unassigned} == {"paused", "met", "ok"}
    assert board.open_total == 5 and board.local_now.hour == 10


def test_a_ticket_with_no_clock_running_says_how_its_clocks_ended(factory) -> None:
    """The State column: a running clock's state, else "met" or "met late" (answered after the deadline)."""
    desk, _ = _five_tickets(factory)
    with session_scope(factory) as session:
        late = lifecycle.create_ticket(session, NewTicket(queue="tech_email", subject="late", category="device_down"),
                                       CUSTOMER, NOW - timedelta(minutes=90))[0].id
        lifecycle.agent_reply(session, late, "Sorry for the wait", Actor("user:li.na"), NOW - timedelta(minutes=5))
    with factory() as session:
        board = desk_view.desk_board(session, desk.team_id, NOW)
    assert {t.subject: t.state_label for t in board.tickets} == {
        "warning": "warning", "breached": "breached", "paused": "paused", "ok": "ok", "met": "met", "late": "met late"}
    ended = {t.subject: (t.settled.tier, t.settled.metric) for t in board.tickets if t.settled}
    assert set(ended) == {"met", "late"} and ended["late"][1] == "first_response"
    assert not any(t.subject == "late" for t in board.at_risk)


def test_a_board_cut_to_its_limit_keeps_the_most_urgent(factory) -> None:
    desk, _ = _five_tickets(factory)
    with factory() as session:
        board = desk_view.desk_board(session, desk.team_id, NOW, limit=2)
    assert ([t.subject for t in board.tickets], board.open_total) == (["breached", "warning"], 5)


@pytest.mark.parametrize(("minutes", "text"), [
    (45.9, "45 min"), (0.4, "0 min"), (-0.3, "-1 min"), (60, "1 h 00 min"), (125.5, "2 h 05 min"),
    (-70, "-1 h 10 min"),
])
def test_durations_read_as_the_desk_says_them(minutes, text) -> None:
    assert desk_view.minutes_text(minutes) == text


def test_the_countdown_keeps_running_and_turns_with_time(factory) -> None:
    desk, _ = _five_tickets(factory)
    with factory() as session:
        board = desk_view.desk_board(session, desk.team_id, NOW + timedelta(minutes=15))
    states = {t.subject: (t.countdown.state, t.countdown.remaining_minutes) for t in board.tickets if t.countdown}
    assert states["warning"] == (ClockState.BREACHED, -5.0)
    assert states["ok"] == (ClockState.OK, 35.0)
    assert states["paused"] == (ClockState.PAUSED, 90.0)  # frozen while pending


def test_queue_and_agent_loads(factory) -> None:
    desk, _ = _five_tickets(factory)
    with factory() as session:
        board = desk_view.desk_board(session, desk.team_id, NOW)
    queues = {q.code: q for q in board.queues}
    tech = queues["tech_email"]
    assert (tech.new, tech.open, tech.pending, tech.unassigned) == (2, 1, 1, 3)
    assert f"{tech.oldest_waiting_at:%H:%M}" == "09:05" and tech.oldest_waiting_minutes == 55  # "met" is open
    assert (queues["vip"].new, queues["escalations"].oldest_waiting_at) == (1, None)
    agents = {a.name: a for a in board.agents}
    assert {name for name, a in agents.items() if a.on_shift} == {"Li Na", "Zhao Li"}
    li_na = agents["Li Na"]
    assert (li_na.open_tickets, li_na.skills, f"{li_na.until:%H:%M}") == (1, {"technical": 3}, "18:00")
    # Wang Wei is off shift until 15:00 but holds the breached ticket: he is listed, so the ticket can be moved.
    assert (agents["Wang Wei"].on_shift, agents["Wang Wei"].open_tickets) == (False, 1)
    assert "Chen Jie" not in agents  # off shift, nothing assigned


def test_an_agents_capacity_on_the_desk_sums_their_limits_over_the_channels_they_work(factory) -> None:
    """Li Na (technical: the email queue) has her own email limit, 10; Zhao Li (vip_care: the VIP hotline and the
    internal escalations queue) a phone limit of 1, and escalations fall back to her single number, 5."""
    desk, _ = _five_tickets(factory)
    with session_scope(factory) as session:
        session.get_one(Employee, desk.employees["Li Na"]).channel_limits = [
            EmployeeChannelLimit(channel="email", max_concurrent_tickets=10),
            EmployeeChannelLimit(channel="chat", max_concurrent_tickets=3)]  # no chat queue: not counted
        session.get_one(Employee, desk.employees["Zhao Li"]).channel_limits = [
            EmployeeChannelLimit(channel="phone", max_concurrent_tickets=1)]
    with factory() as session:
        agents = {a.name: a for a in desk_view.desk_board(session, desk.team_id, NOW).agents}
    assert (agents["Li Na"].capacity, agents["Zhao Li"].capacity, agents["Wang Wei"].capacity) == (10, 1 + 5, 5)


def test_my_tickets_says_how_full_the_agent_is_per_limit_as_routing_counts(factory) -> None:
    """Zhao Li works the VIP hotline (phone, her own limit 1) and internal escalations (no limit of its own:
    her single number, 5); she holds the breached VIP call. Li Na, without limits of her own, has one line."""
    desk, ids = _five_tickets(factory)
    with session_scope(factory) as session:
        session.get_one(Employee, desk.employees["Zhao Li"]).channel_limits = [
            EmployeeChannelLimit(channel="phone", max_concurrent_tickets=1)]
        lifecycle.assign(session, ids["breached"], desk.employees["Zhao Li"], CUSTOMER, NOW)
    with factory() as session:
        zhao_li = CurrentUser(0, "zhao.li", "Zhao Li", Role.AGENT, desk.employees["Zhao Li"])
        zhao = desk_view.my_tickets(session, zhao_li, NOW)
        li_na = desk_view.my_tickets(session, _user(desk, "li.na", Role.AGENT, "Li Na"), NOW)
    assert [(r.channels, r.open, r.limit) for r in zhao.rooms] == [(("phone",), 1, 1), (("internal",), 0, 5)]
    assert [(r.channels, r.open, r.limit) for r in li_na.rooms] == [(("email",), 1, 5)]


def test_a_manager_reassigns_any_ticket_to_someone_on_shift(factory) -> None:
    desk, ids = _five_tickets(factory)
    manager = _user(desk, "manager", Role.MANAGER)
    with session_scope(factory) as session:
        desk_view.reassign(session, manager, ids["breached"], desk.employees["Zhao Li"], NOW)
    with factory() as session:
        ticket = session.get_one(Ticket, ids["breached"])
        assert ticket.assignee_id == desk.employees["Zhao Li"]
        event = ticket.events[-1]
        assert (event.kind, event.actor, event.actor_user_id, event.data["reason"]) == (
            "assigned", "user:manager", desk.users["manager"], "reassigned on the desk")


@pytest.mark.parametrize(("who", "ticket", "to", "refusal"), [
    ("li.na", "breached", "Zhao Li", "you may reassign only tickets assigned to you"),
    ("li.na", "ok", "Zhao Li", "you may reassign only tickets assigned to you"),
    ("manager", "ok", "Wang Wei", "Wang Wei is not on shift now"),
    ("manager", "warning", "Li Na", "already assigned to Li Na"),
])
def test_reassign_refusals_change_nothing(factory, who, ticket, to, refusal) -> None:
    desk, ids = _five_tickets(factory)
    user = _user(desk, who, Role.MANAGER if who == "manager" else Role.AGENT, None if who == "manager" else "Li Na")
    with factory() as session:
        before = session.get_one(Ticket, ids[ticket])
        trail = (before.assignee_id, len(before.events))
    with pytest.raises(UserError, match=refusal) as raised, session_scope(factory) as session:
        desk_view.reassign(session, user, ids[ticket], desk.employees[to], NOW)
    assert isinstance(raised.value, PermissionDenied) == refusal.startswith("you may")
    with factory() as session:
        after = session.get_one(Ticket, ids[ticket])
        assert (after.assignee_id, len(after.events)) == trail


def test_an_agent_hands_over_her_own_ticket(factory) -> None:
    desk, ids = _five_tickets(factory)
    li_na = _user(desk, "li.na", Role.AGENT, "Li Na")
    with session_scope(factory) as session:
        desk_view.reassign(session, li_na, ids["warning"], desk.employees["Zhao Li"], NOW)
    with factory() as session:
        assert session.get_one(Ticket, ids["warning"]).assignee_id == desk.employees["Zhao Li"]


def test_ticket_detail_has_the_trail_and_every_clock(factory) -> None:
    desk, ids = _five_tickets(factory)
    li_na = _user(desk, "li.na", Role.AGENT, "Li Na")
    with session_scope(factory) as session:
        desk_view.note(session, li_na, ids["met"], "Customer called back", NOW)
        desk_view.reply(session, li_na, ids["paused"], "Found it", NOW, then_status="solved")
    with factory() as session:
        met = desk_view.ticket_detail(session, ids["met"], NOW)
        solved = desk_view.ticket_detail(session, ids["paused"], NOW)
    assert [(e.kind, e.text) for e in met.trail] == [
        ("created", "created in tech_email: normal inquiry, standard customer, by email"),
        ("agent_reply", "On it"),
        ("status", "status new → open"),
        ("note", "Customer called back"),
    ]
    assert f"{met.trail[0].at:%H:%M}" == "09:05" and met.trail[-1].actor == "user:li.na"
    clock = met.clocks[0]
    assert (clock.metric, clock.state, clock.remaining_minutes, f"{clock.fulfilled_at:%H:%M}") == (
        "first_response", ClockState.MET, 90.0, "09:35")
    assert met.next_statuses == ["pending", "solved"]
    assert (solved.status, solved.clocks[0].state, solved.next_statuses) == ("solved", ClockState.MET,
                                                                             ["closed", "open"])


def test_detail_names_people_in_assignments(factory) -> None:
    desk, ids = _five_tickets(factory)
    with session_scope(factory) as session:
        desk_view.reassign(session, _user(desk, "manager", Role.MANAGER), ids["breached"], desk.employees["Zhao Li"],
                           NOW)
    with factory() as session:
        trail = desk_view.ticket_detail(session, ids["breached"], NOW).trail
    assert [e.text for e in trail if e.kind == "assigned"] == [
        "assigned nobody → Wang Wei", "assigned Wang Wei → Zhao Li (reassigned on the desk)"]


def test_inbox_newest_first_unread_marked_and_only_own_rows_marked_read(factory) -> None:
    with session_scope(factory) as session:
        desk = build_small_desk(session, NOW)
        for minutes, user, status in ((0, "li.na", "sent"), (5, "li.na", "sent"), (6, "li.na", "pending"),
                                      (7, "wang.wei", "sent")):
            session.add(Notification(
                idempotency_key=f"k{minutes}", channel="in_app", recipient=str(desk.users[user]),
                recipient_user_id=desk.users[user], subject=f"SLA warning {minutes}", status=status,
                next_attempt_at=NOW, created_at=NOW + timedelta(minutes=minutes),
            ))
    li_na, wang_wei = _user(desk, "li.na", Role.AGENT, "Li Na"), _user(desk, "wang.wei", Role.AGENT, "Wang Wei")
    with factory() as session:
        items = desk_view.inbox(session, li_na, desk.team_id)
        assert [(i.subject, i.unread, f"{i.at:%H:%M}") for i in items] == [
            ("SLA warning 5", True, "10:05"), ("SLA warning 0", True, "10:00")]  # not yet delivered: not shown
        others = [i.id for i in desk_view.inbox(session, wang_wei, desk.team_id)]
    with session_scope(factory) as session:
        desk_view.mark_as_read(session, li_na, [items[0].id, *others], NOW + timedelta(minutes=9))
    with factory() as session:
        assert [i.unread for i in desk_view.inbox(session, li_na, desk.team_id)] == [False, True]
        assert desk_view.unread_count(session, li_na) == 1
        assert desk_view.unread_count(session, wang_wei) == 1  # his row was not hers to mark


def test_the_web_form_creates_with_defaults_and_refuses_bad_input(factory) -> None:
    with session_scope(factory) as session:
        desk = build_small_desk(session, NOW)
    li_na = _user(desk, "li.na", Role.AGENT, "Li Na")
    with factory() as session:
        form = desk_view.ticket_form(session, desk.team_id)
    assert [code for code, _, _ in form.queues] == ["tech_email", "vip"]  # not the internal escalations queue
    assert (form.default_priority, form.default_customer_tier, form.default_category) == ("normal", "standard",
                                                                                         "inquiry")
    assert "inquiry" in form.categories and "internal" not in form.channels
    with session_scope(factory) as session:
        created = desk_view.create_from_form(session, li_na, NewTicket(queue="tech_email", subject="Printer"), NOW)
    assert (created.queue, created.sla_tier, f"{created.next_due_at:%H:%M}") == ("Technical email",
                                                                                 "Normal inquiry", "12:00")
    with pytest.raises(UserError, match="subject is empty"), session_scope(factory) as session:
        desk_view.create_from_form(session, li_na, NewTicket(queue="tech_email", subject="  "), NOW)
    with pytest.raises(UserError, match="unknown priority 'asap'"), session_scope(factory) as session:
        desk_view.create_from_form(session, li_na, NewTicket(queue="vip", subject="x", priority="asap"), NOW)
    with factory() as session:
        assert session.scalar(select(func.count()).select_from(Ticket)) == 1
