"""Intake end to end: what the sender left open is classified (or left to a person), then routed, and
at night a 24x7 tier pages the engineer on duty; one transaction, nothing half-written."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from shiftdesk.errors import UserError
from store.db import session_scope
from store.schema import Page, Queue, Ticket
from tests.desk_factory import local
from tests.tickets.test_classify_service import desk_with_fixture_tickets
from tickets.classify_service import train_targets
from tickets.intake import TRIAGE_QUEUE, open_ticket
from tickets.lifecycle import Actor, NewTicket

DAY = local(2026, 11, 26, 10, 0)  # Li Na (technical, day shift) is working
NIGHT = local(2026, 11, 27, 2, 0)  # Zhang Min (technical + VIP care, night shift) is on duty
SHOP = Actor("api:shop")


@pytest.fixture
def trained(factory):
    """The small desk with 48 labelled Chinese/English tickets and a classifier trained on them."""
    desk_with_fixture_tickets(factory)
    with session_scope(factory) as session:
        train_targets(session, DAY)
        session.add(Queue(team_id=1, code=TRIAGE_QUEUE, name="Triage", channel="internal", skill_id=1))
    return factory


def test_open_fields_are_classified_then_the_ticket_is_routed(trained) -> None:
    with session_scope(trained) as session:
        opened = open_ticket(session, NewTicket(queue=None, subject="无法登录", body="输入验证码后一直提示登录失败"),
                             SHOP, DAY)
        ticket = opened.ticket
        assert opened.created and set(opened.suggested) | set(opened.triage) == {"queue", "category", "priority"}
        assert opened.suggested.get("queue") == "tech_email" and ticket.queue.code == "tech_email"
        assert opened.suggested.get("category") == "login" == ticket.category
        assert ticket.assignee.name == "Li Na" and opened.routing.startswith("routed to Li Na")
        assert not opened.paged  # daytime


def test_what_the_sender_gave_is_kept(trained) -> None:
    with session_scope(trained) as session:
        opened = open_ticket(session, NewTicket(queue="vip", subject="无法登录", category="billing", priority="low"),
                             SHOP, DAY)
        assert opened.suggested == {} and opened.triage == {}
        assert (opened.ticket.queue.code, opened.ticket.category, opened.ticket.priority.value) == ("vip", "billing", "low")


def test_a_queue_nobody_can_choose_goes_to_triage_and_is_not_routed(factory) -> None:
    desk_with_fixture_tickets(factory)
    with session_scope(factory) as session:
        train_targets(session, DAY, ["category", "priority"])  # no queue model: nothing can choose one
        session.add(Queue(team_id=1, code=TRIAGE_QUEUE, name="Triage", channel="internal", skill_id=1))
    with session_scope(factory) as session:
        opened = open_ticket(session, NewTicket(queue=None, subject="无法登录", body="验证码收不到"), SHOP, DAY)
        ticket = opened.ticket
        assert ticket.queue.code == TRIAGE_QUEUE and ticket.assignee_id is None
        assert opened.triage.get("queue") == "" and opened.suggested.get("category") == "login"
        (note,) = [e for e in ticket.events if e.kind == "triage"]
        assert "queue unknown" in note.data["note"]


def test_a_night_device_down_ticket_is_routed_to_the_duty_and_paged(trained) -> None:
    with session_scope(trained) as session:
        opened = open_ticket(session, NewTicket(queue="vip", subject="设备无法开机", category="device_down",
                                                priority="urgent"), SHOP, NIGHT)
        assert opened.paged and opened.ticket.assignee.name == "Zhang Min"
        page = session.scalars(select(Page).where(Page.ticket_id == opened.ticket.id)).one()
        assert (page.step, page.recipient_name) == (1, "Zhang Min")


def test_a_retry_with_the_same_external_id_does_nothing_twice(trained) -> None:
    new = NewTicket(queue="vip", subject="设备无法开机", category="device_down", external_id="SHOP-9")
    with session_scope(trained) as session:
        first = open_ticket(session, new, SHOP, NIGHT)
    with session_scope(trained) as session:
        again = open_ticket(session, new, SHOP, NIGHT)
        assert not again.created and again.ticket.id == first.ticket.id and not again.paged
        assert session.scalar(select(func.count()).select_from(Page)) == 1


def test_no_queue_and_no_triage_queue_is_refused_and_stores_nothing(factory) -> None:
    desk_with_fixture_tickets(factory)
    with factory() as session:
        before = session.scalar(select(func.count()).select_from(Ticket))
    with pytest.raises(UserError, match="no queue given"):
        with session_scope(factory) as session:
            open_ticket(session, NewTicket(queue=None, subject="hello"), SHOP, DAY)
    with factory() as session:
        assert session.scalar(select(func.count()).select_from(Ticket)) == before
