"""Escalation as data: ordered steps, snapshotted onto a ticket, each fired exactly once.

An SLA tier carries a list of steps (store's `sla_policies.escalation`). When
a ticket's escalation starts, the steps are copied onto the ticket
(`take_snapshot`, stored in `tickets.escalation_snapshot`), so editing the tier
later never changes what an open ticket will do (Grafana OnCall's pattern).

Each step is anchored to a clock's warn_at or due_at plus an offset in real
(wall-clock) minutes: a manager notified "an hour after the breach" is told an
hour later even outside business hours; quiet hours are the notifier's job.

`plan_escalation` is pure: given the snapshot, one SLA clock (from
`tickets.sla.compute_schedule`), the idempotency keys already fired and `now`,
it returns the steps due now and the time of the next one, for the worker's
next wake-up. Steps fire in order:
a step never fires before an earlier one, even if its own offset is earlier.
Nothing fires while the clock is met (answered / solved) or paused (pending).

A step's idempotency key is ticket id + metric + deadline version + step id.
The deadline version is the clock's cycle: it changes only when a new clock
starts (a new next-reply wait), not when a pause or a tier change moves the
deadline, so a step already sent is never sent again for the same wait.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any, TypeVar

from tickets.sla import MetricClock
from tickets.sla_policy import Metric
from tickets.validation import (
    TicketDataError,
    as_utc,
    expect_int,
    expect_list,
    expect_mapping,
    expect_str,
    format_instant,
    parse_instant,
    reject_unknown_keys,
)

_Choice = TypeVar("_Choice", bound=StrEnum)
STEP_ID_PATTERN = re.compile(r"[a-z0-9_-]{1,40}")  # kept short and plain: it goes into outbox keys


class EscalationError(TicketDataError):
    """A malformed escalation step list or snapshot; the message names the field."""


class StepAction(StrEnum):
    """What the worker does when a step fires (dispatched by the lead's worker)."""

    WARN_ASSIGNEE = "warn_assignee"
    NOTIFY_SUPERVISOR = "notify_supervisor"
    REASSIGN_TO_QUEUE = "reassign_to_queue"
    RAISE_PRIORITY = "raise_priority"
    NOTIFY_MANAGER = "notify_manager"


REQUIRED_PARAMS: Mapping[StepAction, tuple[str, ...]] = {
    StepAction.REASSIGN_TO_QUEUE: ("queue",),
    StepAction.RAISE_PRIORITY: ("priority",),
}


class Anchor(StrEnum):
    WARN_AT = "warn_at"
    DUE_AT = "due_at"


@dataclass(frozen=True)
class EscalationStep:
    """One step: `action` at `anchor` + `offset_minutes` real minutes (negative = before)."""

    id: str
    action: StepAction
    anchor: Anchor
    offset_minutes: int = 0
    params: Mapping[str, str] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "action": self.action.value,
            "anchor": self.anchor.value,
            "offset_minutes": self.offset_minutes,
            "params": dict(self.params),
        }

    @classmethod
    def from_dict(cls, data: Any, field_name: str) -> EscalationStep:
        data = expect_mapping(data, field_name, EscalationError)
        reject_unknown_keys(data, {"id", "action", "anchor", "offset_minutes", "params"}, field_name, EscalationError)
        step_id = expect_str(data.get("id"), f"{field_name}.id", EscalationError)
        if not STEP_ID_PATTERN.fullmatch(step_id):
            raise EscalationError(f"{field_name}.id", f"{step_id!r} must be 1-40 of a-z, 0-9, '_' or '-'")
        action = _choice(StepAction, data.get("action"), f"{field_name}.action")
        params_field = f"{field_name}.params"
        params = {
            key: expect_str(value, f"{params_field}.{key}", EscalationError)
            for key, value in expect_mapping(data.get("params", {}), params_field, EscalationError).items()
        }
        for required in REQUIRED_PARAMS.get(action, ()):
            if required not in params:
                raise EscalationError(f"{params_field}.{required}", f"required by action {action.value!r}")
        return cls(
            id=step_id,
            action=action,
            anchor=_choice(Anchor, data.get("anchor"), f"{field_name}.anchor"),
            offset_minutes=expect_int(data.get("offset_minutes", 0), f"{field_name}.offset_minutes", EscalationError),
            params=params,
        )


def parse_steps(data: Any, field_name: str = "escalation") -> tuple[EscalationStep, ...]:
    """Read a tier's step list (the `sla_policies.escalation` column), in firing order."""
    steps = tuple(
        EscalationStep.from_dict(item, f"{field_name}[{index}]")
        for index, item in enumerate(expect_list(data, field_name, EscalationError))
    )
    seen: set[str] = set()
    for index, step in enumerate(steps):
        if step.id in seen:
            raise EscalationError(f"{field_name}[{index}].id", f"duplicate step id {step.id!r}")
        seen.add(step.id)
    return steps


