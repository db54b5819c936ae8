"""The night on-call chain on the small desk: who is paged, when, once, and what stops it.

Small desk (tests/desk_factory.py): Zhang Min works the night shift 23:00-07:00
every day, Li Na and Zhao Li days, Wang Wei lates, Chen Jie is off all week.
A "device down" ticket in the 24x7 `vip` queue is the urgent night ticket. The
standby list is Zhang Min (the duty agent, so passed over), Chen Jie (on
approved time off tonight, passed over), then Wang Wei.
"""

from __future__ import annotations

import re
import threading
from datetime import timedelta

import pytest
from sqlalchemy import delete, select

from store.db import make_engine, make_session_factory, session_scope
from store.oncall_queries import replace_standby
from store.schema import Notification, Page, RosterAssignment, Ticket, TimeOffRequest
from tests.conftest import fresh_database_url
from tests.desk_factory import build_small_desk, local
from tickets import lifecycle
from tickets.delivery import deliver_due
from tickets.lifecycle import Actor, NewTicket
from tickets.oncall import acknowledge, oncall_pass, page_for_ticket, resolve_pages
from tickets.oncall_nights import duty_agents

NIGHT = local(2026, 11, 26, 2, 0)  # Thursday 02:00: Zhang Min is on Wednesday's night shift
INTAKE = Actor("api:shop")
TOKEN = re.compile(r"token=(pg_[A-Za-z0-9_-]+)")
WHOLE_CHAIN = [(1, "Zhang Min", "escalated"), (2, "Zhang Min", "escalated"), (3, "Wang Wei", "escalated"),
               (4, "Desk manager", "open")]


def _desk(factory, at=NIGHT, webhook_url=None):
    with session_scope(factory) as session:
        desk = build_small_desk(session, at, webhook_url=webhook_url)
        names = ("Zhang Min", "Chen Jie", "Wang Wei")
        replace_standby(session, desk.team_id, [desk.employees[name] for name in names])
        session.add(TimeOffRequest(employee_id=desk.employees["Chen Jie"], starts_at=at - timedelta(days=1),
                                   ends_at=at + timedelta(days=1), status="approved", created_at=at))
    return desk


def _ticket(factory, at=NIGHT, *, page=True, category="device_down", queue="vip", assignee=None):
    """A ticket as intake makes it: created, then (when `page`) handed to the pager in the same transaction."""
    with session_scope(factory) as session:
        ticket, _ = lifecycle.create_ticket(
            session, NewTicket(queue=queue, subject="Store terminal dead", category=category), INTAKE, at)
        if assignee is not None:
            lifecycle.assign(session, ticket.id, assignee, INTAKE, at)
        if page:
            page_for_ticket(session, ticket, at)
        return ticket.id


def _pass(factory, at):
    with session_scope(factory) as session:
        return oncall_pass(session, at)


def _chain(factory, ticket_id):
    with factory() as session:
        return [(p.step, p.recipient_name, p.status) for p in
                session.scalars(select(Page).where(Page.ticket_id == ticket_id).order_by(Page.step))]


def _notifications(factory):
    with factory() as session:
        return session.scalars(select(Notification).order_by(Notification.id)).all()


def _token(factory, step, ticket_id):
    """The acknowledgement token as the person paged received it (from the e-mail body)."""
    mail = next(n for n in _notifications(factory)
                if n.idempotency_key.startswith(f"oncall:{ticket_id}:{step}:email:"))
    return TOKEN.search(mail.body).group(1)


def test_a_night_ticket_of_a_24x7_tier_pages_the_duty_agent_not_the_sleeping_assignee(factory) -> None:
    desk = _desk(factory, webhook_url="http://127.0.0.1:9/sms")
    ticket_id = _ticket(factory, assignee=desk.employees["Li Na"])  # Li Na works days: asleep at 02:00
    assert _chain(factory, ticket_id) == [(1, "Zhang Min", "open")]
    with factory() as session:
        page = session.scalars(select(Page)).one()
        assert (page.employee_id, page.sent_at, page.escalate_at) == (
            desk.employees["Zhang Min"], NIGHT, NIGHT + timedelta(minutes=5))
        assert len(page.ack_token_hash) == 64
        trail = [e for e in session.get_one(Ticket, ticket_id).events if e.kind == "escalation"]
        assert trail[0].data["recipients"] == [{"name": "Zhang Min",
                                                "reason": "on night duty (Night 23-07, until Thu 26 Nov 07:00)"}]
    notes = _notifications(factory)
    assert {(n.channel.value, n.recipient) for n in notes} == {("email", "zhang.min@desk.test"),
                                                               ("webhook", "http://127.0.0.1:9/sms")}
    mail = next(n for n in notes if n.channel.value == "email")
    assert mail.subject == f"[Night duty] Ticket #{ticket_id} (Device down): Store terminal dead"
    token = TOKEN.search(mail.body).group(1)
    assert token not in page.ack_token_hash and f"/api/v1/pages/{token}/ack" in mail.body
    hook = next(n for n in notes if n.channel.value == "webhook")
    assert hook.payload["to"] == "Zhang Min" and hook.payload["phone"] == "+86 138 0000 0000"
    assert hook.payload["ack_url"] == f"http://localhost:8501/ack?token={token}"


