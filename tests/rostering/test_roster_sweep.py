"""Sweeps: everyone in turn re-solved exactly against all the others.

They must leave a legal roster priced as the validator prices it, cheaper
than the greedy's, and stop by themselves once a round of everyone stops
paying, long before the time they were given.
"""

from __future__ import annotations

import time

from rostering.curtois import load_instance
from rostering.validate import validate
from tests.rostering.conftest import constructed_search


def test_sweeps_improve_the_greedy_roster_and_stop_when_they_stop_paying(shared_instances):
    problem = load_instance(shared_instances / "Instance8.txt")  # 28 days, 30 people
    search = constructed_search(problem, seconds=120)
    greedy = search.incumbent_cost
    assert greedy is not None
    until = time.monotonic() + 100
    search.sweep(threads=2, until=until)
    assert time.monotonic() < until - 50  # ended by the stall rule, not the time
    assert search.phases == ["construct", "sweep"]
    report = validate(problem, search.incumbent)
    assert report.feasible, report.violations[:3]
    assert report.objective == search.incumbent_cost < greedy


def test_sweeps_honour_their_time(shared_instances):
    problem = load_instance(shared_instances / "Instance12.txt")  # 28 days, 60 people
    search = constructed_search(problem, seconds=120)
    until = time.monotonic() + 0.3
    search.sweep(threads=2, until=until)
    # a re-solve under way when the time comes is given at most the time
    # left (sweeping until they stop paying takes about two seconds here)
    assert time.monotonic() < until + 1.0
    assert validate(problem, search.incumbent).objective == search.incumbent_cost
