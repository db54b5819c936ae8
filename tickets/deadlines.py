"""Keep a ticket's stored SLA state in step with its history.

After every change to a ticket, `refresh_sla` replays its audit trail through
the pure calculator (`tickets.sla.compute_schedule`), writes the clocks and
the ticket's due times, snapshots the tier's escalation steps when escalation
starts (or the tier changes), and sets `sla_next_check_at`: the instant the
worker must look at the ticket again. Deadlines therefore change only when an
input changes, never on a timer.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from store import tickets as ticket_store
from store.schema import Ticket, TicketEvent
from tickets import sla
from tickets.escalation import EscalationSnapshot, plan_escalation, take_snapshot
from tickets.sla_policy import ATTRIBUTE_NAMES, TIER_KEYS, Metric, SlaPolicy, TicketAttributes

_POLICY_CACHE_KEY = "shiftdesk.sla_policy"
_PARSED: dict[int, tuple[SlaPolicy, dict[str, dict[str, Any]]]] = {}
"""Parsed policies by a hash of their rows, shared by the sessions of a process: parsing a
business calendar with years of holidays costs milliseconds, and tickets are created one by one."""


def active_policy(session: Session) -> tuple[SlaPolicy, dict[str, dict[str, Any]]]:
    """The SLA policy (active tiers by position) and each tier's stored row, cached per session.

    The rows are read once per session (tiers may be edited by another process at any time);
    parsing them happens only when they differ from the last rows seen.
    """
    cached = session.info.get(_POLICY_CACHE_KEY)
    if cached is None:
        rows = ticket_store.active_sla_tier_rows(session)
        key = hash(json.dumps(rows, sort_keys=True, default=str))
        if key not in _PARSED:
            tiers = [{name: row[name] for name in TIER_KEYS} for row in rows]
            _PARSED[key] = (SlaPolicy.from_tiers(tiers),
                            {row["name"]: {"id": row["id"], "escalation": row["escalation"]} for row in rows})
        cached = session.info[_POLICY_CACHE_KEY] = _PARSED[key]
    return cached


def forget_policy(session: Session) -> None:
    """Drop the session's cached policy after tiers are edited in this session."""
    session.info.pop(_POLICY_CACHE_KEY, None)


def sla_history(events: Sequence[TicketEvent]) -> list[sla.TicketEvent]:
    """The audit trail as the calculator's events (notes, assignments and the like do not count)."""
    history: list[sla.TicketEvent] = []
    for event in events:
        data = event.data
        match event.kind:
            case "created":
                history.append(
                    sla.TicketCreated(
                        event.at,
                        TicketAttributes(data["priority"], data["customer_tier"], data["category"], data["channel"]),
                        data.get("status", "new"),
                    )
                )
            case "status":
                history.append(sla.StatusChanged(event.at, data["to"]))
            case "agent_reply":
                history.append(sla.AgentReplied(event.at))
            case "customer_reply":
                history.append(sla.CustomerReplied(event.at))
            case "attributes":
                changes = {k: new for k, (_old, new) in data["changes"].items() if k in ATTRIBUTE_NAMES}
                if changes:
                    history.append(sla.AttributesChanged(event.at, changes))
    return history


def refresh_sla(session: Session, ticket: Ticket, now: datetime, *, new: bool = False) -> sla.SlaSchedule:
    """Recompute and store the ticket's clocks, due times, escalation snapshot and next check.

    `new`: the ticket was just created in this transaction (no stored clocks or fired steps yet).
    """
    policy, tier_rows = active_policy(session)
    schedule = sla.compute_schedule(policy, sla_history(ticket.events))
    if new:
        ticket_store.insert_sla_clocks(session, ticket_store.sla_clock_rows(ticket.id, schedule.clocks))
    else:
        ticket_store.replace_sla_clocks(session, ticket.id, schedule.clocks)

    current = {metric: schedule.current(metric) for metric in Metric}
    ticket.first_response_due_at = _open_due(current[Metric.FIRST_RESPONSE])
    ticket.next_reply_due_at = _open_due(current[Metric.NEXT_REPLY])
    ticket.resolution_due_at = _open_due(current[Metric.RESOLUTION])

    tier_row = tier_rows.get(schedule.tier) if schedule.tier else None
    if tier_row is None:
        ticket.sla_tier, ticket.sla_policy_id, ticket.escalation_snapshot = None, None, None
    elif ticket.sla_tier != schedule.tier or ticket.escalation_snapshot is None:
        # Escalation starts (or the tier changed): freeze that tier's steps onto the ticket.
        ticket.sla_tier, ticket.sla_policy_id = schedule.tier, tier_row["id"]
        ticket.escalation_snapshot = take_snapshot(ticket.id, tier_row["escalation"], now).to_dict()
    fired = set() if new else ticket_store.fired_keys(session, ticket.id)
    ticket.sla_next_check_at = next_check(ticket, schedule, fired, now)
    return schedule


def next_check(ticket: Ticket, schedule: sla.SlaSchedule, fired: set[str], now: datetime) -> datetime | None:
    """When the worker should next look at the ticket: now if a step is due, else the earliest step."""
    if ticket.escalation_snapshot is None:
        return None
    snapshot = EscalationSnapshot.from_dict(ticket.escalation_snapshot)
    times = []
    for metric in Metric:
        clock = schedule.current(metric)
        if clock is None:
            continue
        plan = plan_escalation(snapshot, clock, fired, now)
        if plan.due:
            times.append(now)
        elif plan.next_due_at is not None:
            times.append(plan.next_due_at)
    return min(times, default=None)


def _open_due(clock: sla.MetricClock | None) -> datetime | None:
    """A clock's due time while it still runs (None once met or while paused)."""
    if clock is None or clock.fulfilled_at is not None:
        return None
    return clock.due_at