@pytest.mark.parametrize(("at", "paged"), [
    (local(2026, 11, 26, 22, 59), False),  # a minute before the night shift starts
    (local(2026, 11, 26, 23, 0), True),
    (local(2026, 11, 27, 6, 59), True),
    (local(2026, 11, 27, 7, 0), False),  # the night shift has just ended: the day shift covers the desk
])
def test_only_a_ticket_arriving_inside_the_night_window_pages(factory, at, paged) -> None:
    _desk(factory, at)
    ticket_id = _ticket(factory, at)
    _pass(factory, at)
    assert _chain(factory, ticket_id) == ([(1, "Zhang Min", "open")] if paged else [])


def test_a_night_ticket_of_an_office_hours_tier_does_not_page(factory) -> None:
    _desk(factory)
    ticket_id = _ticket(factory, category="inquiry", queue="tech_email")  # "Normal inquiry": Mon-Fri 09-18
    for minutes in (0, 5, 30):
        _pass(factory, NIGHT + timedelta(minutes=minutes))
    assert _chain(factory, ticket_id) == [] and _notifications(factory) == []


def test_an_acknowledgement_stops_the_chain(factory) -> None:
    _desk(factory)
    ticket_id = _ticket(factory)
    sent_before = len(_notifications(factory))
    with session_scope(factory) as session:
        result = acknowledge(session, _token(factory, 1, ticket_id), NIGHT + timedelta(minutes=3), via="link")
    assert (result.newly_acked, result.status, result.acked_by) == (True, "acked", "Zhang Min via link")
    for minutes in (5, 6, 10, 15, 20, 60):
        report = _pass(factory, NIGHT + timedelta(minutes=minutes))
        assert (report.paged, report.escalated, report.notifications) == (0, 0, 0)
    assert _chain(factory, ticket_id) == [(1, "Zhang Min", "acked")]
    assert len(_notifications(factory)) == sent_before
    with session_scope(factory) as session:  # a second acknowledgement answers with the first
        again = acknowledge(session, _token(factory, 1, ticket_id), NIGHT + timedelta(minutes=9), via="API")
    assert (again.newly_acked, again.acked_at, again.acked_by) == (False, NIGHT + timedelta(minutes=3),
                                                                  "Zhang Min via link")


def test_the_duty_agent_acknowledging_an_earlier_page_stops_the_standby_step(factory) -> None:
    _desk(factory)
    ticket_id = _ticket(factory)
    _pass(factory, NIGHT + timedelta(minutes=5))
    _pass(factory, NIGHT + timedelta(minutes=10))
    assert _chain(factory, ticket_id)[-1] == (3, "Wang Wei", "open")
    with session_scope(factory) as session:
        acknowledge(session, _token(factory, 1, ticket_id), NIGHT + timedelta(minutes=12), via="link")
    _pass(factory, NIGHT + timedelta(minutes=30))
    assert _chain(factory, ticket_id) == [(1, "Zhang Min", "acked"), (2, "Zhang Min", "escalated"),
                                          (3, "Wang Wei", "acked")]


