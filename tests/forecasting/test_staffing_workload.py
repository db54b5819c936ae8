"""Async (email, web form) staffing: the response-window plan, FIFO backlog and deadlines."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from forecasting.workload import async_agents, carried_backlog, due_interval, overdue, response_window

QUARTER = 900  # seconds in a 15-minute interval


def test_one_batch_is_spread_over_its_window_and_the_backlog_drains_to_zero() -> None:
    arrivals = np.array([8.0, 0, 0, 0, 0, 0])
    plan = async_agents(arrivals, aht_s=QUARTER, interval_s=QUARTER, first_response_s=4 * QUARTER)
    np.testing.assert_allclose(plan, [2, 2, 2, 2, 0, 0])
    backlog = carried_backlog(arrivals, plan, QUARTER, QUARTER)
    np.testing.assert_allclose(backlog, [6, 4, 2, 0, 0, 0])
    np.testing.assert_allclose(overdue(arrivals, backlog, 4), 0)


def test_one_agent_short_in_the_last_interval_leaves_tickets_overdue() -> None:
    arrivals = np.array([8.0, 0, 0, 0, 0])
    short = np.array([2.0, 2, 2, 1, 0])
    backlog = carried_backlog(arrivals, short, QUARTER, QUARTER)
    np.testing.assert_allclose(backlog, [6, 4, 2, 1, 1])
    np.testing.assert_allclose(overdue(arrivals, backlog, 4), [0, 0, 0, 1, 1])


def test_occupancy_cap_and_handle_time_scale_the_plan() -> None:
    # 40 tickets x 450 s = 5 agent-hours over a 1-hour window, at most 80 % busy
    plan = async_agents(np.array([40.0, 0, 0, 0]), 450, QUARTER, 3600, max_occupancy=0.8)
    np.testing.assert_allclose(plan, [6.25] * 4)


@pytest.mark.parametrize(
    ("target_s", "interval_s", "window"),
    [(7200, QUARTER, 8), (3600, 1800, 2), (2700, 1800, 1), (600, 1800, 1), (7200, 3600, 2)],
)
def test_response_window_counts_whole_intervals_and_at_least_one(target_s: int, interval_s: int, window: int) -> None:
    assert response_window(target_s, interval_s) == window


def test_steady_tickets_need_the_work_rate_and_less_falls_behind() -> None:
    arrivals = np.full(96, 10.0)  # 10 tickets per quarter hour, 270 s each: 3 agents' work
    plan = async_agents(arrivals, 270, QUARTER, 7200)
    np.testing.assert_allclose(plan[7:], 3.0)  # from the first full window on
    assert overdue(arrivals, carried_backlog(arrivals, plan, 270, QUARTER), 8).max() == 0
    behind = carried_backlog(arrivals, plan * 0.9, 270, QUARTER)
    assert overdue(arrivals, behind, 8).max() > 0


def test_many_queues_in_one_call_match_one_by_one() -> None:
    arrivals = np.array([[8.0, 0, 3, 0, 5, 1], [1, 2, 3, 4, 5, 6]])
    aht, target, occupancy = np.array([900.0, 450]), np.array([3600.0, 1800]), np.array([1.0, 0.5])
    together = async_agents(arrivals, aht, QUARTER, target, occupancy)
    backlog = carried_backlog(arrivals, together, aht, QUARTER, occupancy)
    for q in range(2):
        alone = async_agents(arrivals[q], aht[q], QUARTER, target[q], occupancy[q])
        np.testing.assert_allclose(together[q], alone)
        np.testing.assert_allclose(backlog[q], carried_backlog(arrivals[q], alone, aht[q], QUARTER, occupancy[q]))


ticket_counts = arrays(np.float64, st.integers(1, 200), elements=st.floats(0, 500, allow_nan=False))


@settings(max_examples=80, deadline=None)
@given(ticket_counts, st.floats(30, 3600), st.integers(1, 16), st.floats(0.5, 1.0))
def test_the_plan_answers_every_ticket_in_time_and_wastes_no_agent_time(
    arrivals: np.ndarray, aht: float, window: int, occupancy: float
) -> None:
    plan = async_agents(arrivals, aht, QUARTER, window * QUARTER, occupancy)
    backlog = carried_backlog(arrivals, plan, aht, QUARTER, occupancy)
    assert overdue(arrivals, backlog, window).max() <= 1e-6 * max(1.0, arrivals.sum())
    # every interval's work is done inside the horizon except the share falling after its end
    tail = sum(arrivals[-k] * (window - k) / window for k in range(1, min(window, arrivals.size) + 1))
    done = plan.sum() * QUARTER * occupancy / aht
    assert done == pytest.approx(arrivals.sum() - tail, rel=1e-9, abs=1e-6)
    # a smooth plan: never more agents than the busiest interval's tickets would need on their own
    assert plan.max() <= arrivals.max() * aht / (QUARTER * occupancy) + 1e-9


# --- service hours: the SLA clock runs only in open intervals ----------------------------

HOUR = 3600


def business_week_mask(days: int = 4, start_weekday: int = 4) -> np.ndarray:
    """Hourly mask from a local midnight, open 09:00-18:00 on weekdays (start_weekday 4 = Friday)."""
    hour, day = np.arange(days * 24) % 24, (start_weekday + np.arange(days * 24) // 24) % 7
    return (hour >= 9) & (hour < 18) & (day < 5)


def test_a_ticket_in_at_friday_23_00_with_two_business_hours_is_answered_by_monday_11_00() -> None:
    is_open = business_week_mask()  # Friday 00:00 .. Monday 23:00
    arrivals = np.zeros(is_open.size)
    arrivals[23] = 10.0  # Friday 23:00
    monday = 3 * 24
    assert due_interval(2, is_open)[23] == monday + 10  # due at the end of Monday 10:00-11:00
    plan = async_agents(arrivals, HOUR, HOUR, 2 * HOUR, open_intervals=is_open)
    expected = np.zeros(is_open.size)
    expected[[monday + 9, monday + 10]] = 5.0
    np.testing.assert_allclose(plan, expected)  # nobody at night or at the weekend
    backlog = carried_backlog(arrivals, plan, HOUR, HOUR)
    assert (backlog[23 : monday + 9] == 10).all() and backlog[monday + 9] == 5 and backlog[monday + 10] == 0
    np.testing.assert_allclose(overdue(arrivals, backlog, 2, is_open), 0)
    # one agent short on Monday at 10:00: one ticket misses 11:00, not before
    short = carried_backlog(arrivals, plan - np.eye(is_open.size)[monday + 10], HOUR, HOUR)
    late = overdue(arrivals, short, 2, is_open)
    assert late[: monday + 10].max() == 0 and late[monday + 10] == pytest.approx(1.0)


def test_tickets_in_an_open_interval_count_it_as_the_first_of_their_window() -> None:
    is_open = business_week_mask(days=1, start_weekday=0)  # a Monday
    arrivals = np.zeros(24)
    arrivals[17] = 4.0  # 17:00-18:00: one business hour today, one tomorrow (past this horizon)
    assert due_interval(2, is_open)[17] == 24
    plan = async_agents(arrivals, HOUR, HOUR, 2 * HOUR, open_intervals=is_open)
    assert plan[17] == pytest.approx(2.0) and plan.sum() == pytest.approx(2.0)  # half the work falls to tomorrow


def test_all_open_is_the_plain_rule() -> None:
    arrivals = np.random.default_rng(7).poisson(20, (3, 50)).astype(float)
    aht, target = np.array([300.0, 450, 900]), np.array([1800.0, 3600, 7200])
    mask = np.ones(arrivals.shape, dtype=bool)
    plain = async_agents(arrivals, aht, QUARTER, target)
    np.testing.assert_array_equal(async_agents(arrivals, aht, QUARTER, target, open_intervals=mask), plain)
    backlog = carried_backlog(arrivals, plain * 0.95, aht, QUARTER)
    window = response_window(target, QUARTER)
    np.testing.assert_array_equal(overdue(arrivals, backlog, window, mask), overdue(arrivals, backlog, window))
    np.testing.assert_array_equal(due_interval(window, mask), due_interval(window, None, 50))


def squeezed_reference(
    arrivals: np.ndarray, is_open: np.ndarray, aht: float, window: int, occupancy: float
) -> tuple[np.ndarray, np.ndarray]:
    """The definition, one interval at a time: closed intervals' tickets move to the next opening, the closed
    intervals are squeezed out, the plain rule staffs the rest. Returns the plan and each interval's deadline."""
    opens = np.flatnonzero(is_open)
    squeezed = np.zeros(opens.size)
    due = np.full(arrivals.size, arrivals.size)
    for i in range(arrivals.size):
        first = int(np.searchsorted(opens, i))  # the next open interval, i itself if open
        if first < opens.size:
            squeezed[first] += arrivals[i]
        if first + window - 1 < opens.size:
            due[i] = opens[first + window - 1]
    plan = np.zeros(arrivals.size)
    if opens.size:
        plan[opens] = async_agents(squeezed, aht, QUARTER, window * QUARTER, occupancy)
    return plan, due


