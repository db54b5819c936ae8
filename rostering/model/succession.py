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

from typing import TYPE_CHECKING

from ortools.sat.python import cp_model

from rostering.domain import Requirement
from rostering.model.terms import PenaltyTerm

if TYPE_CHECKING:
    from rostering.model.builder import RosterModel


def rest_and_successions(rm: RosterModel) -> list[PenaltyTerm]:
    cal, v = rm.cal, rm.vars
    for e in v.active:
        groups = cal.conflict_groups(cal.rest_of(e))
        reach = cal.conflict_reach(cal.rest_of(e))
        lits = {rule: rm.require(Requirement(rule, e)) for rule in ("min_rest", "forbidden_succession")}
        free = v.free_days[e]
        days = groups if len(free) == len(cal.days) else sorted(
            {f - k for f in free for k in range(reach + 1)} & groups.keys())
        # shift types this person can ever work: groups shrink to those
        works = frozenset(s for s in cal.shift_ids if cal.skill_options(e, s))
        own: dict[frozenset, tuple] = {}
        # constant cells looked up once per day, not once per group (only
        # the days a constraint here can reach: scattered free days on a
        # long horizon need a few, not every day between the first and last)
        const = {d2: v.const_shift(e, d2) for d in days for d2 in range(d, d + reach + 1)}
        for d in days:
            first_shift = const[d]
            first_free = d in free
            for rule, d2, a_set, b_set in groups[d]:
                a_own = own.get(a_set)
                if a_own is None:
                    a_own = own[a_set] = tuple(a_set & works)
                b_own = own.get(b_set)
                if b_own is None:
                    b_own = own[b_set] = tuple(b_set & works)
                later = [x for b in b_own for x in v.shift_vars(e, d2, b)] if d2 in free else []
                first = [x for a in a_own for x in v.shift_vars(e, d, a)] if first_free else []
                if not later and not first:
                    continue
                fixed = (first_shift in a_set) + (const[d2] in b_set)
                rm.post(cp_model.LinearExpr.sum(first + later) <= 1 - fixed, lits[rule])
    return []
