"""Erlang B, C and A for live channels (phone, chat): exact, stable, vectorised.

Units everywhere: offered load in erlangs (A = contacts x AHT / interval
length), times in seconds, agents as counts. Every function broadcasts its
array arguments by numpy's rules, so a week of intervals for a hundred queues
is one call, not a Python loop.

Numerics. No factorials and no powers that can overflow:

- Erlang B comes from the Poisson identity B(N, A) = P(X = N) / P(X <= N),
  X ~ Poisson(A), in log space (`gammaln`, and `pdtr` for the cdf). Above
  the load the cdf is at least about one half, so the ratio is exact to
  rounding for thousands of agents. Far below the load, where the cdf would
  underflow, 1/B is summed as the finite series sum_k N!/((N-k)! A^k), whose
  terms shrink geometrically there.
- The Erlang C solver anchors B once at the first stable staffing and then
  walks up with the forward recursion B(N) = A B(N-1) / (N + A B(N-1)),
  which damps rounding errors instead of amplifying them.
- Erlang A (M/M/N+M) uses the closed form of the birth-death chain (see
  `erlang_a`), with the one special function, Kummer's 1F1(1; a+1; b),
  taken in log space from the regularised incomplete gamma.

Service level is "answered within `answer_s`" over all offered contacts;
for Erlang A a contact that abandons before being answered counts as missed.
ASA is the mean time in queue over all offered contacts (zero for those
answered at once, and, in Erlang A, including the time abandoners waited),
which is what the published references (CRAN ErlangC, pyworkforce) report.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, fields

import numpy as np
from numpy.typing import ArrayLike
from scipy.special import expit, gammainc, gammaln, pdtr, xlogy

# Slack for comparisons and ceilings: 14 / (1 - 0.3) is 20.000000000000004 in
# floating point and must count as 20 agents, not 21.
TOLERANCE = 1e-9
# Below this the Poisson cdf / incomplete gamma lose their relative precision
# to underflow, and the series take over.
_UNDERFLOW = 1e-280
# Series stop once a term no longer changes the sum in double precision.
_SERIES_EPS = 1e-17
# A staffing search that needs more doublings than this has an unreachable target.
_MAX_DOUBLINGS = 40


def tolerant_ceil(x: ArrayLike) -> np.ndarray:
    """Ceiling that ignores floating-point dust just above an integer (int64 array)."""
    return np.ceil(np.asarray(x, dtype=float) - TOLERANCE).astype(np.int64)


def offered_load(contacts: ArrayLike, interval_s: ArrayLike, aht_s: ArrayLike) -> np.ndarray:
    """Offered load in erlangs: contacts per interval x AHT (s) / interval length (s)."""
    return np.asarray(contacts, dtype=float) * np.asarray(aht_s, dtype=float) / np.asarray(interval_s, dtype=float)


def log_erlang_b(agents: ArrayLike, load: ArrayLike) -> np.ndarray:
    """Natural log of the Erlang B blocking probability B(N, A) for N >= 0 agents and A >= 0 erlangs.

    Returned in logs because B underflows for N far above A; -inf means B = 0.
    """
    n, a = (np.array(x, dtype=float) for x in np.broadcast_arrays(agents, load))
    with np.errstate(divide="ignore", invalid="ignore"):
        cdf = pdtr(n, a)
        out = np.asarray(xlogy(n, a) - a - gammaln(n + 1) - np.log(cdf))
    deep = (a > 0) & ~(cdf > _UNDERFLOW)
    if deep.any():
        out[deep] = -np.log(_inverse_erlang_b_series(n[deep], a[deep]))
    return out


def _inverse_erlang_b_series(n: np.ndarray, a: np.ndarray) -> np.ndarray:
    """1/B(N, A) = sum_{k=0..N} N (N-1) ... (N-k+1) / A^k, for N well below A (terms shrink fast)."""
    term = np.ones_like(a)
    total = np.ones_like(a)
    k = 0
    while True:
        term = term * np.maximum(n - k, 0.0) / a
        total += term
        k += 1
        if not (term > _SERIES_EPS * total).any():
            return total


def erlang_b(agents: ArrayLike, load: ArrayLike) -> np.ndarray:
    """Erlang B: the share of contacts finding all N agents busy in a loss system (no queue)."""
    return np.exp(log_erlang_b(agents, load))


@dataclass(frozen=True)
class ErlangCMetrics:
    """Erlang C (M/M/N, infinitely patient callers) figures, one array entry per cell.

    An unstable cell (agents <= load > 0) has prob_wait 1, service_level 0,
    asa_s inf and occupancy 1: the queue grows without bound.
    """

    prob_wait: np.ndarray  # share of contacts that wait at all
    service_level: np.ndarray  # share answered within answer_s
    asa_s: np.ndarray  # mean wait over all contacts, seconds
    occupancy: np.ndarray  # share of agent time busy


def erlang_c(agents: ArrayLike, load: ArrayLike, aht_s: ArrayLike, answer_s: ArrayLike) -> ErlangCMetrics:
    """Erlang C figures for `agents` answering `load` erlangs of contacts of mean handle time `aht_s`."""
    n, a, aht, t = (np.array(x, dtype=float) for x in np.broadcast_arrays(agents, load, aht_s, answer_s))
    b = erlang_b(n, a)
    return _erlang_c_from_b(n, a, aht, t, b)


def _erlang_c_from_b(n: np.ndarray, a: np.ndarray, aht: np.ndarray, t: np.ndarray, b: np.ndarray) -> ErlangCMetrics:
    """Erlang C from Erlang B at the same N: C = B / (1 - (A/N)(1 - B)), then SL and ASA in closed form."""
    idle = a <= 0
    stable = (n > a) & ~idle
    with np.errstate(divide="ignore", invalid="ignore"):
        pw = np.where(stable, b / (1 - (a / n) * (1 - b)), 1.0)
        spare = n - a
        sl = np.where(stable, 1 - pw * np.exp(-spare * t / aht), 0.0)
        asa = np.where(stable, pw * aht / spare, np.inf)
        occupancy = np.where(stable, a / n, np.where(n > 0, 1.0, 0.0))
    return ErlangCMetrics(
        prob_wait=np.where(idle, 0.0, pw),
        service_level=np.where(idle, 1.0, sl),
        asa_s=np.where(idle, 0.0, asa),
        occupancy=np.where(idle, 0.0, occupancy),
    )


def _targets(
    service_level: ArrayLike | None, asa_s: ArrayLike | None, max_occupancy: ArrayLike
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Targets as float arrays, NaN meaning "no such target"; raises ValueError on unreachable ones."""
    sl = np.asarray(np.nan if service_level is None else service_level, dtype=float)
    asa = np.asarray(np.nan if asa_s is None else asa_s, dtype=float)
    occ = np.asarray(max_occupancy, dtype=float)
    if ((sl <= 0) | (sl >= 1)).any():
        raise ValueError("service_level must be strictly between 0 and 1 (a share, not a percentage)")
    if (asa <= 0).any():
        raise ValueError("asa_s must be more than 0 seconds")
    if ((occ <= 0) | (occ > 1) | np.isnan(occ)).any():
        raise ValueError("max_occupancy must be in (0, 1]")
    return sl, asa, occ


