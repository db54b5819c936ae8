"""The shape of what the search's neighbourhoods free, and how their sizes move.

Weekday neighbourhoods must free the same weekdays in every week of the
horizon (so people can trade a Saturday in one week for a Saturday in
another), everyone at once when that fits the size asked for, and a window
of weeks with fewer people when it does not. A kind's size stops growing at
the largest neighbourhood it can draw.
"""

from __future__ import annotations

import random
from collections import Counter

import pytest

from rostering.curtois import load_instance
from rostering.domain import Problem
from rostering.search import (
    KIND_FLOOR,
    NEIGHBOURHOOD_KINDS,
    NEIGHBOURHOOD_TARGET_S,
    STALL_DOUBLING,
    STALL_MAX_FACTOR,
    draw_kind,
    next_size,
    sub_solve_target,
)
from tests.rostering.conftest import constructed_search


def _weekday(problem: Problem, day: int) -> int:
    return (problem.start_date.weekday() + day) % 7


@pytest.mark.parametrize("cells", [150, 360, 600])
def test_everyone_is_freed_on_the_same_weekdays_in_every_week(shared_instances, cells):
    problem = load_instance(shared_instances / "Instance8.txt")  # 28 days, 30 people
    search, employees = constructed_search(problem), [e.id for e in problem.employees]
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
    search, employees = constructed_search(problem), [e.id for e in problem.employees]
    for seed in range(5):
        free = search._neighbourhood(random.Random(seed), "weekdays", 20, employees)
        days = sorted(next(iter(free.values())))
        assert len(free) == 10 and len(days) == 2  # one weekday in two consecutive weeks
        assert days[1] - days[0] == 7


@pytest.mark.parametrize("kind", NEIGHBOURHOOD_KINDS)
def test_a_neighbourhood_at_its_largest_size_frees_that_many_cells(shared_instances, kind):
    """The size a kind may grow to is exactly what its largest neighbourhood frees: everyone over
    the horizon, or over a fortnight for "block". A size past it would free nothing more."""
    problem = load_instance(shared_instances / "Instance7.txt")  # 28 days, 20 people
    search, employees = constructed_search(problem), [e.id for e in problem.employees]
    largest = search.max_cells(kind)
    assert largest == 20 * (14 if kind == "block" else 28)
    for size in (largest, 10 * largest):
        free = search._neighbourhood(random.Random(0), kind, size, employees)
        assert sum(len(days) for days in free.values()) == largest


def test_a_size_grows_to_the_largest_neighbourhood_and_no_further():
    size = 100.0
    for _ in range(50):  # quick optimal sub-solves
        size = next_size(size, 560, optimal=True, took=0.1, target=0.4)
    assert size == 560
    assert next_size(size, 560, optimal=False, took=2.0, target=0.4) == 560 / 1.2  # one timeout: back below it
    assert next_size(size, 560, optimal=True, took=0.6, target=0.4) == 560  # neither quick nor slow: kept


def test_every_kind_is_drawn_once_before_the_gains_decide():
    gain = {"employees": 1.0, "window": 1.0, "block": 1.0, "weekdays": 1.0}
    drawn, order, rng = dict.fromkeys(gain, 0), [], random.Random(0)
    gain["block"] = 700.0  # an early kind gaining fast does not crowd out the untried ones
    for _ in range(4):
        kind = draw_kind(rng, gain, drawn)
        drawn[kind] += 1
        order.append(kind)
    assert order == list(gain)


def test_a_kind_far_behind_keeps_the_floor_share_of_draws():
    gain = {"employees": 0.0, "window": 0.0, "block": 900.0, "weekdays": 0.0}
    drawn, rng = dict.fromkeys(gain, 1), random.Random(0)
    counts = Counter(draw_kind(rng, gain, drawn) for _ in range(8000))
    floor = KIND_FLOOR * 900 / 4
    assert abs(counts["employees"] / 8000 - floor / (900 + 3 * floor)) < 0.015
    idle = dict.fromkeys(gain, 0.0)  # every gain decayed to zero: uniform, not an error
    assert {draw_kind(rng, idle, drawn) for _ in range(200)} == set(gain)


def test_a_stuck_search_aims_at_longer_sub_solves_up_to_a_cap():
    assert sub_solve_target(0) == NEIGHBOURHOOD_TARGET_S
    assert sub_solve_target(STALL_DOUBLING) == pytest.approx(2 * NEIGHBOURHOOD_TARGET_S)
    assert sub_solve_target(3 * STALL_DOUBLING) == pytest.approx(8 * NEIGHBOURHOOD_TARGET_S)
    assert sub_solve_target(1000 * STALL_DOUBLING) == STALL_MAX_FACTOR * NEIGHBOURHOOD_TARGET_S


@pytest.mark.parametrize(("cells", "people", "days"), [(150, 30, 5), (20, 10, 2)])
def test_days_neighbourhoods_free_the_same_few_days_anywhere_in_the_horizon(shared_instances, cells, people, days):
    """Everyone on `cells / people` days, or, below two days each, fewer people on two."""
    problem = load_instance(shared_instances / "Instance8.txt")  # 28 days, 30 people
    search, employees = constructed_search(problem), [e.id for e in problem.employees]
    weekdays_seen = set()
    for seed in range(10):
        free = search._neighbourhood(random.Random(seed), "days", cells, employees)
        chosen = set(next(iter(free.values())))
        assert len(free) == people and all(set(d) == chosen for d in free.values())
        assert len(chosen) == days and chosen <= set(range(problem.num_days))
        weekdays_seen.add(tuple(sorted(_weekday(problem, d) for d in chosen)))
    assert len(weekdays_seen) > 1  # not tied to the weekdays of one draw


def test_days_neighbourhoods_take_a_costly_day_half_the_time(shared_instances, monkeypatch):
    """Day 11 as the only costly place: a two-day neighbourhood holds it in
    half the draws plus its random share (2 of 28 days), and without costs
    in its random share only."""
    problem = load_instance(shared_instances / "Instance8.txt")
    search, employees = constructed_search(problem), [e.id for e in problem.employees]

    def share_with_day_11(places: list) -> float:
        monkeypatch.setattr(search, "hot_places", lambda: (places, [1] * len(places)))
        draws = [search._neighbourhood(random.Random(n), "days", 60, employees) for n in range(400)]
        return sum(11 in next(iter(free.values())) for free in draws) / len(draws)

    assert share_with_day_11([(11, "N")]) == pytest.approx(0.5 + 0.5 * 2 / 28, abs=0.07)
    assert share_with_day_11([]) == pytest.approx(2 / 28, abs=0.04)
