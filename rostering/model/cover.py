"""Coverage: shift demand and interval demand as weighted slack (soft), the
night minimum per skill in every night interval (hard)."""

from __future__ import annotations

from collections import defaultdict
from typing import TYPE_CHECKING

from ortools.sat.python import cp_model

from rostering.model.terms import PenaltyTerm, Requirement

if TYPE_CHECKING:
    from rostering.model.builder import RosterModel


def _slack_terms(rm: RosterModel, name: str, count: cp_model.LinearExprT, required: int,
                 upper: int, w_under: int, w_over: int, times: int = 1) -> list[PenaltyTerm]:
    """count + under - over == required, priced per person short or over;
    `upper` bounds count; `times` multiplies weights for merged duplicates."""
    m = rm.model
    terms = []
    lhs = count
    if w_under:
        under = m.new_int_var(0, max(required, 0), f"under|{name}")
        lhs = lhs + under
        terms.append(PenaltyTerm("under_cover", f"under|{name}", w_under * times, under))
    if w_over:
        over = m.new_int_var(0, max(upper - required, 0), f"over|{name}")
        lhs = lhs - over
        terms.append(PenaltyTerm("over_cover", f"over|{name}", w_over * times, over))
    if w_under and w_over:
        m.add(lhs == required)
    elif w_under:
        m.add(lhs >= required)
    elif w_over:
        m.add(lhs <= required)
    return terms


def shift_cover(rm: RosterModel) -> list[PenaltyTerm]:
    """Head count per (day, shift type[, skill]) against each cover line."""
    terms = []
    for ln in rm.cal.shift_lines:
        xs = (rm.vars.by_slot.get((ln.day, ln.shift), []) if ln.skill is None
              else rm.vars.by_slot_skill.get((ln.day, ln.shift, ln.skill), []))
        count = cp_model.LinearExpr.sum(xs) if xs else 0
        name = f"{ln.day}|{ln.shift}|{ln.skill or '*'}"
        if not xs:
            # nobody can work it: the cost is a constant, keep it in the objective
            if ln.required and ln.weight_under:
                terms.append(PenaltyTerm("under_cover", f"under|{name}",
                                         ln.weight_under * ln.required, 1))
            continue
        terms += _slack_terms(rm, name, count, ln.required, len(xs), ln.weight_under,
                              ln.weight_over)
    return terms


def _slot_counts(rm: RosterModel, skill: str) -> dict[tuple[int, str], cp_model.LinearExprT]:
    """Per horizon slot an integer variable = people on it with `skill`, so an
    interval's cover is a short sum over the slots covering it."""
    out = {}
    for (d, s, k), xs in rm.vars.by_slot_skill.items():
        if k == skill and xs:
            n = rm.model.new_int_var(0, len(xs), f"n|{d}|{s}|{k}")
            rm.model.add(cp_model.LinearExpr.sum(xs) == n)
            out[(d, s)] = n
    return out


def _interval_cover_expr(rm: RosterModel, counts, i: int, skill: str):
    """(key, constant, vars): slots covering interval i; `key` identifies
    intervals with identical cover so their constraints can be merged."""
    const = 0
    slots = []
    for d, s in rm.cal.slots_covering.get(i, ()):
        if d < 0:
            const += rm.vars.slot_count(d, s, skill)
        elif (d, s) in counts:
            slots.append((d, s))
    return (const, tuple(sorted(slots)))


def interval_cover(rm: RosterModel) -> list[PenaltyTerm]:
    """Per (interval, skill) with a requirement: under/over slack; intervals
    with the same covering slots and requirement share one constraint."""
    cal = rm.cal
    if not cal.interval_required:
        return []
    w = rm.problem.weights
    by_skill: dict[str, dict] = {}
    merged: dict[tuple, int] = defaultdict(int)
    for (i, k), need in cal.interval_required.items():
        if k not in by_skill:
            by_skill[k] = _slot_counts(rm, k)
        const, slots = _interval_cover_expr(rm, by_skill[k], i, k)
        merged[(k, const, slots, need)] += 1
    terms = []
    for (k, const, slots, need), times in merged.items():
        counts = by_skill[k]
        expr = cp_model.LinearExpr.sum([counts[sl] for sl in slots]) + const if slots else const
        upper = const + sum(len(rm.vars.by_slot_skill[(d, s, k)]) for d, s in slots)
        name = f"{k}|" + ",".join(f"{d}:{s}" for d, s in slots)
        if not slots:
            short = max(need - const, 0) * w.under_cover + max(const - need, 0) * w.over_cover
            if short:
                terms.append(PenaltyTerm("interval_cover", f"fixed|{name}", short * times, 1))
            continue
        terms += _slack_terms(rm, name, expr, need, upper, w.under_cover, w.over_cover, times)
    return terms


def night_cover(rm: RosterModel) -> list[PenaltyTerm]:
    """Hard: each NightMinimum holds in every night interval (history shifts
    reaching into the horizon count). One requirement per skill and night."""
    cal = rm.cal
    minimums = rm.problem.rules.night_minimums
    if not minimums:
        return []
    for nm in minimums:
        counts = _slot_counts(rm, nm.skill)
        posted: set[tuple] = set()
        for i in cal.night_intervals:
            const, slots = _interval_cover_expr(rm, counts, i, nm.skill)
            night = _night_of(cal, i)
            key = (const, slots, night)
            if key in posted:
                continue
            posted.add(key)
            lit = rm.require(Requirement("night_cover", day=night, skill=nm.skill))
            expr = cp_model.LinearExpr.sum([counts[sl] for sl in slots]) if slots else 0
            rm.post(expr + const >= nm.required, lit)
    return []


def _night_of(cal, i: int) -> int:
    """The day a night interval belongs to: an interval after midnight but
    before the night window's start belongs to the previous day's night."""
    d = cal.day_of_interval(i)
    local = cal.interval_start(i).astimezone(cal.zone)
    start = cal.problem.rules.night_start
    if (local.hour, local.minute) < (start.hour, start.minute) and start.hour >= 12:
        return d - 1
    return d
