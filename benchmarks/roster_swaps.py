"""Swap checks without a solve: latency on a 200-agent, 4-week roster.

Builds the generated desk of `roster_scale.make_desk` for four weeks, a legal
first roster (the construction greedy), indexes it once, then times random
changes (swaps, give-aways, extra shifts, time off) and open-shift candidate
rankings. Targets for issue 7: a check p99 < 50 ms, candidates < 200 ms.

    python benchmarks/roster_swaps.py [--agents 200] [--days 28] [--checks 500]
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from roster_scale import make_desk  # noqa: E402

from rostering.calendar import calendar_of  # noqa: E402
from rostering.construct import greedy_roster  # noqa: E402
from rostering.domain import Roster  # noqa: E402
from rostering.errors import RosterInputError  # noqa: E402
from rostering.swaps import ChangeChecker, GiveAway, Swap, TakeShift, TakeTimeOff  # noqa: E402


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--agents", type=int, default=200)
    ap.add_argument("--days", type=int, default=28)
    ap.add_argument("--checks", type=int, default=500)
    ap.add_argument("--open-shifts", type=int, default=50)
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args(argv)
    rng = random.Random(args.seed)
    problem = make_desk(args.agents, seed=args.seed, days=args.days)
    placed, _ = greedy_roster(calendar_of(problem), seed=args.seed)
    started = time.perf_counter()
    checker = ChangeChecker(problem, Roster(tuple(placed)))
    index_s = time.perf_counter() - started
    people = [e.id for e in problem.employees]
    shifts = [s.id for s in problem.shift_types]
    timings: list[float] = []
    while len(timings) < args.checks:
        a, b = rng.sample(people, 2)
        d1, d2 = rng.randrange(args.days), rng.randrange(args.days)
        change = rng.choice([
            Swap(a, d1, b, d2), GiveAway(a, d1, rng.choice([None, b])),
            TakeShift(a, d1, rng.choice(shifts), rng.choice(sorted(problem.employees[0].skills))),
            TakeTimeOff(a, (d1,)),
        ])
        t0 = time.perf_counter()
        try:
            checker.check(change)
        except RosterInputError:
            continue
        timings.append(1000 * (time.perf_counter() - t0))
    ranking: list[float] = []
    for _ in range(args.open_shifts):
        t0 = time.perf_counter()
        checker.open_shift_candidates(rng.randrange(args.days), rng.choice(shifts), "general")
        ranking.append(1000 * (time.perf_counter() - t0))
    print(f"# {args.agents} agents x {args.days} days, index built in {index_s * 1000:.0f} ms")
    print(f"checks      n={len(timings):4d}  p50 {statistics.median(timings):6.1f} ms  "
          f"p99 {percentile(timings, 0.99):6.1f} ms  (target p99 < 50 ms)")
    print(f"candidates  n={len(ranking):4d}  p50 {statistics.median(ranking):6.1f} ms  "
          f"p99 {percentile(ranking, 0.99):6.1f} ms  (target < 200 ms)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
