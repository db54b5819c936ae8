"""Coverage: shift demand and interval demand as weighted slack (soft), the
night minimum per skill in every night interval (hard).

Counts are (free variables, constant): the constant holds history shifts that
reach into the horizon and, in a neighbourhood sub-model, the fixed part of
the roster. A count without variables is priced directly as a constant.
"""

from __future__ import annotations

from collections import defaultdict
from typing import TYPE_CHECKING

from ortools.sat.python import cp_model

from rostering.domain import Requirement
from rostering.model.terms import PenaltyTerm

if TYPE_CHECKING:
    from rostering.model.builder import RosterModel


def _slack_terms(rm: RosterModel, name: str, parts: list, upper: int, const: int,
                 required: int, w_under: int, w_over: int, times: int = 1) -> list[PenaltyTerm]:
    """sum(parts) + const + under - over == required, priced per person short
    or over. `parts` are free 0/1 or count variables summing to at most
    `upper`; `times` multiplies the weights of merged identical constraints.
    Without free parts the cost is a constant."""
    if not parts:
        cost = max(required - const, 0) * w_under + max(const - required, 0) * w_over
        return [PenaltyTerm("cover", f"fixed|{name}", cost * times, 1)] if cost else []
    m = rm.model
    need = required - const  # what the free part must supply; may be <= 0
    lhs = cp_model.LinearExpr.sum(parts)
    if upper <= need:  # can never be over: the shortage is linear, no slack var
        return [PenaltyTerm("under_cover", f"under|{name}", w_under * times, need - lhs)] \
            if w_under else []
    if need <= 0:  # over already or exactly met without the free part: linear
        return [PenaltyTerm("over_cover", f"over|{name}", w_over * times, lhs - need)] \
            if w_over else []
    terms = []
    has_under = bool(w_under and need > 0)
    has_over = bool(w_over and upper > need)
    count = lambda val: sum(val(p) for p in parts)  # noqa: E731
    if has_under:
        under = m.new_int_var(0, need, f"under|{name}")
        rm.vars.derive(under, lambda val: max(0, need - count(val)))
        lhs = lhs + under
        terms.append(PenaltyTerm("under_cover", f"under|{name}", w_under * times, under))
    if has_over:
        over = m.new_int_var(0, upper - need, f"over|{name}")
        rm.vars.derive(over, lambda val: max(0, count(val) - need))
        lhs = lhs - over
        terms.append(PenaltyTerm("over_cover", f"over|{name}", w_over * times, over))
    if has_under and has_over:
        m.add(lhs == need)
    elif has_under:
        m.add(lhs >= need)
    elif has_over:
        m.add(lhs <= need)
    return terms


def shift_cover(rm: RosterModel) -> list[PenaltyTerm]:
    """Head count per (day, shift type[, skill]) against each cover line."""
    terms = []
    fixed_cost = 0
    for ln in rm.cal.shift_lines:
        xs, const = rm.vars.slot_count(ln.day, ln.shift, ln.skill)
        if not xs:  # fixed part only: priced directly, no names to build
            fixed_cost += (max(ln.required - const, 0) * ln.weight_under
                           + max(const - ln.required, 0) * ln.weight_over)
            continue
        name = f"{ln.day}|{ln.shift}|{ln.skill or '*'}"
        terms += _slack_terms(rm, name, xs, len(xs), const, ln.required, ln.weight_under,
                              ln.weight_over)
    if fixed_cost:
        terms.append(PenaltyTerm("cover", "fixed|shift_cover", fixed_cost, 1))
    return terms


def _slot_counts(rm: RosterModel, skill: str) -> dict[tuple[int, str], cp_model.IntVar]:
    """Per slot with free variables, an integer variable = free people on it
    with `skill`, so an interval's cover is a short sum over slots."""
    out = {}
    for (d, s, k), xs in rm.vars.by_slot_skill.items():
        if k == skill and xs:
            if len(xs) == 1:
                out[(d, s)] = xs[0]
                continue
            n = rm.model.new_int_var(0, len(xs), f"n|{d}|{s}|{k}")
            rm.model.add(cp_model.LinearExpr.sum(xs) == n)
            rm.vars.derive(n, lambda val, xs=xs: sum(val(x) for x in xs))
            out[(d, s)] = n
    return out


def _interval_count(rm: RosterModel, counts: dict, i: int, skill: str) -> tuple[int, tuple]:
    """(constant, free slots) of the cover of interval i for `skill`."""
    const = 0
    slots = []
    for d, s in rm.cal.slots_covering.get(i, ()):
        const += rm.vars.slot_count(d, s, skill)[1]
        if (d, s) in counts:
            slots.append((d, s))
    return const, tuple(sorted(slots))


def interval_cover(rm: RosterModel) -> list[PenaltyTerm]:
    """Per (interval, skill) with a requirement: under/over slack; intervals
    with the same covering slots, constant and requirement share one
    constraint whose weights count them all."""
    cal = rm.cal
    if not cal.interval_required:
        return []
    w = rm.problem.weights
    by_skill: dict[str, dict] = {}
    merged: dict[tuple, int] = defaultdict(int)
    for (i, k), need in cal.interval_required.items():
        if k not in by_skill:
            by_skill[k] = _slot_counts(rm, k)
        const, slots = _interval_count(rm, by_skill[k], i, k)
        merged[(k, const, slots, need)] += 1
    terms = []
    for (k, const, slots, need), times in merged.items():
        counts = by_skill[k]
        sizes = [len(rm.vars.by_slot_skill[(d, s, k)]) for d, s in slots]
        name = f"{k}|{const}|" + ",".join(f"{d}:{s}" for d, s in slots)
        terms += _slack_terms(rm, name, [counts[sl] for sl in slots], sum(sizes), const, need,
                              w.under_cover, w.over_cover, times)
    return terms


def night_cover(rm: RosterModel) -> list[PenaltyTerm]:
    """Hard: each NightMinimum holds in every night interval (history and
    fixed shifts count). One assumable requirement per skill and night."""
    cal = rm.cal
    minimums = rm.problem.rules.night_minimums
    if not minimums or rm.relax_night_cover:
        return []
    for nm in minimums:
        counts = _slot_counts(rm, nm.skill)
        posted: set[tuple] = set()
        for i in cal.night_intervals:
            const, slots = _interval_count(rm, counts, i, nm.skill)
            night = cal.night_of_interval(i)
            key = (const, slots, night)
            if key in posted:
                continue
            posted.add(key)
            lit = rm.require(Requirement("night_cover", day=night, skill=nm.skill))
            if not slots:
                if const < nm.required:
                    rm.post_false(lit)
                continue
            rm.post(cp_model.LinearExpr.sum([counts[sl] for sl in slots]) >= nm.required - const,
                    lit)
    return []
