"""Escalation steps fire once each, at the right time, to people who are on shift."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from store.db import session_scope
from store.schema import Notification, SlaStepFiring, Ticket
from tests.desk_factory import build_small_desk, local
from tickets import lifecycle
from tickets.escalate import process_due_tickets
from tickets.lifecycle import Actor, NewTicket

NOW = local(2026, 11, 26, 10, 0)
AGENT = Actor("user:li.na")


def _vip_complaint_for_li_na(factory, at=NOW):
    with session_scope(factory) as session:
        desk = build_small_desk(session, at)
        ticket, _ = lifecycle.create_ticket(
            session, NewTicket(queue="tech_email", subject="Refund never arrived", customer_tier="vip",
                               category="complaint"), AGENT, at)
        lifecycle.assign(session, ticket.id, desk.employees["Li Na"], AGENT, at)
        return desk, ticket.id


def _tick(factory, at):
    with session_scope(factory) as session:
        return process_due_tickets(session, at)


def test_each_step_fires_once_in_order_at_its_time(factory) -> None:
    start = local(2026, 11, 26, 16, 0)  # Li Na (day shift) and Wang Wei (late shift) are both working
    desk, ticket_id = _vip_complaint_for_li_na(factory, at=start)  # resolution due 16:30, warning 16:24
    assert _tick(factory, start + timedelta(minutes=20)).steps == 0
    fired_per_tick = []
    for minutes in (25, 26, 31, 32, 46, 50, 91, 120):
        fired_per_tick.append(_tick(factory, start + timedelta(minutes=minutes)).actions)
    assert fired_per_tick == [
        {"warn_assignee": 1}, {},
        {"notify_supervisor": 1}, {},
        {"reassign_to_queue": 1, "raise_priority": 1}, {},
        {"notify_manager": 1}, {},
    ]
    with factory() as session:
        ticket = session.get_one(Ticket, ticket_id)
        assert ticket.queue.code == "escalations" and ticket.assignee_id is None
        assert ticket.priority.value == "urgent" and ticket.sla_next_check_at is None
        firings = session.scalars(select(SlaStepFiring).order_by(SlaStepFiring.id)).all()
        assert [f.step_id for f in firings] == ["warn-assignee", "notify-supervisor", "reassign", "raise-priority",
                                                "notify-manager"]
        notes = session.scalars(select(Notification).order_by(Notification.id)).all()
        keys = [n.idempotency_key for n in notes]
        assert len(keys) == len(set(keys))
        warn = [n for n in notes if ":warn-assignee:" in n.idempotency_key]
        assert {n.channel.value for n in warn} == {"in_app", "email"}
        assert {n.recipient for n in warn if n.channel.value == "email"} == {"li.na@desk.test"}
        assert warn[0].subject == "SLA warning: ticket #%d resolution due Thu 26 Nov 16:30" % ticket_id
        supervisor = [n for n in notes if ":notify-supervisor:" in n.idempotency_key]
        # Zhang Min supervises Li Na but works nights: the stand-in is the best technical agent on shift
        # other than Li Na herself.
        assert {n.recipient for n in supervisor if n.channel.value == "email"} == {"wang.wei@desk.test"}
        manager = [n for n in notes if ":notify-manager:" in n.idempotency_key]
        assert {n.recipient for n in manager} == {str(desk.users["manager"]), "manager@desk.test"}
        trail = [e for e in ticket.events if e.kind == "escalation"]
        assert trail[1].data["recipients"][0]["reason"] == (
            "supervisor Zhang Min is off shift; covering: Wang Wei (technical L4, Late 15-23)"
        )


def test_with_no_stand_in_on_shift_the_supervisor_step_reaches_the_manager(factory) -> None:
    _vip_complaint_for_li_na(factory)  # 10:00: only Li Na has the technical skill on shift
    _tick(factory, NOW + timedelta(minutes=31))
    with factory() as session:
        supervisor = session.scalars(
            select(Notification.recipient).where(Notification.idempotency_key.contains(":notify-supervisor:"))
        ).all()
        assert sorted(supervisor) == sorted(["manager@desk.test", str(_manager_id(session))])


def _manager_id(session) -> int:
    from store.schema import User

    return session.scalar(select(User.id).where(User.login == "manager"))


def test_answered_in_time_nothing_fires(factory) -> None:
    _, ticket_id = _vip_complaint_for_li_na(factory)
    with session_scope(factory) as session:
        lifecycle.set_status(session, ticket_id, "solved", AGENT, NOW + timedelta(minutes=20))
    for minutes in (25, 35, 100):
        assert _tick(factory, NOW + timedelta(minutes=minutes)).steps == 0
    with factory() as session:
        assert session.scalars(select(Notification)).all() == []


def test_a_night_warning_goes_to_the_night_duty_not_the_sleeping_assignee(factory) -> None:
    night = local(2026, 11, 26, 2, 0)
    _, ticket_id = _vip_complaint_for_li_na(factory, at=night)  # Li Na works days
    _tick(factory, night + timedelta(minutes=25))
    with factory() as session:
        emails = session.scalars(select(Notification.recipient).where(Notification.channel == "email")).all()
        assert emails == ["zhang.min@desk.test"]
        trail = [e for e in session.get_one(Ticket, ticket_id).events if e.kind == "escalation"]
        assert trail[0].data["recipients"][0]["reason"].startswith("assignee Li Na is off shift; covering: Zhang Min")


def test_webhook_rows_when_the_team_has_a_webhook(factory) -> None:
    with session_scope(factory) as session:
        build_small_desk(session, NOW, webhook_url="http://127.0.0.1:9/sms")
        lifecycle.create_ticket(session, NewTicket(queue="vip", subject="Device dead", category="device_down"),
                                AGENT, NOW)
    _tick(factory, NOW + timedelta(minutes=48))  # device down: first response 60 min, warning at 48
    with factory() as session:
        hooks = session.scalars(select(Notification).where(Notification.channel == "webhook")).all()
        assert [h.recipient for h in hooks] == ["http://127.0.0.1:9/sms"]
        assert hooks[0].payload["phone"] == "+86 138 0000 0000" and hooks[0].payload["to"] == "Zhao Li"


def test_without_an_smtp_server_nothing_is_queued_for_e_mail(factory, monkeypatch) -> None:
    monkeypatch.delenv("SHIFTDESK_SMTP_HOST")
    _vip_complaint_for_li_na(factory)
    _tick(factory, NOW + timedelta(minutes=25))
    with factory() as session:
        channels = set(session.scalars(select(Notification.channel)))
    assert channels and "email" not in {c.value for c in channels}
