"""Erlang staffing: the shared reference rows, then a week of 100 queues against pyworkforce.

    .venv/bin/python benchmarks/erlang.py [--repeats 7] [--sample 2000]

Part 1 reproduces every row of ../shared/benchmarks/erlang/reference.csv
(read in place, never copied): agents and calls exactly; probabilities,
service level, occupancy and ASA to 3 decimals (traffic to the digits
printed). The row the file marks "close" is reported as such, with the
service level at the published figure.

Part 2 solves 100 queues x one week of 15-minute intervals (67,200 cells)
for the fewest agents at 80 % answered in 20 s: seeded Poisson volumes on a
day/night and weekday profile, peaks from under one agent to a few hundred.
`forecasting.erlang.erlang_c_agents` is timed best-of-N on the whole week,
and so is the product path `forecasting.staffing.required_agents`
(DataFrame in, required agents per skill out). pyworkforce's ErlangC (bench
extra) solves one cell per call in pure Python, so it is timed, best of 3,
on a seeded random sample of the cells with contacts and extrapolated to
all of them; cells without contacts need no call and count as free for it.
Agents are compared cell by cell on the sample.

Part 3 (figures, no target) runs the product path on the same week with
service hours: the even queues as e-mail answered within 2 business hours
(Mon-Fri 09:00-18:00, Chinese holidays and make-up days), the odd ones as
chat open 08:00-22:00, against the same queues open around the clock. It
prints the time, the agent-hours and the share of them at night, and checks
that closed intervals get nobody and no e-mail misses its business deadline.

Targets: every row reproduced; the week under 1 s; at least 20x faster than
pyworkforce. Exit status 1 when a target fails.
"""

from __future__ import annotations

import argparse
import csv
import re
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from forecasting.erlang import (  # noqa: E402
    erlang_a,
    erlang_c,
    erlang_c_agents,
    erlang_c_max_contacts,
    offered_load,
)
from forecasting.service_hours import ServiceHours  # noqa: E402
from forecasting.staffing import QueueConfig, required_agents, scheduled_agents  # noqa: E402
from forecasting.workload import overdue, response_window  # noqa: E402

REFERENCE = REPO.parent / "shared" / "benchmarks" / "erlang" / "reference.csv"
THREE_DECIMALS = 5e-4
SEED = 20261123
QUEUES, DAYS, INTERVAL_S = 100, 7, 900
SPEED_TARGET_S, RATIO_TARGET = 1.0, 20.0


# --- part 1: reference rows --------------------------------------------------------


@dataclass(frozen=True)
class Figure:
    name: str
    published: float
    ours: float
    exact: bool  # counts (agents, calls) must match exactly; the rest to a tolerance

    @property
    def ok(self) -> bool:
        if self.exact:
            return self.ours == self.published
        return abs(self.ours - self.published) <= _tolerance(self.published)


def _tolerance(published: float) -> float:
    """3 decimals, or half a unit in the last digit printed when the source printed fewer (22.9 erlangs)."""
    text = repr(published)
    decimals = len(text.split(".")[1]) if "." in text else 0
    return max(THREE_DECIMALS, 0.5 * 10.0**-decimals + 1e-12)


def _number(row: dict[str, str], column: str) -> float | None:
    return float(row[column]) if row[column] else None


def _other(row: dict[str, str], key: str) -> float | None:
    """A `key=value` figure from the free-text published_other column."""
    found = re.search(rf"{key}=([0-9.]+)", row["published_other"])
    return float(found.group(1)) if found else None


def _figures(
    row: dict[str, str], pairs: dict[str, float | None], ours: dict[str, float], exact: set[str] = frozenset()
) -> list[Figure]:
    return [
        Figure(name, published, float(ours[name]), name in exact)
        for name, published in pairs.items()
        if published is not None
    ]


