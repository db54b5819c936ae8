"""Delivery channels against real servers on loopback: SMTP (aiosmtpd) and an HTTP webhook receiver."""

from __future__ import annotations

import ssl
import time
from collections import Counter
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from shiftdesk.errors import UserError
from shiftdesk.settings import Settings
from tests.conftest import FIXED_NOW
from tests.tickets.conftest import SmtpTestServer, WebhookReceiver
from tickets.channels import (
    IDEMPOTENCY_HEADER,
    MAX_ATTEMPTS,
    SIGNATURE_HEADER,
    ChannelConfigError,
    ChannelRouter,
    DeliveryError,
    EmailSender,
    InAppSender,
    Outcome,
    OutgoingMessage,
    WebhookSender,
    message_id,
    retry_delay,
    verify_signature,
)
from tickets.validation import NaiveDatetimeError

SENDER = "desk@shiftdesk.example"
SUBJECT = "工单 #12 即将超时"
BODY = "您好，工单 #12「打印机无法连接」将在 15 分钟后超过首次响应时限。\n请尽快处理。"


def email(key: str = "sla:12:first_response:0:warn", to: str = "agent.li@example.com",
          subject: str = SUBJECT, body: str = BODY) -> OutgoingMessage:
    return OutgoingMessage(key, "email", to, subject, body, {"ticket_id": 12})


def webhook(url: str, key: str = "sla:12:first_response:0:warn", payload: dict[str, Any] | None = None
            ) -> OutgoingMessage:
    data = {"ticket_id": 12, "phone": "+8613800000000"} if payload is None else payload
    return OutgoingMessage(key, "webhook", url, SUBJECT, BODY, data)


def mailer(server: SmtpTestServer, **options: Any) -> EmailSender:
    return EmailSender(server.host, server.port, SENDER, **options)


def failure(send: Any) -> DeliveryError:
    with pytest.raises(DeliveryError) as caught:
        send()
    return caught.value


# --- e-mail ----------------------------------------------------------------------------


def test_chinese_subject_and_body_arrive_intact_with_headers(smtp_server: SmtpTestServer) -> None:
    mailer(smtp_server).send(email(), now=FIXED_NOW)

    (received,) = smtp_server.received
    mail = received.message
    assert mail["Subject"] == SUBJECT
    assert mail.get_content().rstrip("\n") == BODY
    assert mail.get_content_charset() == "utf-8"
    assert (mail["From"], mail["To"]) == (SENDER, "agent.li@example.com")
    assert received.rcpt_tos == ("agent.li@example.com",) and received.mail_from == SENDER
    assert mail[IDEMPOTENCY_HEADER] == "sla:12:first_response:0:warn"
    assert mail["Date"].datetime == FIXED_NOW  # the `now` passed in, not the wall clock


def test_message_id_is_the_same_for_a_resend_of_the_same_key(smtp_server: SmtpTestServer) -> None:
    sender = mailer(smtp_server)
    sender.send(email(key="sla:12:first_response:0:warn"), now=FIXED_NOW)
    sender.send(email(key="sla:12:first_response:0:warn"), now=FIXED_NOW + timedelta(minutes=1))
    sender.send(email(key="sla:12:first_response:0:breach"), now=FIXED_NOW)

    first, resend, other = (mail["Message-ID"] for mail in smtp_server.wait_for(3))
    assert first == resend == message_id("sla:12:first_response:0:warn", "shiftdesk.example")
    assert other != first
    assert first.startswith("<") and first.endswith("@shiftdesk.example>") and ":" not in first


def test_greylisting_451_is_transient_and_the_retry_goes_through(smtp_server: SmtpTestServer) -> None:
    smtp_server.fail_next(1, code=451)
    sender = mailer(smtp_server)

    error = failure(lambda: sender.send(email(), now=FIXED_NOW))
    assert error.transient
    assert "email" in str(error) and "agent.li@example.com" in str(error) and "451" in str(error)
    assert smtp_server.received == []

    sender.send(email(), now=FIXED_NOW)
    assert len(smtp_server.wait_for(1)) == 1


def test_a_550_rejection_is_permanent(smtp_server: SmtpTestServer) -> None:
    smtp_server.fail_next(1, code=550)
    error = failure(lambda: mailer(smtp_server).send(email(), now=FIXED_NOW))
    assert not error.transient and "550" in error.reason


def test_nothing_listening_is_transient(closed_port: int) -> None:
    sender = EmailSender("127.0.0.1", closed_port, SENDER, timeout_s=2)
    error = failure(lambda: sender.send(email(), now=FIXED_NOW))
    assert error.transient and f"127.0.0.1:{closed_port}" in error.reason


