"""The worker end to end: real SMTP and webhook receivers, retries, dead letters, SIGKILL, two workers."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from store.db import make_engine, make_session_factory, session_scope
from store.enums import NotificationStatus
from store.schema import Notification, SlaStepFiring
from tests.desk_factory import build_small_desk, local
from tickets import lifecycle
from tickets.channels.base import MAX_ATTEMPTS
from tickets.lifecycle import Actor, NewTicket
from tickets.worker import run_pass

AGENT = Actor("user:wang.wei")
START = local(2026, 11, 26, 16, 0)  # Li Na and Wang Wei on shift


def _vip_complaints(factory, at, count, webhook_url):
    with session_scope(factory) as session:
        desk = build_small_desk(session, at, webhook_url=webhook_url)
        for n in range(count):
            ticket, _ = lifecycle.create_ticket(session, NewTicket(
                queue="tech_email", subject=f"Complaint {n}", customer_tier="vip", category="complaint"), AGENT, at)
            lifecycle.assign(session, ticket.id, desk.employees["Wang Wei"], AGENT, at)
    return desk


def test_warning_reaches_real_smtp_and_webhook(factory, smtp_server, webhook_receiver, channel_router) -> None:
    _vip_complaints(factory, START, 1, webhook_receiver.url)
    reports = run_pass(factory, channel_router, "w1", lambda: START + timedelta(minutes=25))
    warned = [key for key in reports.delivery.delivered_keys if ":warn-assignee:" in key]
    assert reports.sla.steps == 1 and len(warned) == 3  # in-app, e-mail, webhook
    (mail,) = smtp_server.wait_for(1)
    assert mail["To"] == "wang.wei@desk.test" and mail["Subject"].startswith("SLA warning: ticket #")
    (request,) = webhook_receiver.wait_for(1).values()
    assert request.signature_valid and request.json()["data"]["to"] == "Wang Wei"
    with factory() as session:
        statuses = session.scalars(select(Notification.status)).all()
        assert set(statuses) == {NotificationStatus.SENT}


def test_transient_failures_back_off_then_dead_letter(factory, webhook_receiver, channel_router) -> None:
    _vip_complaints(factory, START, 1, webhook_receiver.url)
    webhook_receiver.fail_next(1000, status=503)
    clock = START + timedelta(minutes=25)
    run_pass(factory, channel_router, "w1", lambda: clock)
    with factory() as session:
        hook = session.scalars(select(Notification).where(Notification.channel == "webhook")).one()
        assert hook.status is NotificationStatus.PENDING and hook.attempts == 1 and "503" in hook.last_error
        hook_id, key, first_retry = hook.id, hook.idempotency_key, hook.next_attempt_at
        assert timedelta(seconds=25) < first_retry - clock <= timedelta(seconds=30)

    def attempts_seen() -> int:
        return sum(1 for r in webhook_receiver.requests if r.idempotency_key == key)

    run_pass(factory, channel_router, "w1", lambda: first_retry - timedelta(seconds=1))  # not yet due
    assert attempts_seen() == 1
    for _ in range(MAX_ATTEMPTS + 2):
        with factory() as session:
            due = session.get_one(Notification, hook_id).next_attempt_at
        run_pass(factory, channel_router, "w1", lambda: due)
    with factory() as session:
        hook = session.get_one(Notification, hook_id)
        assert hook.status is NotificationStatus.DEAD and hook.attempts == MAX_ATTEMPTS
    assert attempts_seen() == MAX_ATTEMPTS


def _worker(db_url: str, smtp_server, webhook_receiver, name: str) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "SHIFTDESK_DATABASE_URL": db_url,
        "SHIFTDESK_SMTP_HOST": smtp_server.host,
        "SHIFTDESK_SMTP_PORT": str(smtp_server.port),
        "SHIFTDESK_WEBHOOK_SECRET": webhook_receiver.secret.decode(),
    }
    shiftdesk = os.path.join(os.path.dirname(os.sys.executable), "shiftdesk")
    return subprocess.Popen(
        [shiftdesk, "worker", "--poll-seconds", "0.2", "--batch", "20", "--outbox-batch", "10",
         "--lease-seconds", "2", "--worker-id", name],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )


def _wait(condition, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.1)


def _backlog(db_url: str, webhook_url: str, count: int):
    """`count` VIP complaints whose warnings (and breaches) are due now on the real clock."""
    factory = make_session_factory(make_engine(db_url))
    real_now = datetime.now(UTC)
    _vip_complaints(factory, real_now - timedelta(minutes=35), count, webhook_url)  # warned and breached
    return factory


def _all_sent(factory) -> bool:
    with factory() as session:
        pending = session.scalar(select(func.count()).select_from(Notification).where(
            Notification.status != NotificationStatus.SENT))
        total = session.scalar(select(func.count()).select_from(Notification))
        fired = session.scalar(select(func.count()).select_from(SlaStepFiring))
    return bool(total) and pending == 0 and fired >= 2 * TICKETS


TICKETS = 40


def test_sigkill_mid_batch_then_restart_delivers_everything_once(db_url, smtp_server, webhook_receiver) -> None:
    factory = _backlog(db_url, webhook_receiver.url, TICKETS)
    webhook_receiver.delay_next(10_000, 0.05)  # slow gateway: the kill lands in the middle of a batch
    worker = _worker(db_url, smtp_server, webhook_receiver, "first")
    _wait(lambda: webhook_receiver.raw_count >= 15, 120, "the first deliveries")
    worker.send_signal(signal.SIGKILL)
    worker.wait()
    assert not _all_sent(factory), "the kill came too late to test anything"
    restarted = _worker(db_url, smtp_server, webhook_receiver, "second")
    try:
        _wait(lambda: _all_sent(factory), 180, "every notification sent after the restart")
    finally:
        restarted.terminate()
        restarted.wait()
    with factory() as session:
        keys = session.scalars(select(Notification.idempotency_key).where(Notification.channel == "webhook")).all()
        firings = session.scalars(select(SlaStepFiring.idempotency_key)).all()
    assert len(firings) == len(set(firings))  # every step fired once
    assert webhook_receiver.unique_keys == set(keys)  # every webhook arrived
    # Only messages in flight at the kill can arrive twice, and the receiver drops them by key.
    assert webhook_receiver.raw_count - len(keys) <= 10
    mail_ids = [m["Message-ID"] for m in smtp_server.messages]
    with factory() as session:
        emails = session.scalar(select(func.count()).select_from(Notification).where(Notification.channel == "email"))
    assert len(set(mail_ids)) == emails


@pytest.mark.parametrize("backend", ["postgresql"])
def test_two_workers_share_one_backlog_without_duplicates(backend, request, tmp_path, smtp_server,
                                                          webhook_receiver) -> None:
    from tests.conftest import fresh_database_url

    db_url = fresh_database_url(backend, request, tmp_path)
    factory = _backlog(db_url, webhook_receiver.url, TICKETS)
    workers = [_worker(db_url, smtp_server, webhook_receiver, name) for name in ("left", "right")]
    try:
        _wait(lambda: _all_sent(factory), 180, "the backlog to drain")
    finally:
        for worker in workers:
            worker.terminate()
            worker.wait()
    with factory() as session:
        hooks = session.scalar(select(func.count()).select_from(Notification).where(Notification.channel == "webhook"))
        leased_by = set(session.scalars(select(SlaStepFiring.idempotency_key)))
    assert webhook_receiver.raw_count == hooks == len(webhook_receiver.unique_keys)  # nothing sent twice
    assert len(leased_by) == 2 * TICKETS  # warning and breach step, once each per ticket