def check_row(row: dict[str, str]) -> tuple[list[Figure], str]:
    """Our figures next to the published ones, plus a note for the report."""
    calls, interval_s, aht = _number(row, "calls"), _number(row, "interval_min") * 60, _number(row, "aht_s")
    answer = _number(row, "target_answer_s") or 0.0
    load = offered_load(calls, interval_s, aht)
    if row["solve_for"] == "calls":
        agents = _number(row, "agents")
        most = int(erlang_c_max_contacts(agents, interval_s, aht, answer, _number(row, "target_service_level")))
        at_published = erlang_c(agents, load, aht, answer).service_level
        return [Figure("calls", calls, most, True)], f"SL at the published {calls:.0f} calls: {at_published:.4f}"
    if row["model"] == "erlang_a":
        m = erlang_a(_number(row, "agents"), load, aht, _number(row, "patience_s"), answer)
        ours = {
            "P(wait)": m.prob_wait,
            "P(abandon)": m.prob_abandon,
            "SL": m.service_level,
            "ASA s": m.asa_s,
            "occupancy": m.occupancy,
        }
        published = {
            "P(wait)": _number(row, "published_prob_wait"),
            "P(abandon)": _other(row, "abandonment_probability"),
            "SL": _number(row, "published_service_level"),
            "ASA s": _number(row, "published_asa_s"),
            "occupancy": _number(row, "published_occupancy"),
        }
        return _figures(row, published, ours), "Erlang A, patience 300 s"
    if row["solve_for"] == "agents":
        agents, m = erlang_c_agents(
            load,
            aht,
            service_level=_number(row, "target_service_level"),
            answer_s=answer,
            asa_s=_number(row, "target_asa_s"),
            max_occupancy=_number(row, "max_occupancy") or 1.0,
        )
        shrinkage = _number(row, "shrinkage") or 0.0
        ours = {
            "agents": agents,
            "scheduled": scheduled_agents(agents, shrinkage),
            "A erl": load,
            "P(wait)": m.prob_wait,
            "SL": m.service_level,
            "occupancy": m.occupancy,
        }
        published = {
            "agents": _number(row, "published_raw_agents"),
            "scheduled": _number(row, "published_scheduled_agents"),
            "A erl": _number(row, "published_traffic_erlangs"),
            "P(wait)": _number(row, "published_prob_wait"),
            "SL": _number(row, "published_service_level"),
            "occupancy": _number(row, "published_occupancy"),
        }
        return _figures(row, published, ours, {"agents", "scheduled"}), ""
    m = erlang_c(_number(row, "agents"), load, aht, answer)
    ours = {
        "A erl": load,
        "P(wait)": m.prob_wait,
        "P(no wait)": 1 - m.prob_wait,
        "SL": m.service_level,
        "ASA s": m.asa_s,
        "occupancy": m.occupancy,
    }
    published = {
        "A erl": _number(row, "published_traffic_erlangs"),
        "P(wait)": _number(row, "published_prob_wait"),
        "P(no wait)": _other(row, "immediate_answer_probability"),
        "SL": _number(row, "published_service_level"),
        "ASA s": _number(row, "published_asa_s"),
        "occupancy": _number(row, "published_occupancy"),
    }
    return _figures(row, published, ours), ""


def reference_part() -> bool:
    with REFERENCE.open(newline="") as fh:
        rows = list(csv.DictReader(fh))
    print(f"Part 1: {len(rows)} reference rows from {REFERENCE.relative_to(REPO.parent)}")
    print(f"{'id':<27} {'kind':<16} {'result':<9} figures (published -> ours)")
    exact = close = 0
    failures = []
    for row in rows:
        figures, note = check_row(row)
        if all(f.ok for f in figures):
            result, exact = "exact", exact + 1
        elif row["check"].startswith("close") and all(abs(f.ours - f.published) <= 1 for f in figures):
            result, close = "close", close + 1
        else:
            result = "MISMATCH"
            failures.append(row["id"])
        shown = "; ".join(f"{f.name} {f.published:g}->{_fmt(f.ours, f.exact)}" for f in figures)
        print(
            f"{row['id']:<27} {row['model'] + '/' + row['solve_for']:<16} {result:<9} {shown}"
            + (f"  ({note})" if note else "")
        )
    passed = not failures
    print(
        f"  {exact} rows exact, {close} close as the file documents (the BCMS manual's 186 calls/h give"
        f" SL 0.8988 < 0.90; the exact answer is 185), {len(failures)} mismatched"
        + (f": {', '.join(failures)}" if failures else "")
    )
    return passed


def _fmt(value: float, exact: bool) -> str:
    return f"{value:.0f}" if exact else f"{value:.6g}"


# --- part 2: a week of 100 queues ----------------------------------------------------


@dataclass(frozen=True)
class Week:
    contacts: np.ndarray  # (queues x intervals) contacts per 15 minutes
    aht_s: np.ndarray  # (queues,) seconds
    start: pd.Timestamp

    @property
    def load(self) -> np.ndarray:
        return offered_load(self.contacts, INTERVAL_S, self.aht_s[:, None])


