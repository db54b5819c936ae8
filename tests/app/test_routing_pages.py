"""The live desk's routing view and the agent's "my tickets" page, driven through AppTest on the demo desk.

The page clock is pinned just after the demo was seeded (Thursday 10:35 in
Shanghai: the early and day shifts are on). Expected figures are counted
from the database and from routing's own reading of the desk, not typed in.
"""

from __future__ import annotations

from collections import Counter

import pandas as pd
import pytest
from sqlalchemy import func, select
from streamlit.testing.v1 import AppTest

from store.db import make_engine, make_session_factory
from store.schema import EmployeeChannelLimit, EmployeeSkill, Queue, Ticket, TicketEvent, User
from tests.app.conftest import PAGE_NOW
from tickets import routing
from tickets.on_shift import on_shift

OPEN = ("new", "open", "pending")


@pytest.fixture
def database(demo_db):
    return make_session_factory(make_engine(demo_db[0]))


def _table(at: AppTest, key: str) -> pd.DataFrame:
    return at.get_by_key(key).dataframe[0].value


def _routing_view(at: AppTest) -> AppTest:
    at.segmented_control(key="desk_view").set_value("Routing").run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def test_the_routing_view_shows_who_can_take_each_queue_and_the_waiting_tickets(open_page, database) -> None:
    at = _routing_view(open_page("manager", "views/desk.py"))
    with database() as session:
        team = routing.team_now(session, 1, PAGE_NOW)
        working = on_shift(session, 1, PAGE_NOW)
        unassigned = session.scalars(select(Ticket.id).where(Ticket.assignee_id.is_(None),
                                                             Ticket.status.in_(OPEN))).all()
        queue_count = session.scalar(select(func.count()).select_from(Queue).where(Queue.team_id == 1))
        channels = [(q.skill.code, q.channel) for q in session.scalars(select(Queue).where(Queue.team_id == 1))]
    metrics = {m.label: int(m.value) for m in at.metric}
    assert metrics["Agents on shift"] == len(working) > 5 and metrics["Unassigned"] == len(unassigned) > 0
    assert [s.value for s in at.subheader] == ["Queues", "On shift now", "Unassigned tickets", "Route", "Reassign"]
    skills = _table(at, "skills_on_shift").set_index("Skill")
    for skill in ("billing", "technical", "vip_care"):
        assert skills.loc[skill, "On shift"] == len(team.skilled(skill))
        assert skills.loc[skill, "With room"] == sum(  # room in the channel of one of the skill's queues
            any(c.has_room(channel) for code, channel in channels if code == skill) for c in team.skilled(skill))
    cover = _table(at, "cover").set_index("Agent")
    assert set(cover.index) == {c.agent.name for c in team.candidates.values()}
    li_na = next(c for c in team.candidates.values() if c.agent.name == "Li Na")
    assert cover.loc["Li Na", "Open"] == f"{li_na.load}/{li_na.capacity}"
    assert cover.loc["Li Na", "technical"] == f"L{li_na.agent.skills['technical']}"
    queues = _table(at, "routing_queues").set_index("Queue")
    assert len(queues) == queue_count and queues["Unassigned"].sum() == len(unassigned)
    assert set(_table(at, "routing_unassigned")["Ticket"]) == set(unassigned)


def test_route_now_gives_the_ticket_to_the_agent_routing_picks_and_says_so(open_page, database) -> None:
    at = _routing_view(open_page("manager", "views/desk.py"))
    ticket_id = int(_table(at, "routing_unassigned")["Ticket"].iloc[0])
    at.selectbox(key="route_ticket").set_value(ticket_id).run()
    at.button(key="route_one").click().run()
    assert not at.exception
    with database() as session:
        ticket = session.get_one(Ticket, ticket_id)
        assert ticket.assignee_id is not None and ticket.assignee is not None
        event = ticket.events[-1]
    assert (event.kind, event.actor, event.data["to"]) == ("assigned", "user:manager", ticket.assignee_id)
    assert [s.value for s in at.success] == [
        f"Ticket #{ticket_id} routed to {ticket.assignee.name}: {event.data['reason'].removeprefix('routing: ')}."]
    assert at.segmented_control(key="desk_view").value == "Routing"  # the view stays where the manager was


