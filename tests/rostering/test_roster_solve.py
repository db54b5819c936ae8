"""The solve API: every status, progress, stop, re-planning, and the rule
that whatever CP-SAT returns is accepted by the validator."""

from __future__ import annotations

import threading
import time
from dataclasses import replace

import pytest

from benchmarks.roster_scale import make_desk
from rostering.domain import NightMinimum, Roster, Rules, ShiftRequest, TimeOff, Weights
from rostering.errors import RosterInputError
from rostering.solve import SolveStatus, solve
from rostering.validate import validate
from tests.rostering.conftest import employee, make_problem


@pytest.fixture(scope="module")
def desk():
    return make_desk(24, seed=3)


def test_the_solver_roster_is_legal_and_priced_by_the_validator(desk):
    seen = []
    result = solve(desk, time_limit_s=6, workers=2, seed=1, on_progress=seen.append)
    assert result.status in (SolveStatus.OPTIMAL, SolveStatus.FEASIBLE)
    report = validate(desk, result.roster)
    assert report.feasible, report.violations[:3]
    assert result.objective == report.objective
    assert result.bound is None or result.bound <= result.objective
    assert result.kpis is not None and all(n.intervals_below == 0 for n in result.kpis.night)
    improving = [p.objective for p in seen if p.objective is not None]
    assert improving and improving == sorted(improving, reverse=True)
    assert improving[-1] >= result.objective
    # soft explanations come worst first
    costs = [e.cost for e in result.explanations]
    assert costs == sorted(costs, reverse=True)


def test_a_tiny_problem_is_solved_to_proven_optimality():
    p = make_problem(requests=(ShiftRequest("ann", 0, "E", True, 5),
                               ShiftRequest("bob", 0, None, False, 3)))
    result = solve(p, time_limit_s=10, workers=2)
    assert result.status is SolveStatus.OPTIMAL
    assert result.objective == 0 and result.bound == 0
    cells = {(a.employee, a.day): a.shift for a in result.roster.assignments}
    assert cells[("ann", 0)] == "E" and ("bob", 0) not in cells


def test_stop_interrupts_promptly_and_keeps_the_best_roster(desk):
    stop = threading.Event()
    seen = []

    def progress(p):
        seen.append(p)
        if p.objective is not None:
            stop.set()

    started = time.monotonic()
    result = solve(desk, time_limit_s=60, workers=2, on_progress=progress, stop=stop)
    assert time.monotonic() - started < 20
    assert result.stopped
    assert result.roster is not None and validate(desk, result.roster).feasible


def test_stopped_before_any_roster_is_unknown_not_infeasible(desk):
    stop = threading.Event()
    stop.set()
    result = solve(desk, time_limit_s=30, workers=2, stop=stop)
    assert result.status is SolveStatus.UNKNOWN
    assert result.roster is None and result.stopped
    assert "does not prove" in result.message


def test_replanning_pays_per_changed_assignment_and_keeps_a_legal_previous():
    p = make_problem(weights=Weights(changed_assignment=50, fair_nights=0, fair_weekends=0,
                                     fair_holidays=0))
    previous = Roster()
    first = solve(p, time_limit_s=5, workers=2, previous=previous)
    assert first.objective == 0 and not first.roster.assignments
    # ann now wants day 0: working it costs one change, not working costs the wish
    p2 = replace(p, requests=(ShiftRequest("ann", 0, "E", True, 80),))
    second = solve(p2, time_limit_s=5, workers=2, previous=previous)
    assert second.status is SolveStatus.OPTIMAL and second.objective == 50


def test_proven_conflict_is_infeasible_with_an_explanation():
    p = make_problem(employees=(employee("ann"),), num_days=2,
                     rules=Rules(night_minimums=(NightMinimum("general", 1),)),
                     time_off=(TimeOff("ann", 1, "leave"),))
    result = solve(p, time_limit_s=20, workers=2)
    assert result.status is SolveStatus.INFEASIBLE
    texts = [e.text for e in result.explanations]
    assert any("night needs 1 general agent" in t for t in texts), texts
    assert any("ann is on leave" in t for t in texts), texts


def test_bad_input_raises_a_user_error_naming_it():
    with pytest.raises(RosterInputError, match="unknown employee 'zoe'"):
        solve(make_problem(time_off=(TimeOff("zoe", 0),)), time_limit_s=1)
    with pytest.raises(RosterInputError, match="day 9"):
        solve(make_problem(time_off=(TimeOff("ann", 9),)), time_limit_s=1)