def _meets(
    service_level: np.ndarray,
    asa_s: np.ndarray,
    occupancy: np.ndarray,
    sl_target: np.ndarray,
    asa_target: np.ndarray,
    occ_target: np.ndarray,
) -> np.ndarray:
    """True where every given target holds (NaN target = not asked for)."""
    ok = np.isnan(sl_target) | (service_level >= sl_target - TOLERANCE)
    ok &= np.isnan(asa_target) | (asa_s <= asa_target + TOLERANCE)
    return ok & (occupancy <= occ_target + TOLERANCE)


def erlang_c_agents(
    load: ArrayLike,
    aht_s: ArrayLike,
    *,
    service_level: ArrayLike | None = None,
    answer_s: ArrayLike = 0.0,
    asa_s: ArrayLike | None = None,
    max_occupancy: ArrayLike = 1.0,
) -> tuple[np.ndarray, ErlangCMetrics]:
    """Fewest agents per cell meeting every target given, and the Erlang C figures at that staffing.

    Targets: `service_level` answered within `answer_s` seconds, mean wait
    at most `asa_s` seconds, occupancy at most `max_occupancy`; each may be
    an array (NaN = no target for that cell). A cell with no load needs 0.

    Search: start at the smallest stable staffing that respects the
    occupancy cap, max(floor(A) + 1, ceil(A / max_occupancy)), where Erlang B
    is taken once from the Poisson identity; then add one agent at a time
    with the Erlang B recursion, dropping cells as they meet their targets.
    Service level rises and ASA falls with every agent, so the first
    staffing that meets the targets is the fewest.
    """
    sl_t, asa_t, occ_t = _targets(service_level, asa_s, max_occupancy)
    cells = np.broadcast_arrays(load, aht_s, answer_s, sl_t, asa_t, occ_t)
    shape = cells[0].shape
    a, aht, t, sl_t, asa_t, occ_t = (np.array(x, dtype=float).ravel() for x in cells)
    busy = a > 0
    n = np.where(busy, np.maximum(np.floor(a) + 1, tolerant_ceil(a / occ_t)), 0).astype(float)
    b = erlang_b(n, a)
    active = np.flatnonzero(busy)
    while active.size:
        m = _erlang_c_from_b(n[active], a[active], aht[active], t[active], b[active])
        met = _meets(m.service_level, m.asa_s, m.occupancy, sl_t[active], asa_t[active], occ_t[active])
        active = active[~met]
        n[active] += 1
        b[active] = a[active] * b[active] / (n[active] + a[active] * b[active])
    metrics = _erlang_c_from_b(n, a, aht, t, b)
    return n.astype(np.int64).reshape(shape), ErlangCMetrics(*(x.reshape(shape) for x in _fields(metrics)))


