"""Real receivers for notifications: an SMTP server (aiosmtpd) and an HTTP webhook receiver.

Both listen on a free loopback port chosen by the kernel (safe under
`pytest -n 2`), keep everything they receive for assertions, can be told to
fail the next N deliveries, and stop when the test ends.

    def test_x(smtp_server, webhook_receiver, channel_router):
        smtp_server.fail_next(1)                  # next message gets "451 try again"
        webhook_receiver.fail_next(2, status=429)
        webhook_receiver.delay_next(1, 0.5)       # answer the next request 0.5 s late
        ... send to f"ops@example.com" / webhook_receiver.url ...
        mails = smtp_server.wait_for(1)           # parsed EmailMessage objects
        webhook_receiver.wait_for(3)              # unique Idempotency-Keys accepted
        webhook_receiver.raw_count, webhook_receiver.unique_keys, webhook_receiver.requests

`channel_router` is `ChannelRouter.from_settings` wired to both servers (the
settings come from environment variables, as in production), for worker tests.
"""

from __future__ import annotations

import json
import secrets
import socket
import ssl
import subprocess
import threading
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from functools import cached_property
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, AuthResult, Envelope, LoginPassword, Session

from shiftdesk.settings import Settings
from tickets.channels import ChannelRouter, verify_signature
from tickets.channels.webhook import SIGNATURE_HEADER

LOOPBACK = "127.0.0.1"
WAIT_S = 5.0


def _wait(condition: threading.Condition, ready: Callable[[], bool], timeout: float, what: Callable[[], str]) -> None:
    """Block until `ready()` (checked under `condition`), or fail the test saying what was missing."""
    with condition:
        if not condition.wait_for(ready, timeout):
            pytest.fail(f"timed out after {timeout:g} s waiting for {what()}")


# --- SMTP -----------------------------------------------------------------------------


@dataclass(frozen=True)
class ReceivedMail:
    """One accepted message: the envelope, the raw bytes, and the client connection it came on."""

    mail_from: str
    rcpt_tos: tuple[str, ...]
    raw: bytes
    peer: tuple[str, int]

    @cached_property
    def message(self) -> EmailMessage:
        """Parsed on first use: parsing costs more than receiving, and a big batch is often only counted."""
        message = BytesParser(policy=policy.default).parsebytes(self.raw)
        assert isinstance(message, EmailMessage)
        return message


class SmtpTestServer:
    """A real aiosmtpd SMTP server on a free loopback port, in its own thread.

    `fail_next(n, code)` answers the next n messages (at DATA) with that code
    instead of accepting them; `logins` turns on AUTH; `tls_context` offers
    STARTTLS and then requires it.
    """

    def __init__(self, *, logins: Mapping[str, str] | None = None, tls_context: ssl.SSLContext | None = None) -> None:
        self._condition = threading.Condition()
        self._received: list[ReceivedMail] = []
        self._failures: list[int] = []
        self.refused = 0
        self._logins = dict(logins or {})
        listener = socket.create_server((LOOPBACK, 0))
        self.host, self.port = LOOPBACK, listener.getsockname()[1]
        options: dict[str, Any] = {}
        if logins is not None:
            options.update(authenticator=self._authenticate, auth_required=True,
                           auth_require_tls=tls_context is not None)
        if tls_context is not None:
            options.update(tls_context=tls_context, require_starttls=True)
        self._controller = _ListeningController(self, listener, **options)

    def start(self) -> SmtpTestServer:
        self._controller.start()
        return self

    def stop(self) -> None:
        self._controller.stop()

    def fail_next(self, count: int, code: int = 451) -> None:
        """Refuse the next `count` messages with `code` (451: transient greylisting; 550: permanent)."""
        with self._condition:
            self._failures.extend([code] * count)

    @property
    def received(self) -> list[ReceivedMail]:
        with self._condition:
            return list(self._received)

    @property
    def messages(self) -> list[EmailMessage]:
        return [mail.message for mail in self.received]

    def wait_for(self, count: int, timeout: float = WAIT_S) -> list[EmailMessage]:
        """The first `count` accepted messages, waiting for them to arrive."""
        _wait(self._condition, lambda: len(self._received) >= count, timeout,
              lambda: f"{count} mails at {self.host}:{self.port}, got {len(self._received)}")
        return self.messages[:count]

    # aiosmtpd handler hooks (run on the server's event loop thread)

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        with self._condition:
            if self._failures:
                self.refused += 1
                code = self._failures.pop(0)
                return f"{code} {'4.3.0 Try again later' if code < 500 else '5.7.1 Message rejected'}"
            self._received.append(ReceivedMail(envelope.mail_from or "", tuple(envelope.rcpt_tos),
                                               envelope.original_content or b"", tuple(session.peer)))
            self._condition.notify_all()
        return "250 2.0.0 OK"

    def _authenticate(self, server: SMTP, session: Session, envelope: Envelope, mechanism: str,
                      auth_data: Any) -> AuthResult:
        ok = (isinstance(auth_data, LoginPassword)
              and self._logins.get(auth_data.login.decode()) == auth_data.password.decode())
        return AuthResult(success=ok, handled=False)


