"""Minimum rest between shifts and forbidden successions (hard).

Conflicts come from `Calendar.conflicts_after`, computed on absolute times,
so a night that ends an hour later on a DST night is checked as such. For
each day, the shift types with the same conflicting set on a later day are
grouped into one clique-like constraint:

    sum_{a in A} works(e, d, a) + sum_{b in B} works(e, d2, b) <= 1

which is valid because at most one shift is worked per day, and is much
tighter in the LP than one constraint per pair.
"""

from __future__ import annotations

from collections import defaultdict
from typing import TYPE_CHECKING

from ortools.sat.python import cp_model

from rostering.model.terms import PenaltyTerm, Requirement

if TYPE_CHECKING:
    from rostering.model.builder import RosterModel


def _groups(rm: RosterModel) -> dict[int, list[tuple[str, int, frozenset, frozenset]]]:
    """day -> [(rule, later_day, A, B)] shared by all employees."""
    cal = rm.cal
    out: dict[int, list] = {}
    for d in cal.known_days:
        by_target: dict[tuple[str, int, frozenset], set] = defaultdict(set)
        for a in cal.shift_ids:
            targets: dict[tuple[str, int], set] = defaultdict(set)
            for c in cal.conflicts_after(d, a):
                if c.later_day >= 0:
                    targets[(c.rule, c.later_day)].add(c.later_shift)
            for (rule, d2), bs in targets.items():
                by_target[(rule, d2, frozenset(bs))].add(a)
        out[d] = [(rule, d2, frozenset(a_set), bs) for (rule, d2, bs), a_set in by_target.items()]
    return out


def rest_and_successions(rm: RosterModel) -> list[PenaltyTerm]:
    cal, v, m = rm.cal, rm.vars, rm.model
    groups = _groups(rm)
    for e in cal.employee_ids:
        lits = {rule: rm.require(Requirement(rule, e)) for rule in ("min_rest", "forbidden_succession")}
        for d, items in groups.items():
            for rule, d2, a_set, b_set in items:
                later = [x for b in b_set for x in v.shift_vars(e, d2, b)]
                if not later:
                    continue
                if d < 0:
                    h = cal.history.get((e, d))
                    if h is None or h.shift not in a_set:
                        continue
                    rm.post(cp_model.LinearExpr.sum(later) == 0, lits[rule])
                    continue
                first = [x for a in a_set for x in v.shift_vars(e, d, a)]
                if not first:
                    continue
                rm.post(cp_model.LinearExpr.sum(first + later) <= 1, lits[rule])
    return []
