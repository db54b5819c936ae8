"""Escalation: each step exactly once, in order, at its time; nothing once met, solved or paused."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tickets.business_calendar import BusinessCalendar
from tickets.escalation import (
    DEFAULT_STEPS,
    Anchor,
    EscalationError,
    EscalationPlan,
    EscalationSnapshot,
    EscalationStep,
    StepAction,
    idempotency_key,
    plan_escalation,
    take_snapshot,
)
from tickets.sla import (
    AgentReplied,
    AttributesChanged,
    CustomerReplied,
    MetricClock,
    StatusChanged,
    TicketCreated,
    TicketEvent,
    compute_schedule,
)
from tickets.sla_policy import Metric, SlaPolicy, SlaTier, TicketAttributes
from tickets.validation import NaiveDatetimeError

FR, NR, RES = Metric.FIRST_RESPONSE, Metric.NEXT_REPLY, Metric.RESOLUTION
ATTRS = TicketAttributes("normal", "standard", "inquiry", "email")
T0 = datetime(2026, 6, 1, 0, 0, tzinfo=UTC)
# 24x7, first response 60 min (warn at 48), next reply 60, resolution 240 (warn at 192).
POLICY = SlaPolicy(
    (
        SlaTier("urgent", BusinessCalendar.always_open(), {FR: 30}, {"priority": frozenset({"urgent"})}),
        SlaTier("standard", BusinessCalendar.always_open(), {FR: 60, NR: 60, RES: 240}),
    )
)
SNAPSHOT = take_snapshot(42, DEFAULT_STEPS, T0)
STEP_IDS = [step.id for step in DEFAULT_STEPS]


def at(minutes: float) -> datetime:
    return T0 + timedelta(minutes=minutes)


def clock_of(history: Sequence[TicketEvent], metric: Metric) -> MetricClock:
    clock = compute_schedule(POLICY, history).current(metric)
    assert clock is not None
    return clock


def tick(history: Sequence[TicketEvent], metric: Metric, fired: set[str], now: datetime) -> list[str]:
    """One worker pass for one metric at `now`, seeing only the events that have happened by then.

    Plans, 'sends' and remembers the keys; returns the step ids fired.
    """
    seen = [event for event in history if event.at <= now]
    plan = plan_escalation(SNAPSHOT, clock_of(seen, metric), fired, now)
    fired.update(step.idempotency_key for step in plan.due)
    return [step.step.id for step in plan.due]


def run(
    history: list[TicketEvent], metric: Metric, minutes: list[float], fired: set[str] | None = None
) -> list[tuple[float, list[str]]]:
    fired = set() if fired is None else fired
    return [(m, ids) for m in minutes if (ids := tick(history, metric, fired, at(m)))]


CREATED = [TicketCreated(T0, ATTRS)]


def test_each_step_fires_once_in_order_at_its_time() -> None:
    fired_log = run(CREATED, FR, [m * 5 for m in range(0, 40)])
    assert fired_log == [
        (50, ["warn-assignee"]),  # warn_at 00:48, next tick 00:50
        (60, ["notify-supervisor"]),  # due_at 01:00
        (75, ["reassign", "raise-priority"]),  # due + 15
        (120, ["notify-manager"]),  # due + 60
    ]


def test_a_worker_waking_exactly_at_next_due_at_fires_on_time_and_stops() -> None:
    now, fired, fired_log = T0, set[str](), []
    for _ in range(10):  # more wake-ups than steps: a spin would show up here
        plan = plan_escalation(SNAPSHOT, clock_of(CREATED, FR), fired, now)
        fired.update(step.idempotency_key for step in plan.due)
        fired_log += [(step.step.id, step.fire_at) for step in plan.due]
        if plan.next_due_at is None:
            break
        assert plan.next_due_at > now
        now = plan.next_due_at
    assert fired_log == [
        ("warn-assignee", at(48)),
        ("notify-supervisor", at(60)),
        ("reassign", at(75)),
        ("raise-priority", at(75)),
        ("notify-manager", at(120)),
    ]


def test_a_late_worker_fires_every_missed_step_once_in_order() -> None:
    fired: set[str] = set()
    assert tick(CREATED, FR, fired, at(600)) == STEP_IDS
    assert tick(CREATED, FR, fired, at(600)) == []
    assert tick(CREATED, FR, fired, at(900)) == []


def test_next_due_at_is_the_next_unfired_step() -> None:
    assert plan_escalation(SNAPSHOT, clock_of(CREATED, FR), set(), at(10)).next_due_at == at(48)
    fired = {idempotency_key(42, FR, 1, "warn-assignee")}
    assert plan_escalation(SNAPSHOT, clock_of(CREATED, FR), fired, at(50)).next_due_at == at(60)


def test_nothing_fires_after_the_ticket_is_answered() -> None:
    history = [*CREATED, AgentReplied(at(55))]
    fired: set[str] = set()
    assert run(CREATED, FR, [50], fired) == [(50, ["warn-assignee"])]
    plan = plan_escalation(SNAPSHOT, clock_of(history, FR), fired, at(90))
    assert (plan.due, plan.next_due_at) == ((), None)


def test_nothing_fires_after_a_late_answer_either() -> None:
    history = [*CREATED, AgentReplied(at(61))]
    plan = plan_escalation(SNAPSHOT, clock_of(history, FR), set(), at(200))
    assert (plan.due, plan.next_due_at) == ((), None)


def test_nothing_fires_after_the_ticket_is_solved() -> None:
    history = [*CREATED, StatusChanged(at(100), "solved")]  # first response (due 01:00) never sent
    clocks = compute_schedule(POLICY, history).clocks
    assert {clock.metric for clock in clocks} == {FR, RES}
    for clock in clocks:
        assert plan_escalation(SNAPSHOT, clock, set(), at(1000)) == EscalationPlan((), None)


def test_a_paused_clock_holds_its_steps_until_resumed() -> None:
    fired: set[str] = set()
    pending = [*CREATED, StatusChanged(at(50), "pending")]
    assert run(pending, FR, [48, 50, 120, 599], fired) == [(48, ["warn-assignee"])]
    plan = plan_escalation(SNAPSHOT, clock_of(pending, FR), fired, at(599))
    assert plan.next_due_at is None  # unknown until the ticket leaves pending
    resumed = [*pending, StatusChanged(at(600), "open")]  # 50 minutes used: due at 610
    assert run(resumed, FR, [600, 609, 610, 625], fired) == [
        (610, ["notify-supervisor"]),
        (625, ["reassign", "raise-priority"]),
    ]


def test_a_clock_breached_then_paused_holds_the_rest() -> None:
    fired: set[str] = set()
    history = [*CREATED, StatusChanged(at(70), "pending")]
    assert run(history, FR, [65, 70, 200], fired) == [(65, ["warn-assignee", "notify-supervisor"])]


def test_a_tier_change_never_resends_and_fires_the_rest_at_the_new_times() -> None:
    upgraded = [*CREATED, AttributesChanged(at(52), {"priority": "urgent"})]  # target 30: due at 00:30
    assert run(upgraded, FR, [50, 52, 60, 90]) == [
        (50, ["warn-assignee"]),
        # Breached at once (due 00:30); 00:30 + 15 has passed too; the warning is not sent again.
        (52, ["notify-supervisor", "reassign", "raise-priority"]),
        (90, ["notify-manager"]),  # 00:30 + 60
    ]


def test_each_next_reply_wait_escalates_afresh() -> None:
    fired: set[str] = set()
    history = [*CREATED, AgentReplied(at(5)), CustomerReplied(at(10)), AgentReplied(at(501)), CustomerReplied(at(502))]
    # Second wait from 08:22: warn at +48, due at +60.
    assert run(history, NR, [500, 502, 549, 550, 562], fired) == [
        (500, STEP_IDS),
        (550, ["warn-assignee"]),
        (562, ["notify-supervisor"]),
    ]
    assert idempotency_key(42, NR, 2, "notify-supervisor") in fired


def test_metrics_escalate_independently() -> None:
    fired: set[str] = set()
    assert run(CREATED, FR, [250], fired) == [(250, STEP_IDS)]
    # Resolution (240 min, warn at 192) is breached at 04:00: its own warn and supervisor steps are due.
    assert run(CREATED, RES, [250], fired) == [(250, ["warn-assignee", "notify-supervisor"])]


def test_a_step_never_fires_before_the_one_above_it() -> None:
    misordered = take_snapshot(
        7,
        [
            EscalationStep("supervisor", StepAction.NOTIFY_SUPERVISOR, Anchor.DUE_AT, 30),
            EscalationStep("warn", StepAction.WARN_ASSIGNEE, Anchor.WARN_AT),
        ],
        T0,
    )
    plan = plan_escalation(misordered, clock_of(CREATED, FR), set(), at(50))
    assert (plan.due, plan.next_due_at) == ((), at(90))
    due = plan_escalation(misordered, clock_of(CREATED, FR), set(), at(100)).due
    # The warning's own time (00:48) is earlier, but it falls due with the step above it.
    assert [(s.step.id, s.fire_at) for s in due] == [("supervisor", at(90)), ("warn", at(90))]


def test_idempotency_key_is_stable() -> None:
    assert (
        idempotency_key(42, Metric.FIRST_RESPONSE, 1, "notify-supervisor")
        == "sla:42:first_response:1:notify-supervisor"
    )


def test_snapshot_json_round_trip_and_shape() -> None:
    stored = json.loads(json.dumps(SNAPSHOT.to_dict()))
    assert EscalationSnapshot.from_dict(stored) == SNAPSHOT
    assert stored["ticket_id"] == 42 and stored["taken_at"] == "2026-06-01T00:00:00+00:00"
    assert stored["steps"][2] == {
        "id": "reassign",
        "action": "reassign_to_queue",
        "anchor": "due_at",
        "offset_minutes": 15,
        "params": {"queue": "escalations"},
    }


def test_snapshot_from_a_tiers_stored_list_is_frozen() -> None:
    stored = [step.to_dict() for step in DEFAULT_STEPS]
    snapshot = take_snapshot(42, stored, T0)
    stored[0]["offset_minutes"] = 999  # editing the tier afterwards
    assert snapshot.steps == DEFAULT_STEPS


def step(**overrides: object) -> dict:
    return {"id": "s", "action": "notify_supervisor", "anchor": "due_at", **overrides}


@pytest.mark.parametrize(
    ("steps", "field"),
    [
        ("warn", "escalation"),
        ([step(action="page_ceo")], r"escalation\[0\]\.action"),
        ([step(anchor="created_at")], r"escalation\[0\]\.anchor"),
        ([step(offset_minutes="15")], r"escalation\[0\]\.offset_minutes"),
        ([step(id="Notify Supervisor!")], r"escalation\[0\]\.id"),
        ([step(action="reassign_to_queue")], r"escalation\[0\]\.params\.queue"),
        ([step(action="raise_priority", params={"priority": 3})], r"escalation\[0\]\.params\.priority"),
        ([step(), step()], r"escalation\[1\]\.id"),
        ([step(delay=5)], r"escalation\[0\]"),
    ],
)
def test_malformed_steps_name_the_field(steps: object, field: str) -> None:
    with pytest.raises(EscalationError, match=f"^{field}: "):
        take_snapshot(42, steps, T0)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("snapshot", "field"),
    [
        ({"ticket_id": 42, "taken_at": "2026-06-01T00:00:00", "steps": []}, "escalation_snapshot.taken_at"),
        ({"ticket_id": None, "taken_at": "2026-06-01T00:00:00+00:00", "steps": []}, "escalation_snapshot.ticket_id"),
        ({"ticket_id": "a:b", "taken_at": "2026-06-01T00:00:00+00:00", "steps": []}, "escalation_snapshot.ticket_id"),
        ({"ticket_id": 42, "taken_at": "2026-06-01T00:00:00+00:00"}, "escalation_snapshot.steps"),
    ],
)
def test_malformed_snapshots_name_the_field(snapshot: dict, field: str) -> None:
    with pytest.raises(EscalationError, match=f"^{field}: "):
        EscalationSnapshot.from_dict(snapshot)


def test_naive_now_is_refused() -> None:
    with pytest.raises(NaiveDatetimeError, match=r"^now: "):
        take_snapshot(42, DEFAULT_STEPS, datetime(2026, 6, 1))
    with pytest.raises(NaiveDatetimeError, match=r"^now: "):
        plan_escalation(SNAPSHOT, clock_of(CREATED, FR), set(), datetime(2026, 6, 1, 1))


@settings(max_examples=80, deadline=None)
@given(st.lists(st.integers(min_value=0, max_value=400), max_size=25), st.one_of(st.none(), st.integers(1, 400)))
def test_any_tick_pattern_fires_each_step_at_most_once_in_order_and_never_after_the_answer(
    ticks: list[int], answered: int | None
) -> None:
    ticks = sorted(ticks)
    history = [*CREATED, *([AgentReplied(at(answered))] if answered is not None else [])]
    fired: set[str] = set()
    sequence: list[str] = []
    for minute in ticks:
        fired_now = tick(history, FR, fired, at(minute))
        if answered is not None and minute >= answered:
            assert fired_now == []
        sequence += fired_now
    assert sequence == STEP_IDS[: len(sequence)]  # a prefix: in order, none twice
    if any(minute >= 120 and (answered is None or minute < answered) for minute in ticks):
        assert sequence == STEP_IDS