@pytest.mark.parametrize("address", [
    "not-an-address", "two@at@example.com", "Li Lei <li@example.com>", "li@", "@example.com",
    "li lei@example.com", "李雷@example.com", "li@example.com\r\nBcc: all@example.com", "",
])
def test_a_malformed_address_is_permanent_and_never_sent(smtp_server: SmtpTestServer, address: str) -> None:
    error = failure(lambda: mailer(smtp_server).send(email(to=address), now=FIXED_NOW))
    assert not error.transient and error.channel == "email" and error.recipient == address
    assert smtp_server.received == []


def test_send_many_reuses_one_connection_and_isolates_each_failure(smtp_server: SmtpTestServer) -> None:
    smtp_server.fail_next(1)  # the first message that reaches DATA
    messages = [email(key=f"k{i}", to="bad address" if i == 2 else f"agent{i}@example.com") for i in range(5)]

    results = mailer(smtp_server).send_many(messages, now=FIXED_NOW)

    assert [r.idempotency_key for r in results] == ["k0", "k1", "k2", "k3", "k4"]
    assert [r.outcome for r in results] == [Outcome.TRANSIENT, Outcome.DELIVERED, Outcome.PERMANENT,
                                            Outcome.DELIVERED, Outcome.DELIVERED]
    received = smtp_server.received
    assert [mail.message[IDEMPOTENCY_HEADER] for mail in received] == ["k1", "k3", "k4"]
    assert len({mail.peer for mail in received}) == 1  # one connection for the whole run


def test_an_unreachable_server_fails_the_rest_of_the_run_without_trying(closed_port: int) -> None:
    sender = EmailSender("127.0.0.1", closed_port, SENDER)
    results = sender.send_many([email(key=f"k{i}") for i in range(3)], now=FIXED_NOW)
    assert all(r.outcome is Outcome.TRANSIENT for r in results)
    assert [r.error.reason.startswith("not tried") for r in results if r.error] == [False, True, True]


def test_send_batch_spreads_over_parallel_connections_in_input_order(smtp_server: SmtpTestServer) -> None:
    messages = [email(key=f"k{i:02}", to=f"agent{i}@example.com") for i in range(40)]
    results = mailer(smtp_server, connections=4).send_batch(messages, now=FIXED_NOW)

    assert [r.idempotency_key for r in results] == [m.idempotency_key for m in messages]
    assert all(r.ok for r in results)
    received = smtp_server.wait_for(40)
    assert sorted(mail[IDEMPOTENCY_HEADER] for mail in received) == [m.idempotency_key for m in messages]
    assert len({mail.peer for mail in smtp_server.received}) == 4


def _tls_server(tls_files: tuple[Path, Path]) -> tuple[SmtpTestServer, ssl.SSLContext]:
    cert, key = tls_files
    server_context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server_context.load_cert_chain(cert, key)
    client_context = ssl.create_default_context(cafile=str(cert))
    return SmtpTestServer(logins={"desk": "s3cret"}, tls_context=server_context).start(), client_context


def test_starttls_and_login_when_configured(tls_files: tuple[Path, Path]) -> None:
    server, client_context = _tls_server(tls_files)
    try:
        secure = mailer(server, starttls=True, tls_context=client_context, username="desk", password="s3cret")
        secure.send(email(), now=FIXED_NOW)
        assert server.wait_for(1)[0]["Subject"] == SUBJECT

        wrong_password = mailer(server, starttls=True, tls_context=client_context, username="desk", password="x")
        assert failure(lambda: wrong_password.send(email(), now=FIXED_NOW)).transient  # setup, not the message
        plain = mailer(server)  # the server insists on STARTTLS first
        assert failure(lambda: plain.send(email(), now=FIXED_NOW)).transient
        assert len(server.received) == 1
    finally:
        server.stop()


@pytest.mark.parametrize(("host", "port", "sender", "options"), [
    ("", 25, SENDER, {}),
    ("mail.example.com", 0, SENDER, {}),
    ("mail.example.com", 70000, SENDER, {}),
    ("mail.example.com", 25, "not an address", {}),
    ("mail.example.com", 25, SENDER, {"username": "desk"}),
    ("mail.example.com", 25, SENDER, {"timeout_s": 0}),
])
def test_bad_smtp_settings_are_user_errors(host: str, port: int, sender: str, options: dict[str, Any]) -> None:
    with pytest.raises(ChannelConfigError) as caught:
        EmailSender(host, port, sender, **options)
    assert isinstance(caught.value, UserError)


