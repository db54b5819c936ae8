"""Dispatch by `message.channel` to the sender built from the deployment's settings.

The worker holds one router for its lifetime (it owns the webhook connection
pool) and calls `send_batch` with the due messages and the `now` it read; the
channels of a batch are sent side by side, each with its own concurrency.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from types import TracebackType

import httpx

from shiftdesk.settings import Settings
from tickets.channels.base import (
    EMAIL,
    IN_APP,
    WEBHOOK,
    DeliveryError,
    DeliveryResult,
    OutgoingMessage,
    Sender,
)
from tickets.channels.in_app import InAppSender
from tickets.channels.smtp import EmailSender
from tickets.channels.webhook import WebhookSender
from tickets.validation import as_utc


class ChannelRouter:
    """Sends each message through the sender registered for its channel."""

    def __init__(self, senders: Mapping[str, Sender]) -> None:
        self._senders = dict(senders)

    @classmethod
    def from_settings(cls, settings: Settings, *, client: httpx.Client | None = None) -> ChannelRouter:
        """All three channels; raises ChannelConfigError (a UserError) naming a bad setting."""
        secret = None if settings.webhook_secret is None else settings.webhook_secret.encode("utf-8")
        senders: dict[str, Sender] = {IN_APP: InAppSender(), WEBHOOK: WebhookSender(secret, client=client)}
        if settings.smtp_host is not None:
            senders[EMAIL] = EmailSender(settings.smtp_host, settings.smtp_port, settings.smtp_sender)
        return cls(senders)

    def send(self, message: OutgoingMessage, *, now: datetime) -> None:
        """Send one message; raises DeliveryError (permanent for an unknown channel)."""
        self._sender_for(message).send(message, now=now)

    def send_batch(self, messages: Sequence[OutgoingMessage], *, now: datetime) -> list[DeliveryResult]:
        """One result per message, in input order; one message failing never fails the batch."""
        now = as_utc(now, "now")
        results: dict[int, DeliveryResult] = {}
        groups: dict[str, list[int]] = {}
        for index, message in enumerate(messages):
            if message.channel in self._senders:
                groups.setdefault(message.channel, []).append(index)
            else:
                results[index] = DeliveryResult(message.idempotency_key, self._unknown_channel(message))
        if groups:
            with ThreadPoolExecutor(max_workers=len(groups), thread_name_prefix="channel") as pool:
                sent = {channel: pool.submit(self._senders[channel].send_batch, [messages[i] for i in indexes],
                                             now=now)
                        for channel, indexes in groups.items()}
                for channel, indexes in groups.items():
                    results.update(zip(indexes, sent[channel].result(), strict=True))
        return [results[index] for index in range(len(messages))]

    def close(self) -> None:
        for sender in self._senders.values():
            sender.close()

    def __enter__(self) -> ChannelRouter:
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 traceback: TracebackType | None) -> None:
        self.close()

    def _sender_for(self, message: OutgoingMessage) -> Sender:
        sender = self._senders.get(message.channel)
        if sender is None:
            raise self._unknown_channel(message)
        return sender

    def _unknown_channel(self, message: OutgoingMessage) -> DeliveryError:
        """Permanent: a row for a channel nobody sends will not become sendable by waiting."""
        known = ", ".join(sorted(self._senders))
        return DeliveryError(str(message.channel), message.recipient,
                             f"no sender for channel {message.channel!r} (known: {known})", transient=False)

