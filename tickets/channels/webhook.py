"""Webhooks: a signed JSON POST per notification, for SMS gateways and chat bots.

The body is `{"id", "subject", "body", "data", "sent_at"}` (UTF-8 JSON, `id`
is the idempotency key, `sent_at` the `now` the worker passed in). Headers:
`Idempotency-Key` (so the receiver can drop a re-send), `Content-Type`, and
`X-ShiftDesk-Signature: sha256=<hex HMAC-SHA256 of the exact body bytes>` when
a secret is configured; `verify_signature` is the receiver's side of it.

Failures: 2xx delivered; 408, 429 and 5xx, timeouts and connection errors are
transient; any other status (4xx, and 3xx because redirects are not followed
for a signed POST) and a malformed URL or payload are permanent.

A batch goes out from a thread pool over one pooled `httpx.Client`. If a host
cannot be connected to, the rest of the batch for that host fails at once
(transient) rather than waiting out a connect timeout per message.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from functools import partial
from types import TracebackType

import httpx

from tickets.channels.base import (
    WEBHOOK,
    ChannelConfigError,
    DeliveryError,
    DeliveryResult,
    OutgoingMessage,
    check_key,
    deliver_one,
)
from tickets.validation import as_utc, format_instant

SIGNATURE_HEADER = "X-ShiftDesk-Signature"
SIGNATURE_PREFIX = "sha256="
RETRYABLE_STATUSES = frozenset({408, 429})


def signature_header(secret: bytes, body: bytes) -> str:
    """The `X-ShiftDesk-Signature` value for `body`."""
    return SIGNATURE_PREFIX + hmac.new(secret, body, hashlib.sha256).hexdigest()


def verify_signature(secret: bytes, body: bytes, header: str | None) -> bool:
    """True if `header` is the signature of exactly these body bytes (constant-time compare)."""
    if not header or not header.isascii() or not header.startswith(SIGNATURE_PREFIX):
        return False
    return hmac.compare_digest(signature_header(secret, body).encode(), header.strip().lower().encode())


class WebhookSender:
    """POSTs notifications to their URL; one client (connection pool) shared by all threads."""

    def __init__(
        self,
        secret: bytes | None,
        timeout_s: float = 5,
        client: httpx.Client | None = None,
        *,
        max_concurrency: int = 32,
    ) -> None:
        if secret is not None and (not isinstance(secret, bytes) or not secret):
            raise ChannelConfigError("webhook secret is set but empty (SHIFTDESK_WEBHOOK_SECRET); "
                                     "unset it to send unsigned webhooks")
        if not timeout_s > 0:
            raise ChannelConfigError(f"webhook timeout must be positive seconds, got {timeout_s!r}")
        if isinstance(max_concurrency, bool) or not isinstance(max_concurrency, int) or max_concurrency < 1:
            raise ChannelConfigError(f"webhook concurrency must be at least 1, got {max_concurrency!r}")
        self.secret = secret
        self.timeout_s = timeout_s
        self.max_concurrency = max_concurrency
        self._owns_client = client is None
        self._client = client or httpx.Client(
            limits=httpx.Limits(max_connections=max_concurrency, max_keepalive_connections=max_concurrency))

    def body(self, message: OutgoingMessage, *, now: datetime) -> bytes:
        """The exact bytes POSTed (and signed); a payload that is not JSON is a permanent error."""
        document = {
            "id": message.idempotency_key,
            "subject": message.subject,
            "body": message.body,
            "data": message.payload,
            "sent_at": format_instant(now),
        }
        try:
            return json.dumps(document, ensure_ascii=False, separators=(",", ":"), allow_nan=False).encode("utf-8")
        except (TypeError, ValueError) as exc:
            raise DeliveryError(WEBHOOK, message.recipient, f"payload is not JSON: {exc}", transient=False) from None

    def headers(self, message: OutgoingMessage, body: bytes) -> dict[str, str]:
        headers = {"Content-Type": "application/json; charset=utf-8", "Idempotency-Key": message.idempotency_key}
        if self.secret is not None:
            headers[SIGNATURE_HEADER] = signature_header(self.secret, body)
        return headers

    def send(self, message: OutgoingMessage, *, now: datetime) -> None:
        """POST one message; raises DeliveryError."""
        self._post(message, now=as_utc(now, "now"), unreachable=_Unreachable())

    def send_batch(self, messages: Sequence[OutgoingMessage], *, now: datetime) -> list[DeliveryResult]:
        """POST all messages concurrently (up to `max_concurrency`); results in input order."""
        now = as_utc(now, "now")  # a naive `now` is the caller's bug: raise, not one failure per message
        deliver = partial(deliver_one, partial(self._post, now=now, unreachable=_Unreachable()))
        workers = min(self.max_concurrency, len(messages))
        if workers <= 1:
            return [deliver(message) for message in messages]
        with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="webhook") as pool:
            return list(pool.map(deliver, messages))

    def close(self) -> None:
        """Close the connection pool if this sender made it (a passed-in client belongs to the caller)."""
        if self._owns_client:
            self._client.close()

    def __enter__(self) -> WebhookSender:
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 traceback: TracebackType | None) -> None:
        self.close()

    def _post(self, message: OutgoingMessage, *, now: datetime, unreachable: _Unreachable) -> None:
        check_key(message)
        url = _parse_url(message.recipient)
        body = self.body(message, now=now)
        unreachable.check(url, message.recipient)
        try:
            response = self._client.post(url, content=body, headers=self.headers(message, body),
                                         timeout=self.timeout_s, follow_redirects=False)
        except httpx.TimeoutException as exc:
            if isinstance(exc, httpx.ConnectTimeout):
                unreachable.add(url, exc)
            raise DeliveryError(WEBHOOK, message.recipient, f"no answer within {self.timeout_s:g} s "
                                f"({type(exc).__name__})", transient=True) from exc
        except httpx.TransportError as exc:
            if isinstance(exc, httpx.ConnectError):
                unreachable.add(url, exc)
            raise DeliveryError(WEBHOOK, message.recipient, f"{type(exc).__name__}: {exc}", transient=True) from exc
        _check_status(response, message.recipient)


class _Unreachable:
    """Origins that refused or timed out a connection during one batch (shared by its threads)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._origins: dict[tuple[str, str, int | None], str] = {}

    def add(self, url: httpx.URL, exc: Exception) -> None:
        with self._lock:
            self._origins.setdefault(_origin(url), f"{type(exc).__name__}: {exc}")

    def check(self, url: httpx.URL, recipient: str) -> None:
        with self._lock:
            reason = self._origins.get(_origin(url))
        if reason is not None:
            raise DeliveryError(WEBHOOK, recipient, f"not tried: {url.host} could not be reached earlier in this "
                                f"batch ({reason})", transient=True)


def _origin(url: httpx.URL) -> tuple[str, str, int | None]:
    return url.scheme, url.host, url.port


def _parse_url(recipient: str) -> httpx.URL:
    """An absolute http(s) URL, or a permanent error: a bad address will not improve with retries."""
    try:
        url = httpx.URL(recipient)
    except (httpx.InvalidURL, TypeError) as exc:
        raise DeliveryError(WEBHOOK, str(recipient), f"not a URL: {exc}", transient=False) from None
    if url.scheme not in ("http", "https") or not url.host:
        raise DeliveryError(WEBHOOK, recipient, "URL must be absolute http:// or https:// with a host",
                            transient=False)
    return url


def _check_status(response: httpx.Response, recipient: str) -> None:
    status = response.status_code
    if 200 <= status < 300:
        return
    snippet = " ".join(response.text[:200].split())
    reason = f"HTTP {status} {response.reason_phrase}" + (f": {snippet}" if snippet else "")
    if 300 <= status < 400:
        reason += " (redirects are not followed; fix the URL)"
    raise DeliveryError(WEBHOOK, recipient, reason, transient=status >= 500 or status in RETRYABLE_STATUSES)