def test_route_all_waiting_runs_one_pass_and_reports_it(open_page, database) -> None:
    at = _routing_view(open_page("manager", "views/desk.py"))
    at.button(key="route_all").click().run()
    with database() as session:
        routed = session.scalars(select(TicketEvent.ticket_id).where(
            TicketEvent.kind == "assigned", TicketEvent.actor == "routing")).all()
        still = session.scalars(select(Ticket.id).where(Ticket.assignee_id.is_(None),
                                                        Ticket.status.in_(OPEN))).all()
    assert routed and not still  # the demo's new tickets all find an agent with room at 10:35
    assert [s.value for s in at.success] == [
        f"Routed {len(routed)} of {len(routed)} tickets; 0 wait for an agent with room.",
        "Every open ticket has an agent."]


def test_an_agent_sees_the_routing_view_without_the_route_buttons(open_page) -> None:
    at = _routing_view(open_page("agent", "views/desk.py"))
    assert "Route" not in [s.value for s in at.subheader]
    assert not [b for b in at.button if b.key in ("route_one", "route_all")]
    assert at.selectbox(key="reassign_ticket").options  # her own tickets can still be handed over


def test_my_tickets_lists_the_agents_open_tickets_with_countdowns(open_page, database) -> None:
    at = open_page("agent", "views/my_tickets.py")
    with database() as session:
        agent = session.scalar(select(User).where(User.login == "agent"))
        own = set(session.scalars(select(Ticket.id).where(Ticket.assignee_id == agent.employee_id,
                                                          Ticket.status.in_(OPEN))))
        shift = next(a for a in on_shift(session, 1, PAGE_NOW) if a.employee_id == agent.employee_id)
        skills = set(session.scalars(select(EmployeeSkill.skill_id).where(EmployeeSkill.employee_id ==
                                                                          agent.employee_id)))
        worked = set(session.scalars(select(Queue.channel).where(Queue.team_id == 1, Queue.skill_id.in_(skills))))
        held = Counter(session.scalars(select(Queue.channel).join(Ticket, Ticket.queue_id == Queue.id).where(
            Ticket.id.in_(own))))
        limits = {c: n for c, n in session.execute(select(EmployeeChannelLimit.channel,
                                                         EmployeeChannelLimit.max_concurrent_tickets).where(
            EmployeeChannelLimit.employee_id == agent.employee_id)) if c in worked}
    assert [t.value for t in at.title] == ["My tickets"] and own and limits
    mine = _table(at, "my_tickets")
    assert set(mine["Ticket"]) == own
    assert {m.label: int(m.value) for m in at.metric}["My open tickets"] == len(own)
    caption = at.caption[0].value
    assert caption.startswith(f"Li Na · on {shift.shift_name} until 15:00 · {len(own)} open tickets (room: ")
    for channel, limit in limits.items():  # her own limit per channel, against what she holds in it
        assert f"{channel.value} {held[channel]}/{limit}" in caption
    assert set(mine["State"]) <= {"ok", "warning", "breached", "paused", "met", "met late", "no SLA"}


def test_my_tickets_reply_and_status_go_through_the_desk_actions(open_page, database) -> None:
    at = open_page("agent", "views/my_tickets.py")
    ticket_id = int(_table(at, "my_tickets")["Ticket"].iloc[0])
    before = {m.label: int(m.value) for m in at.metric}["My open tickets"]
    at.selectbox(key="my_ticket").set_value(ticket_id).run()
    assert _table(at, "my_trail")["What"].iloc[0] == "created"
    at.text_area(key="my_reply_body").input("   ")
    at.button(key="FormSubmitter:my_reply-Send reply").click().run()
    assert [e.value for e in at.error] == ["body is empty"]
    at.text_area(key="my_reply_body").input("We have reset your account; please try again.")
    at.selectbox(key="my_reply_then").set_value("pending")
    at.button(key="FormSubmitter:my_reply-Send reply").click().run()
    assert [s.value for s in at.success] == [f"Reply sent on ticket #{ticket_id}."]
    with database() as session:
        ticket = session.get_one(Ticket, ticket_id)
        kinds = [(e.kind, e.actor) for e in ticket.events[-2:]]
    assert ticket.status.value == "pending" and ("agent_reply", "user:agent") in kinds
    at.selectbox(key="my_ticket").set_value(ticket_id).run()
    at.selectbox(key="my_new_status").set_value("solved")
    at.button(key="FormSubmitter:my_status-Change status").click().run()
    with database() as session:
        assert session.get_one(Ticket, ticket_id).status.value == "solved"
    assert {m.label: int(m.value) for m in at.metric}["My open tickets"] == before - 1  # solved: no longer open


def test_a_manager_without_an_employee_record_is_told_so(open_page) -> None:
    at = open_page("manager", "views/my_tickets.py")
    assert [i.value for i in at.info] == ["Your login is not linked to an employee, so no tickets are routed to you."]
