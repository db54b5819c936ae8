"""The SLA calculator: a ticket's event history + a policy -> its clocks, deadlines and states.

Two steps, so store/ can keep deadlines on the ticket and recompute them only
when an input changes:

- `compute_schedule(policy, history)` is deterministic: the same policy and
  history always give the same clocks, due_at and warn_at (UTC). Call it after
  every event that touches the ticket and store the current deadlines.
- `metric_status(clock, now)` / `sla_status(policy, history, now)` say where a
  clock stands at `now`: ok, warning, breached, met, met_late or paused, with
  elapsed and remaining business minutes.

Rules (after Zammad's escalation calculator):

- first_response starts at creation and is met by the first agent reply (or
  by solving the ticket, which answers the customer too).
- next_reply runs in cycles: once the first response is out, a customer
  message starts a cycle (later messages in the same wait do not restart it);
  the next agent reply, or solving, meets it. A customer message on a solved
  ticket starts a cycle only when the ticket is reopened, from the reopening.
- resolution starts at creation and is met while the ticket is solved; a
  reopen resumes the same clock, the solved period not counting.
- Every clock pauses while the ticket is in a pending status; pauses are
  rebuilt from the status history, never stored.
- The tier comes from the ticket's attributes: a met clock keeps the tier in
  force when it was met; a running clock takes the tier of the current
  attributes, and its target is measured from the clock's own start on that
  tier's calendar, so an upgrade mid-ticket can make a clock due (or breached)
  at once and a downgrade gives it more time.

"Agent reply" means a public reply to the customer, not an internal note.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from enum import StrEnum
from typing import Any

from tickets.business_calendar import BusinessCalendar, Interval, merge_intervals
from tickets.sla_policy import ATTRIBUTE_NAMES, Metric, SlaPolicy, TicketAttributes
from tickets.validation import TicketDataError, as_utc

# store.enums.TicketStatus values; tickets/ does not import store/.
KNOWN_STATUSES = frozenset({"new", "open", "pending", "solved", "closed"})
PAUSE_STATUSES = frozenset({"pending"})
SOLVED_STATUSES = frozenset({"solved", "closed"})


class SlaHistoryError(TicketDataError):
    """The event history or `now` given to the calculator is inconsistent."""


# -- events ------------------------------------------------------------------


@dataclass(frozen=True)
class TicketCreated:
    at: datetime
    attributes: TicketAttributes
    status: str = "new"


@dataclass(frozen=True)
class StatusChanged:
    """Any status change: pending (clocks pause), solved, closed, reopened (back to open)."""

    at: datetime
    status: str


@dataclass(frozen=True)
class AgentReplied:
    at: datetime


@dataclass(frozen=True)
class CustomerReplied:
    at: datetime


@dataclass(frozen=True)
class AttributesChanged:
    """A change of priority, customer_tier, category and/or channel: only the changed ones."""

    at: datetime
    changes: dict[str, str]


TicketEvent = TicketCreated | StatusChanged | AgentReplied | CustomerReplied | AttributesChanged


# -- clocks ------------------------------------------------------------------


@dataclass(frozen=True)
class MetricClock:
    """One SLA clock, derived only from policy and history (no `now`).

    Times are UTC. `due_at`/`warn_at` are None only while the clock is paused
    and the instant had not been reached before the pause: it is unknown until
    the ticket leaves the pending status. `cycle` counts next-reply waits
    (always 1 for the other metrics); it versions the deadline for escalation.
    """

    metric: Metric
    cycle: int
    tier: str
    calendar: BusinessCalendar = field(repr=False)
    target_minutes: int
    started_at: datetime
    pauses: tuple[Interval, ...]
    paused_since: datetime | None
    fulfilled_at: datetime | None
    warn_at: datetime | None
    due_at: datetime | None

    @property
    def attained(self) -> bool | None:
        """Met within target (True), late (False), or not fulfilled yet (None)."""
        if self.fulfilled_at is None:
            return None
        assert self.due_at is not None  # a fulfilled clock is not paused, so its deadline is known
        return self.fulfilled_at <= self.due_at


@dataclass(frozen=True)
class SlaSchedule:
    """All clocks of a ticket (next-reply cycles oldest first) and its current tier."""

    tier: str | None
    clocks: tuple[MetricClock, ...]

    def current(self, metric: Metric) -> MetricClock | None:
        """The latest clock of `metric` (the one to store on the ticket), if any."""
        return next((clock for clock in reversed(self.clocks) if clock.metric is metric), None)


@dataclass
class _Replay:
    """Mutable state while walking the history once, oldest event first."""

    created_at: datetime
    attributes: TicketAttributes
    status: str
    pending: list[Interval] = field(default_factory=list)
    pending_since: datetime | None = None
    solved: list[Interval] = field(default_factory=list)
    solved_since: datetime | None = None
    solved_attributes: TicketAttributes | None = None
    first_response: tuple[datetime, TicketAttributes] | None = None
    # Next-reply cycles: [start, end, attributes at end]; only the last may be open.
    cycles: list[tuple[datetime, datetime | None, TicketAttributes | None]] = field(default_factory=list)
    customer_waiting_while_solved: bool = False

    @property
    def cycle_open(self) -> bool:
        return bool(self.cycles) and self.cycles[-1][1] is None

    def close_cycle(self, at: datetime) -> None:
        if self.cycle_open:
            self.cycles[-1] = (self.cycles[-1][0], at, self.attributes)

    def change_status(self, at: datetime, new: str) -> None:
        old, self.status = self.status, new
        if old in PAUSE_STATUSES and new not in PAUSE_STATUSES:
            assert self.pending_since is not None
            self.pending.append((self.pending_since, at))
            self.pending_since = None
        if new in PAUSE_STATUSES and old not in PAUSE_STATUSES:
            self.pending_since = at
        if new in SOLVED_STATUSES and old not in SOLVED_STATUSES:
            self.solved_since, self.solved_attributes = at, self.attributes
            if self.first_response is None:
                self.first_response = (at, self.attributes)
            self.close_cycle(at)
        if old in SOLVED_STATUSES and new not in SOLVED_STATUSES:
            assert self.solved_since is not None
            self.solved.append((self.solved_since, at))
            self.solved_since = self.solved_attributes = None
            if self.customer_waiting_while_solved:
                self.cycles.append((at, None, None))
            self.customer_waiting_while_solved = False

    def agent_replied(self, at: datetime) -> None:
        if self.first_response is None:
            self.first_response = (at, self.attributes)
        self.close_cycle(at)

    def customer_replied(self, at: datetime) -> None:
        if self.first_response is None or self.cycle_open:
            return  # the first-response clock, or the running cycle, already covers this wait
        if self.status in SOLVED_STATUSES:
            self.customer_waiting_while_solved = True
        else:
            self.cycles.append((at, None, None))


def compute_schedule(policy: SlaPolicy, history: Sequence[TicketEvent]) -> SlaSchedule:
    """Replay `history` (any order; ties keep their given order) into the ticket's clocks."""
    replay = _replay(_checked_history(history))
    pending, open_pause = replay.pending, replay.pending_since
    first_at, first_attributes = replay.first_response or (None, replay.attributes)
    clocks = [
        _clock(policy, Metric.FIRST_RESPONSE, 1, replay.created_at, pending, open_pause, first_at, first_attributes),
        *(
            _clock(policy, Metric.NEXT_REPLY, number, start, pending, open_pause, end, attributes or replay.attributes)
            for number, (start, end, attributes) in enumerate(replay.cycles, start=1)
        ),
        _clock(
            policy,
            Metric.RESOLUTION,
            1,
            replay.created_at,
            [*pending, *replay.solved],  # solved periods before a reopen do not count
            open_pause,
            replay.solved_since,
            replay.solved_attributes or replay.attributes,
        ),
    ]
    current_tier = policy.tier_for(replay.attributes)
    return SlaSchedule(
        tier=current_tier.name if current_tier else None,
        clocks=tuple(clock for clock in clocks if clock is not None),
    )


