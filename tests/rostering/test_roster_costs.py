"""Soft rules priced exactly, by the validator and by the model pinned to
the same roster (they must agree to the unit)."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from rostering.domain import (
    IntervalDemand,
    LedgerEntry,
    ShiftDemand,
    ShiftRequest,
    Weights,
)
from rostering.validate import validate
from tests.rostering.conftest import MONDAY, employee, make_problem, model_verdict, roster


def cost(problem, r, previous=None) -> dict[str, int]:
    report = validate(problem, r, previous)
    assert report.feasible, report.violations
    accepted, objective = model_verdict(problem, r, previous)
    assert accepted and objective == report.objective
    return report.cost_by_rule()


def test_shift_requests_cost_their_weight_when_unmet():
    p = make_problem(requests=(ShiftRequest("ann", 0, "E", True, 3),
                               ShiftRequest("ann", 1, "L", False, 2),
                               ShiftRequest("bob", 2, None, False, 5)))
    assert cost(p, roster(("ann", 0, "E"))) == {}
    assert cost(p, roster(("ann", 0, "L"), ("ann", 1, "L"), ("bob", 2, "E"))) == {
        "shift_on_request": 3, "shift_off_request": 2, "day_off_request": 5}


def test_shift_demand_under_and_over_cover():
    p = make_problem(shift_demand=(ShiftDemand(0, "E", 2, weight_under=100, weight_over=1),
                                   ShiftDemand(1, "E", 0, weight_under=100, weight_over=7)))
    assert cost(p, roster(("ann", 0, "E"), ("bob", 0, "E"))) == {}
    assert cost(p, roster(("ann", 0, "E"), ("ann", 1, "E"), ("bob", 1, "E"))) == {
        "shift_under_cover": 100, "shift_over_cover": 14}


def test_interval_demand_per_skill_counts_people_per_half_hour():
    zone = ZoneInfo("Asia/Shanghai")
    eight = datetime(MONDAY.year, MONDAY.month, MONDAY.day, 8, 0, tzinfo=zone)
    demand = tuple(IntervalDemand(eight + timedelta(minutes=30 * k), "general", 2)
                   for k in range(4))  # 08:00-10:00 needs two
    p = make_problem(interval_demand=demand, weights=Weights(under_cover=10, over_cover=1,
                                                            fair_nights=0, fair_weekends=0,
                                                            fair_holidays=0))
    # one early (07:00-15:00) covers all four intervals once: 4 short
    assert cost(p, roster(("ann", 0, "E"))) == {"interval_under_cover": 40}
    assert cost(p, roster(("ann", 0, "E"), ("bob", 0, "E"))) == {}


def test_fairness_spread_includes_the_carried_ledger():
    p = make_problem(weights=Weights(fair_nights=20, fair_weekends=0, fair_holidays=0),
                     ledger={"ann": LedgerEntry(nights=3)})
    # ann already had 3 nights: giving bob 3 evens it out, giving ann one more widens it
    assert cost(p, roster(("bob", 0, "N"), ("bob", 2, "N"), ("bob", 4, "N"))) == {}
    assert cost(p, roster(("ann", 0, "N"))) == {"fair_nights": 80}


def test_overtime_is_priced_per_minute_above_regular():
    p = make_problem(employees=(employee("ann", regular_minutes_week=960), employee("bob")),
                     weights=Weights(overtime_per_min=2, fair_nights=0, fair_weekends=0,
                                     fair_holidays=0))
    assert cost(p, roster(("ann", 0, "E"), ("ann", 1, "E"))) == {}
    assert cost(p, roster(("ann", 0, "E"), ("ann", 1, "E"), ("ann", 2, "N"))) == {
        "overtime": 2 * 540}


def test_stability_costs_each_changed_day_against_the_previous_roster():
    p = make_problem(weights=Weights(changed_assignment=50, fair_nights=0, fair_weekends=0,
                                     fair_holidays=0))
    previous = roster(("ann", 0, "E"), ("bob", 1, "L"))
    assert cost(p, previous, previous) == {}
    # ann moves to a late (1 change), bob drops his shift (1), bob gains one (1)
    assert cost(p, roster(("ann", 0, "L"), ("bob", 2, "L")), previous) == {
        "changed_assignment": 150}