# --- webhooks --------------------------------------------------------------------------


def test_webhook_body_headers_and_signature(webhook_receiver: WebhookReceiver, http_client: httpx.Client) -> None:
    with WebhookSender(webhook_receiver.secret, client=http_client) as sender:
        sender.send(webhook(webhook_receiver.url), now=FIXED_NOW)

    (request,) = webhook_receiver.requests
    assert request.status == 200 and request.path == "/hooks/notify"
    assert request.idempotency_key == "sla:12:first_response:0:warn"
    assert request.headers["content-type"].startswith("application/json")
    assert request.json() == {"id": "sla:12:first_response:0:warn", "subject": SUBJECT, "body": BODY,
                              "data": {"ticket_id": 12, "phone": "+8613800000000"},
                              "sent_at": "2026-11-26T02:30:00+00:00"}
    header = request.headers[SIGNATURE_HEADER.lower()]
    assert request.signature_valid and verify_signature(webhook_receiver.secret, request.body, header)
    assert not verify_signature(b"another-secret", request.body, header)
    assert not verify_signature(webhook_receiver.secret, request.body.replace(b"12", b"13"), header)
    assert not verify_signature(webhook_receiver.secret, request.body, None)


def test_a_webhook_signed_with_another_secret_is_refused_permanently(webhook_receiver: WebhookReceiver,
                                                                     http_client: httpx.Client) -> None:
    with WebhookSender(b"another-secret", client=http_client) as sender:
        error = failure(lambda: sender.send(webhook(webhook_receiver.url), now=FIXED_NOW))
    assert not error.transient and "401" in error.reason
    assert [r.signature_valid for r in webhook_receiver.requests] == [False]
    assert webhook_receiver.unique_keys == set()


def test_without_a_secret_there_is_no_signature_header(webhook_receiver: WebhookReceiver,
                                                       http_client: httpx.Client) -> None:
    webhook_receiver.require_signature = False
    with WebhookSender(None, client=http_client) as sender:
        sender.send(webhook(webhook_receiver.url), now=FIXED_NOW)
    (request,) = webhook_receiver.requests
    assert SIGNATURE_HEADER.lower() not in request.headers and request.status == 200


@pytest.mark.parametrize(("status", "transient"), [
    (500, True), (503, True), (408, True), (429, True),
    (400, False), (404, False), (422, False), (301, False),
])
def test_http_status_decides_transient_or_permanent(webhook_receiver: WebhookReceiver, status: int,
                                                    transient: bool, http_client: httpx.Client) -> None:
    webhook_receiver.fail_next(1, status=status)
    with WebhookSender(webhook_receiver.secret, client=http_client) as sender:
        error = failure(lambda: sender.send(webhook(webhook_receiver.url), now=FIXED_NOW))
        assert error.transient is transient
        assert error.channel == "webhook" and webhook_receiver.url in str(error) and f"HTTP {status}" in error.reason
        sender.send(webhook(webhook_receiver.url), now=FIXED_NOW)  # the next one is accepted
    assert webhook_receiver.raw_count == 2 and len(webhook_receiver.unique_keys) == 1


def test_a_slow_receiver_times_out_as_transient(webhook_receiver: WebhookReceiver, http_client: httpx.Client) -> None:
    webhook_receiver.delay_next(1, 3.0)
    with WebhookSender(webhook_receiver.secret, timeout_s=0.2, client=http_client) as sender:
        started = time.monotonic()
        error = failure(lambda: sender.send(webhook(webhook_receiver.url), now=FIXED_NOW))
        assert time.monotonic() - started < 2.0
    assert error.transient and "0.2 s" in error.reason


def test_nothing_listening_is_transient_for_webhooks(closed_port: int, http_client: httpx.Client) -> None:
    with WebhookSender(b"secret", client=http_client) as sender:
        error = failure(lambda: sender.send(webhook(f"http://127.0.0.1:{closed_port}/x"), now=FIXED_NOW))
    assert error.transient and "ConnectError" in error.reason


@pytest.mark.parametrize("url", ["not a url", "ftp://example.com/hook", "http://", "/hooks/relative", ""])
def test_a_malformed_url_is_permanent(url: str, http_client: httpx.Client) -> None:
    with WebhookSender(b"secret", client=http_client) as sender:
        error = failure(lambda: sender.send(webhook(url), now=FIXED_NOW))
    assert not error.transient and error.recipient == url


