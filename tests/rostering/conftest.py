"""Factories for tiny rostering problems and a model-side verdict helper.

`make_problem` builds a one-week desk in local time with three shift types
(early, late, a night across midnight); tests override what they exercise.
`constructed_search` starts a search from the greedy's legal roster.
`model_verdict` pins the CP-SAT model to a given roster and reports whether
the model accepts it and at what objective, so every rule test checks the
validator (the specification) and the model against each other.
"""

from __future__ import annotations

import time as clock
from dataclasses import replace
from datetime import date, time
from pathlib import Path

import pytest
from ortools.sat.python import cp_model

from rostering.domain import Assignment, Contract, Employee, Problem, Roster, Rules, ShiftType, Weights
from rostering.model import RosterModel
from rostering.search import Search

SHARED = Path(__file__).resolve().parents[3] / "shared" / "benchmarks" / "shift-scheduling"
MONDAY = date(2025, 3, 3)

EARLY = ShiftType("E", time(7, 0), 480, name="Early")
LATE = ShiftType("L", time(14, 0), 480, name="Late")
NIGHT = ShiftType("N", time(22, 0), 540, is_night=True, name="Night")


def employee(emp_id: str, *, skills: dict[str, int] | None = None, **contract) -> Employee:
    return Employee(emp_id, skills or {"general": 1}, Contract(**contract))


def make_problem(employees: tuple[Employee, ...] | None = None, **overrides) -> Problem:
    """A week from Monday 3 March 2025 in Asia/Shanghai, no rules beyond
    the defaults and no costs unless a test adds them."""
    base = Problem(
        start_date=MONDAY,
        num_days=7,
        shift_types=(EARLY, LATE, NIGHT),
        employees=employees or (employee("ann"), employee("bob")),
        tz="Asia/Shanghai",
        rules=Rules(),
        weights=Weights(fair_nights=0, fair_weekends=0, fair_holidays=0, overtime_per_min=0),
    )
    return replace(base, **overrides)


def roster(*cells: tuple) -> Roster:
    """roster(("ann", 0, "E"), ("bob", 1, "N", "technical"), ...)."""
    return Roster(tuple(Assignment(c[0], c[1], c[2], c[3] if len(c) > 3 else "general")
                        for c in cells))


def model_verdict(problem: Problem, r: Roster, previous: Roster | None = None
                  ) -> tuple[bool, int | None]:
    """(does the CP-SAT model accept roster r, its objective if so)."""
    rm = RosterModel(problem, previous=previous)
    chosen = {(a.employee, a.day, a.shift, a.skill) for a in r.assignments}
    if any(key not in rm.vars.x for key in chosen):
        return False, None  # the model has no variable for it: ineligible
    for key, v in rm.vars.x.items():
        rm.model.add(v == int(key in chosen))
    solver = cp_model.CpSolver()
    solver.parameters.num_workers = 1
    solver.parameters.max_time_in_seconds = 10
    status = solver.solve(rm.model)
    assert status in (cp_model.OPTIMAL, cp_model.INFEASIBLE), solver.status_name(status)
    if status == cp_model.INFEASIBLE:
        return False, None
    return True, round(solver.objective_value)


@pytest.fixture
def shared_instances() -> Path:
    """The published instances, read in place (never copied into the repo)."""
    assert SHARED.is_dir(), f"missing {SHARED}"
    return SHARED


def constructed_search(problem: Problem, seconds: float = 30.0) -> Search:
    """A search of `seconds` whose incumbent is the greedy's roster, legal."""
    now = clock.monotonic()
    search = Search(problem, seed=0, started=now, deadline=now + seconds, on_progress=None, stop=None,
                    previous=None)
    search.construct()
    assert search.incumbent is not None
    return search
