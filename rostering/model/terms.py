"""What rule modules return: named penalty terms and assumable requirements."""

from __future__ import annotations

from dataclasses import dataclass

from ortools.sat.python import cp_model

from rostering.domain import EmployeeId, ShiftTypeId, SkillId


@dataclass(frozen=True)
class PenaltyTerm:
    """`weight * expr` in the objective; `expr` is a non-negative count
    (people short, minutes over, 0/1 for a broken request...). `name` says
    rule, employee and day, as in OR-Tools' shift_scheduling_sat."""

    rule: str
    name: str
    weight: int
    expr: cp_model.LinearExprT


@dataclass(frozen=True)
class Requirement:
    """One hard requirement a planner could relax, e.g. ('time_off', 'ann',
    day 5) or ('night_cover', skill 'technical', night of day 5). In an
    explanation solve each gets an assumption literal that enforces it."""

    rule: str
    employee: EmployeeId | None = None
    day: int | None = None
    shift: ShiftTypeId | None = None
    skill: SkillId | None = None
    week: int | None = None
