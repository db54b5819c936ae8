"""The HTTP API over a real uvicorn on loopback, on SQLite and PostgreSQL: create, reply, read,
retries with an Idempotency-Key (also racing each other), and every kind of bad request."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from concurrent.futures import ThreadPoolExecutor
from threading import Barrier

from sqlalchemy import func, select

from store.db import session_scope
from store.enums import Channel
from store.messages import add_attachment, add_message
from store.schema import ApiRequest, Integration, Ticket, TicketEvent
from tests.api.conftest import Served
from tickets import lifecycle
from tickets.channels.in_app import InAppSender
from tickets.worker import IDEMPOTENCY_WINDOW, run_pass

TICKET = {"queue": "tech_email", "subject": "无法登录账户", "body": "Password reset mail never arrives.",
          "customer_name": "张三", "customer_email": "zhang.san@example.com", "priority": "high",
          "category": "login", "external_id": "SHOP-1001"}


def counts(served: Served) -> tuple[int, int, int]:
    """(tickets, ticket events, stored idempotency keys): what a refused request must leave unchanged."""
    with served.factory() as session:
        return tuple(session.scalar(select(func.count()).select_from(model))  # type: ignore[return-value]
                     for model in (Ticket, TicketEvent, ApiRequest))


def test_create_read_and_reply_over_http(served: Served) -> None:
    created = served.post("/tickets", json=TICKET)

    assert created.status_code == 201, created.text
    body = created.json()
    assert body["created"] is True and body["status"] == "new" and body["queue"] == "tech_email"
    assert body["sla_tier"] and body["first_response_due_at"]
    ticket_id = body["id"]
    assert body["url"] == f"/api/v1/tickets/{ticket_id}"

    shown = served.get(f"/tickets/{ticket_id}").json()
    assert (shown["subject"], shown["priority"], shown["category"], shown["channel"]) == (
        "无法登录账户", "high", "login", "email")
    # Intake routed it to the technical agent on shift (the small desk's day shift at this instant).
    assert shown["queue"] == "tech_email" and shown["queue_name"] == "Technical email" and shown["assignee"] == "Li Na"
    assert shown["first_response_due_at"] == body["first_response_due_at"]
    assert [c["metric"] for c in shown["sla_clocks"]][:1] == ["first_response"]
    assert [(e["actor"], e["kind"]) for e in shown["events"]] == [("api:shop", "created"), ("routing", "assigned")]

    with session_scope(served.factory) as session:  # an agent answers and solves it
        lifecycle.agent_reply(session, ticket_id, "Try the link again.", lifecycle.Actor("user:li.na"), served.now,
                              then_status="solved")
    reply = served.post(f"/tickets/{ticket_id}/replies", json={"body": "Still no mail."})

    assert reply.status_code == 200, reply.text
    assert reply.json()["status"] == "open"  # the customer wrote back: a solved ticket reopens
    events = served.get(f"/tickets/{ticket_id}").json()["events"]
    assert events[-2:] == [
        {"at": "2026-11-26T02:00:00Z", "actor": "api:shop", "kind": "customer_reply", "text": "Still no mail."},
        {"at": "2026-11-26T02:00:00Z", "actor": "api:shop", "kind": "status", "text": "status solved → open"},
    ]

    with session_scope(served.factory) as session:  # as e-mail intake keeps a file the customer sent
        message = add_message(session, ticket_id=ticket_id, direction="in", channel=Channel.EMAIL,
                              message_id="<a@example.com>", in_reply_to=None, author="zhang.san@example.com",
                              subject="screenshot", body="", now=served.now)
        add_attachment(session, ticket_id=ticket_id, message_id=message.id, filename="屏幕.png",
                       content_type="image/png", content=b"\x89PNG", sha256="ab" * 32, now=served.now)
    assert served.get(f"/tickets/{ticket_id}").json()["attachments"] == [
        {"filename": "屏幕.png", "content_type": "image/png", "size_bytes": 4, "sha256": "ab" * 32}]

    again = served.post("/tickets", json={**TICKET, "subject": "sent twice by the shop"})
    assert again.status_code == 200 and again.json()["id"] == ticket_id and again.json()["created"] is False


def test_a_retry_with_the_same_key_gets_the_first_answer_and_no_second_ticket(served: Served) -> None:
    key = {"Idempotency-Key": "order-1001-create"}
    first = served.post("/tickets", json={**TICKET, "external_id": None}, headers=key)
    retry = served.post("/tickets", content=json.dumps({**TICKET, "external_id": None}, indent=2),  # other spacing
                        headers={**key, "Content-Type": "application/json"})

    assert (first.status_code, retry.status_code) == (201, 201)
    assert retry.json() == first.json() and retry.headers["Idempotent-Replayed"] == "true"
    assert counts(served)[0] == 1

    other = served.post("/tickets", json={**TICKET, "subject": "another problem"}, headers=key)
    assert other.status_code == 409
    assert "Idempotency-Key 'order-1001-create' was already used for a different request" in other.json()["detail"]
    assert counts(served)[0] == 1


def test_the_worker_forgets_a_key_after_its_window_and_the_key_then_makes_a_new_ticket(served: Served) -> None:
    key = {"Idempotency-Key": "order-2002-create"}
    first = served.post("/tickets", json={**TICKET, "external_id": None}, headers=key)
    assert first.status_code == 201

    def worker_pass_at(at: datetime) -> int:
        return run_pass(served.factory, InAppSender(), "w1", lambda: at).forgotten_keys

    assert worker_pass_at(served.now + IDEMPOTENCY_WINDOW - timedelta(seconds=1)) == 0
    assert served.post("/tickets", json={**TICKET, "external_id": None}, headers=key).json() == first.json()
    assert worker_pass_at(served.now + IDEMPOTENCY_WINDOW + timedelta(seconds=1)) == 1
    again = served.post("/tickets", json={**TICKET, "subject": "a new problem", "external_id": None}, headers=key)
    assert again.status_code == 201 and "Idempotent-Replayed" not in again.headers
    assert again.json()["id"] != first.json()["id"] and counts(served)[0] == 2


def test_eight_copies_of_one_request_racing_make_one_ticket(served: Served) -> None:
    """Concurrent retries reach the database together; the key's unique constraint lets one win."""
    start = Barrier(8)

    def send(_n: int) -> tuple[int, int]:
        start.wait()
        response = served.post("/tickets", json={**TICKET, "external_id": None},
                               headers={"Idempotency-Key": "race-1"})
        return response.status_code, response.json()["id"]

    with ThreadPoolExecutor(8) as pool:
        answers = list(pool.map(send, range(8)))

    assert {status for status, _ in answers} == {201}
    assert len({ticket_id for _, ticket_id in answers}) == 1
    assert counts(served)[0] == 1 and counts(served)[2] == 1