def test_a_payload_that_is_not_json_is_permanent(webhook_receiver: WebhookReceiver, http_client: httpx.Client) -> None:
    with WebhookSender(webhook_receiver.secret, client=http_client) as sender:
        for payload in ({"at": FIXED_NOW}, {"ratio": float("nan")}):
            error = failure(lambda p=payload: sender.send(webhook(webhook_receiver.url, payload=p), now=FIXED_NOW))
            assert not error.transient and "JSON" in error.reason
    assert webhook_receiver.raw_count == 0


def test_a_resend_carries_the_same_key_and_the_receiver_drops_it(webhook_receiver: WebhookReceiver,
                                                                 http_client: httpx.Client) -> None:
    with WebhookSender(webhook_receiver.secret, client=http_client) as sender:
        sender.send(webhook(webhook_receiver.url), now=FIXED_NOW)
        sender.send(webhook(webhook_receiver.url), now=FIXED_NOW + timedelta(seconds=30))
    assert webhook_receiver.raw_count == 2
    assert webhook_receiver.unique_keys == {"sla:12:first_response:0:warn"}
    assert {r.json()["id"] for r in webhook_receiver.requests} == {"sla:12:first_response:0:warn"}


def test_send_batch_delivers_concurrently_and_reports_each_message(webhook_receiver: WebhookReceiver) -> None:
    bad_urls = {7: "ftp://nowhere", 50: "not a url", 120: "http://", 199: ""}
    messages = [webhook(bad_urls.get(i, webhook_receiver.url), key=f"batch:{i:03}") for i in range(200)]
    webhook_receiver.fail_next(6, status=503)
    webhook_receiver.fail_next(3, status=400)
    webhook_receiver.delay_next(200, 0.02)  # one by one this batch would take at least 4 s

    with WebhookSender(webhook_receiver.secret) as sender:
        results = sender.send_batch(messages, now=FIXED_NOW)

    assert [r.idempotency_key for r in results] == [m.idempotency_key for m in messages]
    assert Counter(r.outcome for r in results) == {Outcome.DELIVERED: 187, Outcome.TRANSIENT: 6,
                                                   Outcome.PERMANENT: 7}
    assert all(results[i].outcome is Outcome.PERMANENT for i in bad_urls)
    assert webhook_receiver.unique_keys == {r.idempotency_key for r in results if r.ok}
    assert webhook_receiver.raw_count == 196
    assert webhook_receiver.peak_concurrency >= 8  # sent side by side, not one by one


def test_an_unreachable_host_fails_the_rest_of_the_batch_fast(closed_port: int) -> None:
    url = f"http://127.0.0.1:{closed_port}/hook"
    with WebhookSender(b"secret", max_concurrency=8) as sender:
        results = sender.send_batch([webhook(url, key=f"k{i}") for i in range(100)], now=FIXED_NOW)
    assert all(r.outcome is Outcome.TRANSIENT for r in results)
    not_tried = [r for r in results if r.error and r.error.reason.startswith("not tried")]
    assert len(not_tried) >= 100 - 8  # each thread tries at most once after the host refused


def test_a_naive_now_is_the_callers_bug(webhook_receiver: WebhookReceiver, http_client: httpx.Client) -> None:
    with WebhookSender(webhook_receiver.secret, client=http_client) as sender, pytest.raises(NaiveDatetimeError):
        sender.send_batch([webhook(webhook_receiver.url)], now=datetime(2026, 11, 26, 10, 30))


# --- in-app, keys, routing -------------------------------------------------------------


@pytest.mark.parametrize(("recipient", "ok"), [("42", True), ("7", True), ("0", False), ("-3", False),
                                               ("alice", False), ("４２", False), ("", False)])
def test_in_app_accepts_only_a_user_id(recipient: str, ok: bool) -> None:
    message = OutgoingMessage("k", "in_app", recipient, SUBJECT, BODY, {})
    (result,) = InAppSender().send_batch([message], now=FIXED_NOW)
    assert result.ok is ok and (ok or result.outcome is Outcome.PERMANENT)


@pytest.mark.parametrize("key", ["", "a\r\nBcc: all@example.com", "sla:12:webhook:李雷", " k", "x" * 201])
def test_a_key_that_could_break_a_header_is_permanent(smtp_server: SmtpTestServer, webhook_receiver: WebhookReceiver,
                                                      key: str, http_client: httpx.Client) -> None:
    with WebhookSender(webhook_receiver.secret, client=http_client) as sender:
        results = [mailer(smtp_server).send_batch([email(key=key)], now=FIXED_NOW)[0],
                   sender.send_batch([webhook(webhook_receiver.url, key=key)], now=FIXED_NOW)[0],
                   InAppSender().send_batch([OutgoingMessage(key, "in_app", "42", "s", "b", {})], now=FIXED_NOW)[0]]
    assert [r.outcome for r in results] == [Outcome.PERMANENT] * 3
    assert smtp_server.received == [] and webhook_receiver.raw_count == 0


