"""The live desk, SLA report, inbox and web form pages, driven through AppTest on the demo desk.

The page clock is pinned a few minutes after the demo was seeded, so what the
pages show does not depend on when the suite runs; Streamlit's data cache is
cleared per test because each test has its own copy of the database.
"""

from __future__ import annotations

from datetime import timedelta

import pandas as pd
import pytest
from sqlalchemy import func, select
from streamlit.testing.v1 import AppTest

from shiftdesk.auth import as_current_user
from store.db import make_engine, make_session_factory
from store.schema import Notification, Queue, Ticket, TicketEvent, User
from tests.conftest import FIXED_NOW, REPO_ROOT
from tickets.on_shift import on_shift

PINNED = FIXED_NOW + timedelta(minutes=5)


@pytest.fixture
def database(demo_db):
    factory = make_session_factory(make_engine(demo_db[0]))
    return factory


def _table(at: AppTest, key: str) -> pd.DataFrame:
    """The data of the table drawn inside the container with that key."""
    return at.get_by_key(key).dataframe[0].value


def _user(session, login: str) -> User:
    return session.scalar(select(User).where(User.login == login))


def test_the_manager_sees_the_live_desk(open_page, database) -> None:
    at = open_page("manager", "views/desk.py")
    assert [t.value for t in at.title] == ["Live desk"]
    metrics = {m.label: int(m.value) for m in at.metric}
    with database() as session:
        assert metrics["Agents on shift"] == len(on_shift(session, 1, PINNED)) > 5
        open_count = session.scalar(select(func.count()).select_from(Ticket).where(
            Ticket.status.in_(["new", "open", "pending"])))
        queue_count = session.scalar(select(func.count()).select_from(Queue).where(Queue.team_id == 1))
    assert queue_count >= 8
    assert metrics["Open tickets"] == open_count > 20 and 0 < metrics["Unassigned"] < open_count
    at_risk = _table(at, "at_risk")
    assert len(at_risk) == metrics["At risk"] > 0
    assert set(at_risk["State"]) <= {"warning", "breached"}
    assert (at_risk["State"] == "breached").sum() == metrics["Breached"]
    open_tickets = _table(at, "open_tickets")
    assert len(open_tickets) == open_count and {"ok", "breached", "paused"} <= set(open_tickets["State"])
    # what a manager triages on comes first, in view without scrolling sideways
    assert list(open_tickets.columns[:7]) == ["Ticket", "State", "Time left", "Due", "Priority", "Status", "Assignee"]
    assert len(_table(at, "unassigned")) == metrics["Unassigned"]
    assert [s.value for s in at.subheader] == ["At risk", "Reassign", "Ticket"]
    assert [t.label for t in at.tabs] == ["Open tickets", "Unassigned", "Queues", "Agents"]
    assert len(_table(at, "queues")) == queue_count and len(_table(at, "agents")) >= metrics["Agents on shift"]


def test_the_manager_reassigns_a_ticket_from_the_page(open_page, database) -> None:
    at = open_page("manager", "views/desk.py")
    ticket_id = int(_table(at, "at_risk")["Ticket"].iloc[0])
    with database() as session:
        holder = session.get_one(Ticket, ticket_id).assignee_id
        to = next(a for a in on_shift(session, 1, PINNED) if a.employee_id != holder)
    at.selectbox(key="reassign_ticket").set_value(ticket_id)
    at.selectbox(key="reassign_agent").set_value(to.employee_id).run()
    at.button(key="reassign_go").click().run()
    assert not at.exception
    assert [s.value for s in at.success] == [f"Ticket #{ticket_id} reassigned to {to.name}."]
    with database() as session:
        ticket = session.get_one(Ticket, ticket_id)
        assert (ticket.assignee_id, ticket.events[-1].actor) == (to.employee_id, "user:manager")


def test_an_agent_may_hand_over_only_her_own_tickets(open_page, database) -> None:
    at = open_page("agent", "views/desk.py")
    with database() as session:
        employee_id = _user(session, "agent").employee_id
        own = set(session.scalars(select(Ticket.id).where(
            Ticket.assignee_id == employee_id, Ticket.status.in_(("new", "open", "pending")))))
    assert own, "the demo agent holds open tickets"
    assert {int(label.split(" ")[0].lstrip("#")) for label in at.selectbox(key="reassign_ticket").options} == own


def test_ticket_detail_with_a_note_and_a_refused_reply(open_page, database) -> None:
    at = open_page("agent", "views/desk.py")
    ticket_id = int(_table(at, "open_tickets")["Ticket"].iloc[0])
    at.selectbox(key="detail_ticket").set_value(ticket_id).run()
    assert not at.exception
    trail = _table(at, "trail")
    assert trail["What"].iloc[0] == "created"
    assert len(_table(at, "clocks")) >= 1
    with database() as session:
        events_before = session.scalar(select(func.count()).where(TicketEvent.ticket_id == ticket_id))

    at.text_area(key="reply_body").input("   ")
    at.button(key="FormSubmitter:reply-Send reply").click().run()
    assert [e.value for e in at.error] == ["body is empty"]
    at.text_area(key="note_body").input("Called the customer back")
    at.button(key="FormSubmitter:note-Add note").click().run()
    assert [s.value for s in at.success] == [f"Note added to ticket #{ticket_id}."]
    assert (at.text_area(key="note_body").value, at.selectbox(key="detail_ticket").value) == ("", ticket_id)
    with database() as session:
        events = session.scalars(select(TicketEvent).where(TicketEvent.ticket_id == ticket_id)
                                 .order_by(TicketEvent.id)).all()
        assert len(events) == events_before + 1
        assert (events[-1].kind, events[-1].actor, events[-1].data["body"]) == (
            "note", "user:agent", "Called the customer back")


