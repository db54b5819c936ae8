"""The planted benchmark's instance: its cover is exactly the planted
roster's head count and most of its requests are honoured by it, so the
planted roster's cost bounds the optimum from above."""

from __future__ import annotations

from benchmarks.roster_planted import HONOURED, plant
from benchmarks.roster_synthetic_instance import generate
from rostering.calendar import calendar_of
from rostering.construct import greedy_roster
from rostering.curtois import load_instance
from rostering.domain import Roster
from rostering.validate import validate


def test_planted_instance_asks_for_exactly_the_planted_roster(tmp_path):
    generated = tmp_path / "Generated.txt"
    generated.write_text(generate(28, 12, 4, seed=3), newline="")
    original = load_instance(generated)
    placed, _ = greedy_roster(calendar_of(original), seed=0)
    roster = Roster(tuple(placed))
    planted = tmp_path / "Planted.txt"
    planted.write_text(plant(generated.read_text(), roster, seed=3))
    problem = load_instance(planted)
    report = validate(problem, roster)
    assert not [c for c in report.costs if "cover" in c.rule]  # every head count met exactly
    broken = [c for c in report.costs if "request" in c.rule]
    assert len(problem.requests) == len(original.requests)
    assert len(broken) <= (1 - HONOURED + 0.1) * len(problem.requests)
