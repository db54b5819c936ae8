"""Product-scale rostering benchmark: generated support desks of 50, 200 and
1000 agents, 5 skills, one week, 30-minute demand shaped like a real desk
(morning and afternoon peaks, quieter weekends, a thin night with a hard
minimum per skill).

For each size, in a fresh process (so peak memory is that size's alone):
seconds to the first legal roster, objective (validator) and bound at the
time limit, coverage of the demand, night intervals below the minimum,
requests honoured and peak resident memory.

    python benchmarks/roster_scale.py [--sizes 50,200,1000] [--time-limit 60]
        [--workers N] [--seed 0]

`make_desk` is also a ready-made realistic problem for tests and notebooks.
"""

from __future__ import annotations

import argparse
import json
import math
import random
import resource
import subprocess
import sys
import time
from datetime import date, datetime, time as dtime, timedelta
from zoneinfo import ZoneInfo

from rostering.domain import (
    Contract,
    Employee,
    IntervalDemand,
    LedgerEntry,
    NightMinimum,
    Problem,
    Rules,
    ShiftRequest,
    ShiftType,
    TimeOff,
)

SKILLS = ("general", "billing", "technical", "network", "vip")
SKILL_SHARE = {"general": 0.40, "billing": 0.20, "technical": 0.20, "network": 0.12, "vip": 0.08}
SHIFT_TYPES = (
    ShiftType("E", dtime(7, 0), 480, name="Early"),
    ShiftType("D", dtime(9, 0), 480, name="Day"),
    ShiftType("M", dtime(12, 0), 480, name="Mid"),
    ShiftType("L", dtime(14, 0), 480, name="Late"),
    ShiftType("N", dtime(22, 0), 540, is_night=True, name="Night"),
)


def _load_curve(hour: float, weekday: int) -> float:
    """Relative ticket load by local hour: morning and afternoon peaks, a
    low night; weekends at 60%."""
    base = 0.08 + 0.55 * math.exp(-((hour - 10.5) ** 2) / 6) + 0.5 * math.exp(-((hour - 15.5) ** 2) / 5)
    if hour >= 19:
        base += 0.25 * math.exp(-((hour - 20) ** 2) / 3)
    return base * (0.6 if weekday >= 5 else 1.0)


