"""Sums over days (hard): shifts per type, minutes per horizon and week,
nights per week, worked weekends; and overtime above regular weekly minutes
(soft). The shift_scheduling_sat vocabulary of hard min/max on sums; the
constant part of a sum comes from fixed cells of a neighbourhood sub-model."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ortools.sat.python import cp_model

from rostering.domain import Requirement
from rostering.model.terms import PenaltyTerm

if TYPE_CHECKING:
    from rostering.model.builder import RosterModel


def shifts_per_type(rm: RosterModel) -> list[PenaltyTerm]:
    cal, v = rm.cal, rm.vars
    for e in v.active:
        limits = cal.employee_by_id[e].contract.max_shifts_per_type
        if not limits:
            continue
        per_type: dict[str, list] = {s: [] for s in limits}
        const = dict.fromkeys(limits, 0)
        free, row = v.free_days[e], v.const_row(e)
        for d in cal.days:
            if d in free:
                for s, x in v.cell_shifts.get((e, d), ()):
                    if s in per_type:
                        per_type[s].append(x)
            elif (s := row[d]) in const:
                const[s] += 1
        for s, xs in per_type.items():
            if xs and len(xs) + const[s] > limits[s]:
                lit = rm.require(Requirement("max_shifts_per_type", e, shift=s))
                rm.post(cp_model.LinearExpr.sum(xs) <= limits[s] - const[s], lit)
    return []


def minutes(rm: RosterModel) -> list[PenaltyTerm]:
    """Worked minutes between the contract's bounds; leave credit counts
    towards the minimum; weekly minimums only for complete weeks."""
    cal = rm.cal
    slots = cal.slots
    minutes_of = lambda d, s: slots[(d, s)].minutes  # noqa: E731
    shift_set = frozenset(cal.shift_ids)
    for e in rm.vars.active:
        c = cal.employee_by_id[e].contract
        blocks = [("horizon", None, cal.days, c.min_minutes_horizon, c.max_minutes_horizon)]
        blocks += [("week", w, wk, c.min_minutes_week if len(wk) == 7 else None,
                    c.max_minutes_week) for w, wk in enumerate(cal.weeks)]
        free = rm.vars.free_days[e]
        for kind, week, days, lo, hi in blocks:
            if (lo is None and hi is None) or not any(d in free for d in days):
                continue  # a block of fixed cells only: the base roster keeps it
            xs, mins, const = rm.vars.shift_sum(e, days, shift_set, minutes_of)
            if not xs:
                continue
            expr = cp_model.LinearExpr.weighted_sum(xs, mins)
            if hi is not None and sum(mins) + const > hi:
                lit = rm.require(Requirement(f"max_minutes_{kind}", e, week=week))
                rm.post(expr <= hi - const, lit)
            if lo is not None:
                credit = sum(cal.time_off[(e, d)].credit_min for d in days
                             if (e, d) in cal.time_off)
                if lo - credit - const > 0:
                    lit = rm.require(Requirement(f"min_minutes_{kind}", e, week=week))
                    rm.post(expr >= lo - credit - const, lit)
    return []


def nights_per_week(rm: RosterModel) -> list[PenaltyTerm]:
    cal = rm.cal
    nights = cal.night_shift_ids
    for e in rm.vars.active:
        limit = cal.employee_by_id[e].contract.max_nights_week
        if limit is None or not nights:
            continue
        for w, wk in enumerate(cal.weeks):
            xs, _, const = rm.vars.shift_sum(e, wk, nights)
            if xs and len(xs) + const > limit:
                lit = rm.require(Requirement("max_nights_week", e, week=w))
                rm.post(cp_model.LinearExpr.sum(xs) <= limit - const, lit)
    return []


def weekends(rm: RosterModel) -> list[PenaltyTerm]:
    cal = rm.cal
    weekend_days = {d for days in cal.weekends for d in days}
    for e in rm.vars.active:
        limit = cal.employee_by_id[e].contract.max_weekends
        if limit is None or len(cal.weekends) <= limit or weekend_days.isdisjoint(rm.vars.free_days[e]):
            continue  # (no free weekend day: the base roster keeps the limit)
        lits = [rm.weekend(e, k) for k in range(len(cal.weekends))]
        if all(isinstance(t, int) for t in lits):
            continue
        lit = rm.require(Requirement("max_weekends", e))
        rm.post(cp_model.LinearExpr.sum(lits) <= limit, lit)
    return []


def overtime(rm: RosterModel) -> list[PenaltyTerm]:
    """Minutes above `regular_minutes_week` in each week, priced per minute
    (a constant for a week without free cells)."""
    cal = rm.cal
    weight = rm.problem.weights.overtime_per_min
    terms = []
    if not weight:
        return terms
    minutes_of = lambda d, s: cal.slot(d, s).minutes  # noqa: E731
    shift_set = frozenset(cal.shift_ids)
    for e in cal.employee_ids:
        regular = cal.employee_by_id[e].contract.regular_minutes_week
        if regular is None:
            continue
        for w, wk in enumerate(cal.weeks):
            xs, mins, const = rm.vars.shift_sum(e, wk, shift_set, minutes_of)
            name = f"overtime|{e}|w{w}"
            if not xs:
                if const > regular:
                    terms.append(PenaltyTerm("overtime", name, weight * (const - regular), 1))
                continue
            top = const + sum(sorted(mins, reverse=True)[: len(wk)])
            if top <= regular:
                continue
            ot = rm.model.new_int_var(0, top - regular, name)
            rm.model.add(ot >= cp_model.LinearExpr.weighted_sum(xs, mins) + const - regular)
            rm.vars.derive(ot, lambda val, xs=xs, mins=mins, const=const: max(
                0, sum(m * val(x) for x, m in zip(xs, mins)) + const - regular))
            terms.append(PenaltyTerm("overtime", name, weight, ot))
    return terms