def _clock(
    policy: SlaPolicy,
    metric: Metric,
    cycle: int,
    started_at: datetime,
    pauses: list[Interval],
    open_pause: datetime | None,
    fulfilled_at: datetime | None,
    attributes: TicketAttributes,
) -> MetricClock | None:
    """One clock on the tier chosen by `attributes`; None when that tier has no target for it."""
    tier = policy.tier_for(attributes)
    target = tier.targets.get(metric) if tier else None
    if tier is None or target is None:
        return None
    paused_since = None
    if fulfilled_at is not None:
        # Pauses after the clock was met must not move the deadline it was judged by.
        pauses = [(start, min(end, fulfilled_at)) for start, end in pauses if start < fulfilled_at]
    elif open_pause is not None:
        paused_since = max(open_pause, started_at)
    closed_pauses = tuple(merge_intervals(pauses, "pauses"))
    calendar = tier.calendar
    due_at: datetime | None = calendar.add_business_minutes(started_at, target, pauses=closed_pauses)
    warn_at: datetime | None = calendar.add_business_minutes(
        started_at, tier.warning.warn_after_minutes(target), pauses=closed_pauses
    )
    if paused_since is not None:
        # Computed as if the open pause did not exist: right only if reached before it began.
        due_at = due_at if due_at and due_at <= paused_since else None
        warn_at = warn_at if warn_at and warn_at <= paused_since else None
    return MetricClock(
        metric=metric,
        cycle=cycle,
        tier=tier.name,
        calendar=calendar,
        target_minutes=target,
        started_at=started_at,
        pauses=closed_pauses,
        paused_since=paused_since,
        fulfilled_at=fulfilled_at,
        warn_at=warn_at,
        due_at=due_at,
    )


