"""Async (email, web form) staffing: the response-window plan, FIFO backlog and deadlines."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from forecasting.workload import async_agents, carried_backlog, overdue, response_window

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
