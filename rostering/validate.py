"""The roster validator: the executable specification of every rule.

Solver-independent. `validate` checks any roster against every hard rule,
naming each violation (rule, employee, day, shift), and prices every soft
rule; its `objective` is by definition the roster's cost, so the CP-SAT model
must reproduce it exactly (the tests check this). One function per rule, each
named for the rule it checks; `RULE_LABELS` gives the planner's words.

Conventions (see `rostering.domain`): history days are negative and count for
rules that look back (rest, successions, runs, night cover) but a violation is
only reported if it involves a horizon day.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from rostering.calendar import Calendar, ShiftLine, calendar_of
from rostering.domain import (
    Assignment,
    Employee,
    EmployeeId,
    Problem,
    Roster,
    ShiftRequest,
    SkillId,
    Weights,
)
from rostering.errors import RosterInputError

RULE_LABELS: dict[str, str] = {
    # hard rules
    "one_shift_per_day": "At most one shift per day",
    "skill_not_held": "Works a skill they do not hold",
    "time_off": "Works on approved time off",
    "unavailable": "Works when not available",
    "min_rest": "Minimum rest between shifts",
    "forbidden_succession": "Forbidden shift succession",
    "max_shifts_per_type": "Maximum shifts of one type",
    "min_minutes_horizon": "Minimum minutes over the roster",
    "max_minutes_horizon": "Maximum minutes over the roster",
    "min_minutes_week": "Minimum minutes per week",
    "max_minutes_week": "Maximum minutes per week",
    "max_consecutive_days": "Maximum consecutive working days",
    "min_consecutive_days": "Minimum consecutive working days",
    "min_consecutive_days_off": "Minimum consecutive days off",
    "max_weekends": "Maximum worked weekends",
    "max_nights_week": "Maximum nights per week",
    "night_cover": "Night cover minimum",
    # soft rules
    "shift_under_cover": "Shift under-covered",
    "shift_over_cover": "Shift over-covered",
    "interval_under_cover": "Interval under-covered",
    "interval_over_cover": "Interval over-covered",
    "shift_on_request": "Shift-on request not honoured",
    "shift_off_request": "Shift-off request not honoured",
    "day_on_request": "Day-on request not honoured",
    "day_off_request": "Day-off request not honoured",
    "fair_nights": "Unequal nights (max - min)",
    "fair_weekends": "Unequal weekends (max - min)",
    "fair_holidays": "Unequal public holidays (max - min)",
    "overtime": "Overtime minutes",
    "changed_assignment": "Changed against the previous roster",
}


@dataclass(frozen=True)
class Violation:
    """A broken hard rule. `day`/`shift` locate it when it has a place."""

    rule: str
    message: str
    employee: EmployeeId | None = None
    day: int | None = None
    shift: str | None = None
    skill: SkillId | None = None
    interval: int | None = None


@dataclass(frozen=True)
class Cost:
    """A priced soft rule: `cost` in objective units, located if possible."""

    rule: str
    cost: int
    message: str
    employee: EmployeeId | None = None
    day: int | None = None
    shift: str | None = None
    skill: SkillId | None = None
    interval: int | None = None


@dataclass(frozen=True)
class Report:
    """Validator verdict on one roster."""

    violations: tuple[Violation, ...]
    costs: tuple[Cost, ...]

    @property
    def feasible(self) -> bool:
        return not self.violations

    @property
    def objective(self) -> int:
        return sum(c.cost for c in self.costs)

    def cost_by_rule(self) -> dict[str, int]:
        out: Counter[str] = Counter()
        for c in self.costs:
            out[c.rule] += c.cost
        return dict(out)


# ---------------------------------------------------------------------------
# Indexing a roster


def cells_by_employee(
    cal: Calendar, roster: Roster
) -> tuple[dict[EmployeeId, dict[int, Assignment]], list[Violation]]:
    """Per employee, day -> assignment over history and horizon; second
    assignments on one day are reported (`one_shift_per_day`) and dropped.

    Raises RosterInputError for an unknown employee or shift type or a day
    outside the horizon: that is bad input, not a broken rule.
    """
    cells: dict[EmployeeId, dict[int, Assignment]] = {e: {} for e in cal.employee_ids}
    for a in cal.history.values():
        cells[a.employee][a.day] = a
    extra: list[Violation] = []
    for a in roster.assignments:
        if a.employee not in cells:
            raise RosterInputError(f"roster names unknown employee {a.employee!r}")
        cal.require_shift(a.shift, f"roster ({a.employee} day {a.day})")
        cal.require_day(a.day, f"roster ({a.employee})")
        day_cells = cells[a.employee]
        if a.day in day_cells:
            name = cal.employee_by_id[a.employee].label
            extra.append(Violation(
                "one_shift_per_day",
                f"{name} has two shifts on {cal.day_label(a.day)} "
                f"({day_cells[a.day].shift} and {a.shift})",
                a.employee, a.day, a.shift,
            ))
            continue
        day_cells[a.day] = a
    return cells, extra


# ---------------------------------------------------------------------------
# Hard rules for one employee; each takes the employee's cells (history too)


def skill_not_held(cal: Calendar, emp: Employee, cells: Mapping[int, Assignment]) -> list[Violation]:
    return [
        Violation("skill_not_held", f"{emp.label} works {a.skill} on {cal.day_label(d)} "
                  f"without holding it", emp.id, d, a.shift, a.skill)
        for d, a in cells.items()
        if d >= 0 and not cal.holds_skill(emp.id, a.skill)
    ]


def time_off_and_availability(
    cal: Calendar, emp: Employee, cells: Mapping[int, Assignment]
) -> list[Violation]:
    out = []
    for d, a in cells.items():
        if d < 0:
            continue
        reason = cal.blocked_reason(emp.id, d, a.shift)
        if reason == "time_off":
            t = cal.time_off[(emp.id, d)]
            out.append(Violation("time_off", f"{emp.label} works {a.shift} on "
                                 f"{cal.day_label(d)}, a day of {t.reason}", emp.id, d, a.shift))
        elif reason == "unavailable" or (
            emp.allowed_shifts is not None and a.shift not in emp.allowed_shifts
        ):
            out.append(Violation("unavailable", f"{emp.label} is not available for "
                                 f"{a.shift} on {cal.day_label(d)}", emp.id, d, a.shift))
    return out


def rest_and_successions(
    cal: Calendar, emp: Employee, cells: Mapping[int, Assignment]
) -> list[Violation]:
    """Minimum rest (exactly the minimum passes) and forbidden successions,
    including from the carried-in history into the horizon."""
    out = []
    rest = cal.rest_of(emp.id)
    for d, a in sorted(cells.items()):
        for c in cal.conflicts_after(d, a.shift, rest):
            later = cells.get(c.later_day)
            if later is None or later.shift != c.later_shift or c.later_day < 0:
                continue
            if c.rule == "min_rest":
                gap = cal.slot(c.later_day, later.shift).start_min - cal.slot(d, a.shift).end_min
                msg = (f"{emp.label} rests {gap} min between {a.shift} on {cal.day_label(d)} "
                       f"and {later.shift} on {cal.day_label(c.later_day)} (min {rest})")
            else:
                msg = (f"{emp.label} works {later.shift} on {cal.day_label(c.later_day)} "
                       f"right after {a.shift}, which is forbidden")
            out.append(Violation(c.rule, msg, emp.id, c.later_day, later.shift))
    return out


def max_shifts_per_type(
    cal: Calendar, emp: Employee, cells: Mapping[int, Assignment]
) -> list[Violation]:
    counts = Counter(a.shift for d, a in cells.items() if d >= 0)
    out = []
    for s, n in sorted(counts.items()):
        limit = emp.contract.max_shifts_per_type.get(s)
        if limit is not None and n > limit:
            last = max(d for d, a in cells.items() if a.shift == s)
            out.append(Violation("max_shifts_per_type", f"{emp.label} works {n} {s} shifts "
                                 f"(max {limit})", emp.id, last, s))
    return out


def _worked_minutes(cal: Calendar, cells: Mapping[int, Assignment], days: Iterable[int]) -> int:
    return sum(cal.slot(d, cells[d].shift).minutes for d in days if d in cells)


def _credit_minutes(cal: Calendar, emp_id: EmployeeId, days: Iterable[int]) -> int:
    return sum(cal.time_off[(emp_id, d)].credit_min for d in days if (emp_id, d) in cal.time_off)


def minutes_limits(cal: Calendar, emp: Employee, cells: Mapping[int, Assignment]) -> list[Violation]:
    """Min/max worked minutes over the horizon and per 7-day week; leave
    credit counts towards the minimums only; minimum weekly minutes apply to
    complete weeks."""
    c = emp.contract
    out = []
    blocks = [("horizon", cal.days, c.min_minutes_horizon, c.max_minutes_horizon)]
    blocks += [("week", wk, c.min_minutes_week if len(wk) == 7 else None, c.max_minutes_week)
               for wk in cal.weeks]
    for kind, days, lo, hi in blocks:
        if lo is None and hi is None:
            continue
        worked = _worked_minutes(cal, cells, days)
        where = "the roster" if kind == "horizon" else f"the week of {cal.day_label(days[0])}"
        if hi is not None and worked > hi:
            out.append(Violation(f"max_minutes_{kind}", f"{emp.label} works {worked} min in "
                                 f"{where} (max {hi})", emp.id, days[0]))
        credited = worked + _credit_minutes(cal, emp.id, days)
        if lo is not None and credited < lo:
            out.append(Violation(f"min_minutes_{kind}", f"{emp.label} has {credited} min in "
                                 f"{where} (min {lo})", emp.id, days[0]))
    return out


def _runs(cal: Calendar, cells: Mapping[int, Assignment], working: bool) -> list[tuple[int, int]]:
    """Maximal runs (first, last) of working (or off) days over the known days."""
    runs = []
    start = None
    for d in cal.known_days:
        if (d in cells) == working:
            if start is None:
                start = d
        elif start is not None:
            runs.append((start, d - 1))
            start = None
    if start is not None:
        runs.append((start, cal.known_days[-1]))
    return runs


def _min_run_exempt(cal: Calendar, first: int, last: int) -> bool:
    rules = cal.problem.rules
    return (rules.exempt_runs_at_start and first == cal.known_days[0]) or (
        rules.exempt_runs_at_end and last == cal.known_days[-1]
    )


def consecutive_days(
    cal: Calendar, emp: Employee, cells: Mapping[int, Assignment]
) -> list[Violation]:
    """Max and min consecutive working days and min consecutive days off.

    Runs crossing from history into the horizon count in full. A run shorter
    than a minimum is allowed if it touches an exempt border (Curtois & Qu);
    a run is judged only if it involves the horizon (ends at day -1 or later:
    a run ending at -1 ended because day 0 is off).
    """
    c = emp.contract
    out = []
    if c.max_consecutive_days is not None or c.min_consecutive_days is not None:
        for first, last in _runs(cal, cells, working=True):
            length = last - first + 1
            if last < -1:
                continue
            if (c.max_consecutive_days is not None and length > c.max_consecutive_days
                    and last >= 0):
                day = max(0, first + c.max_consecutive_days)
                out.append(Violation("max_consecutive_days", f"{emp.label} works {length} days "
                                     f"in a row to {cal.day_label(last)} (max "
                                     f"{c.max_consecutive_days})", emp.id, day))
            if (c.min_consecutive_days is not None and length < c.min_consecutive_days
                    and not _min_run_exempt(cal, first, last)):
                out.append(Violation("min_consecutive_days", f"{emp.label} works only {length} "
                                     f"day(s) in a row from {cal.day_label(first)} (min "
                                     f"{c.min_consecutive_days})", emp.id, max(first, 0)))
    if c.min_consecutive_days_off is not None:
        for first, last in _runs(cal, cells, working=False):
            length = last - first + 1
            if last < -1 or length >= c.min_consecutive_days_off:
                continue
            if not _min_run_exempt(cal, first, last):
                out.append(Violation("min_consecutive_days_off", f"{emp.label} has only {length} "
                                     f"day(s) off from {cal.day_label(first)} (min "
                                     f"{c.min_consecutive_days_off})", emp.id, max(first, 0)))
    return out


def weekends_worked(cal: Calendar, cells: Mapping[int, Assignment]) -> list[tuple[int, ...]]:
    return [wk for wk in cal.weekends if any(d in cells for d in wk)]


def max_weekends(cal: Calendar, emp: Employee, cells: Mapping[int, Assignment]) -> list[Violation]:
    limit = emp.contract.max_weekends
    worked = weekends_worked(cal, cells)
    if limit is None or len(worked) <= limit:
        return []
    return [Violation("max_weekends", f"{emp.label} works {len(worked)} weekends (max {limit})",
                      emp.id, worked[limit][0])]


def max_nights_week(cal: Calendar, emp: Employee, cells: Mapping[int, Assignment]) -> list[Violation]:
    limit = emp.contract.max_nights_week
    if limit is None:
        return []
    out = []
    for wk in cal.weeks:
        nights = [d for d in wk if d in cells and cells[d].shift in cal.night_shift_ids]
        if len(nights) > limit:
            out.append(Violation("max_nights_week", f"{emp.label} works {len(nights)} nights in "
                                 f"the week of {cal.day_label(wk[0])} (max {limit})",
                                 emp.id, nights[limit], cells[nights[limit]].shift))
    return out


EMPLOYEE_RULES = (
    skill_not_held,
    time_off_and_availability,
    rest_and_successions,
    max_shifts_per_type,
    minutes_limits,
    consecutive_days,
    max_weekends,
    max_nights_week,
)


def employee_violations(
    cal: Calendar, emp_id: EmployeeId, cells: Mapping[int, Assignment]
) -> list[Violation]:
    """Every per-person hard rule for one employee (cells: day -> assignment,
    history included). Swap checks call this for the people involved only."""
    emp = cal.employee_by_id[emp_id]
    out: list[Violation] = []
    for rule in EMPLOYEE_RULES:
        out.extend(rule(cal, emp, cells))
    return out


# ---------------------------------------------------------------------------
# Coverage


def interval_cover(
    cal: Calendar, cells: Mapping[EmployeeId, Mapping[int, Assignment]]
) -> dict[tuple[int, SkillId], int]:
    """(interval, skill) -> agents working that skill over the whole interval,
    history shifts reaching into the horizon included."""
    cover: Counter[tuple[int, SkillId]] = Counter()
    for emp_cells in cells.values():
        for d, a in emp_cells.items():
            for i in cal.covered_intervals(d, a.shift):
                cover[(i, a.skill)] += 1
    return dict(cover)


def night_cover(cal: Calendar, cover: Mapping[tuple[int, SkillId], int],
                intervals: Iterable[int] | None = None) -> list[Violation]:
    """Every night interval holds each skill's minimum (hard); `intervals`
    limits the check to some grid intervals (swap checks)."""
    out = []
    nights = cal.night_intervals if intervals is None else \
        sorted(set(intervals) & cal.night_interval_set)
    for nm in cal.problem.rules.night_minimums:
        for i in nights:
            have = cover.get((i, nm.skill), 0)
            if have < nm.required:
                out.append(Violation("night_cover", f"{cal.interval_label(i)} has {have} "
                                     f"{nm.skill} agent(s) on (night minimum {nm.required})",
                                     None, cal.day_of_interval(i), None, nm.skill, i))
    return out


def shift_counts(cells: Mapping[EmployeeId, Mapping[int, Assignment]]) -> Counter:
    """(day, shift, skill) and (day, shift, None) -> people on it (horizon)."""
    count: Counter[tuple[int, str, SkillId | None]] = Counter()
    for emp_cells in cells.values():
        for d, a in emp_cells.items():
            if d >= 0:
                count[(d, a.shift, a.skill)] += 1
                count[(d, a.shift, None)] += 1
    return count


def shift_line_cost(ln: ShiftLine, have: int) -> int:
    return max(ln.required - have, 0) * ln.weight_under + max(have - ln.required, 0) * ln.weight_over


def interval_cost(weights: Weights, need: int, have: int) -> int:
    return max(need - have, 0) * weights.under_cover + max(have - need, 0) * weights.over_cover


def shift_cover_costs(cal: Calendar, count: Mapping[tuple, int]) -> list[Cost]:
    out = []
    for ln in cal.shift_lines:
        have = count.get((ln.day, ln.shift, ln.skill), 0)
        cost = shift_line_cost(ln, have)
        if not cost:
            continue
        what = f"{ln.shift} on {cal.day_label(ln.day)}" + (f" ({ln.skill})" if ln.skill else "")
        if have < ln.required:
            out.append(Cost("shift_under_cover", cost, f"{what}: {have} of {ln.required} needed",
                            None, ln.day, ln.shift, ln.skill))
        else:
            out.append(Cost("shift_over_cover", cost, f"{what}: {have} for {ln.required} needed",
                            None, ln.day, ln.shift, ln.skill))
    return out


def interval_cover_costs(cal: Calendar, cover: Mapping[tuple[int, SkillId], int]) -> list[Cost]:
    w = cal.problem.weights
    out = []
    for (i, k), need in sorted(cal.interval_required.items()):
        have = cover.get((i, k), 0)
        cost = interval_cost(w, need, have)
        if not cost:
            continue
        if have < need:
            out.append(Cost("interval_under_cover", cost, f"{cal.interval_label(i)} {k}: {have} "
                            f"of {need} needed", None, cal.day_of_interval(i), None, k, i))
        else:
            out.append(Cost("interval_over_cover", cost, f"{cal.interval_label(i)} {k}: {have} "
                            f"for {need} needed", None, cal.day_of_interval(i), None, k, i))
    return out


# ---------------------------------------------------------------------------
# Other soft rules


def request_broken(emp_cells: Mapping[int, Assignment], r: ShiftRequest) -> bool:
    """True if the employee's cells do not honour request `r`."""
    a = emp_cells.get(r.day)
    if r.shift is None:
        return (a is None) if r.want else (a is not None)
    works_it = a is not None and a.shift == r.shift
    return (not works_it) if r.want else works_it