def make_desk(n_employees: int, *, seed: int = 0, tz: str = "Asia/Shanghai",
              start: date = date(2025, 3, 3), days: int = 7) -> Problem:
    """A seeded week for a desk of `n_employees` agents (start is a Monday)."""
    rng = random.Random(seed)
    zone = ZoneInfo(tz)
    employees = []
    for n in range(n_employees):
        primary = rng.choices(SKILLS, [SKILL_SHARE[k] for k in SKILLS])[0]
        skills = {primary: rng.choice((1, 2, 3))}
        for k in rng.sample(SKILLS, 2):
            if rng.random() < 0.3:
                skills.setdefault(k, 1)
        night_ok = rng.random() < 0.5
        contract = Contract(
            min_minutes_week=1920, max_minutes_week=2880, regular_minutes_week=2400,
            max_consecutive_days=6, min_consecutive_days=2, min_consecutive_days_off=2,
            max_nights_week=3,
        )
        employees.append(Employee(
            f"a{n:04d}", skills, contract, name=f"Agent {n:04d}", team=f"team{n % 8}",
            allowed_shifts=None if night_ok else frozenset({"E", "D", "M", "L"}),
        ))
    # demand: agents per skill per 30 min, scaled so roughly 75% of capacity is asked for
    capacity_per_interval = n_employees * 5 * 8 / (7 * 24)
    demand = []
    t = datetime.combine(start, dtime(0), tzinfo=zone)
    end = datetime.combine(start + timedelta(days=days), dtime(0), tzinfo=zone)
    curve_total = sum(_load_curve(h / 2, wd) for wd in range(7) for h in range(48)) / (7 * 48)
    while t < end:
        local = t.astimezone(zone)
        load = _load_curve(local.hour + local.minute / 60, local.weekday()) / curve_total
        for k in SKILLS:
            need = load * capacity_per_interval * 0.75 * SKILL_SHARE[k]
            demand.append(IntervalDemand(t, k, max(0, round(need + rng.uniform(-0.3, 0.3)))))
        t = (t.astimezone(ZoneInfo("UTC")) + timedelta(minutes=30)).astimezone(zone)
    # the desk is never unattended: general and technical agents on every night
    night_min = (NightMinimum("general", max(1, n_employees // 50)),
                 NightMinimum("technical", max(1, n_employees // 100)))
    time_off = tuple(TimeOff(e.id, d, "leave", credit_min=480)
                     for e in employees for d in range(days) if rng.random() < 0.04)
    requests = []
    for e in employees:
        if rng.random() < 0.3:
            requests.append(ShiftRequest(e.id, rng.randrange(days), None, False, rng.randint(1, 3) * 100))
        if rng.random() < 0.2:
            requests.append(ShiftRequest(e.id, rng.randrange(days), rng.choice("EDML"), True, 100))
    ledger = {e.id: LedgerEntry(nights=rng.randint(0, 6), weekends=rng.randint(0, 4))
              for e in employees}
    return Problem(
        name=f"desk{n_employees}",
        start_date=start,
        num_days=days,
        shift_types=SHIFT_TYPES,
        employees=tuple(employees),
        tz=tz,
        interval_min=30,
        rules=Rules(min_rest_min=660, night_minimums=night_min,
                    forbidden_successions=frozenset({("N", "E"), ("N", "D"), ("N", "M")}),
                    exempt_runs_at_start=True, exempt_runs_at_end=True),
        interval_demand=tuple(demand),
        requests=tuple(requests),
        time_off=time_off,
        ledger=ledger,
    )


def run_one(n: int, time_limit: float, workers: int, seed: int) -> dict:
    """Solve one desk size in this process and return its figures."""
    from rostering.solve import solve  # imported here: the parent process stays light

    built = time.perf_counter()
    problem = make_desk(n, seed=seed)
    first: list[float] = []

    def progress(p) -> None:
        if p.objective is not None and not first:
            first.append(p.elapsed_s)

    result = solve(problem, time_limit_s=time_limit, workers=workers, seed=seed,
                   on_progress=progress)
    out = {"employees": n, "status": result.status.value, "seconds": time.perf_counter() - built,
           "first_feasible_s": first[0] if first else None, "objective": result.objective,
           "bound": result.bound,
           "peak_rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}
    if result.kpis is not None:
        k = result.kpis
        req = sum(c.required_hours for c in k.coverage)
        cov = sum(c.covered_hours for c in k.coverage)
        out.update(coverage_pct=100 * cov / req if req else 100.0,
                   under_interval_hours=k.under_interval_hours,
                   night_intervals_below=sum(nc.intervals_below for nc in k.night),
                   requests_honoured_pct=k.requests_honoured_pct,
                   feasible=result.report.feasible)
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", default="50,200,1000")
    ap.add_argument("--time-limit", type=float, default=60.0)
    ap.add_argument("--workers", type=int, default=None)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--one", type=int, default=None, help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    from rostering.solve import DEFAULT_WORKERS

    workers = args.workers or DEFAULT_WORKERS
    if args.one is not None:
        print(json.dumps(run_one(args.one, args.time_limit, workers, args.seed)))
        return 0
    print(f"# time limit {args.time_limit:g} s, {workers} workers, seed {args.seed}")
    print(f"{'agents':>6} {'status':>9} {'first s':>8} {'objective':>10} {'bound':>9} "
          f"{'cover %':>8} {'short h':>8} {'night<min':>9} {'req %':>6} {'peak MiB':>9}")
    for n in (int(x) for x in args.sizes.split(",")):
        proc = subprocess.run(
            [sys.executable, __file__, "--one", str(n), "--time-limit", str(args.time_limit),
             "--workers", str(workers), "--seed", str(args.seed)],
            capture_output=True, text=True, check=False)
        if proc.returncode:
            print(f"{n:>6} failed: {proc.stderr.strip().splitlines()[-1:]}")
            continue
        r = json.loads(proc.stdout.strip().splitlines()[-1])
        fmt = lambda v, spec: "-" if v is None else format(v, spec)  # noqa: E731
        print(f"{n:>6} {r['status']:>9} {fmt(r['first_feasible_s'], '8.1f')} "
              f"{fmt(r['objective'], '10d')} {fmt(r['bound'], '9d')} "
              f"{fmt(r.get('coverage_pct'), '8.1f')} {fmt(r.get('under_interval_hours'), '8.1f')} "
              f"{fmt(r.get('night_intervals_below'), '9d')} {fmt(r.get('requests_honoured_pct'), '6.1f')} "
              f"{r['peak_rss_mib']:9.0f}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