def synthetic_week(seed: int = SEED) -> Week:
    """Seeded Poisson contacts: peaks log-uniform in 0.5-300 erlangs, AHT 2-10 min, day/night and weekday profile."""
    rng = np.random.default_rng(seed)
    aht = rng.uniform(120, 600, QUEUES)
    peak_load = np.exp(rng.uniform(np.log(0.5), np.log(300), QUEUES))
    slot = np.arange(DAYS * 96) % 96 / 4  # hour of day
    day = np.arange(DAYS * 96) // 96
    profile = 0.05 + np.exp(-(((slot - 11) / 2.5) ** 2)) + 0.8 * np.exp(-(((slot - 16) / 3) ** 2))
    weekday = np.array([1.1, 1.0, 1.0, 0.95, 0.9, 0.6, 0.5])[day]
    rate = peak_load[:, None] * (profile * weekday / profile.max())[None, :] * INTERVAL_S / aht[:, None]
    return Week(rng.poisson(rate).astype(float), aht, pd.Timestamp("2026-11-23", tz="Asia/Shanghai"))


def best_of(repeats: int, run: Callable[[], object]) -> float:
    """Fastest wall time of `repeats` runs: the machine is shared, so the minimum is the honest figure."""
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        run()
        times.append(time.perf_counter() - started)
    return min(times)


def forecast_frame(week: Week) -> tuple[pd.DataFrame, list[QueueConfig]]:
    """The week as the product sees it: a long forecast and one phone queue (and skill) per queue, 80/20."""
    stamps = pd.date_range(week.start, periods=week.contacts.shape[1], freq="15min")
    names = [f"q{i:03d}" for i in range(QUEUES)]
    frame = pd.DataFrame(
        {
            "queue": np.repeat(names, len(stamps)),
            "timestamp": np.tile(stamps, QUEUES),
            "mean": week.contacts.ravel(),
        }
    )
    queues = [
        QueueConfig(n, "phone", n, float(a), service_level=0.8, answer_s=20.0)
        for n, a in zip(names, week.aht_s, strict=True)
    ]
    return frame, queues


def pyworkforce_sample(week: Week, size: int, repeats: int) -> tuple[float, np.ndarray, np.ndarray]:
    """pyworkforce's seconds per cell (best of `repeats`) on a seeded sample of busy cells, and its agents there."""
    from pyworkforce.queuing import ErlangC

    busy = np.flatnonzero(week.contacts.ravel() > 0)
    sample = np.random.default_rng(SEED + 1).choice(busy, size=min(size, busy.size), replace=False)
    q, j = np.unravel_index(sample, week.contacts.shape)
    cells = list(zip(week.contacts[q, j], week.aht_s[q] / 60, strict=True))
    agents = np.zeros(len(cells), dtype=np.int64)

    def run() -> None:
        for i, (calls, aht_min) in enumerate(cells):
            agents[i] = ErlangC(transactions=calls, aht=aht_min, asa=20 / 60, interval=15).required_positions(0.8)[
                "raw_positions"
            ]

    return best_of(repeats, run) / len(cells), sample, agents