def request_costs(cal: Calendar, emp_id: EmployeeId, emp_cells: Mapping[int, Assignment]) -> list[Cost]:
    out = []
    name = cal.employee_by_id[emp_id].label
    for r in cal.requests_by_employee.get(emp_id, ()):
        if not r.weight or not request_broken(emp_cells, r):
            continue
        when = cal.day_label(r.day)
        if r.shift is None:
            rule = "day_on_request" if r.want else "day_off_request"
            msg = f"{name} asked to {'work' if r.want else 'be off'} on {when}"
        else:
            rule = "shift_on_request" if r.want else "shift_off_request"
            msg = f"{name} asked {'for' if r.want else 'not to work'} {r.shift} on {when}"
        out.append(Cost(rule, r.weight, msg, emp_id, r.day, r.shift))
    return out


def overtime_costs(cal: Calendar, emp_id: EmployeeId, emp_cells: Mapping[int, Assignment]) -> list[Cost]:
    """Minutes above the contract's regular weekly minutes, per week."""
    weight = cal.problem.weights.overtime_per_min
    emp = cal.employee_by_id[emp_id]
    regular = emp.contract.regular_minutes_week
    if not weight or regular is None:
        return []
    out = []
    for wk in cal.weeks:
        extra = _worked_minutes(cal, emp_cells, wk) - regular
        if extra > 0:
            out.append(Cost("overtime", extra * weight, f"{emp.label}: {extra} min overtime in "
                            f"the week of {cal.day_label(wk[0])}", emp_id, wk[0]))
    return out


