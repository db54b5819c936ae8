"""Explanations in a planner's words.

- `explain_conflict`: the hard requirements found to conflict (a small set
  from CP-SAT's sufficient assumptions, see `rostering.solve.find_conflict`),
  each phrased with its context, e.g. "Sat 12 Oct night needs 2 technical
  agents; only 1 eligible agent is neither on leave nor in rest".
- `explain_costs`: for a roster, the broken soft rules with their cost, worst
  first, with neighbouring under-covered intervals merged into one line.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from rostering.calendar import Calendar, calendar_of
from rostering.domain import EmployeeId, Problem, Requirement, ShiftTypeId, SkillId
from rostering.validate import RULE_LABELS, Cost, Report


@dataclass(frozen=True)
class Explanation:
    """One line for the planner. `cost` is set for soft rules (objective
    units); conflict lines have none."""

    rule: str
    text: str
    cost: int | None = None
    employee: EmployeeId | None = None
    day: int | None = None
    shift: ShiftTypeId | None = None
    skill: SkillId | None = None


def _hours(minutes: int) -> str:
    return f"{minutes / 60:g} h"


def _night_candidates(cal: Calendar, night: int, skill: SkillId) -> tuple[list, list, list]:
    """(eligible, on_leave, in_rest) employees for a skill on a night: those
    who hold the skill for a night-covering shift type that day, those of
    them on leave or unavailable, and those still resting after history."""
    covering = [s for s in cal.shift_ids
                if any(i in set(cal.night_intervals) for i in cal.covered_intervals(night, s))]
    eligible, leave, rest = [], [], []
    for e in cal.employee_ids:
        shifts = [s for s in covering if skill in cal.skill_options(e, s)]
        if not shifts:
            continue
        eligible.append(e)
        if all(cal.blocked_reason(e, night, s) for s in shifts):
            leave.append(e)
            continue
        blocked_by_history = set()
        for (he, hd), a in cal.history.items():
            if he == e:
                blocked_by_history |= {c.later_shift for c in cal.conflicts_after(hd, a.shift, cal.rest_of(e))
                                       if c.later_day == night}
        if all(s in blocked_by_history for s in shifts):
            rest.append(e)
    return eligible, leave, rest


def _night_short(cal: Calendar, night: int, skill: SkillId) -> bool:
    """Fewer eligible agents than the minimum are free of leave and rest."""
    need = next(nm.required for nm in cal.problem.rules.night_minimums if nm.skill == skill)
    eligible, leave, rest = _night_candidates(cal, night, skill)
    return len(eligible) - len(leave) - len(rest) < need


def _night_text(cal: Calendar, nights: list[int], skill: SkillId) -> str:
    """One line for the night minimum of `skill` on one or more nights."""
    need = next(nm.required for nm in cal.problem.rules.night_minimums if nm.skill == skill)
    agents = "agent" if need == 1 else "agents"
    if len(nights) == 1:
        eligible, leave, rest = _night_candidates(cal, nights[0], skill)
        free = len(eligible) - len(leave) - len(rest)
        head = f"{cal.day_label(nights[0])} night needs {need} {skill} {agents}"
        if free < need:
            verb = "is" if free == 1 else "are"
            return (f"{head}; only {free} eligible agent{'' if free == 1 else 's'} {verb} "
                    f"neither on leave nor in rest ({len(leave)} on leave, {len(rest)} in rest)")
        return f"{head}; {free} eligible agents are free that night but other rules limit them"
    eligible, _, _ = _night_candidates(cal, nights[0], skill)
    return (f"{cal.day_label(nights[0])} to {cal.day_label(nights[-1])}: {len(nights)} nights each "
            f"need {need} {skill} {agents}; {len(eligible)} eligible agents, but the rules below "
            f"limit how many nights they can work")


def _limit(cal: Calendar, req: Requirement) -> str:
    """A personal rule as a statement without the person, e.g. 'At most 3
    nights per week', so people held by the same rule share one line."""
    c = cal.employee_by_id[req.employee].contract
    rule = req.rule
    if rule == "min_rest":
        return f"{_hours(cal.rest_of(req.employee))} rest between shifts"
    if rule == "forbidden_succession":
        pairs = ", ".join(f"{b} after {a}" for a, b in sorted(cal.problem.rules.forbidden_successions))
        return f"No {pairs}"
    if rule == "max_shifts_per_type":
        return f"At most {c.max_shifts_per_type[req.shift]} {req.shift} shifts"
    if rule.startswith(("min_minutes", "max_minutes")):
        where = "in the roster" if req.week is None else \
            f"in the week of {cal.day_label(cal.weeks[req.week][0])}"
        if rule.startswith("min"):
            lo = c.min_minutes_horizon if req.week is None else c.min_minutes_week
            return f"At least {_hours(lo)} {where}"
        hi = c.max_minutes_horizon if req.week is None else c.max_minutes_week
        return f"At most {_hours(hi)} {where}"
    if rule == "max_consecutive_days":
        return f"At most {c.max_consecutive_days} days in a row"
    if rule == "min_consecutive_days":
        return f"At least {c.min_consecutive_days} days in a row"
    if rule == "min_consecutive_days_off":
        return f"At least {c.min_consecutive_days_off} days off in a row"
    if rule == "max_weekends":
        return f"At most {c.max_weekends} weekend(s)"
    if rule == "max_nights_week":
        return f"At most {c.max_nights_week} night(s) per week"
    return RULE_LABELS.get(rule, rule)


