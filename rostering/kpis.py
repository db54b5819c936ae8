"""Roster KPIs for the page, the CLI and the notebook.

Computed from the problem and roster alone (no solver), on the same calendar
as the validator: coverage per skill, under-covered interval-hours, night
coverage, overtime, fairness spread (max - min nights, weekends, holidays per
person, ledger included) and requests honoured.
"""

from __future__ import annotations

from dataclasses import dataclass

from rostering.calendar import calendar_of
from rostering.domain import EmployeeId, Problem, Roster, SkillId
from rostering.validate import (
    cells_by_employee,
    fairness_totals,
    interval_cover,
    request_broken,
)


@dataclass(frozen=True)
class SkillCoverage:
    """Interval demand of one skill against the roster, in person-hours.

    `covered_hours` counts staffed demand only (over-staffing not credited);
    `under_interval_hours` is the length of the intervals with any shortage.
    """

    skill: SkillId
    required_hours: float
    covered_hours: float
    short_hours: float
    over_hours: float
    under_interval_hours: float

    @property
    def coverage_pct(self) -> float:
        return 100.0 if not self.required_hours else 100.0 * self.covered_hours / self.required_hours


@dataclass(frozen=True)
class NightCoverage:
    """Night minimum of one skill: lowest head count over the night
    intervals and how many intervals fell below the minimum."""

    skill: SkillId
    required: int
    lowest: int
    intervals: int
    intervals_below: int


@dataclass(frozen=True)
class Fairness:
    """Per person counts (ledger included) and the spread max - min."""

    kind: str
    per_employee: dict[EmployeeId, int]

    @property
    def spread(self) -> int:
        vals = list(self.per_employee.values())
        return max(vals) - min(vals) if vals else 0


@dataclass(frozen=True)
class Kpis:
    coverage: tuple[SkillCoverage, ...]
    night: tuple[NightCoverage, ...]
    shift_lines: int
    shift_lines_met: int
    under_interval_hours: float
    overtime_min: int
    overtime_by_employee: dict[EmployeeId, int]
    worked_min_by_employee: dict[EmployeeId, int]
    fairness: tuple[Fairness, ...]
    requests: int
    requests_honoured: int

    @property
    def requests_honoured_pct(self) -> float:
        return 100.0 if not self.requests else 100.0 * self.requests_honoured / self.requests


def compute_kpis(problem: Problem, roster: Roster) -> Kpis:
    cal = calendar_of(problem)
    cells, _ = cells_by_employee(cal, roster)
    hours = problem.interval_min / 60
    cover = interval_cover(cal, cells) if (cal.interval_required or
                                           problem.rules.night_minimums) else {}
    skills = sorted({k for _, k in cal.interval_required})
    coverage = []
    under_intervals: set[int] = set()
    for k in skills:
        req = cov = short = over = 0
        short_intervals = 0
        for (i, kk), need in cal.interval_required.items():
            if kk != k:
                continue
            have = cover.get((i, k), 0)
            req += need
            cov += min(have, need)
            short += max(need - have, 0)
            over += max(have - need, 0)
            if have < need:
                short_intervals += 1
                under_intervals.add(i)
        coverage.append(SkillCoverage(k, req * hours, cov * hours, short * hours, over * hours,
                                      short_intervals * hours))
    night = []
    for nm in problem.rules.night_minimums:
        counts = [cover.get((i, nm.skill), 0) for i in cal.night_intervals]
        night.append(NightCoverage(nm.skill, nm.required, min(counts, default=0), len(counts),
                                   sum(1 for c in counts if c < nm.required)))
    count: dict[tuple, int] = {}
    for emp_cells in cells.values():
        for d, a in emp_cells.items():
            if d >= 0:
                for key in ((d, a.shift, a.skill), (d, a.shift, None)):
                    count[key] = count.get(key, 0) + 1
    met = sum(1 for ln in cal.shift_lines
              if count.get((ln.day, ln.shift, ln.skill), 0) >= ln.required)
    worked = {e: sum(cal.slot(d, a.shift).minutes for d, a in cells[e].items() if d >= 0)
              for e in cal.employee_ids}
    overtime = {}
    for emp in problem.employees:
        regular = emp.contract.regular_minutes_week
        if regular is None:
            continue
        extra = sum(max(0, sum(cal.slot(d, cells[emp.id][d].shift).minutes
                               for d in wk if d in cells[emp.id]) - regular) for wk in cal.weeks)
        if extra:
            overtime[emp.id] = extra
    fairness = tuple(Fairness(kind, per) for kind, per in fairness_totals(cal, cells).items() if per)
    broken = sum(1 for r in problem.requests if request_broken(cells[r.employee], r))
    return Kpis(
        coverage=tuple(coverage),
        night=tuple(night),
        shift_lines=len(cal.shift_lines),
        shift_lines_met=met,
        under_interval_hours=len(under_intervals) * hours,
        overtime_min=sum(overtime.values()),
        overtime_by_employee=overtime,
        worked_min_by_employee=worked,
        fairness=fairness,
        requests=len(problem.requests),
        requests_honoured=len(problem.requests) - broken,
    )
