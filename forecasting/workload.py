"""Staffing for asynchronous queues (email, web form): work waits in a backlog, not on the line.

A ticket needs a first response within its SLA tier's target (say 2 h), so
its work can be done any time inside that window. Method, "spread over the
response window": each interval's tickets are due when the earliest of them
is, `window` = floor(target / interval) intervals after their interval starts
(at least one), and their work is spread evenly over those `window`
intervals. The agents needed in an interval are then the trailing moving
average of the work, over the window, divided by the interval length and the
occupancy cap:

    agents[j] = sum(work[j-window+1 .. j]) / window / (interval_s x max_occupancy)

Why this plan: it is smooth (a spike of tickets becomes a plateau over its
window instead of a spike of agents), it wastes nothing (total agent time
equals total work), and every ticket is answered in time: the plan finishes
each interval's tickets exactly at their deadline, and first-in-first-out
with the same capacity finishes them no later (earliest deadline first is
optimal for one pool of work, and FIFO is EDF here). `carried_backlog`
replays FIFO against any staffing to give the tickets carried from one
interval to the next; `overdue` counts any that miss their deadline.

Boundaries: the backlog is empty when the horizon opens; work of tickets
arriving in the last window - 1 intervals is partly due after the horizon and
falls to the next one. A target shorter than one interval counts as one
interval (the fluid model cannot see inside an interval; model such a queue
as live instead). Arrays are (..., intervals); parameters broadcast against
the leading axes, so many queues are one call.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

from forecasting.erlang import TOLERANCE


def response_window(first_response_s: ArrayLike, interval_s: float) -> np.ndarray:
    """Whole intervals a ticket may wait for its first response (at least 1), int64."""
    window = np.floor(np.asarray(first_response_s, dtype=float) / interval_s + TOLERANCE)
    return np.maximum(window, 1).astype(np.int64)


def async_agents(
    arrivals: ArrayLike,
    aht_s: ArrayLike,
    interval_s: float,
    first_response_s: ArrayLike,
    max_occupancy: ArrayLike = 1.0,
) -> np.ndarray:
    """Fractional agents per interval that answer every ticket within its first-response target.

    `arrivals`: tickets per interval, shape (..., intervals); `aht_s`,
    `first_response_s`, `max_occupancy` broadcast against the leading axes
    (one value per queue). Returns agents per interval, same shape.
    """
    arrivals = np.asarray(arrivals, dtype=float)
    lead = arrivals.shape[:-1] + (1,)
    work = arrivals * np.broadcast_to(np.asarray(aht_s, dtype=float)[..., None], lead)
    window = np.broadcast_to(response_window(first_response_s, interval_s)[..., None], lead)
    cumulative = np.concatenate([np.zeros(lead), np.cumsum(work, axis=-1)], axis=-1)
    end = np.arange(1, arrivals.shape[-1] + 1)
    start = np.maximum(end - window, 0)
    window_work = cumulative[..., 1:] - np.take_along_axis(cumulative, start, axis=-1)
    occupancy = np.asarray(max_occupancy, dtype=float)[..., None]
    return window_work / window / (interval_s * occupancy)


def carried_backlog(
    arrivals: ArrayLike,
    agents: ArrayLike,
    aht_s: ArrayLike,
    interval_s: float,
    max_occupancy: ArrayLike = 1.0,
) -> np.ndarray:
    """Tickets still unanswered at the end of each interval, answering first-in-first-out.

    Lindley's recursion backlog[j] = max(0, backlog[j-1] + arrivals[j] -
    capacity[j]) in closed form: with S the running sum of arrivals minus
    capacity, backlog[j] = S[j] - min(0, min(S[..j])). Capacity is agents x
    interval x occupancy / AHT tickets; idle capacity is lost, not banked.
    """
    arrivals = np.asarray(arrivals, dtype=float)
    per_agent = (
        interval_s * np.asarray(max_occupancy, dtype=float)[..., None] / np.asarray(aht_s, dtype=float)[..., None]
    )
    running = np.cumsum(arrivals - np.asarray(agents, dtype=float) * per_agent, axis=-1)
    backlog = running - np.minimum(np.minimum.accumulate(running, axis=-1), 0.0)
    return np.where(backlog > TOLERANCE, backlog, 0.0)


def overdue(arrivals: ArrayLike, backlog: ArrayLike, window: ArrayLike) -> np.ndarray:
    """Tickets past their first-response deadline at the end of each interval (0 when staffing suffices).

    FIFO answers the oldest first, so the backlog is overdue by however much
    it exceeds the tickets of the last window - 1 intervals, which are not due yet.
    """
    arrivals = np.asarray(arrivals, dtype=float)
    lead = arrivals.shape[:-1] + (1,)
    window = np.broadcast_to(np.asarray(window, dtype=np.int64)[..., None], lead)
    cumulative = np.concatenate([np.zeros(lead), np.cumsum(arrivals, axis=-1)], axis=-1)
    end = np.arange(1, arrivals.shape[-1] + 1)
    not_due = cumulative[..., 1:] - np.take_along_axis(cumulative, np.maximum(end - window + 1, 0), axis=-1)
    late = np.asarray(backlog, dtype=float) - not_due
    return np.where(late > TOLERANCE, late, 0.0)