def speed_part(repeats: int, sample_size: int) -> tuple[bool, bool]:
    week = synthetic_week()
    load = week.load
    agents, metrics = erlang_c_agents(load, week.aht_s[:, None], service_level=0.8, answer_s=20.0)
    cells, busy = load.size, int((week.contacts > 0).sum())
    print(
        f"\nPart 2: {QUEUES} queues x {DAYS} days of 15-minute intervals = {cells:,} cells"
        f" ({busy:,} with contacts), 80 % in 20 s"
    )
    peaks = agents.max(axis=1)
    print(
        f"  load up to {load.max():.0f} erlangs; peak agents per queue from {peaks.min()} to {peaks.max()} "
        f"(median {np.median(peaks):.0f}); figures finite: {bool(np.isfinite(metrics.service_level).all())}, "
        f"all cells meet 80/20: {bool((metrics.service_level >= 0.8 - 1e-9).all())}"
    )
    ours = best_of(repeats, lambda: erlang_c_agents(load, week.aht_s[:, None], service_level=0.8, answer_s=20.0))
    frame, queues = forecast_frame(week)
    product = best_of(max(1, repeats // 2), lambda: required_agents(frame, queues))
    per_cell, sample, theirs = pyworkforce_sample(week, sample_size, 3)
    extrapolated = per_cell * busy
    same = int((agents.ravel()[sample] == theirs).sum())
    diff = agents.ravel()[sample] - theirs
    ratio = extrapolated / ours
    print(f"  {'solver':<44} {'week (s)':>9}  note")
    print(f"  {'forecasting.erlang.erlang_c_agents':<44} {ours:>9.3f}  best of {repeats}, all {cells:,} cells")
    print(
        f"  {'forecasting.staffing.required_agents':<44} {product:>9.3f}  best of {max(1, repeats // 2)}, "
        "DataFrame in, timestamp,skill,required out (one skill per queue)"
    )
    print(
        f"  {'pyworkforce 0.5.1 ErlangC (extrapolated)':<44} {extrapolated:>9.3f}  "
        f"{per_cell * 1e3:.3f} ms/cell x {busy:,} cells; best of 3 on {len(sample):,} sampled cells"
    )
    print(
        f"  speed-up: {ratio:.0f}x;  agents agree on {same:,}/{len(sample):,} sampled cells"
        + ("" if same == len(sample) else f" (ours minus pyworkforce: {sorted(set(diff[diff != 0].tolist()))})")
    )
    return ours < SPEED_TARGET_S, ratio >= RATIO_TARGET


# --- part 3: the same week with service hours -------------------------------------------

OFFICE = ServiceHours.parse("Mon-Fri 09:00-18:00", holiday_country="CN")
CHAT_HOURS = ServiceHours.parse("daily 08:00-22:00")


def desk_with_hours(week: Week, hours: bool) -> list[QueueConfig]:
    """Even queues e-mail (2 business hours), odd ones chat (80/20), each its own skill; hours or around the clock."""
    return [
        QueueConfig(f"q{i:03d}", "email", f"q{i:03d}", float(aht), first_response_min=120.0,
                    service_hours=OFFICE if hours else None)
        if i % 2 == 0
        else QueueConfig(f"q{i:03d}", "chat", f"q{i:03d}", float(aht), service_level=0.8, answer_s=20.0,
                         service_hours=CHAT_HOURS if hours else None)
        for i, aht in enumerate(week.aht_s)
    ]


def service_hours_part(repeats: int) -> None:
    week = synthetic_week()
    frame, _ = forecast_frame(week)
    around, office = desk_with_hours(week, False), desk_with_hours(week, True)
    timed = best_of(max(1, repeats // 2), lambda: required_agents(frame, office))
    results = {"around the clock": required_agents(frame, around), "with service hours": required_agents(frame, office)}
    print(f"\nPart 3: the same week as 50 e-mail queues (2 business hours, Mon-Fri 09:00-18:00, CN holidays) and "
          "50 chat queues (open 08:00-22:00)")
    print(f"  forecasting.staffing.required_agents with service hours: {timed:.3f} s (best of {max(1, repeats // 2)})")
    for label, result in results.items():
        required = result.required
        hour = required["timestamp"].dt.hour
        night = (hour < 8) | (hour >= 22)
        agent_hours = required["required"].sum() / 4
        print(f"  {label:<20} {agent_hours:>9,.0f} agent-hours, {required['required'][night].sum() / 4:>8,.0f} "
              f"at night 22:00-08:00 ({required['required'][night].sum() / 4 / agent_hours:.0%})")
    detail = results["with service hours"].queues
    closed_staffed = int((detail["raw_agents"][~detail["open"]] > 0).sum())
    emails = detail[detail["model"] == "async"]
    n_queues = emails["queue"].nunique()
    contacts = emails["contacts"].to_numpy().reshape(n_queues, -1)
    late = overdue(contacts, emails["backlog"].to_numpy().reshape(n_queues, -1), response_window(7200, INTERVAL_S),
                   emails["open"].to_numpy().reshape(n_queues, -1))
    unserved = detail["unserved"].sum() / detail.loc[detail["model"] != "async", "contacts"].sum()
    print(f"  closed intervals staffed: {closed_staffed}; e-mails past their business deadline: {late.max():.0f}; "
          f"chat contacts forecast outside 08:00-22:00 (reported, not staffed): {unserved:.1%}")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeats", type=int, default=7, help="best-of-N for our timings (default 7)")
    parser.add_argument("--sample", type=int, default=2000, help="cells timed with pyworkforce (default 2000)")
    args = parser.parse_args(argv)
    rows_ok = reference_part()
    fast, faster = speed_part(args.repeats, args.sample)
    service_hours_part(args.repeats)
    print("\nTargets")
    results = [
        ("every reference row reproduced (the 'close' row as documented)", rows_ok),
        (f"the week of 100 queues solved in under {SPEED_TARGET_S:g} s", fast),
        (f"at least {RATIO_TARGET:g}x faster than pyworkforce", faster),
    ]
    for label, ok in results:
        print(f"  {'PASS' if ok else 'FAIL'}  {label}")
    sys.exit(0 if all(ok for _, ok in results) else 1)


if __name__ == "__main__":
    main()
