"""The demo desk's SLA tiers, and SLA state for its recent and open tickets.

The tiers are the brief's (VIP complaint resolved in 30 min 24x7; device down
answered within 1 h 24x7; normal inquiry answered within 2 business hours),
each with the default escalation steps. Tickets of the last `SLA_DAYS` days get
an audit trail and their clocks, so the live desk and the SLA report have
something true to show; older history stays as plain rows (it only feeds the
forecast).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

from sqlalchemy import insert, select
from sqlalchemy.orm import Session, selectinload

from store.schema import SlaPolicy, Ticket, TicketEvent
from store.tickets import insert_sla_clocks, sla_clock_rows
from tickets.deadlines import active_policy, refresh_sla, sla_history
from tickets.escalation import DEFAULT_STEPS
from tickets.sla import compute_schedule
from tickets.sla_policy import default_policy

SLA_DAYS = 14
OPEN = ("new", "open", "pending")


def seed_sla_tiers(session: Session, now: datetime) -> None:
    policy = default_policy(years=range(now.year - 1, now.year + 2))
    steps = [step.to_dict() for step in DEFAULT_STEPS]
    for position, tier in enumerate(policy.tiers, start=1):
        session.add(SlaPolicy(position=position, escalation=steps, **tier.to_dict()))
    session.flush()


def seed_ticket_sla(session: Session, rows: Iterable[dict[str, object]], now: datetime) -> None:
    """Audit events and SLA clocks for the tickets created in the last SLA_DAYS days.

    Closed history only needs its clocks (bulk-written); open tickets go
    through `refresh_sla` like any live ticket, so they carry deadlines,
    escalation snapshots and the worker's next check.
    """
    since = now - timedelta(days=SLA_DAYS)
    recent = [row for row in rows if row["created_at"] >= since]  # type: ignore[operator]
    ids = dict(session.execute(
        select(Ticket.external_id, Ticket.id).where(Ticket.external_id.in_([r["external_id"] for r in recent]))
    ).all()) if recent else {}
    events: list[dict[str, object]] = []
    for row in recent:
        events.extend(_events(ids[row["external_id"]], row))  # type: ignore[index]
    if events:
        session.execute(insert(TicketEvent.__table__), events)

    policy, _ = active_policy(session)
    by_ticket: dict[int, list[TicketEvent]] = {}
    for event in events:
        by_ticket.setdefault(event["ticket_id"], []).append(TicketEvent(**event))  # type: ignore[arg-type]
    open_ids, clock_rows = [], []
    for row in recent:
        ticket_id = ids[row["external_id"]]  # type: ignore[index]
        if row["status"] in OPEN:
            open_ids.append(ticket_id)
        else:
            schedule = compute_schedule(policy, sla_history(by_ticket[ticket_id]))
            clock_rows.extend(sla_clock_rows(ticket_id, schedule.clocks))
    insert_sla_clocks(session, clock_rows)
    for ticket in session.scalars(
        select(Ticket).where(Ticket.id.in_(open_ids)).options(selectinload(Ticket.events))
    ):
        refresh_sla(session, ticket, now)


def _events(ticket_id: int, row: dict[str, object]) -> list[dict[str, object]]:
    """A plausible audit trail for one generated ticket."""
    created: datetime = row["created_at"]  # type: ignore[assignment]
    replied: datetime | None = row["first_response_at"]  # type: ignore[assignment]
    solved: datetime | None = row["solved_at"]  # type: ignore[assignment]
    closed: datetime | None = row["closed_at"]  # type: ignore[assignment]

    def event(at: datetime, kind: str, data: dict[str, object], actor: str = "agent") -> dict[str, object]:
        return {"ticket_id": ticket_id, "at": at, "actor": actor, "kind": kind, "data": data}

    trail = [event(created, "created", {
        "status": "new", "priority": row["priority"], "customer_tier": row["customer_tier"],
        "category": row["category"], "channel": row["channel"],
    }, actor="customer")]
    status = "new"

    def move(at: datetime, to: str) -> None:
        nonlocal status
        trail.append(event(at, "status", {"from": status, "to": to}))
        status = to

    if row["status"] != "new":
        if replied is not None:
            trail.append(event(replied, "agent_reply", {"body": "Thank you, we are looking into it."}))
            move(replied, "open")
        else:
            move(created + timedelta(minutes=1), "open")
    if row["status"] == "pending" and replied is not None:
        move(replied, "pending")
    if solved is not None:
        move(solved, "solved")
    if closed is not None:
        move(closed, "closed")
    return trail
