"""The shape of what the search's weekday neighbourhoods free.

They must free the same weekdays in every week of the horizon (so people can
trade a Saturday in one week for a Saturday in another), everyone at once
when that fits the size asked for, and a window of weeks with fewer people
when it does not.
"""

from __future__ import annotations

import random
import time

import pytest

from rostering.curtois import load_instance
from rostering.domain import Problem
from rostering.search import Search


def _search(problem: Problem) -> Search:
    now = time.monotonic()
    search = Search(problem, seed=0, started=now, deadline=now + 30, on_progress=None, stop=None,
                    previous=None)
    search.construct(sweep_share=0.0)
    assert search.incumbent is not None
    return search


def _weekday(problem: Problem, day: int) -> int:
    return (problem.start_date.weekday() + day) % 7


@pytest.mark.parametrize("cells", [150, 360, 600])
def test_everyone_is_freed_on_the_same_weekdays_in_every_week(shared_instances, cells):
    problem = load_instance(shared_instances / "Instance8.txt")  # 28 days, 30 people
    search, employees = _search(problem), [e.id for e in problem.employees]
    for seed in range(5):
        free = search._neighbourhood(random.Random(seed), "weekdays", cells, employees)
        assert set(free) == set(employees)
        days = set(free[employees[0]])
        assert all(set(d) == days for d in free.values())
        weekdays = {_weekday(problem, d) for d in days}
        assert days == {d for d in range(problem.num_days) if _weekday(problem, d) in weekdays}
        assert 0.75 * cells <= len(employees) * len(days) <= 1.25 * cells


def test_a_small_size_on_a_long_horizon_takes_a_window_of_weeks_and_fewer_people(shared_instances):
    problem = load_instance(shared_instances / "Instance16.txt")  # 56 days, 20 people
    search, employees = _search(problem), [e.id for e in problem.employees]
    for seed in range(5):
        free = search._neighbourhood(random.Random(seed), "weekdays", 20, employees)
        days = sorted(next(iter(free.values())))
        assert len(free) == 10 and len(days) == 2  # one weekday in two consecutive weeks
        assert days[1] - days[0] == 7
