"""A fast first roster: a rule-aware greedy, one employee after another.

Pure Python, linear in days x shift types per person, so it places 150
people over 364 days in seconds where building and solving CP-SAT models
for them would take minutes. Each person walks through the days keeping the
state the labour rules need (current run of work or rest, shifts per type,
minutes per week and horizon, weekends, nights, the previous shift for rest
and successions) and, where the rules leave a choice, works the shift and
skill with the most open demand, at a pace that reaches the minimum minutes.

The result is checked person by person with the validator's own
`employee_violations`; a person whose attempt breaks a rule gets a few more
randomised attempts with more or less eagerness, and is reported back if all
fail (the search then repairs that person with CP-SAT). Night minimums and
fairness are left to the solver, but night intervals still below their
minimum are valued far above any soft demand, so the greedy staffs them
first with whoever may work nights.
"""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass

from rostering.calendar import Calendar
from rostering.domain import Assignment, EmployeeId, ShiftTypeId, SkillId
from rostering.validate import employee_violations

ATTEMPTS = 8
NIGHT_FIRST = 10.0  # value of covering one night interval still below its minimum


@dataclass
class Demand:
    """Open demand the greedy steers by: per (day, shift, skill) head count
    still wanted (shift demand) and per (interval, skill) agents still wanted
    (interval demand); both go down as people are placed."""

    shift_need: dict[tuple[int, ShiftTypeId, SkillId | None], int]
    interval_need: dict[tuple[int, SkillId], int]
    night_need: dict[tuple[int, SkillId], int]

    @classmethod
    def of(cls, cal: Calendar, placed: list[Assignment]) -> Demand:
        shift_need: dict = Counter()
        for ln in cal.shift_lines:
            shift_need[(ln.day, ln.shift, ln.skill)] += ln.required
        interval_need: dict = Counter(cal.interval_required)
        night_need: dict = Counter({(i, nm.skill): nm.required
                                    for nm in cal.problem.rules.night_minimums
                                    for i in cal.night_intervals})
        demand = cls(shift_need, interval_need, night_need)
        for a in list(cal.history.values()) + placed:
            demand.take(cal, a)
        return demand

    def value(self, cal: Calendar, d: int, s: ShiftTypeId, k: SkillId) -> float:
        """How much placing one person on (d, s, k) is wanted, in people
        (shift demand) plus the share of its intervals still open."""
        v = max(self.shift_need.get((d, s, None), 0), 0) + max(self.shift_need.get((d, s, k), 0), 0)
        if self.interval_need or self.night_need:
            covered = cal.covered_intervals(d, s)
            if len(covered):
                v += sum(1 for i in covered if self.interval_need.get((i, k), 0) > 0) / len(covered)
                # the hard night minimum outranks any soft demand
                v += NIGHT_FIRST * sum(1 for i in covered if self.night_need.get((i, k), 0) > 0)
        return v

    def take(self, cal: Calendar, a: Assignment) -> None:
        if a.day >= 0:
            for key in ((a.day, a.shift, None), (a.day, a.shift, a.skill)):
                if key in self.shift_need:
                    self.shift_need[key] -= 1
        if self.interval_need or self.night_need:
            for i in cal.covered_intervals(a.day, a.shift):
                if (i, a.skill) in self.interval_need:
                    self.interval_need[(i, a.skill)] -= 1
                if (i, a.skill) in self.night_need:
                    self.night_need[(i, a.skill)] -= 1