def stability_costs(cal: Calendar, emp_id: EmployeeId, emp_cells: Mapping[int, Assignment],
                    before: Mapping[tuple[EmployeeId, int], str] | None) -> list[Cost]:
    """One `changed_assignment` per day whose shift (or day off) differs from
    the previous roster; a changed skill alone is free."""
    weight = cal.problem.weights.changed_assignment
    if before is None or not weight:
        return []
    out = []
    for d in cal.days:
        now = emp_cells.get(d)
        old = before.get((emp_id, d))
        if (now.shift if now else None) != old:
            out.append(Cost("changed_assignment", weight,
                            f"{cal.employee_by_id[emp_id].label} on {cal.day_label(d)}: "
                            f"{old or 'off'} -> {now.shift if now else 'off'}", emp_id, d))
    return out


def employee_costs(cal: Calendar, emp_id: EmployeeId, emp_cells: Mapping[int, Assignment],
                   before: Mapping[tuple[EmployeeId, int], str] | None = None) -> list[Cost]:
    """Every per-person soft cost: requests, overtime, stability."""
    return (request_costs(cal, emp_id, emp_cells) + overtime_costs(cal, emp_id, emp_cells)
            + stability_costs(cal, emp_id, emp_cells, before))


def previous_shifts(cal: Calendar, previous: Roster | None) -> dict[tuple[EmployeeId, int], str] | None:
    """(employee, day) -> shift of the roster being re-planned, horizon only."""
    if previous is None:
        return None
    return {(a.employee, a.day): a.shift for a in previous.assignments
            if a.employee in cal.employee_by_id and 0 <= a.day < cal.problem.num_days}


