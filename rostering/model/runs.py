"""Consecutive working days and days off (hard), over history and horizon.

With T(d) = 'works on day d' (history days are constants):

- max run M: every window of M+1 known days holds at most M worked days;
- min run m: if a run starts at p (T(p) and not T(p-1)) then T(p+j) for
  j < m: the clause  T(p-1) or not T(p) or T(p+j). These implications are
  the strong form (w[p+j] >= w[p] - w[p-1]) and propagate well;
- min days off m: symmetric with the polarities swapped.

Border exemption as in Curtois & Qu: a run touching the earliest known day
(`exempt_runs_at_start`) or the last horizon day (`exempt_runs_at_end`)
need not reach the minimum; a days-off run touching a border is always
exempt (outside the known days counts as off). Clauses about history days
only are skipped: the past is not this roster's to fix.
"""

from __future__ import annotations

from collections.abc import Collection
from typing import TYPE_CHECKING

from ortools.sat.python import cp_model

from rostering.domain import Requirement
from rostering.model.terms import PenaltyTerm

if TYPE_CHECKING:
    from rostering.model.builder import RosterModel


def _clause(rm: RosterModel, lits: list[tuple[int, bool]], e: str, guard) -> None:
    """Post OR of (day, positive) work literals of employee e, folding
    constants; skipped when it concerns history days only, or fixed cells
    only (a sub-model's fixed part already satisfies it)."""
    if not any(rm.vars.is_free(e, d) for d, _ in lits):
        return
    out = []
    for d, positive in lits:
        t = rm.vars.work(e, d)
        if isinstance(t, int):
            if bool(t) == positive:
                return  # satisfied by a constant
            continue
        out.append(t if positive else ~t)
    if not out:
        rm.post_false(guard)
    else:
        rm.enforce(rm.model.add_bool_or(out), guard)


def _starts(free: Collection[int], before: int, after: int, lo: int, hi: int) -> list[int]:
    """Window starts p in [lo, hi] whose constraint touches a free day d,
    i.e. d - before <= p <= d + after: a neighbourhood of a few scattered
    days on a long horizon visits those, not every day between the first
    and last free one (on a 364-day file most of the build time)."""
    if len(free) > hi - lo:  # (nearly) every day is free: all of them
        return list(range(lo, hi + 1))
    return sorted({p for d in free for p in range(max(lo, d - before), min(hi, d + after) + 1)})


def consecutive_days(rm: RosterModel) -> list[PenaltyTerm]:
    cal = rm.cal
    rules = rm.problem.rules
    first, last = cal.known_days[0], cal.known_days[-1]
    for e in rm.vars.active:
        free = rm.vars.free_days[e]
        if not free:
            continue
        c = cal.employee_by_id[e].contract
        top = c.max_consecutive_days
        if top is not None and top < len(cal.known_days):
            guard = rm.require(Requirement("max_consecutive_days", e))
            for p in _starts(free, top, 0, max(first, -top), last - top):
                window = [rm.vars.work(e, d) for d in range(p, p + top + 1)]
                rm.post(cp_model.LinearExpr.sum(window) <= top, guard)
        m = c.min_consecutive_days
        if m is not None and m > 1:
            guard = rm.require(Requirement("min_consecutive_days", e))
            for p in _starts(free, m - 1, 1, first, last):
                if p == first and rules.exempt_runs_at_start:
                    continue
                before = [(p - 1, True)] if p > first else []
                if p + m - 1 > last and not rules.exempt_runs_at_end:
                    _clause(rm, before + [(p, False)], e, guard)
                    continue
                for j in range(1, m):
                    if p + j <= last:
                        _clause(rm, before + [(p, False), (p + j, True)], e, guard)
        m = c.min_consecutive_days_off
        if m is not None and m > 1:
            guard = rm.require(Requirement("min_consecutive_days_off", e))
            for p in _starts(free, m - 1, 1, first + 1, last):
                for j in range(1, m):
                    if p + j <= last:
                        _clause(rm, [(p - 1, False), (p, True), (p + j, False)], e, guard)
    return []
