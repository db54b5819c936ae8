"""What rule modules return: named penalty terms."""

from __future__ import annotations

from dataclasses import dataclass

from ortools.sat.python import cp_model


@dataclass(frozen=True)
class PenaltyTerm:
    """`weight * expr` in the objective; `expr` is a non-negative count
    (people short, minutes over, 0/1 for a broken request...). `name` says
    rule, employee and day, as in OR-Tools' shift_scheduling_sat."""

    rule: str
    name: str
    weight: int
    expr: cp_model.LinearExprT
