"""Explanations: the smallest conflicting set of hard requirements, in a
planner's words; for a legal roster, the broken soft rules worst first."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from rostering.domain import IntervalDemand, NightMinimum, Roster, Rules, ShiftRequest, TimeOff
from rostering.explain import explain_conflict, explain_costs
from rostering.solve import SolveStatus, find_conflict, solve
from rostering.validate import validate
from tests.rostering.conftest import MONDAY, employee, make_problem, roster


def technical_nights():
    """Two technical agents must both work every night; Tom is on leave
    on Saturday, so Saturday night cannot have two."""
    return make_problem(
        employees=(employee("tina", skills={"technical": 1}),
                   employee("tom", skills={"technical": 1}),
                   employee("gus", skills={"general": 1})),
        rules=Rules(night_minimums=(NightMinimum("technical", 2),)),
        time_off=(TimeOff("tom", 5, "leave"),),
    )


def test_conflict_is_reduced_to_the_night_and_the_leave():
    core = find_conflict(technical_nights())
    assert sorted((r.rule, r.employee, r.day) for r in core) == [
        ("night_cover", None, 5), ("time_off", "tom", 5)]


def test_conflict_is_phrased_for_a_planner():
    p = technical_nights()
    texts = [e.text for e in explain_conflict(p, find_conflict(p))]
    assert texts == [
        "Sat 8 Mar night needs 2 technical agents; only 1 eligible agent is neither on "
        "leave nor in rest (1 on leave, 0 in rest)",
        "tom is on leave on Sat 8 Mar",
    ]


def test_solve_reports_infeasible_with_the_same_explanation():
    result = solve(technical_nights(), time_limit_s=20, workers=2)
    assert result.status is SolveStatus.INFEASIBLE
    assert result.roster is None
    assert result.explanations[0].text.startswith("Sat 8 Mar night needs 2 technical agents")


def test_a_feasible_problem_has_no_conflict():
    p = make_problem()
    assert find_conflict(p) == []


def test_soft_costs_are_listed_worst_first_with_intervals_merged():
    zone = ZoneInfo("Asia/Shanghai")
    start = datetime(MONDAY.year, MONDAY.month, MONDAY.day, 8, 0, tzinfo=zone)
    demand = tuple(IntervalDemand(start + timedelta(minutes=30 * k), "general", 1)
                   for k in range(4))
    p = make_problem(interval_demand=demand,
                     requests=(ShiftRequest("ann", 2, "E", True, 7),))
    report = validate(p, Roster())
    lines = explain_costs(p, report)
    assert [e.cost for e in lines] == [400, 7]
    assert lines[0].text == "Mon 08:00-10:00 general: short in 4 interval(s) (cost 400)"
    assert "ann asked for E on Wed 5 Mar" in lines[1].text
    assert explain_costs(p, validate(p, roster(("ann", 0, "E"), ("ann", 2, "E")))) == []
