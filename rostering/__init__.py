"""Rostering: skill-aware rosters with night coverage, on CP-SAT.

Pure: dataclasses in, dataclasses out; no database, UI or network, and no
wall clock. The pieces, in the order data flows:

- `rostering.domain`     Problem, Employee, ShiftType, Rules, Weights, Roster, ...
- `rostering.demand`     staffing frame (timestamp, skill, required) -> IntervalDemand
- `rostering.validate`   the specification: `validate(problem, roster)` -> Report
- `rostering.solve`      `solve(problem, time_limit_s=..., on_progress=..., stop=...)`
- `rostering.swaps`      `ChangeChecker(problem, roster).check(change)` without a solve
- `rostering.kpis`       `compute_kpis(problem, roster)`
- `rostering.explain`    conflict and soft-cost explanations in a planner's words
- `rostering.curtois`    the Curtois & Qu benchmark format

Import the solver from its module (`from rostering.solve import solve,
SolveResult, SolveStatus, Progress`): only that loads OR-Tools, so importing
the domain stays light.
"""

from rostering.demand import interval_demand_from_frame
from rostering.domain import (
    Assignment,
    Contract,
    Employee,
    IntervalDemand,
    LedgerEntry,
    NightMinimum,
    Problem,
    Requirement,
    Roster,
    Rules,
    ShiftDemand,
    ShiftRequest,
    ShiftType,
    TimeOff,
    Weights,
)
from rostering.errors import InstanceFormatError, RosterInputError
from rostering.explain import Explanation, explain_conflict, explain_costs
from rostering.kpis import Kpis, compute_kpis
from rostering.swaps import ChangeCheck, ChangeChecker, GiveAway, Swap, TakeShift, TakeTimeOff
from rostering.validate import Cost, Report, Violation, validate

__all__ = sorted({
    "Assignment", "ChangeCheck", "ChangeChecker", "Contract", "Cost", "Employee", "Explanation",
    "GiveAway", "InstanceFormatError", "IntervalDemand", "Kpis", "LedgerEntry", "NightMinimum",
    "Problem", "Report", "Requirement", "Roster", "RosterInputError", "Rules", "ShiftDemand",
    "ShiftRequest", "ShiftType", "Swap", "TakeShift", "TakeTimeOff", "TimeOff", "Violation",
    "Weights", "compute_kpis", "explain_conflict", "explain_costs", "interval_demand_from_frame",
    "validate",
})
