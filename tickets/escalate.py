"""The worker's SLA pass: fire the escalation steps that are due, each exactly once.

Due tickets are locked for the transaction (`FOR UPDATE SKIP LOCKED` on
PostgreSQL), so two workers never take the same ticket; every fired step is
recorded in `sla_step_firings` under its idempotency key (unique), and its
notifications are enqueued in the outbox in the same transaction. A worker
that dies mid-batch rolls back everything it did, and the next pass does it
once. Steps run through a dispatch table, one small function per action.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from store import outbox
from store import tickets as ticket_store
from store.enums import Priority
from store.schema import Employee, SlaStepFiring, Ticket
from tickets.deadlines import active_policy, next_check, refresh_sla, sla_history
from tickets.escalation import DueStep, EscalationSnapshot, StepAction, plan_escalation
from tickets.lifecycle import Actor, apply_attribute_changes, record_event, set_assignee
from tickets.notify import Message, outbox_rows
from tickets.recipients import DeskNow, Recipient, managers, resolve
from tickets.sla import compute_schedule
from tickets.sla_policy import Metric, SlaPolicy

WORKER = Actor("worker")
PRIORITY_RANK = {p: i for i, p in enumerate((Priority.LOW, Priority.NORMAL, Priority.HIGH, Priority.URGENT))}
METRIC_WORDS = {Metric.FIRST_RESPONSE: "first response", Metric.NEXT_REPLY: "next reply",
                Metric.RESOLUTION: "resolution"}


@dataclass
class PassReport:
    tickets: int = 0
    steps: int = 0
    notifications: int = 0
    actions: dict[str, int] = field(default_factory=dict)


@dataclass
class _StepContext:
    session: Session
    desk: DeskNow
    ticket: Ticket
    due: DueStep
    due_at: datetime | None
    now: datetime
    report: PassReport
    outbox: list[dict[str, object]]  # the pass's notifications, enqueued together at its end


def process_due_tickets(session: Session, now: datetime, limit: int = 500) -> PassReport:
    """One SLA pass over up to `limit` due tickets, in the caller's transaction."""
    report = PassReport()
    tickets = ticket_store.lock_due_tickets(session, now, limit)
    if not tickets:
        return report
    fired = ticket_store.fired_keys_for(session, [t.id for t in tickets])
    policy, _ = active_policy(session)
    desk = DeskNow(session, now)
    pending: list[dict[str, object]] = []
    with session.no_autoflush:  # the batch's events, firings and notifications go out together
        for ticket in tickets:
            _process_ticket(session, desk, policy, fired, ticket, now, report, pending)
    report.notifications += outbox.enqueue(session, pending)
    return report


def _process_ticket(session: Session, desk: DeskNow, policy: SlaPolicy, fired: dict[int, set[str]],
                    ticket: Ticket, now: datetime, report: PassReport, pending: list[dict[str, object]]) -> None:
    """Fire the ticket's due escalation steps once each and set when to look at it next."""
    report.tickets += 1
    if ticket.escalation_snapshot is None:
        ticket.sla_next_check_at = None
        return
    snapshot = EscalationSnapshot.from_dict(ticket.escalation_snapshot)
    schedule = compute_schedule(policy, sla_history(ticket.events))
    inputs_changed = False
    for metric in Metric:
        clock = schedule.current(metric)
        if clock is None:
            continue
        for due in plan_escalation(snapshot, clock, fired[ticket.id], now).due:
            context = _StepContext(session, desk, ticket, due, clock.due_at, now, report, pending)
            inputs_changed |= ACTIONS[due.step.action](context)
            session.add(SlaStepFiring(
                ticket_id=ticket.id, idempotency_key=due.idempotency_key, metric=metric.value, cycle=due.cycle,
                step_id=due.step.id, action=due.step.action.value, due_at=due.fire_at, fired_at=now,
            ))
            fired[ticket.id].add(due.idempotency_key)
            report.steps += 1
            report.actions[due.step.action.value] = report.actions.get(due.step.action.value, 0) + 1
    if inputs_changed:
        session.flush()
        refresh_sla(session, ticket, now)
    else:
        ticket.sla_next_check_at = next_check(ticket, schedule, fired[ticket.id], now)