def fifo_finish_in_time(
    arrivals: np.ndarray, plan: np.ndarray, due: np.ndarray, aht: float, occupancy: float
) -> tuple[bool, np.ndarray]:
    """Serve first-in-first-out with the plan's capacity; report whether every batch is done by the end of its
    due interval, and the backlog after each interval."""
    remaining = np.zeros(arrivals.size)
    backlog = np.zeros(arrivals.size)
    slack = 1e-6 * max(1.0, arrivals.sum())
    in_time = True
    for j in range(arrivals.size):
        remaining[j] = arrivals[j]
        capacity = plan[j] * QUARTER * occupancy / aht
        for i in range(j + 1):
            served = min(capacity, remaining[i])
            remaining[i] -= served
            capacity -= served
        in_time &= remaining[: j + 1][due[: j + 1] == j].sum() <= slack
        backlog[j] = remaining[: j + 1].sum()
    return bool(in_time), backlog


@st.composite
def desks_with_hours(draw: st.DrawFn) -> tuple[np.ndarray, np.ndarray]:
    size = draw(st.integers(1, 120))
    counts = st.one_of(st.just(0.0), st.floats(0, 500, allow_nan=False))
    arrivals = draw(arrays(np.float64, size, elements=counts))
    is_open = draw(arrays(np.bool_, size))
    return arrivals, is_open


