"""Ticket lifecycle: create, reply, change status, assign, change attributes.

Every change writes an audit event (who, when, what) and refreshes the SLA
state in the same transaction, so the stored deadlines always match the
history. Functions take the session, the acting party and `now`; they never
commit (the caller owns the transaction) and raise `UserError` for requests
that make no sense (an unknown queue, closing a new ticket, replying to a
closed one), with the ticket number in the message.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from shiftdesk.errors import UserError
from store import tickets as ticket_store
from store.enums import Channel, CustomerTier, Priority, TicketStatus
from store.org import queue_by_code
from store.schema import Employee, Ticket, TicketEvent
from tickets.deadlines import active_policy, refresh_sla

MAX_SUBJECT = 300
MAX_BODY = 100_000

# Allowed status moves. Solved -> open is a reopen; closed is final (a follow-up is a new ticket).
TRANSITIONS: dict[TicketStatus, frozenset[TicketStatus]] = {
    TicketStatus.NEW: frozenset({TicketStatus.OPEN, TicketStatus.PENDING, TicketStatus.SOLVED}),
    TicketStatus.OPEN: frozenset({TicketStatus.PENDING, TicketStatus.SOLVED}),
    TicketStatus.PENDING: frozenset({TicketStatus.OPEN, TicketStatus.SOLVED}),
    TicketStatus.SOLVED: frozenset({TicketStatus.OPEN, TicketStatus.CLOSED}),
    TicketStatus.CLOSED: frozenset(),
}


@dataclass(frozen=True)
class Actor:
    """Who made a change: a signed-in user, an integration, or the desk itself."""

    label: str  # "user:li.na", "api:shop", "worker", "import"
    user_id: int | None = None


SYSTEM = Actor("system")


DEFAULT_CATEGORY = "inquiry"


@dataclass(frozen=True)
class NewTicket:
    """A ticket to open. None for queue, category or priority means "not given": intake may
    suggest one (tickets.intake); the lifecycle itself uses the desk's defaults."""

    queue: str | None
    subject: str
    body: str = ""
    channel: str | None = None  # defaults to the queue's channel
    customer_tier: str = CustomerTier.STANDARD.value
    category: str | None = None
    priority: str | None = None
    customer_name: str | None = None
    customer_email: str | None = None
    external_id: str | None = None


def create_ticket(session: Session, new: NewTicket, actor: Actor, now: datetime) -> tuple[Ticket, bool]:
    """Open a ticket; with an external id already known, return that ticket instead (created=False)."""
    if new.external_id:
        existing = find_by_external_id(session, new.external_id)
        if existing is not None:
            return existing, False
    if not new.queue:
        raise UserError("queue is empty: choose the queue the ticket belongs to")
    queue = queue_by_code(session, new.queue)
    active_policy(session)  # read the tiers now, before the new rows make the query flush them
    channel = _choice(Channel, new.channel or queue.channel.value, "channel")
    ticket = Ticket(
        external_id=new.external_id or None,
        channel=channel,
        customer_tier=_choice(CustomerTier, new.customer_tier, "customer_tier"),
        category=_category(new.category or DEFAULT_CATEGORY),
        priority=_choice(Priority, new.priority or Priority.NORMAL.value, "priority"),
        queue=queue,
        status=TicketStatus.NEW,
        subject=_text(new.subject, "subject", MAX_SUBJECT, required=True),
        body=_text(new.body, "body", MAX_BODY),
        customer_name=new.customer_name,
        customer_email=new.customer_email,
        created_at=now,
        updated_at=now,
    )
    session.add(ticket)
    session.flush()
    record_event(ticket, actor, now, "created", {
        "status": TicketStatus.NEW.value,
        "priority": ticket.priority.value,
        "customer_tier": ticket.customer_tier.value,
        "category": ticket.category,
        "channel": ticket.channel.value,
        "queue": queue.code,
    })
    refresh_sla(session, ticket, now, new=True)
    return ticket, True


def find_by_external_id(session: Session, external_id: str) -> Ticket | None:
    """The ticket another system knows as `external_id` (re-delivery and re-import find it again)."""
    return ticket_store.ticket_by_external_id(session, external_id)


def set_status(session: Session, ticket_id: int, status: str, actor: Actor, now: datetime) -> Ticket:
    ticket = ticket_store.lock_ticket(session, ticket_id)
    _move(ticket, _choice(TicketStatus, status, "status"), actor, now)
    refresh_sla(session, ticket, now)
    return ticket


def agent_reply(session: Session, ticket_id: int, body: str, actor: Actor, now: datetime,
                *, then_status: str | None = None) -> Ticket:
    """A public reply to the customer: meets first response / next reply; a new ticket becomes open."""
    ticket = ticket_store.lock_ticket(session, ticket_id)
    _refuse_closed(ticket)
    record_event(ticket, actor, now, "agent_reply", {"body": _text(body, "body", MAX_BODY, required=True)})
    if ticket.first_response_at is None:
        ticket.first_response_at = now
    if ticket.status is TicketStatus.NEW:
        _move(ticket, TicketStatus.OPEN, actor, now)
    if then_status is not None and _choice(TicketStatus, then_status, "status") is not ticket.status:
        _move(ticket, TicketStatus(then_status), actor, now)
    refresh_sla(session, ticket, now)
    return ticket


