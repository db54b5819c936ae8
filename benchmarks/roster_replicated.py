"""Held-back sizes with a known bound: shared instances copied k times.

The withheld Curtois & Qu instances run to 120 and 150 people; the
generated files of `roster_synthetic_instance.py` have their shape but no
known optimum, and `roster_planted.py` knows one only by making the cover
exactly one roster's head counts (no slack at all, unlike the family). This
script takes a shared instance instead and copies its staff k times (each
copy keeps its contracts, days off and requests) with every cover line
multiplied by k. k copies of the best known roster are then a roster of the
copy at exactly k times its cost, so k x best known bounds the copy's
optimum from above, on real contracts and demand at k times the people.

    python benchmarks/roster_replicated.py ../shared/benchmarks/shift-scheduling/Instance12.txt \
        [more files] [--copies 2] [--time-limit 60] [--workers N] [--seed 0] [--keep DIR]

Prints per file: people, cells, the objective (recomputed by the validator),
k x best known and the gap to it, seconds. `--keep DIR` leaves the copied
files there (`Instance12x2.txt`, ...), for `roster_instances.py DIR` or
`roster_submodel_build.py DIR/Instance12x2.txt`.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.roster_instances import BEST_KNOWN  # noqa: E402
from benchmarks.roster_planted import write_sections  # noqa: E402
from rostering.curtois import load_instance, read_sections  # noqa: E402
from rostering.search import model_cells  # noqa: E402
from rostering.solve import DEFAULT_WORKERS, solve  # noqa: E402
from rostering.validate import validate  # noqa: E402

PER_EMPLOYEE = ("SECTION_STAFF", "SECTION_DAYS_OFF", "SECTION_SHIFT_ON_REQUESTS", "SECTION_SHIFT_OFF_REQUESTS")


def replicate(text: str, copies: int) -> str:
    """The instance `text` with every employee record copied `copies` times
    (ids suffixed `~1`, `~2`, ...) and every cover requirement multiplied."""
    sections = {name: [line.fields for line in lines]
                for name, lines in read_sections(Path("replicated"), text).items()}
    for name in PER_EMPLOYEE:
        if name in sections:
            sections[name] = [[f"{e}~{k}", *rest] for e, *rest in sections[name] for k in range(1, copies + 1)]
    sections["SECTION_COVER"] = [[day, shift, str(int(need) * copies), *weights]
                                 for day, shift, need, *weights in sections["SECTION_COVER"]]
    return write_sections({name: [",".join(fields) for fields in rows] for name, rows in sections.items()})


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("files", type=Path, nargs="+", help="Curtois & Qu instance files")
    ap.add_argument("--copies", type=int, default=2, help="copies of the staff (k)")
    ap.add_argument("--time-limit", type=float, default=60.0, help="seconds per instance")
    ap.add_argument("--workers", type=int, default=DEFAULT_WORKERS, help="CP-SAT workers")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--keep", type=Path, default=None, help="folder to keep the copied instance files in")
    args = ap.parse_args(argv)
    if args.copies < 1:
        ap.error("--copies must be at least 1")

    print(f"# {args.copies} copies, time limit {args.time_limit:g} s, {args.workers} workers, seed {args.seed}")
    print(f"{'instance':<16}{'people':>7}{'cells':>8}{'objective':>10}{'k x best':>10}{'gap %':>8}{'seconds':>9}")
    failures = 0
    with tempfile.TemporaryDirectory() as scratch:
        folder = args.keep or Path(scratch)
        folder.mkdir(parents=True, exist_ok=True)
        for path in args.files:
            name = f"{path.stem}x{args.copies}"
            copy = folder / f"{name}.txt"
            copy.write_text(replicate(path.read_text(), args.copies))
            problem = load_instance(copy)
            started = time.perf_counter()
            result = solve(problem, time_limit_s=args.time_limit, workers=args.workers,
                           seed=args.seed, explain=False)
            seconds = time.perf_counter() - started
            best = BEST_KNOWN.get(path.stem)
            bound = best[0] * args.copies if best else None
            report = validate(problem, result.roster) if result.roster is not None else None
            if report is None or not report.feasible:
                failures += 1
                print(f"{name:<16}{len(problem.employees):>7}{model_cells(problem):>8}  "
                      f"{result.status.value}: {result.message}")
                continue
            gap = f"{100 * (report.objective - bound) / bound:.1f}" if bound else "-"
            print(f"{name:<16}{len(problem.employees):>7}{model_cells(problem):>8}{report.objective:>10}"
                  f"{bound or '-':>10}{gap:>8}{seconds:>9.1f}", flush=True)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
