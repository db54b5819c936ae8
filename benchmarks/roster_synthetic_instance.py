"""Write a synthetic instance in the Curtois & Qu format, of any size.

The withheld instances go up to 364 days x 150 employees x 32 shift types;
this generator makes files of that shape (seeded, plausible contracts and
demand) so the loader and the search can be checked at full size without
the withheld data. It is not a benchmark: there is no known optimum.

    python benchmarks/roster_synthetic_instance.py OUT.txt --days 364 \
        --employees 150 --shifts 32 [--seed 1]
"""

from __future__ import annotations

import argparse
import random
from pathlib import Path


def employee_ids(n: int) -> list[str]:
    """A..Z, AA, AB, ... as in the instances."""
    out = []
    for i in range(n):
        name = ""
        i += 1
        while i:
            i, r = divmod(i - 1, 26)
            name = chr(65 + r) + name
        out.append(name)
    return out


def generate(days: int, employees: int, shifts: int, seed: int) -> str:
    rng = random.Random(seed)
    shift_ids = [f"s{k}" for k in range(shifts)]
    lengths = {s: rng.choice((480, 600, 720)) for s in shift_ids}
    # later shift types may not be followed by earlier ones (as in the family)
    lines = ["SECTION_HORIZON", str(days), "", "SECTION_SHIFTS"]
    for k, s in enumerate(shift_ids):
        banned = [t for t in shift_ids[:k] if rng.random() < 0.5]
        lines.append(f"{s},{lengths[s]},{'|'.join(banned)}")
    lines += ["", "SECTION_STAFF"]
    staff = employee_ids(employees)
    for e in staff:
        allowed = rng.sample(shift_ids, max(1, shifts // 3))
        max_shifts = "|".join(f"{s}={days if s in allowed else 0}" for s in shift_ids)
        avg = sum(lengths[s] for s in allowed) / len(allowed)
        # about 16 to 18 shifts in 4 weeks, half the weekends, as in the family
        max_total = int(days * 0.64 * avg)
        min_total = int(days * 0.56 * avg)
        lines.append(f"{e},{max_shifts},{max_total},{min_total},5,2,2,{days // 14}")
    lines += ["", "SECTION_DAYS_OFF"]
    for e in staff:
        off = sorted(rng.sample(range(days), max(1, days // 10)))
        lines.append(",".join([e] + [str(d) for d in off]))
    lines += ["", "SECTION_SHIFT_ON_REQUESTS"]
    for e in staff:
        for _ in range(days // 8):
            lines.append(f"{e},{rng.randrange(days)},{rng.choice(shift_ids)},{rng.randint(1, 3)}")
    lines += ["", "SECTION_SHIFT_OFF_REQUESTS"]
    for e in staff:
        for _ in range(days // 8):
            lines.append(f"{e},{rng.randrange(days)},{rng.choice(shift_ids)},{rng.randint(1, 3)}")
    lines += ["", "SECTION_COVER"]
    per_shift = max(1, round(employees * 5 / 7 / shifts))
    for d in range(days):
        for s in shift_ids:
            lines.append(f"{d},{s},{max(0, per_shift + rng.randint(-1, 1))},100,1")
    return "\r\n".join(lines) + "\r\n"  # CRLF on purpose: the loader takes both


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("out", type=Path)
    ap.add_argument("--days", type=int, default=364)
    ap.add_argument("--employees", type=int, default=150)
    ap.add_argument("--shifts", type=int, default=32)
    ap.add_argument("--seed", type=int, default=1)
    a = ap.parse_args()
    a.out.write_text(generate(a.days, a.employees, a.shifts, a.seed), newline="")


if __name__ == "__main__":
    main()