DEFAULT_STEPS: tuple[EscalationStep, ...] = (
    EscalationStep("warn-assignee", StepAction.WARN_ASSIGNEE, Anchor.WARN_AT),
    EscalationStep("notify-supervisor", StepAction.NOTIFY_SUPERVISOR, Anchor.DUE_AT),
    EscalationStep("reassign", StepAction.REASSIGN_TO_QUEUE, Anchor.DUE_AT, 15, {"queue": "escalations"}),
    EscalationStep("raise-priority", StepAction.RAISE_PRIORITY, Anchor.DUE_AT, 15, {"priority": "urgent"}),
    EscalationStep("notify-manager", StepAction.NOTIFY_MANAGER, Anchor.DUE_AT, 60),
)
"""Warn at the warning time; at breach tell the supervisor; 15 min later move the
ticket to the `escalations` queue and make it urgent; an hour after the breach
tell the manager."""


@dataclass(frozen=True)
class EscalationSnapshot:
    """The steps a ticket escalates by, frozen when its escalation started."""

    ticket_id: int | str
    taken_at: datetime
    steps: tuple[EscalationStep, ...]

    def to_dict(self) -> dict[str, Any]:
        return {
            "ticket_id": self.ticket_id,
            "taken_at": format_instant(self.taken_at),
            "steps": [step.to_dict() for step in self.steps],
        }

    @classmethod
    def from_dict(cls, data: Any, field_name: str = "escalation_snapshot") -> EscalationSnapshot:
        data = expect_mapping(data, field_name, EscalationError)
        reject_unknown_keys(data, {"ticket_id", "taken_at", "steps"}, field_name, EscalationError)
        return cls(
            ticket_id=_ticket_id(data.get("ticket_id"), f"{field_name}.ticket_id"),
            taken_at=parse_instant(data.get("taken_at"), f"{field_name}.taken_at", EscalationError),
            steps=parse_steps(data.get("steps"), f"{field_name}.steps"),
        )


def take_snapshot(
    ticket_id: int | str, steps: Sequence[EscalationStep | Mapping[str, Any]], now: datetime
) -> EscalationSnapshot:
    """Freeze `steps` (dataclasses, or the tier's stored list of dicts) onto a ticket at `now`.

    Dataclass steps go through the same checks as stored ones.
    """
    listed = expect_list(steps, "escalation", EscalationError)
    as_dicts = [step.to_dict() if isinstance(step, EscalationStep) else step for step in listed]
    return EscalationSnapshot(_ticket_id(ticket_id, "ticket_id"), as_utc(now, "now"), parse_steps(as_dicts))


@dataclass(frozen=True)
class DueStep:
    """A step to carry out now; `fire_at` is when it fell due (UTC)."""

    step: EscalationStep
    metric: Metric
    cycle: int
    fire_at: datetime
    idempotency_key: str


@dataclass(frozen=True)
class EscalationPlan:
    """Steps due now, in order, and when the next one falls due (None: nothing scheduled)."""

    due: tuple[DueStep, ...]
    next_due_at: datetime | None


def idempotency_key(ticket_id: int | str, metric: Metric, cycle: int, step_id: str) -> str:
    """Stable key for one step of one clock: the outbox sends each key at most once."""
    return f"sla:{ticket_id}:{metric.value}:{cycle}:{step_id}"


def plan_escalation(
    snapshot: EscalationSnapshot, clock: MetricClock, fired: Collection[str], now: datetime
) -> EscalationPlan:
    """The snapshot's steps due at `now` for one clock, skipping keys in `fired`.

    `fired` holds idempotency keys (not bare step ids) because the same steps
    run for every metric and for every next-reply cycle. Call once per current
    clock; the worker wakes at the earliest `next_due_at` of all of them, and
    recomputes after any ticket change (a reply, a pause, a tier change).
    """
    now = as_utc(now, "now")
    if clock.fulfilled_at is not None or clock.paused_since is not None:
        return EscalationPlan((), None)  # met (answered / solved), or waiting on the customer
    due: list[DueStep] = []
    earliest = clock.started_at
    for step in snapshot.steps:
        anchor = clock.warn_at if step.anchor is Anchor.WARN_AT else clock.due_at
        assert anchor is not None  # a running clock that is not paused knows both instants
        # Never before the step above it (nor before the clock started), whatever the offsets say.
        fire_at = earliest = max(anchor + timedelta(minutes=step.offset_minutes), earliest)
        key = idempotency_key(snapshot.ticket_id, clock.metric, clock.cycle, step.id)
        if key in fired:
            continue
        if fire_at > now:
            return EscalationPlan(tuple(due), fire_at)
        due.append(DueStep(step, clock.metric, clock.cycle, fire_at, key))
    return EscalationPlan(tuple(due), None)


def _choice(enum: type[_Choice], value: Any, field_name: str) -> _Choice:
    try:
        return enum(value)
    except ValueError:
        raise EscalationError(
            field_name, f"expected one of {', '.join(e.value for e in enum)}, got {value!r}"
        ) from None


def _ticket_id(value: Any, field_name: str) -> int | str:
    if isinstance(value, bool) or not isinstance(value, (int, str)) or value == "" or ":" in str(value):
        raise EscalationError(field_name, f"expected a ticket id (integer or plain string without ':'), got {value!r}")
    return value