def test_a_key_with_inner_spaces_is_carried_intact(smtp_server: SmtpTestServer, webhook_receiver: WebhookReceiver,
                                                  http_client: httpx.Client) -> None:
    key = "sla:12:first_response:0:warn:webhook:Li Lei"
    mailer(smtp_server).send(email(key=key), now=FIXED_NOW)
    with WebhookSender(webhook_receiver.secret, client=http_client) as sender:
        sender.send(webhook(webhook_receiver.url, key=key), now=FIXED_NOW)
    assert smtp_server.wait_for(1)[0][IDEMPOTENCY_HEADER] == key
    assert webhook_receiver.unique_keys == {key}


def test_router_sends_a_mixed_batch_through_each_channel(channel_router: ChannelRouter, smtp_server: SmtpTestServer,
                                                         webhook_receiver: WebhookReceiver) -> None:
    messages = [
        OutgoingMessage("m:in-app", "in_app", "42", SUBJECT, BODY, {}),
        email(key="m:email"),
        webhook(webhook_receiver.url, key="m:webhook"),
        OutgoingMessage("m:sms", "sms", "+8613800000000", SUBJECT, BODY, {}),
        OutgoingMessage("m:bad-user", "in_app", "agent.li", SUBJECT, BODY, {}),
    ]
    results = channel_router.send_batch(messages, now=FIXED_NOW)

    assert [(r.idempotency_key, r.outcome) for r in results] == [
        ("m:in-app", Outcome.DELIVERED), ("m:email", Outcome.DELIVERED), ("m:webhook", Outcome.DELIVERED),
        ("m:sms", Outcome.PERMANENT), ("m:bad-user", Outcome.PERMANENT)]
    assert "no sender for channel 'sms'" in str(results[3].error)
    assert smtp_server.wait_for(1)[0]["From"] == "desk@shiftdesk.example"
    assert webhook_receiver.wait_for(1)["m:webhook"].signature_valid
    with pytest.raises(DeliveryError, match="no sender"):
        channel_router.send(messages[3], now=FIXED_NOW)


@pytest.mark.parametrize("env", [{"SHIFTDESK_WEBHOOK_SECRET": ""},
                                 {"SHIFTDESK_SMTP_HOST": "127.0.0.1", "SHIFTDESK_SMTP_PORT": "0"},
                                 {"SHIFTDESK_SMTP_HOST": "127.0.0.1", "SHIFTDESK_SMTP_SENDER": "shiftdesk"}])
def test_router_names_a_bad_setting(env: dict[str, str]) -> None:
    with pytest.raises(ChannelConfigError, match="SHIFTDESK_|sender"):
        ChannelRouter.from_settings(Settings.from_env(env))


# --- retries ---------------------------------------------------------------------------


def test_retry_delay_doubles_from_30_seconds_up_to_an_hour() -> None:
    assert [retry_delay(n) for n in range(1, 10)] == [timedelta(seconds=30 * 2**k) for k in range(7)] + [
        timedelta(hours=1)] * 2
    assert retry_delay(10_000) == timedelta(hours=1)


@pytest.mark.parametrize("key", ["", "sla:12:first_response:0:warn", "batch:007"])
def test_retry_delay_is_monotone_capped_and_fixed_by_the_key(key: str) -> None:
    delays = [retry_delay(n, key) for n in range(1, 40)]
    assert delays == sorted(delays) and max(delays) <= timedelta(hours=1)
    assert delays == [retry_delay(n, key) for n in range(1, 40)]
    assert all(0.9 * retry_delay(n) <= retry_delay(n, key) <= retry_delay(n) for n in range(1, 40))


def test_retry_jitter_spreads_keys_that_failed_together() -> None:
    assert len({retry_delay(3, f"batch:{i}") for i in range(50)}) > 40


def test_dead_letter_after_about_an_hour_of_retries() -> None:
    waited = sum((retry_delay(n) for n in range(1, MAX_ATTEMPTS)), timedelta())
    assert timedelta(minutes=30) <= waited <= timedelta(hours=2)


@pytest.mark.parametrize("attempts", [0, -1, True])
def test_retry_delay_counts_failed_attempts_from_one(attempts: int) -> None:
    with pytest.raises(ValueError):
        retry_delay(attempts)

