"""Request check latency: what an approver waits for, on a 200-agent, 4-week roster.

Builds the generated desk of `roster_scale.make_desk` for four weeks (seeded),
a legal first roster (the construction greedy), indexes it once, then times
`rostering.requests.review` of random swaps (hard rules, coverage windows,
tickets due in the changed hours among 500 synthetic open tickets, night
duty, fairness) and open-shift suggestions among all agents.
Targets (issue 7): review p99 < 50 ms, suggestions p99 < 200 ms.

    python benchmarks/swap_checks.py [--agents 200] [--days 28] [--checks 500] [--seed 0]
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from roster_scale import make_desk  # noqa: E402

from rostering.calendar import calendar_of  # noqa: E402
from rostering.construct import greedy_roster  # noqa: E402
from rostering.domain import Roster  # noqa: E402
from rostering.errors import RosterInputError  # noqa: E402
from rostering.requests import DueTicket, review  # noqa: E402
from rostering.swaps import ChangeChecker, Swap  # noqa: E402

CHECK_TARGET_MS, SUGGEST_TARGET_MS = 50.0, 200.0


def p99(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(0.99 * len(ordered)))]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--agents", type=int, default=200)
    ap.add_argument("--days", type=int, default=28)
    ap.add_argument("--checks", type=int, default=500)
    ap.add_argument("--suggestions", type=int, default=50)
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args(argv)
    rng = random.Random(args.seed)
    problem = make_desk(args.agents, seed=args.seed, days=args.days)
    cal = calendar_of(problem)
    placed, _ = greedy_roster(cal, seed=args.seed)
    checker = ChangeChecker(problem, Roster(tuple(placed)))
    skills = sorted({k for e in problem.employees for k in e.skills})
    start = cal.interval_start(0)
    due = [DueTicket(n, f"queue {n % 5}", rng.choice(skills), start + timedelta(minutes=rng.randrange(args.days * 1440)))
           for n in range(500)]
    working = [(a.employee, a.day) for a in placed]
    timings: list[float] = []
    legal = 0
    while len(timings) < args.checks:
        (a, d1), (b, d2) = rng.sample(working, 2)
        t0 = time.perf_counter()
        try:
            result = review(checker, Swap(a, d1, b, d2), due)
        except RosterInputError:
            continue  # a colleague already works that day: refused before any check
        timings.append(1000 * (time.perf_counter() - t0))
        legal += result.ok
    shifts = [s.id for s in problem.shift_types]
    ranking: list[float] = []
    for _ in range(args.suggestions):
        t0 = time.perf_counter()
        checker.open_shift_candidates(rng.randrange(args.days), rng.choice(shifts), rng.choice(skills))
        ranking.append(1000 * (time.perf_counter() - t0))
    ok = p99(timings) < CHECK_TARGET_MS and p99(ranking) < SUGGEST_TARGET_MS
    print(f"# {args.agents} agents x {args.days} days, seed {args.seed}; {legal}/{len(timings)} swaps legal")
    print(f"swap review   n={len(timings):4d}  p50 {statistics.median(timings):6.1f} ms  p99 {p99(timings):6.1f} ms"
          f"  (target < {CHECK_TARGET_MS:g} ms)")
    print(f"suggestions   n={len(ranking):4d}  p50 {statistics.median(ranking):6.1f} ms  p99 {p99(ranking):6.1f} ms"
          f"  (target < {SUGGEST_TARGET_MS:g} ms)")
    print("PASS" if ok else "FAIL")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
