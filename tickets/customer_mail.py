"""E-mail to a ticket's customer: intake receipts and agents' public replies.

Each message goes through the notification outbox (delivered by the worker,
retried, never twice) and is kept on the ticket as an outgoing message with
the Message-ID it is sent under, so the customer's answer threads back to the
ticket by its headers, or by the `[#id]` tag its subject keeps.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from store import messages, outbox
from store.enums import Channel
from store.people import Contact
from store.schema import Ticket
from tickets.channels.smtp import message_id as outgoing_message_id
from tickets.channels.smtp import parse_address
from tickets.notify import Message as Notice
from tickets.notify import rows_for

# Channels whose customers are answered by e-mail: phone, chat and API integrations answer in their own way.
MAILED_CHANNELS = frozenset({Channel.EMAIL, Channel.WEBFORM})


def ticket_tag(ticket_id: int) -> str:
    """The subject tag a reply keeps, so it threads even when a mail client drops the headers."""
    return f"[#{ticket_id}]"


def send_to_customer(session: Session, ticket: Ticket, notice: Notice, contact: Contact, desk_address: str,
                     in_reply_to: str | None, now: datetime, *, email: bool | None = None) -> int:
    """Queue `notice` to the customer and keep it on the ticket; returns how many e-mails were queued
    (none when the deployment has no SMTP server; `email` as in `tickets.notify.rows_for`)."""
    rows = rows_for(notice, contact, now, webhook_url=None, email=email)
    outbox.enqueue(session, rows)
    domain = parse_address(desk_address).domain
    for row in rows:
        messages.add_message(session, ticket_id=ticket.id, direction="out", channel=Channel.EMAIL,
                             message_id=outgoing_message_id(row["idempotency_key"], domain),
                             in_reply_to=in_reply_to, author=desk_address, subject=notice.subject,
                             body=notice.body, now=now)
    return len(rows)


def mail_reply(session: Session, ticket: Ticket, event_id: int, body: str, desk_address: str, now: datetime,
               *, email: bool | None = None) -> int:
    """E-mail an agent's public reply (ticket event `event_id`) to the customer of an e-mail or web-form
    ticket, threaded under the customer's last message; returns how many e-mails were queued."""
    if ticket.channel not in MAILED_CHANNELS or not ticket.customer_email:
        return 0
    notice = Notice(key=f"reply:{ticket.id}:{event_id}", subject=f"{ticket_tag(ticket.id)} {ticket.subject}"[:300],
                    body=body, ticket_id=ticket.id)
    contact = Contact(name=ticket.customer_name or ticket.customer_email, employee_id=None, user_id=None,
                      email=ticket.customer_email, phone=None)
    return send_to_customer(session, ticket, notice, contact, desk_address,
                            messages.last_from_customer(session, ticket.id), now, email=email)