@settings(max_examples=80, deadline=None)
@given(desks_with_hours(), st.floats(30, 3600), st.integers(1, 16), st.floats(0.5, 1.0))
def test_with_service_hours_every_ticket_is_answered_in_business_time_and_no_agent_time_is_wasted(
    desk: tuple[np.ndarray, np.ndarray], aht: float, window: int, occupancy: float
) -> None:
    arrivals, is_open = desk
    plan = async_agents(arrivals, aht, QUARTER, window * QUARTER, occupancy, open_intervals=is_open)
    reference, due = squeezed_reference(arrivals, is_open, aht, window, occupancy)
    np.testing.assert_allclose(plan, reference, rtol=1e-9, atol=1e-9)
    assert (plan[~is_open] == 0).all()
    np.testing.assert_array_equal(due_interval(window, is_open), due)
    # first-in-first-out with the plan meets every deadline, replayed ticket by ticket and in closed form
    in_time, replayed = fifo_finish_in_time(arrivals, plan, due, aht, occupancy)
    assert in_time
    backlog = carried_backlog(arrivals, plan, aht, QUARTER, occupancy)
    np.testing.assert_allclose(backlog, replayed, rtol=1e-9, atol=1e-6 * max(1.0, arrivals.sum()))
    assert overdue(arrivals, backlog, window, is_open).max() <= 1e-6 * max(1.0, arrivals.sum())
    # agent time equals the work, less the share of windows running past the horizon's last open interval
    opens = np.flatnonzero(is_open)
    first_open = np.searchsorted(opens, np.arange(arrivals.size))
    share = np.clip(opens.size - first_open, 0, window) / window
    done = plan.sum() * QUARTER * occupancy / aht
    assert done == pytest.approx((arrivals * share).sum(), rel=1e-9, abs=1e-6)


@settings(max_examples=40, deadline=None)
@given(desks_with_hours(), st.integers(1, 8), st.floats(0.3, 0.95))
def test_with_service_hours_too_few_agents_are_caught_when_the_replay_misses_a_deadline(
    desk: tuple[np.ndarray, np.ndarray], window: int, cut: float
) -> None:
    arrivals, is_open = desk
    plan = async_agents(arrivals, QUARTER, QUARTER, window * QUARTER, open_intervals=is_open) * cut
    _, due = squeezed_reference(arrivals, is_open, QUARTER, window, 1.0)
    in_time, _ = fifo_finish_in_time(arrivals, plan, due, QUARTER, 1.0)
    late = overdue(arrivals, carried_backlog(arrivals, plan, QUARTER, QUARTER), window, is_open).max()
    # Each side allows `slack` of rounding, along its own float path: within one to two slacks of
    # lateness (a desk of a few millionths of a ticket) either verdict is right.
    slack = 1e-6 * max(1.0, arrivals.sum())
    if late <= slack:
        assert in_time
    elif late > 2 * slack:
        assert not in_time
