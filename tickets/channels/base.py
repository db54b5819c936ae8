"""What every delivery channel shares: the message, the error, the result, the retry schedule.

The outbox worker hands `OutgoingMessage`s to a sender and gets one
`DeliveryResult` per message back. A failure is either transient (try again
after `retry_delay`) or permanent (the message itself is wrong: dead letter at
once); after `MAX_ATTEMPTS` transient failures the worker gives up too.

A malformed message is refused when it is sent, not when it is built, so one
bad outbox row goes to the dead letter instead of stopping a whole batch.
"""

from __future__ import annotations

import hashlib
import logging
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any, Protocol

from shiftdesk.errors import UserError

log = logging.getLogger(__name__)

IN_APP = "in_app"
EMAIL = "email"
WEBHOOK = "webhook"

MAX_ATTEMPTS = 8
"""Attempts (the first send included) before a transiently failing message goes to the dead letter.

With `retry_delay` that is about an hour of retries: long enough to ride out a
mail server restart or a gateway outage, short enough that a stale SLA warning
is not delivered the next morning."""

FIRST_RETRY = timedelta(seconds=30)
MAX_RETRY = timedelta(hours=1)
JITTER_SHARE = 0.1  # up to 10% earlier, from the key, so a backlog that failed together does not retry together

# Keys go into HTTP and mail headers: printable ASCII (no CR/LF, so nothing can inject a header; HTTP
# headers cannot carry other characters), no spaces at the ends (receivers strip them), at most 200 (the column).
_KEY_PATTERN = re.compile(r"[\x21-\x7e]([\x20-\x7e]{0,198}[\x21-\x7e])?")


class ChannelConfigError(UserError):
    """A channel is configured wrongly (SMTP host, port, sender, webhook secret): fix the settings."""


class DeliveryError(Exception):
    """One message could not be handed over; `transient` says whether a later retry may succeed."""

    def __init__(self, channel: str, recipient: str, reason: str, *, transient: bool) -> None:
        kind = "transient" if transient else "permanent"
        super().__init__(f"{channel} to {recipient!r} failed ({kind}): {reason}")
        self.channel = channel
        self.recipient = recipient
        self.reason = reason
        self.transient = transient


@dataclass(frozen=True)
class OutgoingMessage:
    """One notification as the outbox holds it.

    `recipient` is a user id for in_app, an e-mail address for email and a URL
    for webhook. `payload` must be JSON-able; a webhook sends it as `data`.
    """

    idempotency_key: str
    channel: str
    recipient: str
    subject: str
    body: str
    payload: Mapping[str, Any] = field(default_factory=dict)


class Outcome(StrEnum):
    DELIVERED = "delivered"
    TRANSIENT = "transient"  # retry after retry_delay(attempts)
    PERMANENT = "permanent"  # dead letter now


@dataclass(frozen=True)
class DeliveryResult:
    """What happened to one message of a batch; `error` is None when it was delivered."""

    idempotency_key: str
    error: DeliveryError | None = None

    @property
    def ok(self) -> bool:
        return self.error is None

    @property
    def outcome(self) -> Outcome:
        if self.error is None:
            return Outcome.DELIVERED
        return Outcome.TRANSIENT if self.error.transient else Outcome.PERMANENT


class Sender(Protocol):
    """A channel: `send` raises DeliveryError; `send_batch` never raises for one message."""

    def send(self, message: OutgoingMessage, *, now: datetime) -> None: ...

    def send_batch(self, messages: Sequence[OutgoingMessage], *, now: datetime) -> list[DeliveryResult]: ...

    def close(self) -> None: ...


def check_key(message: OutgoingMessage) -> None:
    """Refuse a key that is empty, too long for the outbox column, or could break a header."""
    if not isinstance(message.idempotency_key, str) or not _KEY_PATTERN.fullmatch(message.idempotency_key):
        raise DeliveryError(
            message.channel,
            message.recipient,
            f"idempotency key {message.idempotency_key!r} must be 1-200 printable ASCII characters "
            "without spaces at either end",
            transient=False,
        )


def deliver_one(send: Callable[[OutgoingMessage], None], message: OutgoingMessage) -> DeliveryResult:
    """Run `send` for one message and turn any failure into that message's result.

    An unexpected exception is a bug, but it must not abort the batch: the
    worker would lose track of the messages already handed over and send them
    again when its lease expires. It is logged and retried like a transient error.
    """
    try:
        send(message)
    except DeliveryError as error:
        return DeliveryResult(message.idempotency_key, error)
    except Exception as exc:  # noqa: BLE001 - the batch boundary; see docstring
        log.exception("unexpected error sending %s", message.idempotency_key)
        reason = f"unexpected {type(exc).__name__}: {exc}"
        return DeliveryResult(message.idempotency_key, DeliveryError(message.channel, message.recipient, reason,
                                                                     transient=True))
    return DeliveryResult(message.idempotency_key)


def retry_delay(attempts: int, key: str = "") -> timedelta:
    """How long to wait after the `attempts`-th failed attempt (1 = the first send failed).

    30 s, 1 min, 2 min, 4 min ... doubling up to 1 h. With a `key` the delay is
    shortened by up to 10%, always the same for the same key (no randomness),
    so a backlog that failed at once is spread out when it is retried.
    """
    if isinstance(attempts, bool) or not isinstance(attempts, int) or attempts < 1:
        raise ValueError(f"attempts counts failed attempts and starts at 1, got {attempts!r}")
    exponent = min(attempts - 1, 32)  # 2**32 * 30 s is far beyond the cap; avoids huge ints
    delay = min(FIRST_RETRY * 2**exponent, MAX_RETRY)
    return delay * (1 - JITTER_SHARE * _unit_fraction(key)) if key else delay


def _unit_fraction(key: str) -> float:
    """A number in [0, 1) fixed by the key."""
    digest = hashlib.sha256(key.encode("utf-8")).digest()
    return int.from_bytes(digest[:8], "big") / 2**64
