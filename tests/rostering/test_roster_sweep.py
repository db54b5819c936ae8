"""Sweeps: everyone in turn re-solved exactly against all the others.

They must leave a legal roster priced as the validator prices it, cheaper
than the greedy's, and stop by themselves once a round of everyone stops
paying, long before the time they were given; on long horizons the first
round reaches everyone even past that time.
"""

from __future__ import annotations

import time

import pytest

from benchmarks.roster_synthetic_instance import generate
from rostering.curtois import load_instance
from rostering.search import SWEEP_WHOLE_ROUND_DAYS, Search
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


@pytest.mark.parametrize(("days", "reached"), [(SWEEP_WHOLE_ROUND_DAYS, 8), (SWEEP_WHOLE_ROUND_DAYS - 7, 0)])
def test_on_long_horizons_the_first_round_reaches_everyone_past_its_time(tmp_path, monkeypatch, days, reached):
    """Given no time at all, the sweeps still re-solve each of the 8 people once on a half-year
    horizon (a person not reached keeps the greedy's row), and nobody on a shorter one."""
    path = tmp_path / "long.txt"
    path.write_text(generate(days, 8, 2, seed=3))
    problem = load_instance(path)
    search = constructed_search(problem, seconds=120)
    freed: list[str] = []
    build = Search.sub_model

    def counted(self, free, base):  # noqa: ANN001, ANN202 - Search.sub_model's own signature
        freed.extend(free)
        return build(self, free, base)

    monkeypatch.setattr(Search, "sub_model", counted)
    search.sweep(threads=2, until=time.monotonic())
    assert sorted(freed) == (sorted(e.id for e in problem.employees) if reached else [])
    assert validate(problem, search.incumbent).objective == search.incumbent_cost