def test_the_sla_report_for_a_manager(open_page) -> None:
    at = open_page("manager", "views/sla_report.py")
    assert [t.value for t in at.title] == ["SLA report"]
    shares = {m.label: m.value for m in at.metric}
    assert set(shares) == {"Device down · first response", "Normal inquiry · first response",
                           "VIP complaint · resolution"}
    assert all(value.endswith("%") for value in shares.values())
    daily = _table(at, "daily")
    assert {"Period", "SLA", "Met", "Breached", "Attainment"} <= set(daily.columns) and len(daily) >= 3 * 14
    breaches = next(s.value for s in at.subheader if s.value.startswith("Breaches"))
    breach_count = int(breaches.removeprefix("Breaches (").rstrip(")").replace(",", ""))
    assert breach_count > 20
    assert len(_table(at, "breaches")) == min(breach_count, 200)  # the latest 200 are listed
    assert "No escalation step fired in these days." in [i.value for i in at.info]  # the worker has not run


@pytest.mark.parametrize("login", ["agent", "planner"])
def test_the_sla_report_is_refused_without_sla_view(app_as, login, demo_db, monkeypatch) -> None:
    at = app_as(login)
    with pytest.raises(ValueError, match="Could not find a navigation page"):
        at.switch_page("views/sla_report.py")  # not in this role's navigation
    # Opened directly (a stale link), the page itself refuses.
    with make_session_factory(make_engine(demo_db[0]))() as session:
        user = as_current_user(_user(session, login))
    direct = AppTest.from_file(str(REPO_ROOT / "views" / "sla_report.py"), default_timeout=60)
    direct.session_state["current_user"] = user
    direct.run()
    assert [e.value for e in direct.error] == [f"Your role ({login}) may not open this page."]
    assert not direct.title and not direct.metric


def test_the_inbox_lists_newest_first_and_marks_read(open_page, database) -> None:
    with database() as session:
        agent = _user(session, "agent")
        agent_id = agent.id
        for minutes in (1, 2):
            session.add(Notification(
                idempotency_key=f"test-{minutes}", channel="in_app", recipient=str(agent.id),
                recipient_user_id=agent.id, subject=f"SLA warning: ticket #{minutes}", body="due soon",
                status="sent", next_attempt_at=PINNED, created_at=PINNED - timedelta(minutes=10 - minutes),
            ))
        session.commit()
    at = open_page("agent", "views/inbox.py")
    assert [m.value for m in at.markdown if "SLA warning" in m.value] == [
        "**SLA warning: ticket #2**", "**SLA warning: ticket #1**"]
    assert at.caption[0].value.startswith("2 unread")
    newest = max(int(b.key.removeprefix("read_")) for b in at.button if b.key and b.key[5:].isdigit())
    at.button(key=f"read_{newest}").click().run()
    assert at.caption[0].value.startswith("1 unread")
    assert [m.value for m in at.markdown if "SLA warning" in m.value] == [
        "SLA warning: ticket #2", "**SLA warning: ticket #1**"]
    at.button(key="read_all").click().run()
    with database() as session:
        assert session.scalar(select(func.count()).where(Notification.recipient_user_id == agent_id,
                                                          Notification.read_at.is_(None))) == 0


def test_the_web_form_creates_a_ticket(open_page, database) -> None:
    at = open_page("agent", "views/new_ticket.py")
    at.selectbox(key="nt_queue").set_value("tech_email")
    at.text_input(key="nt_subject").input("Screen flickers after update")
    at.text_input(key="nt_customer_email").input("kim@example.com")
    at.button(key="FormSubmitter:new_ticket-Create ticket").click().run()
    assert not at.error
    message = at.success[0].value
    assert message.startswith("Ticket #") and "created in Technical email (SLA tier Normal inquiry" in message
    with database() as session:
        ticket = session.get_one(Ticket, int(message.removeprefix("Ticket #").split(" ")[0]))
        assert (ticket.subject, ticket.channel.value, ticket.priority.value, ticket.category) == (
            "Screen flickers after update", "email", "normal", "inquiry")
        assert (ticket.customer_email, ticket.events[0].actor) == ("kim@example.com", "user:agent")


def test_the_web_form_refuses_bad_input_keeps_it_and_stores_nothing(open_page, database) -> None:
    with database() as session:
        before = session.scalar(select(func.count()).select_from(Ticket))
    at = open_page("agent", "views/new_ticket.py")
    at.text_input(key="nt_subject").input("   ")
    at.text_area(key="nt_body").input("My parcel is stuck in customs since Monday.")
    at.button(key="FormSubmitter:new_ticket-Create ticket").click().run()
    assert (not at.success, [e.value for e in at.error]) == (True, ["subject is empty"])
    assert at.text_area(key="nt_body").value == "My parcel is stuck in customs since Monday."  # nothing typed is lost
    with database() as session:
        assert session.scalar(select(func.count()).select_from(Ticket)) == before