def _warn_assignee(ctx: _StepContext) -> bool:
    recipient = resolve(ctx.desk, ctx.ticket.queue, ctx.ticket.assignee_id, "assignee")
    _tell(ctx, [recipient] if recipient else managers(ctx.session),
          f"SLA warning: ticket #{ctx.ticket.id} {_metric(ctx)} due {_local(ctx)}")
    return False


def _notify_supervisor(ctx: _StepContext) -> bool:
    assignee = ctx.session.get(Employee, ctx.ticket.assignee_id) if ctx.ticket.assignee_id else None
    supervisor_id = assignee.supervisor_id if assignee else None
    recipient = resolve(ctx.desk, ctx.ticket.queue, supervisor_id, "supervisor", exclude=ctx.ticket.assignee_id)
    _tell(ctx, [recipient] if recipient else managers(ctx.session),
          f"SLA breached: ticket #{ctx.ticket.id} {_metric(ctx)} was due {_local(ctx)}")
    return False


def _reassign_to_queue(ctx: _StepContext) -> bool:
    queue = ctx.due.step.params["queue"]
    set_assignee(ctx.ticket, None, WORKER, ctx.now, reason=f"SLA breached: moved to {queue}")
    apply_attribute_changes(ctx.session, ctx.ticket, WORKER, ctx.now, queue=queue)
    _record(ctx, [], f"moved to queue {queue}")
    return True


def _raise_priority(ctx: _StepContext) -> bool:
    target = Priority(ctx.due.step.params["priority"])
    changed = PRIORITY_RANK[target] > PRIORITY_RANK[ctx.ticket.priority] and apply_attribute_changes(
        ctx.session, ctx.ticket, WORKER, ctx.now, priority=target.value
    )
    _record(ctx, [], f"priority raised to {target.value}" if changed else "priority already high enough")
    return bool(changed)


def _notify_manager(ctx: _StepContext) -> bool:
    _tell(ctx, managers(ctx.session), f"SLA breach unresolved: ticket #{ctx.ticket.id} {_metric(ctx)} "
                                      f"was due {_local(ctx)}")
    return False


ACTIONS: dict[StepAction, Callable[[_StepContext], bool]] = {
    StepAction.WARN_ASSIGNEE: _warn_assignee,
    StepAction.NOTIFY_SUPERVISOR: _notify_supervisor,
    StepAction.REASSIGN_TO_QUEUE: _reassign_to_queue,
    StepAction.RAISE_PRIORITY: _raise_priority,
    StepAction.NOTIFY_MANAGER: _notify_manager,
}
"""Each action returns whether it changed an SLA input (then the ticket's clocks are recomputed)."""


def _tell(ctx: _StepContext, recipients: list[Recipient], subject: str) -> None:
    ticket = ctx.ticket
    body = (f"{subject}\n\nTicket #{ticket.id}: {ticket.subject}\nQueue: {ticket.queue.name} · "
            f"priority {ticket.priority.value} · tier {ticket.sla_tier}\n")
    message = Message(
        key=ctx.due.idempotency_key, subject=subject, body=body, ticket_id=ticket.id,
        data={"step": ctx.due.step.id, "action": ctx.due.step.action.value, "metric": ctx.due.metric.value,
              "due_at": ctx.due.fire_at.isoformat()},
    )
    ctx.outbox += outbox_rows(message, [r.contact for r in recipients], ctx.now, ctx.desk.webhook(ticket.queue.team_id))
    _record(ctx, recipients, subject)


def _record(ctx: _StepContext, recipients: list[Recipient], summary: str) -> None:
    record_event(ctx.ticket, WORKER, ctx.now, "escalation", {
        "step": ctx.due.step.id,
        "action": ctx.due.step.action.value,
        "metric": ctx.due.metric.value,
        "key": ctx.due.idempotency_key,
        "summary": summary,
        "recipients": [{"name": r.contact.name, "reason": r.reason} for r in recipients],
    })


def _metric(ctx: _StepContext) -> str:
    return METRIC_WORDS[ctx.due.metric]


def _local(ctx: _StepContext) -> str:
    if ctx.due_at is None:
        return "(paused)"
    zone = ZoneInfo(ctx.desk.zone(ctx.ticket.queue.team_id))
    return f"{ctx.due_at.astimezone(zone):%a %d %b %H:%M}"
