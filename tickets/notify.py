"""Turn "tell this person about this ticket" into outbox rows, one per channel.

In-app when the person has a login, e-mail when they have an address, and a
webhook (SMS gateway / chat bot) when the team has one configured. Each row's
idempotency key is the event's key plus channel and recipient, so enqueueing
the same event twice never sends twice.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from shiftdesk.settings import Settings
from store import outbox
from store.enums import NotificationChannel
from store.people import Contact


@dataclass(frozen=True)
class Message:
    key: str  # the event's idempotency key, e.g. "sla:12:first_response:1:warn-assignee"
    subject: str
    body: str
    ticket_id: int | None = None
    data: dict[str, Any] | None = None


def rows_for(message: Message, contact: Contact, now: datetime, webhook_url: str | None,
             *, email: bool | None = None) -> list[dict[str, Any]]:
    """Outbox rows (column dicts) that reach `contact` on every channel they have.

    E-mail rows only when the deployment has an SMTP server (`email` None: ask the settings).
    """
    if email is None:
        email = Settings.from_env().smtp_host is not None
    targets: list[tuple[NotificationChannel, str]] = []
    if contact.user_id is not None:
        targets.append((NotificationChannel.IN_APP, str(contact.user_id)))
    if contact.email and email:
        targets.append((NotificationChannel.EMAIL, contact.email))
    if webhook_url:
        targets.append((NotificationChannel.WEBHOOK, webhook_url))
    payload = {**(message.data or {}), "ticket_id": message.ticket_id, "to": contact.name, "phone": contact.phone}
    return [
        {
            "idempotency_key": f"{message.key}:{channel.value}:{_tag(contact)}",
            "channel": channel,
            "recipient": address,
            "recipient_user_id": contact.user_id,
            "subject": message.subject,
            "body": message.body,
            "payload": payload,
            "ticket_id": message.ticket_id,
            "next_attempt_at": now,
            "created_at": now,
        }
        for channel, address in targets
    ]


def _tag(contact: Contact) -> str:
    """An ASCII tag for the recipient in the key (keys travel in mail and HTTP headers)."""
    if contact.user_id is not None:
        return f"u{contact.user_id}"
    if contact.employee_id is not None:
        return f"e{contact.employee_id}"
    return "x" + hashlib.sha256(contact.name.encode()).hexdigest()[:12]


def outbox_rows(message: Message, contacts: list[Contact], now: datetime, webhook_url: str | None = None,
                ) -> list[dict[str, object]]:
    """The outbox rows that deliver `message` to each contact (e-mail only when SMTP is set up)."""
    email = Settings.from_env().smtp_host is not None
    return [row for contact in contacts for row in rows_for(message, contact, now, webhook_url, email=email)]


def notify(session: Session, message: Message, contacts: list[Contact], now: datetime,
           webhook_url: str | None = None) -> int:
    """Enqueue `message` for each contact in the caller's transaction; returns the rows added."""
    return outbox.enqueue(session, outbox_rows(message, contacts, now, webhook_url))
