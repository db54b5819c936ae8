"""Published shift-scheduling benchmark: Curtois & Qu instances 1-24.

Solves every `*.txt` in DIR with the product's own rostering engine (the
loader maps each file onto the product domain; the same model, search and
validator as for a support desk) and prints, per instance, the objective
recomputed by the validator from the file, the solver's proven lower bound,
the best known value, the gap to it and the seconds taken.

    python benchmarks/roster_instances.py ../shared/benchmarks/shift-scheduling \
        [--time-limit 60] [--workers N] [--seed 0] [--solutions-out OUTDIR] [--progress]

With --progress, each better roster and bound is printed to stderr as the
solve reports it, through the same progress callback the Roster page uses.

With --solutions-out, writes `<name>.roster.csv` (header employee,day,shift;
ids as in the file, days from 0; one row per worked shift) so any roster can
be checked independently. Instances: Tim Curtois and Rong Qu, "Computational
results on new staff scheduling benchmark instances", ASAP, University of
Nottingham, 2014 (schedulingbenchmarks.org). Best known values as tabulated
in ../shared/benchmarks/shift-scheduling/README.md.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from pathlib import Path

# this checkout's code, not whatever `rostering` the venv has installed (an
# older checkout run for comparison would otherwise measure the current code)
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from rostering.curtois import load_instance, write_roster_csv  # noqa: E402
from rostering.errors import InstanceFormatError  # noqa: E402
from rostering.solve import DEFAULT_WORKERS, Progress, solve  # noqa: E402
from rostering.validate import validate  # noqa: E402

# instance -> (best known UB, best known LB, Gurobi 1 h or None)
BEST_KNOWN: dict[str, tuple[int, int, int | None]] = {
    "Instance1": (607, 607, 607),
    "Instance2": (828, 828, 828),
    "Instance3": (1001, 1001, 1001),
    "Instance4": (1716, 1716, 1716),
    "Instance5": (1143, 1143, 1143),
    "Instance6": (1950, 1950, 1950),
    "Instance7": (1056, 1056, 1056),
    "Instance8": (1300, 1300, 1323),
    "Instance9": (439, 439, 439),
    "Instance10": (4631, 4631, 4631),
    "Instance11": (3443, 3443, 3443),
    "Instance12": (4040, 4040, 4040),
    "Instance13": (1348, 1348, 3109),
    "Instance14": (1278, 1278, 1280),
    "Instance15": (3831, 3829, 4964),
    "Instance16": (3225, 3225, 3233),
    "Instance17": (5746, 5746, 5851),
    "Instance18": (4459, 4459, 4760),
    "Instance19": (3149, 3149, 5420),
    "Instance20": (4769, 4769, None),
    "Instance21": (21133, 21133, None),
    "Instance22": (30244, 30240, None),
    "Instance23": (17428, 16990, None),
    "Instance24": (42463, 26571, None),
}


def _order(path: Path) -> tuple[int, str]:
    digits = "".join(ch for ch in path.stem if ch.isdigit())
    return (int(digits) if digits else 0, path.stem)


def _printer(name: str) -> Callable[[Progress], None]:
    def report(event: Progress) -> None:
        print(f"  {name} {event.elapsed_s:6.1f} s  objective {event.objective}  bound {event.bound}",
              file=sys.stderr, flush=True)
    return report


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("dir", type=Path, help="folder with Instance*.txt")
    ap.add_argument("--time-limit", type=float, default=60.0, help="seconds per instance")
    ap.add_argument("--workers", type=int, default=DEFAULT_WORKERS, help="CP-SAT workers")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--solutions-out", type=Path, default=None)
    ap.add_argument("--progress", action="store_true", help="print progress to stderr, as the Roster page receives it")
    args = ap.parse_args(argv)

    files = sorted(args.dir.glob("*.txt"), key=_order)
    if not files:
        print(f"no *.txt in {args.dir}", file=sys.stderr)
        return 2
    if args.solutions_out is not None:
        args.solutions_out.mkdir(parents=True, exist_ok=True)
    print(f"# time limit {args.time_limit:g} s, {args.workers} workers, seed {args.seed}")
    header = f"{'instance':<12}{'objective':>10}{'bound':>9}{'best':>8}{'gap %':>8}" \
             f"{'seconds':>9}  status"
    print(header)
    failures = 0
    for path in files:
        started = time.perf_counter()
        try:
            problem = load_instance(path)
        except InstanceFormatError as exc:
            print(f"{path.stem:<12} {exc}")
            failures += 1
            continue
        result = solve(problem, time_limit_s=args.time_limit, workers=args.workers,
                       seed=args.seed, explain=False, on_progress=_printer(path.stem) if args.progress else None)
        seconds = time.perf_counter() - started
        best = BEST_KNOWN.get(path.stem)
        if result.roster is None:
            print(f"{path.stem:<12}{'-':>10}{'-':>9}{best[0] if best else '-':>8}{'-':>8}"
                  f"{seconds:>9.1f}  {result.status.value}: {result.message}")
            failures += 1
            continue
        # the objective is recomputed from the file by the validator, never
        # taken from the solver
        report = validate(problem, result.roster)
        if not report.feasible:
            failures += 1
        gap = f"{100 * (report.objective - best[0]) / best[0]:.1f}" if best else "-"
        bound = "-" if result.bound is None else str(result.bound)
        status = result.status.value if report.feasible else \
            f"INVALID: {len(report.violations)} violations, e.g. {report.violations[0].message}"
        print(f"{path.stem:<12}{report.objective:>10}{bound:>9}{best[0] if best else '-':>8}"
              f"{gap:>8}{seconds:>9.1f}  {status}", flush=True)
        if args.solutions_out is not None:
            write_roster_csv(result.roster, args.solutions_out / f"{path.stem}.roster.csv")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
