"""SLA calculator: tiers, deadlines, warnings, pauses, cycles, tier changes — exact instants."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tickets.business_calendar import BusinessCalendar, CalendarError
from tickets.sla import (
    AgentReplied,
    AttributesChanged,
    ClockState,
    CustomerReplied,
    MetricStatus,
    SlaHistoryError,
    StatusChanged,
    TicketCreated,
    TicketEvent,
    compute_schedule,
    metric_status,
    sla_status,
)
from tickets.sla_policy import (
    TIER_KEYS,
    Metric,
    SlaPolicy,
    SlaPolicyError,
    SlaTier,
    TicketAttributes,
    WarningRule,
    default_policy,
)
from tickets.validation import NaiveDatetimeError

SHANGHAI = ZoneInfo("Asia/Shanghai")
OFFICE_HOURS = BusinessCalendar.business_hours({d: [["09:00", "18:00"]] for d in ("mon", "tue", "wed", "thu", "fri")})
ALWAYS = BusinessCalendar.always_open()
FR, NR, RES = Metric.FIRST_RESPONSE, Metric.NEXT_REPLY, Metric.RESOLUTION


def sh(*args: int) -> datetime:
    return datetime(*args, tzinfo=SHANGHAI).astimezone(UTC)


def attrs(
    priority: str = "normal", customer_tier: str = "standard", category: str = "inquiry", channel: str = "email"
) -> TicketAttributes:
    return TicketAttributes(priority=priority, customer_tier=customer_tier, category=category, channel=channel)


def single_tier(**targets: int) -> SlaPolicy:
    """One catch-all office-hours tier with the given targets (first_response=..., ...)."""
    return SlaPolicy((SlaTier("office", OFFICE_HOURS, {Metric(k): v for k, v in targets.items()}),))


@pytest.fixture(scope="module")
def brief() -> SlaPolicy:
    return default_policy()


MONDAY_10 = sh(2026, 6, 1, 10)  # an ordinary Monday in Shanghai


# -- tier selection -------------------------------------------------------------


@pytest.mark.parametrize(
    ("attributes", "tier"),
    [
        (attrs(customer_tier="vip", category="complaint"), "VIP complaint"),
        (attrs(customer_tier="VIP", category="Complaint"), "VIP complaint"),
        (attrs(customer_tier="standard", category="complaint"), "Normal inquiry"),
        (attrs(customer_tier="vip", category="device_down"), "Device down"),
        (attrs(), "Normal inquiry"),
    ],
)
def test_first_matching_tier_wins(brief: SlaPolicy, attributes: TicketAttributes, tier: str) -> None:
    assert compute_schedule(brief, [TicketCreated(MONDAY_10, attributes)]).tier == tier


def test_no_matching_tier_means_no_clocks() -> None:
    policy = SlaPolicy((SlaTier("vip only", ALWAYS, {RES: 30}, {"customer_tier": frozenset({"vip"})}),))
    schedule = compute_schedule(policy, [TicketCreated(MONDAY_10, attrs())])
    assert schedule.tier is None and schedule.clocks == ()


# -- the brief's tiers ------------------------------------------------------------


def test_normal_inquiry_first_response_within_two_business_hours(brief: SlaPolicy) -> None:
    clock = compute_schedule(brief, [TicketCreated(MONDAY_10, attrs())]).current(FR)
    assert clock is not None
    assert (clock.due_at, clock.warn_at) == (sh(2026, 6, 1, 12), sh(2026, 6, 1, 11, 36))


def test_normal_inquiry_on_friday_evening_is_due_monday(brief: SlaPolicy) -> None:
    clock = compute_schedule(brief, [TicketCreated(sh(2026, 6, 5, 17), attrs())]).current(FR)
    assert clock is not None and clock.due_at == sh(2026, 6, 8, 10)


def test_normal_inquiry_before_national_day_is_due_after_it(brief: SlaPolicy) -> None:
    clock = compute_schedule(brief, [TicketCreated(sh(2026, 9, 30, 17), attrs())]).current(FR)
    assert clock is not None and clock.due_at == sh(2026, 10, 8, 10)


def test_normal_inquiry_on_saturday_is_due_on_the_make_up_sunday(brief: SlaPolicy) -> None:
    clock = compute_schedule(brief, [TicketCreated(sh(2026, 9, 19, 15), attrs())]).current(FR)
    assert clock is not None and clock.due_at == sh(2026, 9, 20, 11)


def test_vip_complaint_resolved_within_30_minutes_at_night(brief: SlaPolicy) -> None:
    schedule = compute_schedule(
        brief, [TicketCreated(sh(2026, 10, 3, 2), attrs(customer_tier="vip", category="complaint"))]
    )
    clock = schedule.current(RES)
    assert clock is not None and (clock.warn_at, clock.due_at) == (sh(2026, 10, 3, 2, 24), sh(2026, 10, 3, 2, 30))
    assert schedule.current(FR) is None  # the tier sets no first-response target


def test_device_down_contacted_within_an_hour_on_a_holiday(brief: SlaPolicy) -> None:
    clock = compute_schedule(brief, [TicketCreated(sh(2026, 10, 1, 3), attrs(category="device_down"))]).current(FR)
    assert clock is not None and clock.due_at == sh(2026, 10, 1, 4)


# -- states at now: pairs either side of each boundary -----------------------------


def status_at(policy: SlaPolicy, history: list[TicketEvent], now: datetime, metric: Metric = FR) -> MetricStatus:
    return sla_status(policy, history, now)[metric]


def test_ok_just_before_the_warning_and_warning_from_it(brief: SlaPolicy) -> None:
    history = [TicketCreated(MONDAY_10, attrs())]
    assert status_at(brief, history, sh(2026, 6, 1, 11, 35)).state is ClockState.OK
    assert status_at(brief, history, sh(2026, 6, 1, 11, 36)).state is ClockState.WARNING


def test_breached_from_the_deadline_on(brief: SlaPolicy) -> None:
    history = [TicketCreated(MONDAY_10, attrs())]
    just_before = status_at(brief, history, sh(2026, 6, 1, 11, 59))
    at_due = status_at(brief, history, sh(2026, 6, 1, 12))
    later = status_at(brief, history, sh(2026, 6, 2, 9, 30))
    assert (just_before.state, just_before.remaining_minutes) == (ClockState.WARNING, 1)
    assert (at_due.state, at_due.remaining_minutes) == (ClockState.BREACHED, 0)
    assert (later.state, later.elapsed_minutes, later.remaining_minutes) == (ClockState.BREACHED, 510, -390)


def test_reply_at_the_deadline_is_met_a_minute_later_is_late(brief: SlaPolicy) -> None:
    created = TicketCreated(MONDAY_10, attrs())
    on_time = status_at(brief, [created, AgentReplied(sh(2026, 6, 1, 12))], sh(2026, 6, 3))
    late = status_at(brief, [created, AgentReplied(sh(2026, 6, 1, 12, 1))], sh(2026, 6, 3))
    assert (on_time.state, on_time.clock.attained, on_time.elapsed_minutes) == (ClockState.MET, True, 120)
    assert (late.state, late.clock.attained, late.remaining_minutes) == (ClockState.MET_LATE, False, -1)


def test_a_reply_outside_hours_after_the_deadline_is_late(brief: SlaPolicy) -> None:
    # Due Fri 18:00; a reply on Saturday adds no business time but comes after the deadline.
    history = [TicketCreated(sh(2026, 6, 5, 16), attrs()), AgentReplied(sh(2026, 6, 6, 10))]
    status = status_at(brief, history, sh(2026, 6, 6, 11))
    assert (status.state, status.elapsed_minutes) == (ClockState.MET_LATE, 120)


def test_warning_n_minutes_before_the_deadline() -> None:
    tier = SlaTier("office", OFFICE_HOURS, {FR: 120}, warning=WarningRule(minutes_before=15))
    clock = compute_schedule(SlaPolicy((tier,)), [TicketCreated(MONDAY_10, attrs())]).current(FR)
    assert clock is not None and clock.warn_at == sh(2026, 6, 1, 11, 45)


def test_warning_minutes_before_count_business_time() -> None:
    # Due Mon 09:10; 15 business minutes earlier is Friday 17:55.
    tier = SlaTier("office", OFFICE_HOURS, {FR: 120}, warning=WarningRule(minutes_before=15))
    clock = compute_schedule(SlaPolicy((tier,)), [TicketCreated(sh(2026, 6, 5, 16, 10), attrs())]).current(FR)
    assert clock is not None and (clock.warn_at, clock.due_at) == (sh(2026, 6, 5, 17, 55), sh(2026, 6, 8, 9, 10))


def test_warning_earlier_than_the_start_warns_at_the_start() -> None:
    tier = SlaTier("office", OFFICE_HOURS, {FR: 10}, warning=WarningRule(minutes_before=30))
    clock = compute_schedule(SlaPolicy((tier,)), [TicketCreated(MONDAY_10, attrs())]).current(FR)
    assert clock is not None and clock.warn_at == MONDAY_10


def test_warning_at_a_custom_share() -> None:
    tier = SlaTier("office", OFFICE_HOURS, {FR: 120}, warning=WarningRule(share=0.5))
    clock = compute_schedule(SlaPolicy((tier,)), [TicketCreated(MONDAY_10, attrs())]).current(FR)
    assert clock is not None and clock.warn_at == sh(2026, 6, 1, 11)


# -- pause and resume (pending) ------------------------------------------------------


def test_pending_pauses_the_clock_and_the_deadline_is_unknown_meanwhile() -> None:
    history = [TicketCreated(MONDAY_10, attrs()), StatusChanged(sh(2026, 6, 1, 10, 30), "pending")]
    status = status_at(single_tier(first_response=120), history, sh(2026, 6, 1, 15))
    assert (status.state, status.paused, status.clock.due_at, status.remaining_minutes) == (
        ClockState.PAUSED,
        True,
        None,
        90,
    )


def test_resuming_moves_the_deadline_by_the_paused_business_time() -> None:
    history = [
        TicketCreated(MONDAY_10, attrs()),
        StatusChanged(sh(2026, 6, 1, 10, 30), "pending"),
        StatusChanged(sh(2026, 6, 2, 10), "open"),
    ]
    clock = compute_schedule(single_tier(first_response=120), history).current(FR)
    # 30 minutes used; 90 left from Tuesday 10:00.
    assert clock is not None and clock.due_at == sh(2026, 6, 2, 11, 30)
    assert metric_status(clock, sh(2026, 6, 2, 11)).remaining_minutes == 30


def test_a_warning_reached_before_the_pause_stays_known() -> None:
    history = [TicketCreated(MONDAY_10, attrs()), StatusChanged(sh(2026, 6, 1, 11, 40), "pending")]
    clock = compute_schedule(single_tier(first_response=120), history).current(FR)
    assert clock is not None and (clock.warn_at, clock.due_at) == (sh(2026, 6, 1, 11, 36), None)


def test_a_clock_breached_before_its_pause_stays_breached() -> None:
    history = [TicketCreated(MONDAY_10, attrs()), StatusChanged(sh(2026, 6, 1, 13), "pending")]
    status = status_at(single_tier(first_response=120), history, sh(2026, 6, 1, 14))
    assert (status.state, status.paused, status.clock.due_at) == (ClockState.BREACHED, True, sh(2026, 6, 1, 12))


def test_a_pause_after_the_reply_does_not_move_the_judged_deadline() -> None:
    history = [
        TicketCreated(MONDAY_10, attrs()),
        AgentReplied(sh(2026, 6, 1, 11, 50)),
        StatusChanged(sh(2026, 6, 1, 11, 55), "pending"),
        StatusChanged(sh(2026, 6, 1, 13), "open"),
    ]
    clock = compute_schedule(single_tier(first_response=120), history).current(FR)
    assert clock is not None and (clock.due_at, clock.attained) == (sh(2026, 6, 1, 12), True)


# -- tier change mid-ticket ---------------------------------------------------------


def test_upgrade_to_vip_complaint_retargets_resolution_from_creation(brief: SlaPolicy) -> None:
    history = [
        TicketCreated(MONDAY_10, attrs(category="complaint")),
        AttributesChanged(sh(2026, 6, 1, 10, 20), {"customer_tier": "vip"}),
    ]
    schedule = compute_schedule(brief, history)
    resolution = schedule.current(RES)
    assert schedule.tier == "VIP complaint"
    assert resolution is not None and resolution.due_at == sh(2026, 6, 1, 10, 30)
    assert schedule.current(FR) is None  # the VIP tier does not track first response
    assert sla_status(brief, history, sh(2026, 6, 1, 10, 25))[RES].state is ClockState.WARNING


def test_upgrade_past_the_new_target_is_breached_at_once(brief: SlaPolicy) -> None:
    history = [
        TicketCreated(MONDAY_10, attrs()),
        AttributesChanged(sh(2026, 6, 1, 11, 5), {"category": "device_down"}),
    ]
    status = status_at(brief, history, sh(2026, 6, 1, 11, 5))
    assert (status.clock.tier, status.clock.due_at, status.state) == (
        "Device down",
        sh(2026, 6, 1, 11),
        ClockState.BREACHED,
    )


def test_downgrade_gives_the_running_clock_the_new_calendar(brief: SlaPolicy) -> None:
    history = [
        TicketCreated(sh(2026, 6, 5, 17), attrs(category="device_down")),
        AttributesChanged(sh(2026, 6, 5, 17, 30), {"category": "inquiry"}),
    ]
    clock = compute_schedule(brief, history).current(FR)
    assert clock is not None and (clock.tier, clock.due_at) == ("Normal inquiry", sh(2026, 6, 8, 10))


def test_a_met_clock_keeps_the_tier_it_was_met_under(brief: SlaPolicy) -> None:
    history = [
        TicketCreated(sh(2026, 6, 6, 3), attrs(category="device_down")),  # Saturday night
        AgentReplied(sh(2026, 6, 6, 3, 50)),
        AttributesChanged(sh(2026, 6, 6, 4), {"category": "inquiry"}),
    ]
    clock = compute_schedule(brief, history).current(FR)
    assert clock is not None and (clock.tier, clock.due_at, clock.attained) == ("Device down", sh(2026, 6, 6, 4), True)


# -- next reply cycles, solve and reopen --------------------------------------------


def test_next_reply_runs_from_the_first_unanswered_customer_message() -> None:
    policy = single_tier(first_response=120, next_reply=60)
    history = [
        TicketCreated(MONDAY_10, attrs()),
        CustomerReplied(sh(2026, 6, 1, 10, 5)),  # before the first response: covered by it
        AgentReplied(sh(2026, 6, 1, 10, 30)),
        CustomerReplied(sh(2026, 6, 1, 11)),
        CustomerReplied(sh(2026, 6, 1, 11, 40)),  # same wait: does not restart the clock
        AgentReplied(sh(2026, 6, 1, 12, 10)),
        CustomerReplied(sh(2026, 6, 1, 14)),
    ]
    cycles = [clock for clock in compute_schedule(policy, history).clocks if clock.metric is NR]
    assert [(c.cycle, c.started_at, c.due_at, c.attained) for c in cycles] == [
        (1, sh(2026, 6, 1, 11), sh(2026, 6, 1, 12), False),
        (2, sh(2026, 6, 1, 14), sh(2026, 6, 1, 15), None),
    ]
    assert sla_status(policy, history, sh(2026, 6, 1, 14, 50))[NR].state is ClockState.WARNING


def test_a_customer_message_while_pending_starts_a_paused_wait() -> None:
    policy = single_tier(next_reply=60)
    history = [
        TicketCreated(MONDAY_10, attrs()),
        AgentReplied(sh(2026, 6, 1, 10, 10)),
        StatusChanged(sh(2026, 6, 1, 10, 15), "pending"),
        CustomerReplied(sh(2026, 6, 1, 11)),
    ]
    status = status_at(policy, history, sh(2026, 6, 1, 15), NR)
    assert (status.state, status.elapsed_minutes, status.clock.due_at) == (ClockState.PAUSED, 0, None)
    resumed = compute_schedule(policy, [*history, StatusChanged(sh(2026, 6, 1, 16), "open")]).current(NR)
    assert resumed is not None and resumed.due_at == sh(2026, 6, 1, 17)


def test_solving_without_a_reply_meets_first_response_and_resolution() -> None:
    policy = single_tier(first_response=120, resolution=480)
    history = [TicketCreated(MONDAY_10, attrs()), StatusChanged(sh(2026, 6, 1, 11), "solved")]
    states = {m: s.state for m, s in sla_status(policy, history, sh(2026, 6, 3)).items()}
    assert states == {FR: ClockState.MET, RES: ClockState.MET}


def test_solving_ends_the_customers_wait_for_a_next_reply() -> None:
    policy = single_tier(next_reply=60)
    history = [
        TicketCreated(MONDAY_10, attrs()),
        AgentReplied(sh(2026, 6, 1, 10, 10)),
        CustomerReplied(sh(2026, 6, 1, 10, 20)),
        StatusChanged(sh(2026, 6, 1, 11, 30), "solved"),
    ]
    status = status_at(policy, history, sh(2026, 6, 3), NR)
    assert (status.state, status.clock.fulfilled_at) == (ClockState.MET_LATE, sh(2026, 6, 1, 11, 30))


def test_reopen_resumes_resolution_without_the_solved_period() -> None:
    policy = SlaPolicy((SlaTier("24x7", ALWAYS, {RES: 240}),))
    history = [
        TicketCreated(sh(2026, 6, 1, 0), attrs()),
        StatusChanged(sh(2026, 6, 1, 1), "solved"),
        StatusChanged(sh(2026, 6, 1, 3), "open"),
    ]
    status = status_at(policy, history, sh(2026, 6, 1, 4), RES)
    assert (status.state, status.clock.due_at, status.elapsed_minutes) == (ClockState.OK, sh(2026, 6, 1, 6), 120)
    assert status_at(policy, history[:2], sh(2026, 6, 1, 2), RES).state is ClockState.MET


def test_customer_message_on_a_solved_ticket_waits_for_the_reopen() -> None:
    policy = SlaPolicy((SlaTier("24x7", ALWAYS, {NR: 60}),))
    solved = [
        TicketCreated(sh(2026, 6, 1, 0), attrs()),
        AgentReplied(sh(2026, 6, 1, 0, 10)),
        StatusChanged(sh(2026, 6, 1, 0, 20), "solved"),
        CustomerReplied(sh(2026, 6, 1, 1)),  # "thanks!"
    ]
    assert compute_schedule(policy, solved).current(NR) is None
    reopened = compute_schedule(policy, [*solved, StatusChanged(sh(2026, 6, 1, 2), "open")]).current(NR)
    assert reopened is not None and (reopened.started_at, reopened.due_at) == (sh(2026, 6, 1, 2), sh(2026, 6, 1, 3))


def test_events_out_of_order_are_replayed_by_time() -> None:
    policy = single_tier(first_response=120)
    created = TicketCreated(MONDAY_10, attrs())
    reply = AgentReplied(sh(2026, 6, 1, 11))
    assert compute_schedule(policy, [reply, created]) == compute_schedule(policy, [created, reply])


# -- bad input ----------------------------------------------------------------------


def test_naive_event_time_is_refused_naming_the_event() -> None:
    with pytest.raises(NaiveDatetimeError, match=r"^history\[1\]\.at: "):
        compute_schedule(
            single_tier(first_response=60), [TicketCreated(MONDAY_10, attrs()), AgentReplied(datetime(2026, 6, 1, 3))]
        )


@pytest.mark.parametrize(
    ("history", "field"),
    [
        ([], "history"),
        ([AgentReplied(MONDAY_10)], "history"),
        ([TicketCreated(MONDAY_10, attrs()), StatusChanged(MONDAY_10, "waiting")], r"history\[1\]\.status"),
        (
            [TicketCreated(MONDAY_10, attrs()), AttributesChanged(MONDAY_10, {"colour": "red"})],
            r"history\[1\]\.changes\.colour",
        ),
        ([TicketCreated(MONDAY_10, attrs()), AgentReplied(MONDAY_10 - timedelta(minutes=1))], "history"),
        ([TicketCreated(MONDAY_10, attrs()), TicketCreated(MONDAY_10, attrs())], "history"),
    ],
)
def test_inconsistent_history_is_refused(history: list, field: str) -> None:
    with pytest.raises(SlaHistoryError, match=f"^{field}: "):
        compute_schedule(single_tier(first_response=60), history)


def test_now_before_the_last_event_is_refused() -> None:
    history = [TicketCreated(MONDAY_10, attrs()), AgentReplied(sh(2026, 6, 1, 11))]
    with pytest.raises(SlaHistoryError, match=r"^now: "):
        sla_status(single_tier(first_response=60), history, sh(2026, 6, 1, 10, 30))
    with pytest.raises(NaiveDatetimeError, match=r"^now: "):
        sla_status(single_tier(first_response=60), history, datetime(2026, 6, 1, 12))


def tier_dict(**overrides: object) -> dict:
    return {"name": "t", "calendar": {"kind": "24x7"}, "resolution_minutes": 30, **overrides}


@pytest.mark.parametrize(
    ("row", "error", "field"),
    [
        (tier_dict(resolution_minutes=-5), SlaPolicyError, r"tiers\[0\]\.resolution_minutes"),
        (tier_dict(resolution_minutes=0), SlaPolicyError, r"tiers\[0\]\.resolution_minutes"),
        (tier_dict(first_response_minutes="2h"), SlaPolicyError, r"tiers\[0\]\.first_response_minutes"),
        (tier_dict(warn_share=1.5), SlaPolicyError, r"tiers\[0\]\.warn_share"),
        (tier_dict(warn_minutes_before=-1), SlaPolicyError, r"tiers\[0\]\.warn_minutes_before"),
        (tier_dict(conditions={"colour": ["red"]}), SlaPolicyError, r"tiers\[0\]\.conditions\.colour"),
        (tier_dict(conditions={"priority": "urgent"}), SlaPolicyError, r"tiers\[0\]\.conditions\.priority"),
        (tier_dict(conditions={"priority": []}), SlaPolicyError, r"tiers\[0\]\.conditions\.priority"),
        (tier_dict(calendar={"kind": "24x7", "zone": "Asia/Peking"}), CalendarError, r"tiers\[0\]\.calendar\.zone"),
        (tier_dict(name=""), SlaPolicyError, r"tiers\[0\]\.name"),
        (tier_dict(resolution_minutes_=3), SlaPolicyError, r"tiers\[0\]"),
    ],
)
def test_malformed_tiers_name_the_field(row: dict, error: type[Exception], field: str) -> None:
    with pytest.raises(error, match=f"^{field}: "):
        SlaPolicy.from_tiers([row])


def test_duplicate_tier_names_are_refused() -> None:
    with pytest.raises(SlaPolicyError, match=r"^tiers\[1\]\.name: "):
        SlaPolicy.from_tiers([tier_dict(), tier_dict()])


def test_policy_json_round_trip_and_row_shape(brief: SlaPolicy) -> None:
    stored = json.loads(json.dumps(brief.to_dict()))
    assert SlaPolicy.from_dict(stored) == brief
    assert all(set(row) == TIER_KEYS for row in stored["tiers"])
    assert stored["tiers"][0] | {"calendar": None} == {
        "name": "VIP complaint",
        "conditions": {"customer_tier": ["vip"], "category": ["complaint"]},
        "first_response_minutes": None,
        "next_reply_minutes": None,
        "resolution_minutes": 30,
        "warn_share": 0.8,
        "warn_minutes_before": None,
        "calendar": None,
    }


# -- properties -----------------------------------------------------------------------

instants = st.datetimes(min_value=datetime(2026, 1, 1), max_value=datetime(2026, 12, 20), timezones=st.just(UTC))
targets = st.integers(min_value=1, max_value=5 * 24 * 60)


@settings(max_examples=80, deadline=None)
@given(instants, targets, targets)
def test_deadlines_are_monotone_in_the_target(created: datetime, a: int, b: int) -> None:
    def due(target: int) -> datetime:
        clock = compute_schedule(single_tier(first_response=target), [TicketCreated(created, attrs())]).current(FR)
        assert clock is not None and clock.due_at is not None and clock.warn_at is not None
        assert created <= clock.warn_at <= clock.due_at
        return clock.due_at

    low, high = sorted((a, b))
    assert due(low) <= due(high)


@settings(max_examples=80, deadline=None)
@given(
    instants,
    targets,
    st.timedeltas(timedelta(0), timedelta(days=3)),
    st.timedeltas(timedelta(minutes=1), timedelta(days=3)),
)
def test_a_pending_spell_never_brings_the_deadline_forward(
    created: datetime, target: int, after: timedelta, spell: timedelta
) -> None:
    policy = single_tier(first_response=target)
    plain = compute_schedule(policy, [TicketCreated(created, attrs())]).current(FR)
    paused = compute_schedule(
        policy,
        [
            TicketCreated(created, attrs()),
            StatusChanged(created + after, "pending"),
            StatusChanged(created + after + spell, "open"),
        ],
    ).current(FR)
    assert plain is not None and paused is not None
    assert paused.due_at is not None and plain.due_at is not None and paused.due_at >= plain.due_at
    # The business time to the new deadline, minus the pause, is still the target.
    assert OFFICE_HOURS.business_minutes_between(created, paused.due_at, pauses=paused.pauses) == target
