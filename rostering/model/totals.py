"""Sums over days (hard): shifts per type, minutes per horizon and week,
nights per week, worked weekends; and overtime above regular weekly minutes
(soft). The shift_scheduling_sat vocabulary of hard min/max on sums."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ortools.sat.python import cp_model

from rostering.model.terms import PenaltyTerm, Requirement

if TYPE_CHECKING:
    from rostering.model.builder import RosterModel


def shifts_per_type(rm: RosterModel) -> list[PenaltyTerm]:
    cal, v = rm.cal, rm.vars
    for e in cal.employee_ids:
        for s, limit in cal.employee_by_id[e].contract.max_shifts_per_type.items():
            xs = [x for d in cal.days for x in v.shift_vars(e, d, s)]
            if len(xs) > limit:
                lit = rm.require(Requirement("max_shifts_per_type", e, shift=s))
                rm.post(cp_model.LinearExpr.sum(xs) <= limit, lit)
    return []


def _minutes_expr(rm: RosterModel, e: str, days) -> tuple[list, list]:
    xs, mins = [], []
    for d in days:
        for s in rm.cal.shift_ids:
            m = rm.cal.slot(d, s).minutes
            for x in rm.vars.shift_vars(e, d, s):
                xs.append(x)
                mins.append(m)
    return xs, mins


def minutes(rm: RosterModel) -> list[PenaltyTerm]:
    """Worked minutes between the contract's bounds; leave credit counts
    towards the minimum; weekly minimums only for complete weeks."""
    cal = rm.cal
    for e in cal.employee_ids:
        c = cal.employee_by_id[e].contract
        blocks = [("horizon", None, cal.days, c.min_minutes_horizon, c.max_minutes_horizon)]
        blocks += [("week", w, wk, c.min_minutes_week if len(wk) == 7 else None,
                    c.max_minutes_week) for w, wk in enumerate(cal.weeks)]
        for kind, week, days, lo, hi in blocks:
            if lo is None and hi is None:
                continue
            xs, mins = _minutes_expr(rm, e, days)
            expr = cp_model.LinearExpr.weighted_sum(xs, mins)
            if hi is not None and sum(mins) > hi:
                lit = rm.require(Requirement(f"max_minutes_{kind}", e, week=week))
                rm.post(expr <= hi, lit)
            if lo is not None:
                credit = sum(cal.time_off[(e, d)].credit_min for d in days
                             if (e, d) in cal.time_off)
                if lo - credit > 0:
                    lit = rm.require(Requirement(f"min_minutes_{kind}", e, week=week))
                    rm.post(expr >= lo - credit, lit)
    return []


def nights_per_week(rm: RosterModel) -> list[PenaltyTerm]:
    cal = rm.cal
    nights = cal.night_shift_ids
    for e in cal.employee_ids:
        limit = cal.employee_by_id[e].contract.max_nights_week
        if limit is None or not nights:
            continue
        for w, wk in enumerate(cal.weeks):
            xs = [x for d in wk for s in nights for x in rm.vars.shift_vars(e, d, s)]
            if len(xs) > limit:
                lit = rm.require(Requirement("max_nights_week", e, week=w))
                rm.post(cp_model.LinearExpr.sum(xs) <= limit, lit)
    return []


def weekends(rm: RosterModel) -> list[PenaltyTerm]:
    cal = rm.cal
    for e in cal.employee_ids:
        limit = cal.employee_by_id[e].contract.max_weekends
        if limit is None or len(cal.weekends) <= limit:
            continue
        lits = [rm.weekend(e, k) for k in range(len(cal.weekends))]
        lit = rm.require(Requirement("max_weekends", e))
        rm.post(cp_model.LinearExpr.sum(lits) <= limit, lit)
    return []


def overtime(rm: RosterModel) -> list[PenaltyTerm]:
    """Minutes above `regular_minutes_week` in each week, priced per minute."""
    cal = rm.cal
    weight = rm.problem.weights.overtime_per_min
    terms = []
    if not weight:
        return terms
    for e in cal.employee_ids:
        regular = cal.employee_by_id[e].contract.regular_minutes_week
        if regular is None:
            continue
        for w, wk in enumerate(cal.weeks):
            xs, mins = _minutes_expr(rm, e, wk)
            top = sum(sorted(mins, reverse=True)[: len(wk)])
            if top <= regular:
                continue
            ot = rm.model.new_int_var(0, top - regular, f"overtime|{e}|w{w}")
            rm.model.add(ot >= cp_model.LinearExpr.weighted_sum(xs, mins) - regular)
            terms.append(PenaltyTerm("overtime", f"overtime|{e}|w{w}", weight, ot))
    return terms
