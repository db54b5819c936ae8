"""Shift and day on/off requests (soft): each unmet wish costs its weight."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rostering.model.terms import PenaltyTerm

if TYPE_CHECKING:
    from rostering.model.builder import RosterModel


def requests(rm: RosterModel) -> list[PenaltyTerm]:
    """A term per request on a free cell; the broken requests on constant
    cells (history, fixed part) add up to one constant term."""
    v = rm.vars
    terms = []
    fixed_cost = 0
    for e, reqs in rm.cal.requests_by_employee.items():
        free = v.free_days.get(e, ())
        for r in reqs:
            if not r.weight:
                continue
            if r.day not in free:
                worked = v.const_shift(e, r.day)
                hit = worked is not None if r.shift is None else worked == r.shift
                fixed_cost += r.weight if hit != r.want else 0
                continue
            worked_expr = v.work(e, r.day) if r.shift is None else v.shift(e, r.day, r.shift)
            kind = "day" if r.shift is None else "shift"
            rule = f"{kind}_{'on' if r.want else 'off'}_request"
            name = f"{rule}|{e}|{r.day}|{r.shift or '*'}"
            terms.append(PenaltyTerm(rule, name, r.weight, 1 - worked_expr if r.want else worked_expr))
    if fixed_cost:
        terms.append(PenaltyTerm("requests", "fixed|requests", fixed_cost, 1))
    return terms
