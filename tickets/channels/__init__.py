"""Delivery channels for the notification outbox: in-app, e-mail (SMTP) and signed webhooks.

The outbox worker builds `OutgoingMessage`s from due rows, calls
`ChannelRouter.send_batch(messages, now=now)` and gets one `DeliveryResult`
per message: delivered, transient (retry after `retry_delay(attempts, key)`
until `MAX_ATTEMPTS`) or permanent (dead letter now). Nothing here touches the
database or reads the wall clock.
"""

from tickets.channels.base import (
    EMAIL,
    IN_APP,
    MAX_ATTEMPTS,
    WEBHOOK,
    ChannelConfigError,
    DeliveryError,
    DeliveryResult,
    Outcome,
    OutgoingMessage,
    Sender,
    retry_delay,
)
from tickets.channels.in_app import InAppSender
from tickets.channels.router import ChannelRouter
from tickets.channels.smtp import IDEMPOTENCY_HEADER, EmailSender, message_id
from tickets.channels.webhook import SIGNATURE_HEADER, WebhookSender, signature_header, verify_signature

__all__ = [
    "EMAIL",
    "IDEMPOTENCY_HEADER",
    "IN_APP",
    "MAX_ATTEMPTS",
    "SIGNATURE_HEADER",
    "WEBHOOK",
    "ChannelConfigError",
    "ChannelRouter",
    "DeliveryError",
    "DeliveryResult",
    "EmailSender",
    "InAppSender",
    "Outcome",
    "OutgoingMessage",
    "Sender",
    "WebhookSender",
    "message_id",
    "retry_delay",
    "signature_header",
    "verify_signature",
]
