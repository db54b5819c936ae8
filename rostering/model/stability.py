"""Stability when re-planning (soft): a cost per (employee, day) whose shift
differs from the previous roster (a changed skill alone is free)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rostering.model.terms import PenaltyTerm

if TYPE_CHECKING:
    from rostering.model.builder import RosterModel


def stability(rm: RosterModel) -> list[PenaltyTerm]:
    weight = rm.problem.weights.changed_assignment
    if rm.previous is None or not weight:
        return []
    cal = rm.cal
    before = {(a.employee, a.day): a.shift for a in rm.previous.assignments}
    terms = []
    for e in cal.employee_ids:
        for d in cal.days:
            old = before.get((e, d))
            changed = rm.vars.work(e, d) if old is None else 1 - rm.vars.shift(e, d, old)
            if isinstance(changed, int) and not changed:
                continue
            terms.append(PenaltyTerm("changed_assignment", f"changed|{e}|{d}", weight, changed))
    return terms