def _attempt(cal: Calendar, e: EmployeeId, demand: Demand, rng: random.Random,
             eagerness: float) -> dict[int, Assignment]:
    """One greedy pass for employee e; returns day -> assignment (horizon)."""
    emp = cal.employee_by_id[e]
    c = emp.contract
    rules = cal.problem.rules
    first_known = cal.known_days[0]
    n_days = cal.problem.num_days
    shifts = [s for s in cal.shift_ids if cal.skill_options(e, s)]
    cells: dict[int, Assignment] = cal.history_of(e)
    # state of the run reaching day 0 (history tail)
    run_work = (-1) in cells
    run_len = 0
    d = -1
    while d >= first_known and ((d in cells) == run_work):
        run_len += 1
        d -= 1
    run_exempt = d < first_known and rules.exempt_runs_at_start
    per_type: Counter[str] = Counter()
    total = 0
    week_minutes: Counter[int] = Counter()
    week_nights: Counter[int] = Counter()
    weekends_used: set[int] = set()
    weekend_of = {day: k for k, days in enumerate(cal.weekends) for day in days}
    lo_total = c.min_minutes_horizon or 0
    hi_total = c.max_minutes_horizon
    avg = (sum(cal.slot(0, s).minutes for s in shifts) / len(shifts)) if shifts else 480
    min_w, max_w = c.min_consecutive_days or 1, c.max_consecutive_days or n_days
    min_off = c.min_consecutive_days_off or 1
    rest = cal.rest_of(e)
    credit = sum(t.credit_min for (ee, _), t in cal.time_off.items() if ee == e)
    target = max(lo_total - credit, 0) + eagerness * max(0, (hi_total or lo_total + 4 * avg) - lo_total)

    def options(day: int) -> list[tuple[float, ShiftTypeId, SkillId]]:
        out = []
        wk = cal.week_of(day)
        k_we = weekend_of.get(day)
        if (k_we is not None and k_we not in weekends_used and c.max_weekends is not None
                and len(weekends_used) >= c.max_weekends):
            return out
        for s in shifts:
            if cal.blocked_reason(e, day, s):
                continue
            limit = c.max_shifts_per_type.get(s)
            if limit is not None and per_type[s] >= limit:
                continue
            m = cal.slot(day, s).minutes
            if hi_total is not None and total + m > hi_total:
                continue
            if c.max_minutes_week is not None and week_minutes[wk] + m > c.max_minutes_week:
                continue
            if (s in cal.night_shift_ids and c.max_nights_week is not None
                    and week_nights[wk] >= c.max_nights_week):
                continue
            if any((day, s) in cal.forbids(prev, cells[prev].shift, rest)
                   for prev in (day - 1, day - 2) if prev in cells):
                continue
            best_k = max(cal.skill_options(e, s), key=lambda k: demand.value(cal, day, s, k))
            out.append((demand.value(cal, day, s, best_k) + rng.random() * 0.01, s, best_k))
        return out

    shortest = min((cal.slot(0, s).minutes for s in shifts), default=0)

    def can_hold(day: int, length: int) -> bool:
        """Can a work block starting at `day` reach `length` days? It may be
        cut by the horizon end (exempt there). Checks leave, the minutes
        left and the weekend budget; successions are kept by repeating a
        shift type."""
        if hi_total is not None and total + length * shortest > hi_total:
            return day + length > n_days and rules.exempt_runs_at_end
        new_weekends = set()
        for j in range(length):
            dd = day + j
            if dd >= n_days:
                return rules.exempt_runs_at_end
            if (e, dd) in cal.time_off or (dd, None) in emp.unavailable:
                return False
            k_we = weekend_of.get(dd)
            if k_we is not None and k_we not in weekends_used:
                new_weekends.add(k_we)
        if c.max_weekends is not None and len(weekends_used) + len(new_weekends) > c.max_weekends:
            return False
        return True

    for day in range(n_days):
        opts = options(day)
        if run_work:
            must_work = run_len < min_w and not run_exempt
            must_rest = run_len >= max_w
        else:
            must_rest = run_len < min_off and not run_exempt and run_len > 0
            must_work = False
        if must_rest or not opts:
            work = False
        elif must_work:
            work = True
        else:
            days_left = n_days - day
            deficit = target - total
            pace = deficit / max(avg * days_left * max_w / (max_w + min_off), 1.0)
            best_value = max(o[0] for o in opts)
            starting = not run_work
            if starting and not can_hold(day, min_w):
                work = False
            else:
                work = best_value >= 0.5 or rng.random() < pace
                if deficit <= 0 and best_value < 0.5:
                    work = False
        if work:
            value, s, k = max(opts)
            prev = cells.get(day - 1)
            if run_work and prev is not None and value < 0.5:
                same = [o for o in opts if o[1] == prev.shift]
                if same:
                    value, s, k = same[0]
            a = Assignment(e, day, s, k)
            cells[day] = a
            per_type[s] += 1
            m = cal.slot(day, s).minutes
            total += m
            week_minutes[cal.week_of(day)] += m
            if s in cal.night_shift_ids:
                week_nights[cal.week_of(day)] += 1
            if day in weekend_of:
                weekends_used.add(weekend_of[day])
        if work == run_work:
            run_len += 1
        else:
            run_work, run_len, run_exempt = work, 1, False
    return {d: a for d, a in cells.items() if d >= 0}


def greedy_roster(cal: Calendar, seed: int = 0, order: list[EmployeeId] | None = None,
                  stopped: Callable[[], bool] | None = None
                  ) -> tuple[list[Assignment], list[EmployeeId]]:
    """Place everyone; returns (assignments, employees whose every attempt
    broke a per-person rule — their best attempt is still included). If
    `stopped()` turns true, the people not yet placed stay off and count as
    failed (checked per person, so a stop takes effect within milliseconds)."""
    rng = random.Random(seed)
    placed: list[Assignment] = []
    failed: list[EmployeeId] = []
    demand = Demand.of(cal, placed)
    for e in order or list(cal.employee_ids):
        if stopped is not None and stopped():
            failed.append(e)
            continue
        best: tuple[int, dict[int, Assignment]] | None = None
        eagerness = 0.15
        for _ in range(ATTEMPTS):
            cells = _attempt(cal, e, demand, rng, eagerness)
            full_cells = {**cal.history_of(e), **cells}
            broken = employee_violations(cal, e, full_cells)
            if best is None or len(broken) < best[0]:
                best = (len(broken), cells)
            if not broken:
                break
            rules = {v.rule for v in broken}
            if rules & {"min_minutes_horizon", "min_minutes_week"}:
                eagerness = min(1.0, eagerness + 0.2)
            elif rules & {"max_minutes_horizon", "max_minutes_week"}:
                eagerness = max(0.0, eagerness - 0.1)
        assert best is not None
        if best[0]:
            failed.append(e)
        for a in best[1].values():
            placed.append(a)
            demand.take(cal, a)
    return placed, failed