def erlang_c_max_contacts(
    agents: ArrayLike, interval_s: ArrayLike, aht_s: ArrayLike, answer_s: ArrayLike, service_level: ArrayLike
) -> np.ndarray:
    """Most whole contacts per interval that `agents` can take at `service_level` within `answer_s` (int64).

    The engineering-table question ("how many calls an hour can 5 agents
    take at 90 % in 30 s?"), found by bisection: service level falls as
    contacts rise, and at N x interval / AHT contacts the queue is unstable.
    """
    cells = np.broadcast_arrays(agents, interval_s, aht_s, answer_s, service_level)
    n, iv, aht, t, sl = (np.array(x, dtype=float).ravel() for x in cells)
    _targets(sl, None, 1.0)

    def misses(contacts: np.ndarray, idx: np.ndarray) -> np.ndarray:
        m = erlang_c(n[idx], contacts * aht[idx] / iv[idx], aht[idx], t[idx])
        return m.service_level < sl[idx] - TOLERANCE

    first_miss = _first_true(np.zeros_like(n), np.ceil(n * iv / aht), misses)
    return (first_miss - 1).astype(np.int64).reshape(cells[0].shape)


@dataclass(frozen=True)
class ErlangAMetrics:
    """Erlang A (M/M/N+M, exponential patience) figures, one array entry per cell."""

    prob_wait: np.ndarray  # share of contacts that find every agent busy
    prob_abandon: np.ndarray  # share that hang up before being answered
    service_level: np.ndarray  # share answered within answer_s (abandons count as missed)
    asa_s: np.ndarray  # mean time in queue over all contacts, abandoners included, seconds
    occupancy: np.ndarray  # share of agent time busy (answered contacts only)


