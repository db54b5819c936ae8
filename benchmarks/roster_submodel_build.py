"""How long the search takes to build one neighbourhood sub-model, per kind.

On the largest instances of the family (364 days x 150 people x 32 shift
types) the neighbourhood search builds a CP-SAT sub-model for every round;
Python holds the GIL while it builds, so build time caps the rounds all
threads together can run. This prints, per neighbourhood kind at the sizes
the search starts from and grows to, the median milliseconds to build the
sub-model and hint it with the incumbent, and that as a share of building
the whole model once (the baseline: the same machine, the same code).

    python benchmarks/roster_submodel_build.py [INSTANCE.txt] [--repeat 5]

Without a file it generates the largest shape (`roster_synthetic_instance`,
seed 1) in a temporary folder.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.roster_synthetic_instance import generate  # noqa: E402
from rostering.curtois import load_instance  # noqa: E402
from rostering.model import RosterModel  # noqa: E402
from rostering.search import NEIGHBOURHOOD_KINDS, NEIGHBOURHOOD_START_CELLS, Search, model_cells  # noqa: E402


def build_ms(build: Callable[[], RosterModel]) -> float:
    started = time.perf_counter()
    build()
    return 1000 * (time.perf_counter() - started)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("instance", type=Path, nargs="?")
    ap.add_argument("--repeat", type=int, default=5, help="neighbourhoods drawn per kind and size")
    args = ap.parse_args()
    if args.instance is None:
        folder = Path(tempfile.mkdtemp())
        args.instance = folder / "Synthetic364x150x32.txt"
        args.instance.write_text(generate(364, 150, 32, 1), newline="")
    problem = load_instance(args.instance)
    cells = model_cells(problem)
    print(f"{args.instance.name}: {problem.num_days} days x {len(problem.employees)} people x "
          f"{len(problem.shift_types)} shift types ({cells:,} cells)")
    now = time.monotonic()
    search = Search(problem, seed=0, started=now, deadline=now + 600, on_progress=None, stop=None, previous=None)
    base = search.construct()
    if base is None:
        raise SystemExit("no first roster to build neighbourhoods on")
    # the baseline is a median of as many builds as each row: a single timing
    # once read low under a loaded test run and pushed a row's ratio over its bound
    full_ms = statistics.median(build_ms(lambda: RosterModel(problem)) for _ in range(args.repeat))
    print(f"whole model: {full_ms:,.0f} ms (the baseline, median of {args.repeat})")
    employees = [e.id for e in problem.employees]
    rng = random.Random(1)
    print(f"{'kind':10s} {'free cells':>10s} {'build+hint ms':>14s} {'x whole model':>14s}")
    for kind in NEIGHBOURHOOD_KINDS:
        for size in (NEIGHBOURHOOD_START_CELLS, 4 * NEIGHBOURHOOD_START_CELLS):
            times, freed = [], []
            for _ in range(args.repeat):
                free = search._neighbourhood(rng, kind, size, employees)
                freed.append(sum(len(days) for days in free.values()))
                times.append(build_ms(lambda: search.sub_model(free, base)))
            ms = statistics.median(times)
            print(f"{kind:10s} {statistics.median(freed):10.0f} {ms:14.1f} {ms / full_ms:14.3f}")


if __name__ == "__main__":
    main()