def _replay(events: list[TicketEvent]) -> _Replay:
    created = events[0]
    assert isinstance(created, TicketCreated)
    replay = _Replay(created_at=created.at, attributes=created.attributes, status="new")
    replay.change_status(created.at, created.status)  # an import may create a ticket already pending or solved
    for event in events[1:]:
        match event:
            case StatusChanged(at=at, status=status):
                replay.change_status(at, status)
            case AgentReplied(at=at):
                replay.agent_replied(at)
            case CustomerReplied(at=at):
                replay.customer_replied(at)
            case AttributesChanged(changes=changes):
                replay.attributes = replace(replay.attributes, **changes)
    return replay


def _checked_history(history: Sequence[TicketEvent]) -> list[TicketEvent]:
    """Validate every event, convert times to UTC and order by time, creation first."""
    checked: list[TicketEvent] = []
    for index, event in enumerate(history):
        name = f"history[{index}]"
        if not isinstance(event, TicketEvent):
            raise SlaHistoryError(name, f"not a ticket event: {event!r}")
        if isinstance(event, TicketCreated | StatusChanged) and event.status not in KNOWN_STATUSES:
            raise SlaHistoryError(
                f"{name}.status", f"unknown status {event.status!r}; use {', '.join(sorted(KNOWN_STATUSES))}"
            )
        if isinstance(event, TicketCreated) and not isinstance(event.attributes, TicketAttributes):
            raise SlaHistoryError(f"{name}.attributes", "expected TicketAttributes")
        if isinstance(event, AttributesChanged):
            _check_changes(event.changes, f"{name}.changes")
        checked.append(replace(event, at=as_utc(event.at, f"{name}.at")))
    created = [event for event in checked if isinstance(event, TicketCreated)]
    if len(created) != 1:
        raise SlaHistoryError("history", f"expected exactly one TicketCreated event, got {len(created)}")
    ordered = sorted(checked, key=lambda event: (event.at, not isinstance(event, TicketCreated)))
    if ordered[0] is not created[0]:
        raise SlaHistoryError("history", f"an event at {ordered[0].at.isoformat()} precedes the ticket's creation")
    return ordered


def _check_changes(changes: Any, name: str) -> None:
    if not isinstance(changes, dict) or not changes:
        raise SlaHistoryError(name, "expected a non-empty dict of changed attributes")
    for key, value in changes.items():
        if key not in ATTRIBUTE_NAMES:
            raise SlaHistoryError(f"{name}.{key}", f"unknown attribute; use {', '.join(ATTRIBUTE_NAMES)}")
        if not isinstance(value, str) or not value:
            raise SlaHistoryError(f"{name}.{key}", f"expected a non-empty string, got {value!r}")


# -- status at `now` -----------------------------------------------------------


class ClockState(StrEnum):
    OK = "ok"
    WARNING = "warning"
    BREACHED = "breached"
    MET = "met"
    MET_LATE = "met_late"
    PAUSED = "paused"


@dataclass(frozen=True)
class MetricStatus:
    """Where one clock stands at `now`.

    `paused` is also true for a clock breached before its pause (its state
    stays "breached"). Minutes are business minutes on the tier's calendar;
    `remaining_minutes` is target minus elapsed, negative once overdue. For a
    met clock both are frozen at the moment it was met.
    """

    clock: MetricClock
    state: ClockState
    paused: bool
    elapsed_minutes: float
    remaining_minutes: float

    @property
    def metric(self) -> Metric:
        return self.clock.metric


def metric_status(clock: MetricClock, now: datetime) -> MetricStatus:
    """The state of `clock` at `now` (aware; the history it came from must not be later)."""
    now = as_utc(now, "now")
    last_known = max(filter(None, (clock.started_at, clock.fulfilled_at, clock.paused_since)))
    if now < last_known:
        raise SlaHistoryError("now", f"{now.isoformat()} is before the clock's event at {last_known.isoformat()}")
    end = clock.fulfilled_at or clock.paused_since or now
    elapsed = clock.calendar.business_minutes_between(clock.started_at, end, pauses=clock.pauses)
    return MetricStatus(
        clock=clock,
        state=_state(clock, now),
        paused=clock.paused_since is not None,
        elapsed_minutes=elapsed,
        remaining_minutes=clock.target_minutes - elapsed,
    )


def _state(clock: MetricClock, now: datetime) -> ClockState:
    if clock.fulfilled_at is not None:
        return ClockState.MET if clock.attained else ClockState.MET_LATE
    if clock.due_at is not None and now >= clock.due_at:
        return ClockState.BREACHED
    if clock.paused_since is not None:
        return ClockState.PAUSED
    assert clock.warn_at is not None  # a running clock's deadlines are known
    return ClockState.WARNING if now >= clock.warn_at else ClockState.OK


def sla_status(policy: SlaPolicy, history: Sequence[TicketEvent], now: datetime) -> dict[Metric, MetricStatus]:
    """Status at `now` of each metric's current clock (metrics without a clock are absent)."""
    now = as_utc(now, "now")
    schedule = compute_schedule(policy, history)
    latest = max(as_utc(event.at, "history.at") for event in history)
    if now < latest:
        raise SlaHistoryError("now", f"{now.isoformat()} is before the last event at {latest.isoformat()}")
    return {metric: metric_status(clock, now) for metric in Metric if (clock := schedule.current(metric)) is not None}