def customer_reply(session: Session, ticket_id: int, body: str, actor: Actor, now: datetime) -> Ticket:
    """A message from the customer: a pending ticket is open again, a solved one reopens."""
    ticket = ticket_store.lock_ticket(session, ticket_id)
    _refuse_closed(ticket)
    record_event(ticket, actor, now, "customer_reply", {"body": _text(body, "body", MAX_BODY, required=True)})
    if ticket.status in (TicketStatus.PENDING, TicketStatus.SOLVED):
        _move(ticket, TicketStatus.OPEN, actor, now)
    refresh_sla(session, ticket, now)
    return ticket


def add_note(session: Session, ticket_id: int, body: str, actor: Actor, now: datetime) -> Ticket:
    """An internal note: visible to the desk, not to the customer, and no SLA effect."""
    ticket = ticket_store.lock_ticket(session, ticket_id)
    record_event(ticket, actor, now, "note", {"body": _text(body, "body", MAX_BODY, required=True)})
    ticket.updated_at = now
    return ticket


def assign(session: Session, ticket_id: int, employee_id: int | None, actor: Actor, now: datetime,
           *, reason: str | None = None) -> Ticket:
    ticket = ticket_store.lock_ticket(session, ticket_id)
    _refuse_closed(ticket)
    if employee_id is not None and session.get(Employee, employee_id) is None:
        raise UserError(f"ticket #{ticket.id}: no employee #{employee_id} to assign")
    set_assignee(ticket, employee_id, actor, now, reason=reason)
    return ticket


def set_assignee(ticket: Ticket, employee_id: int | None, actor: Actor, now: datetime,
                 *, reason: str | None = None) -> None:
    """Assign a ticket already locked by the caller (routing and escalation use this)."""
    if ticket.assignee_id == employee_id:
        return
    data: dict[str, Any] = {"from": ticket.assignee_id, "to": employee_id}
    if reason:
        data["reason"] = reason
    record_event(ticket, actor, now, "assigned", data)
    ticket.assignee_id = employee_id
    ticket.updated_at = now


def change_attributes(session: Session, ticket_id: int, actor: Actor, now: datetime, **changes: str) -> Ticket:
    """Change priority, customer tier, category, channel and/or queue (by code); the SLA tier may follow."""
    ticket = ticket_store.lock_ticket(session, ticket_id)
    apply_attribute_changes(session, ticket, actor, now, **changes)
    return ticket


def apply_attribute_changes(session: Session, ticket: Ticket, actor: Actor, now: datetime, **changes: str) -> bool:
    """Change attributes of a ticket already locked by the caller; True if anything changed."""
    _refuse_closed(ticket)
    recorded: dict[str, tuple[str, str]] = {}
    for name, value in changes.items():
        match name:
            case "priority":
                new = _choice(Priority, value, name)
            case "customer_tier":
                new = _choice(CustomerTier, value, name)
            case "channel":
                new = _choice(Channel, value, name)
            case "category":
                new = _category(value)
            case "queue":
                queue = queue_by_code(session, value)
                if queue.id != ticket.queue_id:
                    recorded["queue"] = (ticket.queue.code, queue.code)
                    ticket.queue = queue
                continue
            case _:
                raise UserError(f"ticket #{ticket.id}: '{name}' cannot be changed here")
        old = getattr(ticket, name)
        if old != new:
            recorded[name] = (getattr(old, "value", old), getattr(new, "value", new))
            setattr(ticket, name, new)
    if recorded:
        record_event(ticket, actor, now, "attributes", {"changes": recorded})
        ticket.updated_at = now
        refresh_sla(session, ticket, now)
    return bool(recorded)


def _move(ticket: Ticket, status: TicketStatus, actor: Actor, now: datetime) -> None:
    if status is ticket.status:
        return
    if status not in TRANSITIONS[ticket.status]:
        allowed = ", ".join(sorted(s.value for s in TRANSITIONS[ticket.status])) or "none (closed is final)"
        raise UserError(f"ticket #{ticket.id}: cannot go from {ticket.status.value} to {status.value} (allowed: {allowed})")
    record_event(ticket, actor, now, "status", {"from": ticket.status.value, "to": status.value})
    ticket.status = status
    if status is TicketStatus.SOLVED:
        ticket.solved_at = now
    elif status is TicketStatus.CLOSED:
        ticket.closed_at = now
    elif status is TicketStatus.OPEN and ticket.solved_at is not None:
        ticket.solved_at = None  # reopened
    ticket.updated_at = now


def record_event(ticket: Ticket, actor: Actor, now: datetime, kind: str, data: dict[str, Any]) -> None:
    """Append one audit event to the ticket's trail."""
    ticket.events.append(TicketEvent(at=now, actor=actor.label, actor_user_id=actor.user_id, kind=kind, data=data))


def _refuse_closed(ticket: Ticket) -> None:
    if ticket.status is TicketStatus.CLOSED:
        raise UserError(f"ticket #{ticket.id} is closed; open a follow-up ticket instead")


def _choice(enum: type[Any], value: str, name: str) -> Any:
    try:
        return enum(str(value).strip().lower())
    except ValueError:
        allowed = ", ".join(member.value for member in enum)
        raise UserError(f"unknown {name} '{value}' (allowed: {allowed})") from None


def _category(value: str) -> str:
    category = str(value).strip().lower()
    if not category or len(category) > 60:
        raise UserError(f"category must be 1-60 characters, got '{value}'")
    return category


def _text(value: str | None, name: str, limit: int, *, required: bool = False) -> str:
    text = (value or "").strip()
    if required and not text:
        raise UserError(f"{name} is empty")
    if len(text) > limit:
        raise UserError(f"{name} is too long: {len(text)} characters (limit {limit})")
    return text