def test_bad_requests_get_clear_errors_and_store_nothing(served: Served) -> None:
    before = counts(served)
    url = f"{served.base_url}/api/v1/tickets"

    missing = served.client.post(url, json=TICKET)
    assert missing.status_code == 401 and missing.headers["WWW-Authenticate"] == "Bearer"
    wrong = served.client.post(url, json=TICKET, headers={"Authorization": "Bearer sd_not-a-real-token"})
    assert wrong.status_code == 401 and "token" in wrong.json()["detail"]

    malformed = served.post("/tickets", content=b'{"queue": "tech_email", "subject": ', headers={
        "Content-Type": "application/json"})
    assert malformed.status_code == 400
    assert malformed.json()["detail"].startswith("malformed JSON:") and "at character" in malformed.json()["detail"]

    no_subject = served.post("/tickets", json={"queue": "tech_email", "priority": "asap"})
    assert no_subject.status_code == 422
    assert {e["field"] for e in no_subject.json()["errors"]} == {"subject", "priority"}
    assert "'low', 'normal', 'high' or 'urgent'" in no_subject.json()["detail"]

    unknown_queue = served.post("/tickets", json={**TICKET, "queue": "billing"})
    assert unknown_queue.status_code == 422
    assert unknown_queue.json()["detail"] == "unknown queue 'billing' (known queues: escalations, tech_email, vip)"

    extra = served.post("/tickets", json={**TICKET, "assignee": "Li Na"})
    assert extra.status_code == 422 and extra.json()["errors"][0]["field"] == "assignee"

    huge = {**TICKET, "body": "x" * 200_000}
    too_big = served.post("/tickets", json=huge)
    assert too_big.status_code == 413 and "the limit is 131072 bytes" in too_big.json()["detail"]
    chunked = served.post("/tickets", content=iter([json.dumps(huge).encode()[i:i + 8192]
                                                    for i in range(0, 210_000, 8192)]),
                          headers={"Content-Type": "application/json"})
    assert chunked.status_code == 413

    assert served.post("/tickets/999/replies", json={"body": "hello?"}).status_code == 404
    assert served.get("/tickets/999").json() == {"detail": "no ticket #999"}
    assert counts(served) == before


def test_a_reply_to_a_closed_ticket_is_refused_and_changes_nothing(served: Served) -> None:
    ticket_id = served.post("/tickets", json=TICKET).json()["id"]
    actor = lifecycle.Actor("user:li.na")
    with session_scope(served.factory) as session:
        lifecycle.set_status(session, ticket_id, "solved", actor, served.now)
        lifecycle.set_status(session, ticket_id, "closed", actor, served.now)
    before = counts(served)

    refused = served.post(f"/tickets/{ticket_id}/replies", json={"body": "one more thing"},
                          headers={"Idempotency-Key": "late-reply"})

    assert refused.status_code == 422
    assert refused.json()["detail"] == f"ticket #{ticket_id} is closed; open a follow-up ticket instead"
    assert counts(served) == before  # not even the idempotency key: a fixed request may reuse it


def test_token_use_is_recorded_and_a_revoked_token_stops_working(served: Served) -> None:
    assert served.get("/tickets/1").status_code == 404
    with session_scope(served.factory) as session:
        integration = session.scalar(select(Integration).where(Integration.name == "shop"))
        assert integration is not None and integration.last_used_at == served.now
        assert integration.token_hash != served.token and served.token.startswith(integration.token_hint)
        integration.active = False
    assert served.get("/tickets/1").status_code == 401


def test_openapi_docs_are_served(served: Served) -> None:
    assert served.client.get("/docs").status_code == 200
    paths = served.client.get("/openapi.json").json()["paths"]
    assert {"/api/v1/tickets", "/api/v1/tickets/{ticket_id}", "/api/v1/tickets/{ticket_id}/replies"} <= set(paths)
