"""Planted rosters: how close the search gets on large instances with a known good roster.

The held-back Curtois & Qu instances go up to 364 days x 150 people x 32
shift types, and nothing is known about the optimum of a generated file of
those shapes (`roster_synthetic_instance.py`). So a legal roster R is first
found for a generated file (the search, `--plant-time` seconds), then a new
instance is written around it: its cover asks for exactly R's head count on
every day and shift type, and R honours about 80% of its requests (the
same number as in the generated file). R's cost there is an upper bound on
the planted instance's optimum, and the search, started afresh, is timed
against it:

    python benchmarks/roster_planted.py --days 182 --employees 100 --shifts 16 [--seed 1] \\
        [--time-limit 60] [--plant-time 60] [--keep DIR]

prints the planted roster's cost, the objective reached (recomputed by the
validator) and their ratio.
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.roster_synthetic_instance import generate  # noqa: E402
from rostering.curtois import load_instance, read_sections  # noqa: E402
from rostering.domain import Roster  # noqa: E402
from rostering.solve import solve  # noqa: E402
from rostering.validate import validate  # noqa: E402

HONOURED = 0.8  # share of the planted requests the planted roster honours


def plant(text: str, roster: Roster, seed: int) -> str:
    """`text` (an instance) with cover equal to `roster`'s head counts and
    requests regenerated so that `roster` honours about `HONOURED` of them."""
    rng = random.Random(seed)
    sections = {name: [",".join(line.fields) for line in lines]
                for name, lines in read_sections(Path("generated"), text).items()}
    days = int(sections["SECTION_HORIZON"][0])
    shifts = [line.split(",")[0] for line in sections["SECTION_SHIFTS"]]
    allowed = {}
    for line in sections["SECTION_STAFF"]:
        e, limits = line.split(",")[:2]
        allowed[e] = [kv.split("=")[0] for kv in limits.split("|") if int(kv.split("=")[1]) > 0]
    worked = [(a.employee, a.day, a.shift) for a in roster.assignments]
    works = {(e, d): s for e, d, s in worked}
    people = list(allowed)

    def anywhere() -> tuple[str, int, str]:
        e = rng.choice(people)
        return e, rng.randrange(days), rng.choice(allowed[e])

    on = []
    for _ in sections["SECTION_SHIFT_ON_REQUESTS"]:
        e, d, s = rng.choice(worked) if rng.random() < HONOURED else anywhere()
        on.append(f"{e},{d},{s},{rng.randint(1, 3)}")
    off = []
    for _ in sections["SECTION_SHIFT_OFF_REQUESTS"]:
        if rng.random() < HONOURED:
            e, d, s = anywhere()
            while works.get((e, d)) == s:
                e, d, s = anywhere()
        else:
            e, d, s = rng.choice(worked)
        off.append(f"{e},{d},{s},{rng.randint(1, 3)}")
    count = Counter((d, s) for _, d, s in worked)
    sections["SECTION_SHIFT_ON_REQUESTS"] = on
    sections["SECTION_SHIFT_OFF_REQUESTS"] = off
    sections["SECTION_COVER"] = [f"{d},{s},{count[(d, s)]},100,1" for d in range(days) for s in shifts]
    return write_sections(sections)


def write_sections(sections: dict[str, list[str]]) -> str:
    """An instance file from its sections (name -> records, in file order), as `read_sections` reads it."""
    return "".join(f"{name}\n" + "".join(f"{line}\n" for line in lines) + "\n"
                   for name, lines in sections.items())


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--days", type=int, default=182)
    ap.add_argument("--employees", type=int, default=100)
    ap.add_argument("--shifts", type=int, default=16)
    ap.add_argument("--seed", type=int, default=1, help="of the generated file and the planting")
    ap.add_argument("--time-limit", type=float, default=60.0, help="seconds for the planted instance")
    ap.add_argument("--plant-time", type=float, default=60.0, help="seconds to find the planted roster")
    ap.add_argument("--keep", type=Path, default=None, help="folder to keep both instance files in")
    args = ap.parse_args(argv)

    folder = args.keep or Path(tempfile.mkdtemp(prefix="planted-"))
    folder.mkdir(parents=True, exist_ok=True)
    shape = f"{args.days}x{args.employees}x{args.shifts}"
    generated = folder / f"Generated{shape}.txt"
    generated.write_text(generate(args.days, args.employees, args.shifts, args.seed), newline="")
    found = solve(load_instance(generated), time_limit_s=args.plant_time, seed=args.seed, explain=False)
    if found.roster is None:
        print(f"no roster for {generated.name} in {args.plant_time:g} s: {found.message}", file=sys.stderr)
        return 1
    planted = folder / f"Planted{shape}.txt"
    planted.write_text(plant(generated.read_text(), found.roster, args.seed))
    problem = load_instance(planted)
    planted_cost = validate(problem, found.roster).objective
    started = time.perf_counter()
    result = solve(problem, time_limit_s=args.time_limit, seed=args.seed, explain=False)
    seconds = time.perf_counter() - started
    if result.roster is None:
        print(f"{planted.name}: no roster in {args.time_limit:g} s ({result.status.value})")
        return 1
    objective = validate(problem, result.roster).objective
    print(f"{'instance':<24}{'planted':>9}{'objective':>11}{'ratio':>8}{'seconds':>9}")
    print(f"{planted.stem:<24}{planted_cost:>9}{objective:>11}{objective / max(planted_cost, 1):>8.2f}"
          f"{seconds:>9.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
