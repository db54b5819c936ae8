"""Shift and day on/off requests (soft): each unmet wish costs its weight."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rostering.model.terms import PenaltyTerm

if TYPE_CHECKING:
    from rostering.model.builder import RosterModel


def requests(rm: RosterModel) -> list[PenaltyTerm]:
    terms = []
    for r in rm.problem.requests:
        if not r.weight:
            continue
        worked = (rm.vars.work(r.employee, r.day) if r.shift is None
                  else rm.vars.shift(r.employee, r.day, r.shift))
        kind = "day" if r.shift is None else "shift"
        rule = f"{kind}_{'on' if r.want else 'off'}_request"
        name = f"{rule}|{r.employee}|{r.day}|{r.shift or '*'}"
        terms.append(PenaltyTerm(rule, name, r.weight, 1 - worked if r.want else worked))
    return terms
