"""The full-LP bound worker beside the neighbourhoods, and when it hands over.

On mid-sized problems it cannot prove optimality, and its bound is about
final once the root LP is solved, so after its share of the time it stops
(once the bound has been flat a while) and its thread runs neighbourhoods.
The bound it reached must be kept, and a worker told to give up must stop
long before its time limit.
"""

from __future__ import annotations

import time

from rostering.curtois import load_instance
from rostering.search import bound_settled
from rostering.validate import validate
from tests.rostering.conftest import constructed_search


def test_the_bound_worker_waits_for_its_time_and_a_flat_bound():
    assert not bound_settled(ran=5.0, flat=5.0, bound_s=10.0)  # its time is not up
    assert not bound_settled(ran=12.0, flat=1.0, bound_s=10.0)  # the bound still rises
    assert bound_settled(ran=12.0, flat=5.0, bound_s=10.0)


def test_a_solve_told_to_give_up_stops_long_before_its_limit(shared_instances):
    problem = load_instance(shared_instances / "Instance8.txt")  # 28 days, 30 people, 4 shift types
    with constructed_search(problem, seconds=120) as search:
        started = time.monotonic()
        status, roster, cost = search.run(search.full_model(), 60, 1, full=True, full_lp=True,
                                          give_up=lambda: time.monotonic() > started + 1.0)
    assert time.monotonic() - started < 15  # presolve and the first LP are not interruptible at once
    if roster is not None:
        assert validate(problem, roster).objective == cost


def test_the_bound_is_kept_when_the_worker_hands_over(shared_instances):
    problem = load_instance(shared_instances / "Instance8.txt")
    with constructed_search(problem, seconds=15) as search:
        greedy = search.incumbent_cost
        search.improve(threads=1, bound_thread=True, bound_s=1.0)
    assert search.phases[-2:] == ["bound", "neighbourhoods"]
    assert search.bound is not None and 0 < search.bound <= search.incumbent_cost < greedy
    assert validate(problem, search.incumbent).objective == search.incumbent_cost


def test_a_roster_the_whole_model_finds_is_the_incumbent_before_its_solve_ends(shared_instances):
    """The bound worker runs beside the neighbourhoods until the deadline;
    what it finds must reach them at once, not when it stops."""
    problem = load_instance(shared_instances / "Instance8.txt")
    with constructed_search(problem, seconds=120) as search:
        greedy = search.incumbent_cost
        started = time.monotonic()
        search.portfolio(60, None, 1, full_lp=True, give_up=lambda: search.incumbent_cost < greedy, share=True)
        took = time.monotonic() - started
    assert took < 30  # given up once the incumbent improved, long before the solve's 60 s
    assert search.incumbent_cost < greedy
    assert validate(problem, search.incumbent).objective == search.incumbent_cost
