"""In-app notifications: the outbox row itself is the message the app shows.

Nothing leaves the process, so sending only checks that the recipient is a
user id the app can show the row to; a row addressed to anything else would
sit unread forever, so it goes to the dead letter instead.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from functools import partial

from tickets.channels.base import IN_APP, DeliveryError, DeliveryResult, OutgoingMessage, check_key, deliver_one


class InAppSender:
    """Validates in-app messages; delivery is the row being there."""

    def send(self, message: OutgoingMessage, *, now: datetime) -> None:
        check_key(message)
        recipient = message.recipient
        if not (isinstance(recipient, str) and recipient.isascii() and recipient.isdigit() and int(recipient) > 0):
            raise DeliveryError(IN_APP, str(recipient), "recipient must be a user id (a positive whole number)",
                                transient=False)

    def send_batch(self, messages: Sequence[OutgoingMessage], *, now: datetime) -> list[DeliveryResult]:
        send = partial(self.send, now=now)
        return [deliver_one(send, message) for message in messages]

    def close(self) -> None:
        """Nothing to release."""
