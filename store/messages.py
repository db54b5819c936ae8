"""Ticket messages and attachments: what e-mail threading looks up and what intake keeps.

Functions take a session and never commit; the caller's transaction holds the
ticket change, its message and its attachments together.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, defer

from store.enums import Channel
from store.schema import Ticket, TicketAttachment, TicketMessage


def ticket_of_message(session: Session, message_id: str) -> int | None:
    """The ticket a message with this Message-ID is already stored on, if any."""
    return session.scalar(select(TicketMessage.ticket_id).where(TicketMessage.message_id == message_id))


def ticket_threaded_by(session: Session, message_ids: Sequence[str]) -> int | None:
    """The ticket of the first id in `message_ids` (the caller's order of preference) that is stored."""
    if not message_ids:
        return None
    rows = session.execute(
        select(TicketMessage.message_id, TicketMessage.ticket_id).where(TicketMessage.message_id.in_(message_ids))
    ).all()
    found = {message_id: ticket_id for message_id, ticket_id in rows}
    return next((found[mid] for mid in message_ids if mid in found), None)


def last_from_customer(session: Session, ticket_id: int) -> str | None:
    """The Message-ID of the customer's latest message on the ticket (what a reply answers), if any."""
    return session.scalar(select(TicketMessage.message_id).where(
        TicketMessage.ticket_id == ticket_id, TicketMessage.direction == "in", TicketMessage.message_id.is_not(None))
        .order_by(TicketMessage.id.desc()).limit(1))


def find_ticket(session: Session, ticket_id: int) -> Ticket | None:
    return session.get(Ticket, ticket_id)


def add_message(session: Session, *, ticket_id: int, direction: str, channel: Channel, message_id: str | None,
                in_reply_to: str | None, author: str, subject: str, body: str, now: datetime) -> TicketMessage:
    message = TicketMessage(ticket_id=ticket_id, direction=direction, channel=channel, message_id=message_id,
                            in_reply_to=in_reply_to, author=author, subject=subject, body=body, created_at=now)
    session.add(message)
    session.flush()
    return message


def add_attachment(session: Session, *, ticket_id: int, message_id: int, filename: str, content_type: str,
                   content: bytes, sha256: str, now: datetime) -> TicketAttachment:
    attachment = TicketAttachment(ticket_id=ticket_id, message_id=message_id, filename=filename,
                                  content_type=content_type, size_bytes=len(content), sha256=sha256,
                                  content=content, created_at=now)
    session.add(attachment)
    return attachment


def attachments_of(session: Session, ticket_id: int) -> list[TicketAttachment]:
    """A ticket's attachments, oldest first; `content` is loaded only when read (it may be megabytes)."""
    return list(session.scalars(select(TicketAttachment).where(TicketAttachment.ticket_id == ticket_id)
                                .order_by(TicketAttachment.id).options(defer(TicketAttachment.content))))
