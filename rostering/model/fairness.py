"""Fairness of nights, weekends and public holidays (soft).

Per kind, each person's total is the carried-in ledger plus this roster's
count; the cost is weight x (max - min) over the kind's group, the same
spread the KPIs report, so the ledger evens out load across weeks.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ortools.sat.python import cp_model

from rostering.model.terms import PenaltyTerm

if TYPE_CHECKING:
    from rostering.model.builder import RosterModel


def _count(rm: RosterModel, e: str, kind: str) -> cp_model.LinearExprT:
    cal, v = rm.cal, rm.vars
    if kind == "nights":
        xs = [x for d in cal.days for s in cal.night_shift_ids for x in v.shift_vars(e, d, s)]
    elif kind == "weekends":
        xs = [rm.weekend(e, k) for k in range(len(cal.weekends))]
    else:
        xs = [v.work(e, d) for d in sorted(rm.problem.holidays)]
    return cp_model.LinearExpr.sum(xs)


def fairness(rm: RosterModel) -> list[PenaltyTerm]:
    cal = rm.cal
    w = rm.problem.weights
    weights = {"nights": w.fair_nights, "weekends": w.fair_weekends, "holidays": w.fair_holidays}
    terms = []
    for kind, group in cal.fairness_groups.items():
        if len(group) < 2 or not weights[kind]:
            continue
        totals = []
        for e in sorted(group):
            led = cal.ledger.get(e)
            carried = getattr(led, kind) if led else 0
            totals.append((carried, _count(rm, e, kind)))
        lo_bound = min(c for c, _ in totals)
        hi_bound = max(c for c, _ in totals) + cal.problem.num_days
        hi = rm.model.new_int_var(lo_bound, hi_bound, f"fair|{kind}|max")
        lo = rm.model.new_int_var(lo_bound, hi_bound, f"fair|{kind}|min")
        for carried, count in totals:
            rm.model.add(hi >= count + carried)
            rm.model.add(lo <= count + carried)
        terms.append(PenaltyTerm(f"fair_{kind}", f"fair|{kind}", weights[kind], hi - lo))
    return terms