def erlang_a(
    agents: ArrayLike, load: ArrayLike, aht_s: ArrayLike, patience_s: ArrayLike, answer_s: ArrayLike
) -> ErlangAMetrics:
    """Erlang A figures: callers abandon after an exponential patience of mean `patience_s` seconds.

    Closed form of the birth-death chain (Palm; Mandelbaum & Zeltyn). With
    rho = A/N and the service and arrival rates in units of the abandonment
    rate, a = N patience / AHT and b = A patience / AHT, the states with a
    queue sum to F(b) = 1F1(1; a+1; b) = sum_k b^k / ((a+1)...(a+k)) times the
    probability of "N busy, nobody waiting", and the states below N to that
    times (N/A) / B(N-1, A). With x = rho F(b) B(N-1, A):

        P(wait)    = x / (1 + x)
        P(abandon) = B(N-1, A) (1 - (1 - rho) F(b)) / (1 + x)
        SL(t)      = (1 + B(N-1, A) K(t)) / (1 + x),
        K(t)       = (F(b) - 1) - exp(-a t/p + b (1 - e^(-t/p))) (F(b e^(-t/p)) - 1)

    where p is the patience. K comes from integrating the density of the
    virtual wait V against P(patience > V) up to t: a waiting caller is
    answered in time when V <= t and V is shorter than its own patience.
    ASA = P(abandon) x patience (Little's law on the queue, since abandons
    happen at rate queue length / patience); occupancy = rho (1 - P(abandon)).
    As patience grows these tend to Erlang C. Zero agents with load: nobody
    is answered, everyone abandons after their patience.
    """
    n, load_, aht, patience, t = (
        np.array(x, dtype=float) for x in np.broadcast_arrays(agents, load, aht_s, patience_s, answer_s)
    )
    idle = load_ <= 0
    live = ~idle & (n > 0)
    pw, pab = np.where(idle, 0.0, 1.0), np.where(idle, 0.0, 1.0)
    sl, asa, occupancy = np.where(idle, 1.0, 0.0), np.where(idle, 0.0, patience), np.zeros_like(n)
    figures = _erlang_a_live(n[live], load_[live], aht[live], patience[live], t[live])
    for full, value in zip((pw, pab, sl, asa, occupancy), figures, strict=True):
        full[live] = value
    return ErlangAMetrics(pw, pab, sl, asa, occupancy)


def _erlang_a_live(
    n: np.ndarray, load: np.ndarray, aht: np.ndarray, patience: np.ndarray, t: np.ndarray
) -> tuple[np.ndarray, ...]:
    """The formulas of `erlang_a` for cells with load > 0 and agents > 0, in log space where they can overflow."""
    rho = load / n
    a = n * patience / aht
    b = load * patience / aht
    log_b_prev = log_erlang_b(n - 1, load)
    log_f = _log_kummer(a, b)
    with np.errstate(divide="ignore", invalid="ignore"):
        log_x = log_b_prev + np.log(rho) + log_f  # rho may underflow to 0 for a vanishing load: x = 0
        log_1px = np.logaddexp(0.0, log_x)
        pw = expit(log_x)
        # B (1 - (1 - rho) F) / (1 + x), as two terms that cannot overflow
        pab = np.clip(np.exp(log_b_prev - log_1px) + (rho - 1) * np.exp(log_b_prev + log_f - log_1px), 0.0, 1.0)
        decay = np.exp(-t / patience)  # P(patience > t)
        log_w = -a * t / patience - b * np.expm1(-t / patience)
        log_k_full = _log_kummer_minus_one(a, b)
        gap = log_w + _log_kummer_minus_one(a, b * decay) - log_k_full
        gap = np.where(np.isneginf(log_k_full), 0.0, np.minimum(gap, 0.0))  # no load to speak of: K = 0
        log_k = log_k_full + np.log(-np.expm1(gap))
    sl = np.clip(np.exp(-log_1px) + np.exp(log_b_prev + log_k - log_1px), 0.0, 1.0)
    return pw, pab, sl, pab * patience, rho * (1 - pab)


def _log_kummer(a: np.ndarray, y: np.ndarray) -> np.ndarray:
    """log 1F1(1; a+1; y) = log sum_k y^k / ((a+1)...(a+k)) for a > 0, y >= 0.

    Equal to y - a log y + log Gamma(a+1) + log P(a, y) with P the
    regularised lower incomplete gamma; where P underflows (y far below a)
    the series converges geometrically and is summed instead.
    """
    a, y = (np.array(x, dtype=float) for x in np.broadcast_arrays(a, y))
    with np.errstate(divide="ignore", invalid="ignore"):
        p = gammainc(a, y)
        out = np.asarray(y - xlogy(a, y) + gammaln(a + 1) + np.log(p))
    small = ~(p > _UNDERFLOW)
    if small.any():
        a_s, y_s = a[small], y[small]
        term = np.ones_like(a_s)
        total = np.ones_like(a_s)
        k = 0
        while True:
            k += 1
            term = term * y_s / (a_s + k)
            total += term
            if not (term > _SERIES_EPS * total).any():
                break
        out[small] = np.log(total)
    return out


