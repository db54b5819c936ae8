"""The replicated benchmark's instance: k copies of a roster cost exactly k
times as much on it, so k x best known bounds its optimum from above."""

from __future__ import annotations

import pytest

from benchmarks.roster_replicated import replicate
from rostering.calendar import calendar_of
from rostering.construct import greedy_roster
from rostering.curtois import load_instance
from rostering.domain import Assignment, Roster
from rostering.validate import validate


@pytest.mark.parametrize("name, copies", [("Instance4", 3), ("Instance7", 2)])
def test_copies_of_a_roster_cost_copies_times_as_much(shared_instances, tmp_path, name, copies):
    text = (shared_instances / f"{name}.txt").read_text()
    original = load_instance(shared_instances / f"{name}.txt")
    placed, _ = greedy_roster(calendar_of(original), seed=0)
    roster = Roster(tuple(placed))
    path = tmp_path / f"{name}x{copies}.txt"
    path.write_text(replicate(text, copies))
    problem = load_instance(path)
    copied = Roster(tuple(Assignment(f"{a.employee}~{k}", a.day, a.shift, a.skill)
                          for a in roster.assignments for k in range(1, copies + 1)))

    before, after = validate(original, roster), validate(problem, copied)
    assert len(problem.employees) == copies * len(original.employees)
    assert len(problem.requests) == copies * len(original.requests)
    assert len(problem.time_off) == copies * len(original.time_off)
    assert before.objective > 0
    assert after.objective == copies * before.objective
    assert len(after.violations) == copies * len(before.violations)


def test_keep_leaves_the_copied_file_for_the_other_benchmarks(shared_instances, tmp_path, capsys):
    from benchmarks.roster_replicated import main

    kept = tmp_path / "kept"
    assert main([str(shared_instances / "Instance1.txt"), "--copies", "2", "--time-limit", "2", "--keep", str(kept)]) == 0
    copy = load_instance(kept / "Instance1x2.txt")
    assert len(copy.employees) == 2 * len(load_instance(shared_instances / "Instance1.txt").employees)
    assert "Instance1x2" in capsys.readouterr().out