FAIRNESS_KINDS = ("nights", "weekends", "holidays")


def fairness_counts(cal: Calendar, emp_id: EmployeeId, emp_cells: Mapping[int, Assignment]) -> dict[str, int]:
    """Ledger plus this roster's nights, weekends and holidays for one person."""
    led = cal.ledger.get(emp_id)
    return {
        "nights": (led.nights if led else 0) + sum(
            1 for d, a in emp_cells.items() if d >= 0 and a.shift in cal.night_shift_ids),
        "weekends": (led.weekends if led else 0) + len(weekends_worked(cal, emp_cells)),
        "holidays": (led.holidays if led else 0) + sum(
            1 for d in cal.problem.holidays if d in emp_cells),
    }


def fairness_totals(
    cal: Calendar, cells: Mapping[EmployeeId, Mapping[int, Assignment]]
) -> dict[str, dict[EmployeeId, int]]:
    """Per fairness kind, each group member's ledger-inclusive count."""
    totals: dict[str, dict[EmployeeId, int]] = {k: {} for k in FAIRNESS_KINDS}
    groups = cal.fairness_groups
    for emp_id in cal.employee_ids:
        counts = fairness_counts(cal, emp_id, cells[emp_id])
        for kind in FAIRNESS_KINDS:
            if emp_id in groups[kind]:
                totals[kind][emp_id] = counts[kind]
    return totals