class _ListeningController(Controller):
    """A Controller serving on a socket that is already bound, so the port is known and never races."""

    def __init__(self, handler: SmtpTestServer, listener: socket.socket, **options: Any) -> None:
        super().__init__(handler, hostname=handler.host, port=handler.port, **options)
        self._listener = listener

    def _create_server(self) -> Any:
        return self.loop.create_server(self._factory_invoker, sock=self._listener, ssl=self.ssl_context)


@pytest.fixture
def smtp_server() -> Iterator[SmtpTestServer]:
    """A plain SMTP server that accepts everything unless told to fail."""
    server = SmtpTestServer().start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def tls_files(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A throwaway self-signed certificate for 127.0.0.1: (cert, key)."""
    folder = tmp_path_factory.mktemp("tls")
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=127.0.0.1",
                    "-addext", "subjectAltName=IP:127.0.0.1", "-keyout", str(key), "-out", str(cert)],
                   check=True, capture_output=True)
    return cert, key


# --- webhooks --------------------------------------------------------------------------


@dataclass(frozen=True)
class ReceivedRequest:
    """One request as it arrived, with the status the receiver answered."""

    path: str
    headers: dict[str, str]  # names lower-cased
    body: bytes
    status: int
    signature_valid: bool

    @property
    def idempotency_key(self) -> str | None:
        return self.headers.get("idempotency-key")

    def json(self) -> Any:
        return json.loads(self.body)


class WebhookReceiver:
    """A real HTTP/1.1 server (keep-alive) on a free loopback port, behaving like an SMS gateway.

    Every request is recorded (`requests`, `raw_count`). A request is accepted
    (200) only with a valid signature (when `require_signature`), and counted
    once per `Idempotency-Key` (`unique_keys`, `delivered`): a re-send is
    answered 200 but not delivered twice. `fail_next(n, status)` answers the
    next n requests with that status; `delay_next(n, seconds)` answers them late.
    """

    path = "/hooks/notify"

    def __init__(self, secret: bytes | None = None) -> None:
        self.secret = secret or b"whsec-" + secrets.token_hex(16).encode()
        self.require_signature = True
        self._condition = threading.Condition()
        self._requests: list[ReceivedRequest] = []
        self._delivered: dict[str, ReceivedRequest] = {}
        self._failures: list[int] = []
        self._delays: list[float] = []
        self._in_flight = 0
        self.peak_concurrency = 0
        self._closing = threading.Event()
        self._server = _ReceiverServer((LOOPBACK, 0), self)
        self.port = self._server.server_address[1]
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05},
                                        name=f"webhook-receiver-{self.port}", daemon=True)

    @property
    def base_url(self) -> str:
        return f"http://{LOOPBACK}:{self.port}"

    @property
    def url(self) -> str:
        return self.base_url + self.path

    def start(self) -> WebhookReceiver:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._closing.set()  # wakes delayed handlers
        self._server.shutdown()
        self._server.server_close()
        self._thread.join()

    def fail_next(self, count: int, status: int = 500) -> None:
        with self._condition:
            self._failures.extend([status] * count)

    def delay_next(self, count: int, seconds: float) -> None:
        with self._condition:
            self._delays.extend([seconds] * count)

    @property
    def requests(self) -> list[ReceivedRequest]:
        with self._condition:
            return list(self._requests)

    @property
    def raw_count(self) -> int:
        with self._condition:
            return len(self._requests)

    @property
    def delivered(self) -> dict[str, ReceivedRequest]:
        """The first accepted request per Idempotency-Key."""
        with self._condition:
            return dict(self._delivered)

    @property
    def unique_keys(self) -> set[str]:
        return set(self.delivered)

    def wait_for(self, unique: int, timeout: float = WAIT_S) -> dict[str, ReceivedRequest]:
        """Wait until `unique` distinct keys have been accepted."""
        _wait(self._condition, lambda: len(self._delivered) >= unique, timeout,
              lambda: f"{unique} webhooks at {self.url}, got {len(self._delivered)}")
        return self.delivered

    def answer(self, path: str, headers: dict[str, str], body: bytes) -> int:
        """Decide the status for one request and record it (called from handler threads)."""
        with self._condition:
            delay = self._delays.pop(0) if self._delays else 0.0
            self._in_flight += 1
            self.peak_concurrency = max(self.peak_concurrency, self._in_flight)
        try:
            if delay:
                self._closing.wait(delay)
            return self._record(path, headers, body)
        finally:
            with self._condition:
                self._in_flight -= 1

    def _record(self, path: str, headers: dict[str, str], body: bytes) -> int:
        signed = verify_signature(self.secret, body, headers.get(SIGNATURE_HEADER.lower()))
        key = headers.get("idempotency-key")
        with self._condition:
            status = self._failures.pop(0) if self._failures else 200
            if status == 200 and (not key or (self.require_signature and not signed)):
                status = 400 if not key else 401
            request = ReceivedRequest(path, headers, body, status, signed)
            self._requests.append(request)
            if status == 200 and key:
                self._delivered.setdefault(key, request)
            self._condition.notify_all()
        return status


class _ReceiverServer(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 256  # a batch opens many connections at once; the default backlog of 5 resets some

    def __init__(self, address: tuple[str, int], receiver: WebhookReceiver) -> None:
        super().__init__(address, _ReceiverHandler)
        self.receiver = receiver

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A client that gave up (timeout test) resets the connection; that is expected, not a failure."""


class _ReceiverHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, so the sender's connection pool is really used
    disable_nagle_algorithm = True  # answer at once, as a real gateway would (no 40 ms delayed-ACK stall)
    timeout = 10  # drop idle keep-alive connections eventually
    server: _ReceiverServer

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        headers = {name.lower(): value for name, value in self.headers.items()}
        status = self.server.receiver.answer(self.path, headers, body)
        reply = json.dumps({"ok": status == 200}).encode()
        self.send_response(status)
        if status == 429:
            self.send_header("Retry-After", "1")
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(reply)))
        self.end_headers()
        self.wfile.write(reply)

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the base class's name
        """Quiet: the receiver's record is the log."""