def _who(cal: Calendar, req: Requirement) -> str:
    """The person, with the history that makes the rule bite, if any."""
    name = cal.employee_by_id[req.employee].label
    own = sorted((d, a) for (e, d), a in cal.history.items() if e == req.employee)
    if req.rule == "min_rest" and own:
        d, a = own[-1]
        return f"{name} (worked {a.shift} on {cal.day_label(d)})"
    if req.rule == "max_consecutive_days":
        tail, d = 0, -1
        while (req.employee, d) in cal.history:
            tail, d = tail + 1, d - 1
        if tail:
            return f"{name} (worked the {tail} day(s) before)"
    return name


def explain_conflict(problem: Problem, core: list[Requirement]) -> list[Explanation]:
    """Phrase a conflicting set of requirements: night minimums first (runs
    of nights the rules limit share a line), then leave and availability,
    then personal rules with everyone they hold on one line."""
    cal = calendar_of(problem)
    out: list[Explanation] = []
    nights: dict[SkillId, list[int]] = defaultdict(list)
    for r in core:
        if r.rule == "night_cover":
            nights[r.skill].append(r.day)
    for skill, days in sorted(nights.items()):
        days.sort()
        short = [d for d in days if _night_short(cal, d, skill)]
        for d in short:
            out.append(Explanation("night_cover", _night_text(cal, [d], skill), day=d, skill=skill))
        rest = [d for d in days if d not in short]
        if rest:
            out.append(Explanation("night_cover", _night_text(cal, rest, skill), day=rest[0],
                                   skill=skill))
    for r in sorted((r for r in core if r.rule in ("time_off", "unavailable")),
                    key=lambda r: (r.day, r.employee)):
        name = cal.employee_by_id[r.employee].label
        if r.rule == "time_off":
            t = cal.time_off.get((r.employee, r.day))
            text = f"{name} is on {t.reason if t else 'leave'} on {cal.day_label(r.day)}"
        else:
            text = f"{name} is not available for {r.shift or 'any shift'} on {cal.day_label(r.day)}"
        out.append(Explanation(r.rule, text, None, r.employee, r.day, r.shift))
    personal: dict[tuple[str, str], list[Requirement]] = defaultdict(list)
    for r in core:
        if r.employee is not None and r.rule not in ("time_off", "unavailable"):
            personal[(r.rule, _limit(cal, r))].append(r)
    for (rule, limit), reqs in personal.items():
        names = ", ".join(_who(cal, r) for r in sorted(reqs, key=lambda r: r.employee))
        out.append(Explanation(rule, f"{limit}: {names}", None,
                               reqs[0].employee if len(reqs) == 1 else None))
    return out


def _merge_intervals(cal: Calendar, costs: list[Cost]) -> list[Explanation]:
    """One line per run of neighbouring intervals with the same rule and skill."""
    out = []
    by_key: dict[tuple[str, SkillId | None], list[Cost]] = defaultdict(list)
    for c in costs:
        by_key[(c.rule, c.skill)].append(c)
    for (rule, skill), items in by_key.items():
        items.sort(key=lambda c: c.interval)
        runs: list[list[Cost]] = []
        for c in items:
            if runs and c.interval == runs[-1][-1].interval + 1:
                runs[-1].append(c)
            else:
                runs.append([c])
        word = "short" if rule == "interval_under_cover" else "over"
        for run in runs:
            end = cal.interval_start(run[-1].interval + 1).astimezone(cal.zone)
            total = sum(c.cost for c in run)
            out.append(Explanation(rule, f"{cal.interval_label(run[0].interval)}-{end:%H:%M} "
                                   f"{skill}: {word} in {len(run)} interval(s) (cost {total})",
                                   total, None, run[0].day, None, skill))
    return out


def explain_costs(problem: Problem, report: Report, limit: int | None = 50) -> list[Explanation]:
    """Broken soft rules with their cost, worst first (at most `limit`)."""
    cal = calendar_of(problem)
    interval_costs = [c for c in report.costs if c.rule.startswith("interval_")]
    out = _merge_intervals(cal, interval_costs) if interval_costs else []
    out += [Explanation(c.rule, f"{RULE_LABELS[c.rule]}: {c.message} (cost {c.cost})", c.cost,
                        c.employee, c.day, c.shift, c.skill)
            for c in report.costs if not c.rule.startswith("interval_")]
    out.sort(key=lambda x: -(x.cost or 0))
    return out if limit is None else out[:limit]