def test_an_unanswered_page_walks_the_whole_chain_exactly_once(factory) -> None:
    desk = _desk(factory)
    ticket_id = _ticket(factory)
    instants = [0, 1, 4, 5, 7, 10, 14, 15, 16, 30, 120]
    reports = [_pass(factory, NIGHT + timedelta(minutes=m)) for m in instants for _ in range(3)]
    assert sum(r.escalated for r in reports) == 3 and sum(r.paged for r in reports) == 0  # intake paged step 1
    assert _chain(factory, ticket_id) == WHOLE_CHAIN
    with factory() as session:
        pages = session.scalars(select(Page).order_by(Page.step)).all()
        assert [p.sent_at for p in pages] == [NIGHT + timedelta(minutes=m) for m in (0, 5, 10, 15)]
        assert pages[-1].escalate_at is None and pages[-1].user_id == desk.users["manager"]
    notes = _notifications(factory)
    keys = [n.idempotency_key for n in notes]
    assert len(keys) == len(set(keys))
    assert [(n.idempotency_key.split(":")[2], n.channel.value, n.recipient) for n in notes] == [
        ("1", "email", "zhang.min@desk.test"),
        ("2", "email", "zhang.min@desk.test"),
        ("3", "in_app", str(desk.users["wang.wei"])), ("3", "email", "wang.wei@desk.test"),
        ("4", "in_app", str(desk.users["manager"])), ("4", "email", "manager@desk.test"),
    ]
    assert notes[2].subject.startswith("[Standby] ") and notes[4].subject.startswith("[Manager] ")


def test_a_night_with_nobody_on_call_pages_the_standby_first(factory) -> None:
    desk = _desk(factory)
    with session_scope(factory) as session:  # Zhang Min's Wednesday night shift is not rostered
        session.execute(delete(RosterAssignment).where(RosterAssignment.employee_id == desk.employees["Zhang Min"],
                                                       RosterAssignment.day == local(2026, 11, 25).date()))
    ticket_id = _ticket(factory)
    _pass(factory, NIGHT + timedelta(minutes=5))
    assert _chain(factory, ticket_id) == [(3, "Zhang Min", "escalated"), (4, "Desk manager", "open")]
    # Zhang Min is off duty tonight but on the standby list, which is for being reached off shift.
    with factory() as session:
        first = next(e for e in session.get_one(Ticket, ticket_id).events if e.kind == "escalation")
        assert "skipped duty agent: nobody is on a night shift now" in first.data["summary"]


def test_the_re_page_never_wakes_a_duty_agent_whose_shift_is_over(factory) -> None:
    _desk(factory)
    early = local(2026, 11, 26, 6, 58)
    ticket_id = _ticket(factory, early)
    _pass(factory, early + timedelta(minutes=5))  # 07:03: Zhang Min went home at 07:00
    assert _chain(factory, ticket_id) == [(1, "Zhang Min", "escalated"), (3, "Wang Wei", "open")]


def test_duty_pages_only_ever_reach_people_on_a_night_shift(factory) -> None:
    """Whatever the instant, a duty or re-page step names someone whose night shift covers the moment it was sent."""
    _desk(factory)
    arrivals = [local(2026, 11, 26, h, m) for h, m in ((0, 0), (3, 30), (6, 50), (6, 56), (23, 0))]
    for at in arrivals:
        _ticket(factory, at)
        for minutes in range(0, 25, 5):
            _pass(factory, at + timedelta(minutes=minutes))
    with factory() as session:
        duty_pages = session.scalars(select(Page).where(Page.step.in_((1, 2)))).all()
        assert len(duty_pages) >= 7
        for page in duty_pages:
            on_duty = {a.employee_id for a in duty_agents(session, 1, page.sent_at)}
            assert page.employee_id in on_duty, (page.step, page.sent_at)


def test_solving_the_ticket_resolves_its_pages(factory) -> None:
    _desk(factory)
    ticket_id = _ticket(factory)
    with session_scope(factory) as session:
        lifecycle.set_status(session, ticket_id, "solved", INTAKE, NIGHT + timedelta(minutes=2))
    report = _pass(factory, NIGHT + timedelta(minutes=3))  # the worker closes them even without a hook
    assert report.resolved == 1
    for minutes in (5, 10, 15):
        assert _pass(factory, NIGHT + timedelta(minutes=minutes)).notifications == 0
    assert _chain(factory, ticket_id) == [(1, "Zhang Min", "resolved")]
    with session_scope(factory) as session:
        late = acknowledge(session, _token(factory, 1, ticket_id), NIGHT + timedelta(minutes=20), via="link")
    assert (late.status, late.newly_acked) == ("resolved", False)