@pytest.fixture
def webhook_receiver() -> Iterator[WebhookReceiver]:
    """A webhook receiver with its own random secret (`receiver.secret`)."""
    receiver = WebhookReceiver().start()
    yield receiver
    receiver.stop()


@pytest.fixture(scope="session")
def http_client() -> Iterator[httpx.Client]:
    """One pooled client per test process: making a client loads the CA bundle, which is slow to repeat."""
    with httpx.Client(limits=httpx.Limits(max_connections=64, max_keepalive_connections=64)) as client:
        yield client


@pytest.fixture
def channel_router(smtp_server: SmtpTestServer, webhook_receiver: WebhookReceiver) -> Iterator[ChannelRouter]:
    """The production router built from settings that point at both real servers."""
    settings = Settings.from_env({
        "SHIFTDESK_SMTP_HOST": smtp_server.host,
        "SHIFTDESK_SMTP_PORT": str(smtp_server.port),
        "SHIFTDESK_SMTP_SENDER": "desk@shiftdesk.example",
        "SHIFTDESK_WEBHOOK_SECRET": webhook_receiver.secret.decode(),
    })
    with ChannelRouter.from_settings(settings) as router:
        yield router


@pytest.fixture
def closed_port() -> Iterator[int]:
    """A loopback port that is bound but not listening: connecting to it is refused, and nobody can take it."""
    with socket.socket() as holder:
        holder.bind((LOOPBACK, 0))
        yield holder.getsockname()[1]

