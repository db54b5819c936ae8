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


def _count(rm: RosterModel, e: str, kind: str) -> tuple[list[cp_model.IntVar], int]:
    """(variables, constant) whose sum is e's count of `kind` this roster."""
    cal, v = rm.cal, rm.vars
    if kind == "nights":
        xs, _, const = v.shift_sum(e, cal.days, cal.night_shift_ids)
        return xs, const
    if kind == "weekends":
        lits = [rm.weekend(e, k) for k in range(len(cal.weekends))]
    else:
        lits = [v.work(e, d) for d in sorted(rm.problem.holidays)]
    return ([x for x in lits if not isinstance(x, int)],
            sum(x for x in lits if isinstance(x, int)))


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
            xs, const = _count(rm, e, kind)
            totals.append((xs, const + carried))
        lo_bound = min(c for _, c in totals)
        hi_bound = max(c for _, c in totals) + cal.problem.num_days
        hi = rm.model.new_int_var(lo_bound, hi_bound, f"fair|{kind}|max")
        lo = rm.model.new_int_var(lo_bound, hi_bound, f"fair|{kind}|min")
        for xs, const in totals:
            count = cp_model.LinearExpr.sum(xs) + const
            rm.model.add(hi >= count)
            rm.model.add(lo <= count)
        value = lambda val, xs, c: sum(val(x) for x in xs) + c  # noqa: E731
        rm.vars.derive(hi, lambda val, t=totals: max(value(val, xs, c) for xs, c in t))
        rm.vars.derive(lo, lambda val, t=totals: min(value(val, xs, c) for xs, c in t))
        terms.append(PenaltyTerm(f"fair_{kind}", f"fair|{kind}", weights[kind], hi - lo))
    return terms