def fairness_costs(cal: Calendar, totals: Mapping[str, Mapping[EmployeeId, int]]) -> list[Cost]:
    """weight x (max - min) per kind over its group."""
    w = cal.problem.weights
    weight = {"nights": w.fair_nights, "weekends": w.fair_weekends, "holidays": w.fair_holidays}
    out = []
    for kind, per_emp in totals.items():
        if len(per_emp) < 2 or not weight[kind]:
            continue
        most = max(per_emp, key=per_emp.__getitem__)
        least = min(per_emp, key=per_emp.__getitem__)
        hi, lo = per_emp[most], per_emp[least]
        if hi > lo:
            out.append(Cost(f"fair_{kind}", (hi - lo) * weight[kind],
                            f"{kind}: {cal.employee_by_id[most].label} has {hi}, "
                            f"{cal.employee_by_id[least].label} has {lo} (ledger included)"))
    return out


# ---------------------------------------------------------------------------


def validate(problem: Problem, roster: Roster, previous: Roster | None = None) -> Report:
    """Check `roster` against every hard rule and price every soft rule.

    `previous` (the roster being re-planned) enables the stability cost.
    Raises RosterInputError if the roster names unknown ids or days.
    """
    cal = calendar_of(problem)
    cells, violations = cells_by_employee(cal, roster)
    before = previous_shifts(cal, previous)
    costs: list[Cost] = []
    for emp_id in cal.employee_ids:
        violations.extend(employee_violations(cal, emp_id, cells[emp_id]))
        costs.extend(employee_costs(cal, emp_id, cells[emp_id], before))
    needs_intervals = bool(cal.interval_required or problem.rules.night_minimums)
    cover = interval_cover(cal, cells) if needs_intervals else {}
    violations.extend(night_cover(cal, cover))
    costs = (shift_cover_costs(cal, shift_counts(cells)) + interval_cover_costs(cal, cover) + costs
             + fairness_costs(cal, fairness_totals(cal, cells)))
    return Report(tuple(violations), tuple(costs))
