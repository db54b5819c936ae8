"""Ticket lifecycle on SQLite and PostgreSQL: audit trail, stored deadlines, clear refusals."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from shiftdesk.errors import UserError
from store.db import session_scope
from store.schema import Ticket, TicketSlaClock
from tests.desk_factory import build_small_desk, local
from tickets import lifecycle
from tickets.lifecycle import Actor, NewTicket

NOW = local(2026, 11, 26, 10, 0)  # Thursday, an ordinary working day in Shanghai
AGENT = Actor("user:li.na")


def _desk(factory):
    with session_scope(factory) as session:
        return build_small_desk(session, NOW)


def _create(factory, at=NOW, **fields):
    with session_scope(factory) as session:
        ticket, created = lifecycle.create_ticket(
            session, NewTicket(**{"queue": "tech_email", "subject": "App crashes", **fields}), AGENT, at
        )
        return ticket.id, created


def test_new_ticket_has_its_deadlines_and_an_audit_trail(factory) -> None:
    _desk(factory)
    ticket_id, created = _create(factory, body="Crashes on start", external_id="MAIL-1")
    assert created
    with factory() as session:
        ticket = session.get_one(Ticket, ticket_id)
        assert ticket.sla_tier == "Normal inquiry" and ticket.status.value == "new"
        assert ticket.first_response_due_at == local(2026, 11, 26, 12, 0)  # 2 business hours
        assert ticket.sla_next_check_at == local(2026, 11, 26, 11, 36)  # warning at 80%
        assert [e.kind for e in ticket.events] == ["created"]
        assert ticket.events[0].actor == "user:li.na"
        assert ticket.escalation_snapshot["steps"][0]["id"] == "warn-assignee"


def test_after_hours_ticket_is_due_next_business_morning(factory) -> None:
    _desk(factory)
    ticket_id, _ = _create(factory, at=local(2026, 11, 27, 17, 30))  # Friday 17:30
    with factory() as session:
        ticket = session.get_one(Ticket, ticket_id)
        assert ticket.first_response_due_at == local(2026, 11, 30, 10, 30)  # Monday: 30 min + 90 min


def test_external_id_makes_creation_idempotent(factory) -> None:
    _desk(factory)
    first, created = _create(factory, external_id="MAIL-7")
    second, again = _create(factory, external_id="MAIL-7", subject="a retry with another subject")
    assert created and not again and first == second
    with factory() as session:
        assert session.scalar(select(func.count()).select_from(Ticket)) == 1


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"queue": "nope"}, "unknown queue 'nope' (known queues: escalations, tech_email, vip)"),
        ({"subject": "  "}, "subject is empty"),
        ({"priority": "asap"}, "unknown priority 'asap' (allowed: low, normal, high, urgent)"),
        ({"channel": "fax"}, "unknown channel 'fax'"),
        ({"body": "x" * 100_001}, "body is too long: 100001 characters (limit 100000)"),
    ],
)
def test_bad_input_is_refused_and_nothing_is_stored(factory, fields, message) -> None:
    _desk(factory)
    with pytest.raises(UserError, match=message.replace("(", r"\(").replace(")", r"\)")):
        _create(factory, **fields)
    with factory() as session:
        assert session.scalar(select(func.count()).select_from(Ticket)) == 0


def test_status_rules_and_reopen(factory) -> None:
    _desk(factory)
    ticket_id, _ = _create(factory)
    with session_scope(factory) as session:
        with pytest.raises(UserError, match=f"ticket #{ticket_id}: cannot go from new to closed"):
            lifecycle.set_status(session, ticket_id, "closed", AGENT, NOW)
    steps = [("agent_reply", 10), ("solved", 30), ("customer_reply", 60), ("solved", 70), ("closed", 80)]
    for step, minutes in steps:
        with session_scope(factory) as session:
            at = NOW + timedelta(minutes=minutes)
            if step == "agent_reply":
                lifecycle.agent_reply(session, ticket_id, "We are on it", AGENT, at)
            elif step == "customer_reply":
                lifecycle.customer_reply(session, ticket_id, "Still broken", Actor("customer"), at)
            else:
                lifecycle.set_status(session, ticket_id, step, AGENT, at)
    with session_scope(factory) as session:
        ticket = session.get_one(Ticket, ticket_id)
        moves = [(e.data["from"], e.data["to"]) for e in ticket.events if e.kind == "status"]
        assert moves == [("new", "open"), ("open", "solved"), ("solved", "open"), ("open", "solved"),
                         ("solved", "closed")]
        assert ticket.first_response_at == NOW + timedelta(minutes=10)
        with pytest.raises(UserError, match="is closed; open a follow-up ticket instead"):
            lifecycle.customer_reply(session, ticket_id, "one more thing", Actor("customer"), NOW + timedelta(hours=2))


def test_pending_pauses_the_resolution_clock(factory) -> None:
    _desk(factory)
    ticket_id, _ = _create(factory, queue="vip", customer_tier="vip", category="complaint")
    with factory() as session:
        assert session.get_one(Ticket, ticket_id).resolution_due_at == NOW + timedelta(minutes=30)
    with session_scope(factory) as session:
        lifecycle.agent_reply(session, ticket_id, "Checking with logistics", AGENT, NOW + timedelta(minutes=10),
                              then_status="pending")
    with factory() as session:
        ticket = session.get_one(Ticket, ticket_id)
        assert ticket.status.value == "pending" and ticket.resolution_due_at is None  # paused: unknown yet
        assert ticket.sla_next_check_at is None
    with session_scope(factory) as session:
        lifecycle.customer_reply(session, ticket_id, "Here is the receipt", Actor("customer"), NOW + timedelta(minutes=40))
    with factory() as session:
        ticket = session.get_one(Ticket, ticket_id)
        assert ticket.status.value == "open"
        assert ticket.resolution_due_at == NOW + timedelta(minutes=60)  # 30 min target + 30 min paused


def test_tier_change_mid_ticket_moves_the_deadline(factory) -> None:
    _desk(factory)
    ticket_id, _ = _create(factory)
    with session_scope(factory) as session:
        lifecycle.change_attributes(session, ticket_id, AGENT, NOW + timedelta(minutes=5),
                                    customer_tier="vip", category="complaint")
    with factory() as session:
        ticket = session.get_one(Ticket, ticket_id)
        assert ticket.sla_tier == "VIP complaint"
        assert ticket.resolution_due_at == NOW + timedelta(minutes=30)  # measured from creation
        clocks = session.scalars(select(TicketSlaClock).where(TicketSlaClock.ticket_id == ticket_id)).all()
        assert {(c.metric, c.tier) for c in clocks} == {("resolution", "VIP complaint")}
        (change,) = [e for e in ticket.events if e.kind == "attributes"]
        assert change.data["changes"] == {"customer_tier": ["standard", "vip"], "category": ["inquiry", "complaint"]}


def test_assignment_is_audited(factory) -> None:
    desk = _desk(factory)
    ticket_id, _ = _create(factory)
    with session_scope(factory) as session:
        lifecycle.assign(session, ticket_id, desk.employees["Li Na"], AGENT, NOW, reason="picked from queue")
        with pytest.raises(UserError, match="no employee #999"):
            lifecycle.assign(session, ticket_id, 999, AGENT, NOW)
    with factory() as session:
        ticket = session.get_one(Ticket, ticket_id)
        (event,) = [e for e in ticket.events if e.kind == "assigned"]
        assert event.data == {"from": None, "to": desk.employees["Li Na"], "reason": "picked from queue"}
