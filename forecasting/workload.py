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

Service hours. Many written queues promise "2 hours *in business hours*":
the SLA clock runs, and agents answer, only in the queue's open intervals
(`open_intervals`, a boolean mask; all open when omitted). The window then
counts open intervals only. Tickets arriving while the queue is closed
start their clock at the next opening (a ticket in at 23:00 with a two-hour
target on a 09:00-18:00 desk is due at 11:00 on the next working day);
tickets arriving in an open interval count it as the first of their window,
as above. Equivalently: squeeze the closed intervals out of the time line,
moving their arrivals onto the next open interval, staff that squeezed line
with the formula above, and put zero agents in every closed interval. The
backlog waits through closed intervals (nobody answers, nothing is due).
The rule is computed in place with cumulative sums and one gather per
array (`_Clock`), with no loop over intervals; with every interval open it
is exactly the formula above.

Why this plan: it is smooth (a spike of tickets becomes a plateau over its
window instead of a spike of agents), it wastes nothing (total agent time
equals total work), and every ticket is answered in time: the plan finishes
each interval's tickets exactly at their deadline, and first-in-first-out
with the same capacity finishes them no later (earliest deadline first is
optimal for one pool of work, and FIFO is EDF here, since a later arrival is
never due earlier). `carried_backlog` replays FIFO against any staffing to
give the tickets carried from one interval to the next; `overdue` counts any
that miss their deadline; `due_interval` names each interval's deadline.

Boundaries: the backlog is empty when the horizon opens; work of tickets
whose window runs past the horizon's last open interval is partly due after
the horizon and falls to the next one. A target shorter than one interval
counts as one interval (the fluid model cannot see inside an interval; model
such a queue as live instead). Arrays are (..., intervals); parameters
broadcast against the leading axes and the mask against the whole shape, so
many queues are one call.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

from forecasting.erlang import TOLERANCE


def response_window(first_response_s: ArrayLike, interval_s: float) -> np.ndarray:
    """Whole (open) intervals a ticket may wait for its first response (at least 1), int64."""
    window = np.floor(np.asarray(first_response_s, dtype=float) / interval_s + TOLERANCE)
    return np.maximum(window, 1).astype(np.int64)


class _Clock:
    """Open intervals counted along the last axis, for rules stated in open intervals.

    `opened[..., j]` is the number of open intervals up to and including j;
    `through(m)` is the number of intervals, open or closed, up to and
    including the m-th open one (0 for m <= 0): the prefix of the time line
    that the first m open intervals close. With every interval open both are
    plain counts (j + 1 and m), and so the rules reduce to the unmasked ones.
    """

    def __init__(self, open_intervals: ArrayLike | None, shape: tuple[int, ...]) -> None:
        self.shape = shape
        if open_intervals is None:
            self.mask = None
            self.opened = np.broadcast_to(np.arange(1, shape[-1] + 1), shape)
            return
        mask = np.broadcast_to(np.asarray(open_intervals, dtype=bool), shape)
        self.mask = mask
        self.opened = np.cumsum(mask, axis=-1)
        rows = mask.reshape(-1, shape[-1])
        # positions of the open intervals, row by row, and where each row's start in that list
        self._positions = np.flatnonzero(rows) - np.repeat(np.arange(rows.shape[0]) * shape[-1], rows.sum(axis=1))
        self._row_start = np.concatenate([[0], np.cumsum(rows.sum(axis=1))[:-1]])

    def through(self, m: np.ndarray) -> np.ndarray:
        """Intervals up to and including the m-th open interval of each row (m <= opened intervals; 0 for m <= 0)."""
        if self.mask is None or not self._positions.size:
            return np.maximum(m, 0)
        flat_m = m.reshape(self._row_start.size, -1)
        index = self._row_start[:, None] + np.maximum(flat_m, 1) - 1
        found = self._positions[np.minimum(index, self._positions.size - 1)] + 1
        return np.where(flat_m >= 1, found, 0).reshape(m.shape)

    def open(self, values: np.ndarray) -> np.ndarray:
        """`values` where the interval is open, zero where it is closed."""
        return values if self.mask is None else np.where(self.mask, values, 0.0)


def _cumulative(values: np.ndarray) -> np.ndarray:
    """Running sums with a leading zero: [..., k] is the sum over intervals before k."""
    return np.concatenate([np.zeros(values.shape[:-1] + (1,)), np.cumsum(values, axis=-1)], axis=-1)