def test_resolve_pages_closes_the_chain_at_once(factory) -> None:
    _desk(factory)
    ticket_id = _ticket(factory)
    with session_scope(factory) as session:
        lifecycle.set_status(session, ticket_id, "solved", INTAKE, NIGHT + timedelta(minutes=2))
        assert resolve_pages(session, ticket_id, NIGHT + timedelta(minutes=2)) == 1
    assert _chain(factory, ticket_id) == [(1, "Zhang Min", "resolved")]


def test_the_worker_pages_what_intake_did_not_and_what_became_urgent_tonight(factory) -> None:
    _desk(factory)
    missed = _ticket(factory, page=False)  # e.g. mail-poll, which does not call the pager
    evening = _ticket(factory, local(2026, 11, 25, 22, 0), page=False)  # device down since the late shift
    upgraded = _ticket(factory, local(2026, 11, 25, 22, 0), page=False, category="inquiry")
    with session_scope(factory) as session:
        lifecycle.change_attributes(session, upgraded, INTAKE, NIGHT - timedelta(minutes=30), category="device_down")
        lifecycle.add_note(session, evening, "customer called again", INTAKE, NIGHT - timedelta(minutes=30))
    assert _pass(factory, NIGHT).paged == 2
    assert _chain(factory, missed) == [(1, "Zhang Min", "open")]
    assert _chain(factory, upgraded) == [(1, "Zhang Min", "open")]
    assert _chain(factory, evening) == []  # handed over with the queue, not a night arrival


def test_ack_minutes_set_the_pace_of_the_chain(factory) -> None:
    _desk(factory)
    ticket_id = _ticket(factory, page=False)
    with session_scope(factory) as session:
        oncall_pass(session, NIGHT, ack_minutes=2)
    for minutes in (2, 4):
        with session_scope(factory) as session:
            oncall_pass(session, NIGHT + timedelta(minutes=minutes), ack_minutes=2)
    assert _chain(factory, ticket_id)[-1] == (3, "Wang Wei", "open")


def test_pages_reach_real_receivers_and_the_mailed_link_acknowledges(factory, smtp_server, webhook_receiver,
                                                                      channel_router) -> None:
    _desk(factory, webhook_url=webhook_receiver.url)
    ticket_id = _ticket(factory, page=False)
    clock = NIGHT
    _pass(factory, clock)
    delivery = deliver_due(factory, channel_router, "w1", lambda: clock)
    assert delivery.delivered == 2  # e-mail and webhook: Zhang Min has no login, so no in-app row
    (mail,) = smtp_server.wait_for(1)
    assert mail["To"] == "zhang.min@desk.test" and mail["Subject"].startswith("[Night duty] Ticket #")
    (hook,) = webhook_receiver.wait_for(1).values()
    assert hook.signature_valid and hook.json()["data"]["to"] == "Zhang Min"
    token = TOKEN.search(mail.get_content()).group(1)
    assert hook.json()["data"]["ack_url"].endswith(f"token={token}")
    with session_scope(factory) as session:
        acknowledge(session, token, NIGHT + timedelta(minutes=2), via="link")
    for minutes in (5, 10, 15):
        later = NIGHT + timedelta(minutes=minutes)
        _pass(factory, later)
        assert deliver_due(factory, channel_router, "w1", lambda at=later: at).claimed == 0
    assert _chain(factory, ticket_id) == [(1, "Zhang Min", "acked")]
    assert len(smtp_server.received) == 1 and webhook_receiver.raw_count == 1


@pytest.mark.postgres
def test_two_workers_racing_on_postgresql_send_each_step_once(request, tmp_path) -> None:
    engine = make_engine(fresh_database_url("postgresql", request, tmp_path), pool_size=4)
    factory = make_session_factory(engine)
    _desk(factory)
    tickets = [_ticket(factory, page=False) for _ in range(12)]
    instants = [NIGHT + timedelta(minutes=m) for m in (0, 5, 10, 15, 20)]
    barrier = threading.Barrier(2)
    errors: list[BaseException] = []

    def worker() -> None:
        try:
            for at in instants:
                for _ in range(3):
                    barrier.wait(timeout=30)
                    _pass(factory, at)
        except BaseException as error:  # noqa: BLE001 - reported by the test thread
            errors.append(error)
            barrier.abort()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    assert errors == []
    for ticket_id in tickets:
        assert _chain(factory, ticket_id) == WHOLE_CHAIN
    keys = [n.idempotency_key for n in _notifications(factory)]
    assert len(keys) == len(set(keys)) == 6 * len(tickets)
    engine.dispose()