def _log_kummer_minus_one(a: np.ndarray, y: np.ndarray) -> np.ndarray:
    """log(1F1(1; a+1; y) - 1) without cancellation, using 1F1(1; a+1; y) - 1 = y/(a+1) 1F1(1; a+2; y)."""
    with np.errstate(divide="ignore"):
        return np.log(y) - np.log(a + 1) + _log_kummer(a + 1, y)


def erlang_a_agents(
    load: ArrayLike,
    aht_s: ArrayLike,
    patience_s: ArrayLike,
    *,
    service_level: ArrayLike | None = None,
    answer_s: ArrayLike = 0.0,
    asa_s: ArrayLike | None = None,
    max_occupancy: ArrayLike = 1.0,
) -> tuple[np.ndarray, ErlangAMetrics]:
    """Fewest agents per cell meeting every target under Erlang A, and the figures at that staffing.

    Targets as in `erlang_c_agents`. A cell with load needs at least one
    agent. Lower bounds come from throughput: an agent answers at most
    1/AHT contacts, so the share answered is at most N/A, which bounds N by
    service_level x A and by (1 - asa_s/patience) x A. An upper bound is
    found by doubling, and the fewest agents by bisection between the two
    (service level, abandonment, ASA and occupancy are monotone in N).
    """
    sl_t, asa_t, occ_t = _targets(service_level, asa_s, max_occupancy)
    cells = np.broadcast_arrays(load, aht_s, patience_s, answer_s, sl_t, asa_t, occ_t)
    shape = cells[0].shape
    a, aht, patience, t, sl_t, asa_t, occ_t = (np.array(x, dtype=float).ravel() for x in cells)
    if (patience <= 0).any():
        raise ValueError("patience_s must be more than 0 seconds")
    lower = np.where(a > 0, 1, 0)
    lower = np.maximum(lower, np.where(np.isnan(sl_t), 0, tolerant_ceil(np.nan_to_num(sl_t) * a)))
    lower = np.maximum(lower, np.where(np.isnan(asa_t), 0, tolerant_ceil(a * (1 - np.nan_to_num(asa_t) / patience))))

    def meets(n: np.ndarray, idx: np.ndarray) -> np.ndarray:
        m = erlang_a(n, a[idx], aht[idx], patience[idx], t[idx])
        return _meets(m.service_level, m.asa_s, m.occupancy, sl_t[idx], asa_t[idx], occ_t[idx])

    upper = np.maximum(lower, np.ceil(a + 2 * np.sqrt(a) + 1))
    for _ in range(_MAX_DOUBLINGS):
        short = np.flatnonzero(~meets(upper, np.arange(a.size)))
        if not short.size:
            break
        upper[short] *= 2
    else:
        raise ValueError("Erlang A target not reachable with any number of agents")
    n = _first_true(lower - 1.0, upper.astype(float), meets)
    metrics = erlang_a(n, a, aht, patience, t)
    return n.astype(np.int64).reshape(shape), ErlangAMetrics(*(x.reshape(shape) for x in _fields(metrics)))


def _first_true(
    below: np.ndarray, at_or_above: np.ndarray, predicate: Callable[[np.ndarray, np.ndarray], np.ndarray]
) -> np.ndarray:
    """Per cell, the smallest integer in (below, at_or_above] where a monotone `predicate` holds.

    `predicate(values, cell_indices)` is evaluated only on cells still being
    searched; it is assumed false at `below` and true at `at_or_above`.
    """
    lo, hi = below.astype(float).copy(), at_or_above.astype(float).copy()
    open_ = np.flatnonzero(hi - lo > 1)
    while open_.size:
        mid = np.floor((lo[open_] + hi[open_]) / 2)
        ok = predicate(mid, open_)
        hi[open_[ok]] = mid[ok]
        lo[open_[~ok]] = mid[~ok]
        open_ = open_[hi[open_] - lo[open_] > 1]
    return hi


def _fields(metrics: ErlangCMetrics | ErlangAMetrics) -> tuple[np.ndarray, ...]:
    """The metric arrays of a result, in declaration order."""
    return tuple(getattr(metrics, f.name) for f in fields(metrics))