def _window(first_response_s: ArrayLike, interval_s: float, lead: tuple[int, ...]) -> np.ndarray:
    return np.broadcast_to(response_window(first_response_s, interval_s)[..., None], lead)


def async_agents(
    arrivals: ArrayLike,
    aht_s: ArrayLike,
    interval_s: float,
    first_response_s: ArrayLike,
    max_occupancy: ArrayLike = 1.0,
    open_intervals: ArrayLike | None = None,
) -> np.ndarray:
    """Fractional agents per interval that answer every ticket within its first-response target.

    `arrivals`: tickets per interval, shape (..., intervals); `aht_s`,
    `first_response_s`, `max_occupancy` broadcast against the leading axes
    (one value per queue). `open_intervals`: boolean mask broadcasting to
    `arrivals`, True where the queue is worked and its SLA clock runs (None:
    always). Returns agents per interval, same shape, zero where closed.
    """
    arrivals = np.asarray(arrivals, dtype=float)
    lead = arrivals.shape[:-1] + (1,)
    work = arrivals * np.broadcast_to(np.asarray(aht_s, dtype=float)[..., None], lead)
    window = _window(first_response_s, interval_s, lead)
    clock = _Clock(open_intervals, arrivals.shape)
    cumulative = _cumulative(work)
    # the work mapped onto the open interval j's window: arrivals after the (opened - window)-th open interval
    start = clock.through(clock.opened - window)
    window_work = cumulative[..., 1:] - np.take_along_axis(cumulative, start, axis=-1)
    occupancy = np.asarray(max_occupancy, dtype=float)[..., None]
    return clock.open(window_work / window / (interval_s * occupancy))


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
    A closed interval has no agents in the plan, so its backlog only grows.
    """
    arrivals = np.asarray(arrivals, dtype=float)
    per_agent = (
        interval_s * np.asarray(max_occupancy, dtype=float)[..., None] / np.asarray(aht_s, dtype=float)[..., None]
    )
    running = np.cumsum(arrivals - np.asarray(agents, dtype=float) * per_agent, axis=-1)
    backlog = running - np.minimum(np.minimum.accumulate(running, axis=-1), 0.0)
    return np.where(backlog > TOLERANCE, backlog, 0.0)


def overdue(
    arrivals: ArrayLike, backlog: ArrayLike, window: ArrayLike, open_intervals: ArrayLike | None = None
) -> np.ndarray:
    """Tickets past their first-response deadline at the end of each interval (0 when staffing suffices).

    FIFO answers the oldest first, so the backlog is overdue by however much
    it exceeds the tickets not due yet: those that arrived after the open
    interval window - 1 open intervals back (after the interval window - 1
    intervals back when all are open), including any that arrived since,
    closed intervals included.
    """
    arrivals = np.asarray(arrivals, dtype=float)
    lead = arrivals.shape[:-1] + (1,)
    window = np.broadcast_to(np.asarray(window, dtype=np.int64)[..., None], lead)
    clock = _Clock(open_intervals, arrivals.shape)
    cumulative = _cumulative(arrivals)
    due_before = clock.through(clock.opened - window + 1)
    not_due = cumulative[..., 1:] - np.take_along_axis(cumulative, due_before, axis=-1)
    late = np.asarray(backlog, dtype=float) - not_due
    return np.where(late > TOLERANCE, late, 0.0)


def due_interval(window: ArrayLike, open_intervals: ArrayLike, intervals: int | None = None) -> np.ndarray:
    """The interval at whose end each interval's tickets are due (int64; `intervals` when after the horizon).

    `window` (whole open intervals, from `response_window`) broadcasts
    against the leading axes; `open_intervals` is the mask of shape (...,
    intervals), or give `intervals` with `open_intervals=None` for always open.
    """
    if open_intervals is None:
        if intervals is None:
            raise ValueError("give the open-interval mask or the number of intervals")
        shape: tuple[int, ...] = np.shape(window) + (intervals,)
    else:
        shape = np.shape(open_intervals)
    lead = shape[:-1] + (1,)
    window = np.broadcast_to(np.asarray(window, dtype=np.int64)[..., None], lead)
    clock = _Clock(open_intervals, shape)
    mask = np.ones(shape, dtype=bool) if clock.mask is None else clock.mask
    before = clock.opened - mask  # open intervals strictly before each interval: its clock starts at the next
    last = before + window
    total = clock.opened[..., -1:]
    return np.where(last <= total, clock.through(np.minimum(last, total)) - 1, shape[-1]).astype(np.int64)
