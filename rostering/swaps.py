"""Changes without a solve: swaps, give-aways, extra shifts and time off.

A `ChangeChecker` indexes one roster once (cover per interval and skill,
head count per shift, each person's soft costs and fairness counts); then
`check(change)` answers in milliseconds, re-checking only what the change
touches: every per-person hard rule for the people involved (the validator's
own `employee_violations`), the night minimum on the intervals whose cover
changed, and the change in cost, rule by rule as the validator prices it.
`open_shift_candidates` ranks who could take an open shift without breaking
a rule. Roles follow Grafana OnCall's shift swaps: the *beneficiary* gives a
shift away, the *benefactor* takes it.

The answers agree with running `validate` on the changed roster (the tests
check this on random changes), they are just computed incrementally.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from datetime import datetime

from rostering.calendar import Calendar, calendar_of
from rostering.domain import (
    Assignment,
    EmployeeId,
    Problem,
    Roster,
    ShiftTypeId,
    SkillId,
    TimeOff,
)
from rostering.errors import RosterInputError
from rostering.validate import (
    FAIRNESS_KINDS,
    Violation,
    cells_by_employee,
    employee_costs,
    employee_violations,
    fairness_counts,
    interval_cost,
    interval_cover,
    night_cover,
    previous_shifts,
    shift_counts,
    shift_line_cost,
)


@dataclass(frozen=True)
class Swap:
    """`first` and `second` trade: first's shift on `first_day` goes to
    second and second's shift on `second_day` goes to first. Either may be a
    day off, so this also moves one shift to another person and day."""

    first: EmployeeId
    first_day: int
    second: EmployeeId
    second_day: int


@dataclass(frozen=True)
class GiveAway:
    """The beneficiary gives the shift on `day` to the benefactor, or leaves
    it open (`benefactor=None`)."""

    beneficiary: EmployeeId
    day: int
    benefactor: EmployeeId | None = None


@dataclass(frozen=True)
class TakeShift:
    """`employee` takes an extra (overtime) or open shift; on a day they
    already work it replaces that shift."""

    employee: EmployeeId
    day: int
    shift: ShiftTypeId
    skill: SkillId


@dataclass(frozen=True)
class TakeTimeOff:
    """`employee` is off on `days`; the shifts there become open shifts.
    `credit_min` per day counts towards minimum minutes (paid leave)."""

    employee: EmployeeId
    days: tuple[int, ...]
    reason: str = "leave"
    credit_min: int = 0


Change = Swap | GiveAway | TakeShift | TakeTimeOff


@dataclass(frozen=True)
class CoverChange:
    """Agents with `skill` over one grid interval, before and after."""

    interval: int
    start: datetime
    label: str
    skill: SkillId
    before: int
    after: int
    required: int | None
    is_night: bool
    night_minimum: int | None


@dataclass(frozen=True)
class ShiftCoverChange:
    """Head count on a (day, shift type[, skill]) cover line, before and after."""

    day: int
    shift: ShiftTypeId
    skill: SkillId | None
    before: int
    after: int
    required: int


@dataclass(frozen=True)
class ChangeCheck:
    """Verdict on one change: `ok` iff no hard rule breaks for anyone
    involved or on any interval whose cover changed; `cost_delta` is the
    validator's objective after minus before; `open_shifts` are shifts
    released without a taker; `person_costs` each involved person's soft
    cost after the change."""

    ok: bool
    violations: tuple[Violation, ...]
    cost_delta: int
    cover: tuple[CoverChange, ...]
    shift_cover: tuple[ShiftCoverChange, ...]
    open_shifts: tuple[Assignment, ...]
    involved: tuple[EmployeeId, ...]
    roster: Roster
    person_costs: Mapping[EmployeeId, int]


@dataclass(frozen=True)
class Candidate:
    """Someone who could take an open shift without breaking a rule.
    `cost_delta` as in ChangeCheck; `load` is their fairness count of the
    kind the shift adds to (nights, weekends, holidays), ledger included."""

    employee: EmployeeId
    skill: SkillId
    cost_delta: int
    load: int
    overtime_min: int


class _WithLeave:
    """The calendar with extra approved time off, for judging a time-off
    request without rebuilding the calendar (leave changes only who is
    blocked on which day and the leave credit towards minimum minutes)."""

    def __init__(self, cal: Calendar, leave: list[TimeOff]) -> None:
        self._cal = cal
        self.time_off = dict(cal.time_off)
        for t in leave:
            self.time_off.setdefault((t.employee, t.day), t)

    def __getattr__(self, name: str):
        return getattr(self._cal, name)

    def blocked_reason(self, emp_id: EmployeeId, day: int, shift: ShiftTypeId) -> str | None:
        if (emp_id, day) in self.time_off:
            return "time_off"
        return self._cal.blocked_reason(emp_id, day, shift)


class ChangeChecker:
    """Index of one roster for fast what-if checks (see module doc)."""

    def __init__(self, problem: Problem, roster: Roster, previous: Roster | None = None) -> None:
        self.problem = problem
        self.cal = calendar_of(problem)
        self.roster = roster
        self.previous = previous
        self.cells, _ = cells_by_employee(self.cal, roster)
        self.before = previous_shifts(self.cal, previous)
        self.uses_intervals = bool(self.cal.interval_required or problem.rules.night_minimums)
        self.cover = interval_cover(self.cal, self.cells) if self.uses_intervals else {}
        self.counts = shift_counts(self.cells)
        self.lines = {(ln.day, ln.shift, ln.skill): ln for ln in self.cal.shift_lines}
        self.emp_cost = {e: sum(c.cost for c in employee_costs(self.cal, e, self.cells[e], self.before))
                         for e in self.cal.employee_ids}
        groups = self.cal.fairness_groups
        self.fair = {kind: {e: fairness_counts(self.cal, e, self.cells[e])[kind]
                            for e in groups[kind]} for kind in FAIRNESS_KINDS}
        self._extremes = self._extremes_of(self.fair)
        self.night_min = {nm.skill: nm.required for nm in problem.rules.night_minimums}

    # ---- translating a change into per-person edits -------------------------

    def _assignment(self, e: EmployeeId, d: int) -> Assignment | None:
        self.cal.require_employee(e, "change")
        self.cal.require_day(d, f"change for {e}")
        return self.cells[e].get(d)

    def _moved(self, a: Assignment, to: EmployeeId, day: int) -> Assignment:
        """`a` worked by `to` on `day`: same skill if held, else their first
        option for that shift type (a skill they lack is reported)."""
        skill = a.skill
        if not self.cal.holds_skill(to, skill):
            skill = (self.cal.skill_options(to, a.shift) or (skill,))[0]
        return Assignment(to, day, a.shift, skill)

    def _edits(self, change: Change) -> tuple[dict[EmployeeId, dict[int, Assignment | None]],
                                              list[Assignment], list[TimeOff]]:
        """(employee -> day -> new assignment or None, open shifts, new time off)."""
        edits: dict[EmployeeId, dict[int, Assignment | None]] = {}
        released: list[Assignment] = []
        leave: list[TimeOff] = []
        if isinstance(change, Swap):
            a = self._assignment(change.first, change.first_day)
            b = self._assignment(change.second, change.second_day)
            if a is None and b is None:
                raise RosterInputError(f"swap: neither {change.first} on day {change.first_day} "
                                       f"nor {change.second} on day {change.second_day} works")
            if change.first == change.second:
                raise RosterInputError("swap needs two different employees")
            edits[change.first] = {change.first_day: None}
            edits[change.second] = {change.second_day: None}
            if a is not None:
                edits[change.second][change.first_day] = self._moved(a, change.second, change.first_day)
            if b is not None:
                edits[change.first][change.second_day] = self._moved(b, change.first, change.second_day)
        elif isinstance(change, GiveAway):
            a = self._assignment(change.beneficiary, change.day)
            if a is None:
                raise RosterInputError(f"{change.beneficiary} has no shift on day {change.day} to give")
            edits[change.beneficiary] = {change.day: None}
            if change.benefactor is None:
                released.append(a)
            else:
                if change.benefactor == change.beneficiary:
                    raise RosterInputError("a shift cannot be given to its own holder")
                self._assignment(change.benefactor, change.day)
                edits[change.benefactor] = {change.day: self._moved(a, change.benefactor, change.day)}
        elif isinstance(change, TakeShift):
            self._assignment(change.employee, change.day)
            self.cal.require_shift(change.shift, f"change for {change.employee}")
            edits[change.employee] = {change.day: Assignment(change.employee, change.day,
                                                             change.shift, change.skill)}
        elif isinstance(change, TakeTimeOff):
            if not change.days:
                raise RosterInputError(f"time off for {change.employee} names no day")
            edits[change.employee] = {}
            for d in change.days:
                a = self._assignment(change.employee, d)
                edits[change.employee][d] = None
                if a is not None:
                    released.append(a)
                leave.append(TimeOff(change.employee, d, change.reason, change.credit_min))
        else:
            raise RosterInputError(f"unknown change {change!r}")
        return edits, released, leave

    # ---- the check ----------------------------------------------------------

    def check(self, change: Change) -> ChangeCheck:
        """Apply `change` to a copy and judge it (see ChangeCheck)."""
        edits, released, leave = self._edits(change)
        return self._judge(edits, released, leave)

    def check_edits(self, edits: dict[EmployeeId, dict[int, Assignment | None]],
                    known_legal: Collection[EmployeeId] = ()) -> ChangeCheck:
        """Judge any set of cell edits (employee -> day -> new assignment or
        None for a day off), e.g. a re-solved neighbourhood of the roster.
        The per-person hard rules of the people in `known_legal` are taken
        as holding (a solver placed them against these same cells), so only
        their costs are recomputed."""
        return self._judge(edits, [], [], known_legal=known_legal)

    def apply(self, edits: dict[EmployeeId, dict[int, Assignment | None]], check: ChangeCheck) -> None:
        """Make `check` (the verdict on `edits`) the indexed roster, updating
        the index for the people and cover it changed only, so a search can
        keep one checker for its incumbent as it improves."""
        new_cells, removed, added = self._edited(edits)
        for sign, items in ((-1, removed), (1, added)):
            for a in items:
                if self.uses_intervals:
                    for i in self.cal.covered_intervals(a.day, a.shift):
                        self.cover[(i, a.skill)] = self.cover.get((i, a.skill), 0) + sign
                if a.day >= 0:
                    self.counts[(a.day, a.shift, a.skill)] += sign
                    self.counts[(a.day, a.shift, None)] += sign
        for e, cells in new_cells.items():
            self.cells[e] = cells
            self.emp_cost[e] = check.person_costs[e]
            counts = fairness_counts(self.cal, e, cells)
            for kind, per in self.fair.items():
                if e in per:
                    per[e] = counts[kind]
        self._extremes = self._extremes_of(self.fair)
        self.roster = check.roster

    @staticmethod
    def _extremes_of(fair: dict[str, dict[EmployeeId, int]]) -> dict[str, tuple[list, list]]:
        """The three highest and lowest counts per fairness kind: a swap
        changes at most two people, so the others' extremes are among them."""
        return {kind: (sorted(per.items(), key=lambda kv: -kv[1])[:3],
                       sorted(per.items(), key=lambda kv: kv[1])[:3])
                for kind, per in fair.items()}

    def _edited(self, edits: dict[EmployeeId, dict[int, Assignment | None]]) -> tuple[
            dict[EmployeeId, dict[int, Assignment]], list[Assignment], list[Assignment]]:
        """(each edited person's cells after `edits`, assignments removed, added)."""
        new_cells = {}
        removed: list[Assignment] = []
        added: list[Assignment] = []
        for e, days in edits.items():
            cells = dict(self.cells[e])
            for d, a in days.items():
                old = cells.pop(d, None)
                if old is not None:
                    removed.append(old)
                if a is not None:
                    cells[d] = a
                    added.append(a)
            new_cells[e] = cells
        return new_cells, removed, added

    def _judge(self, edits: dict[EmployeeId, dict[int, Assignment | None]],
               released: list[Assignment], leave: list[TimeOff], *,
               with_roster: bool = True, known_legal: Collection[EmployeeId] = ()) -> ChangeCheck:
        cal = self.cal if not leave else _WithLeave(self.cal, leave)
        new_cells, removed, added = self._edited(edits)
        # per-person hard rules and costs, for the people involved only
        violations: list[Violation] = []
        person_costs = {}
        for e, cells in new_cells.items():
            if e not in known_legal:
                violations += employee_violations(cal, e, cells)
            person_costs[e] = sum(c.cost for c in employee_costs(cal, e, cells, self.before))
        delta = sum(cost - self.emp_cost[e] for e, cost in person_costs.items())
        cover_changes, shift_changes, cover_delta, night = self._cover_part(removed, added)
        violations += night
        delta += cover_delta + self._fairness_delta(cal, new_cells)
        roster = Roster(tuple(
            a for a in self.roster.assignments if a.employee not in new_cells
        ) + tuple(a for e in new_cells for d, a in sorted(new_cells[e].items()) if d >= 0)) \
            if with_roster else self.roster
        return ChangeCheck(not violations, tuple(violations), delta, cover_changes, shift_changes,
                           tuple(released), tuple(new_cells), roster, person_costs)

    def _cover_part(self, removed: list[Assignment], added: list[Assignment]) -> tuple[
            tuple[CoverChange, ...], tuple[ShiftCoverChange, ...], int, list[Violation]]:
        """Cover changes per interval and per cover line, their cost change,
        and night-minimum violations on the intervals whose cover moved."""
        cal = self.cal
        cover_delta: Counter[tuple[int, SkillId]] = Counter()
        line_delta: Counter[tuple[int, ShiftTypeId, SkillId | None]] = Counter()
        for sign, items in ((-1, removed), (1, added)):
            for a in items:
                if self.uses_intervals:
                    for i in cal.covered_intervals(a.day, a.shift):
                        cover_delta[(i, a.skill)] += sign
                line_delta[(a.day, a.shift, a.skill)] += sign
                line_delta[(a.day, a.shift, None)] += sign
        delta = 0
        cover_changes = []
        after_cover: dict[tuple[int, SkillId], int] = {}
        w = self.problem.weights
        for (i, k), dv in sorted(cover_delta.items()):
            if not dv:
                continue
            before = self.cover.get((i, k), 0)
            after_cover[(i, k)] = before + dv
            need = cal.interval_required.get((i, k))
            if need is not None:
                delta += interval_cost(w, need, before + dv) - interval_cost(w, need, before)
            cover_changes.append(CoverChange(
                i, cal.interval_start(i), cal.interval_label(i), k, before, before + dv, need,
                i in cal.night_interval_set, self.night_min.get(k)))
        violations: list[Violation] = []
        if after_cover:
            touched = {i for i, _ in after_cover}
            view = {(i, k): after_cover.get((i, k), self.cover.get((i, k), 0))
                    for i in touched for k in self.night_min}
            violations = night_cover(cal, view, touched)
        shift_changes = []
        for key, dv in sorted(line_delta.items(), key=lambda kv: (kv[0][0], kv[0][1], kv[0][2] or "")):
            ln = self.lines.get(key)
            if ln is None or not dv:
                continue
            before = self.counts.get(key, 0)
            delta += shift_line_cost(ln, before + dv) - shift_line_cost(ln, before)
            shift_changes.append(ShiftCoverChange(ln.day, ln.shift, ln.skill, before, before + dv,
                                                  ln.required))
        return tuple(cover_changes), tuple(shift_changes), delta, violations

    def _fairness_delta(self, cal: Calendar, new_cells: dict) -> int:
        """Change of the fairness cost when the people in `new_cells` change:
        the new max and min come from them and the extremes of everyone
        else, kept from the index (a few people change, not the group)."""
        w = self.problem.weights
        weight = {"nights": w.fair_nights, "weekends": w.fair_weekends, "holidays": w.fair_holidays}
        delta = 0
        changed = {e: fairness_counts(cal, e, cells) for e, cells in new_cells.items()}
        for kind in FAIRNESS_KINDS:
            per = self.fair[kind]
            if len(per) < 2 or not weight[kind]:
                continue
            mine = [c[kind] for e, c in changed.items() if e in per]
            if not mine:
                continue
            top = next((v for e, v in self._extremes[kind][0] if e not in changed), None)
            low = next((v for e, v in self._extremes[kind][1] if e not in changed), None)
            others = [v for e, v in per.items() if e not in changed] if top is None or low is None else []
            if others:  # every kept extreme changed (more than two people did)
                top, low = max(others), min(others)
            hi = max(mine + ([top] if top is not None else []))
            lo = min(mine + ([low] if low is not None else []))
            old_hi, old_lo = self._extremes[kind][0][0][1], self._extremes[kind][1][0][1]
            delta += weight[kind] * ((hi - lo) - (old_hi - old_lo))
        return delta

    # ---- open shifts --------------------------------------------------------

    def open_shift_candidates(self, day: int, shift: ShiftTypeId, skill: SkillId,
                              limit: int | None = None) -> list[Candidate]:
        """Who could take (day, shift, skill) without breaking any hard rule,
        cheapest change first, then the lightest fairness load (nights for a
        night shift, else weekends on a weekend, holidays on a holiday), then
        least overtime."""
        cal = self.cal
        cal.require_day(day, "open shift")
        cal.require_shift(shift, "open shift")
        kinds = [k for k, on in (("nights", shift in cal.night_shift_ids),
                                 ("weekends", any(day in wk for wk in cal.weekends)),
                                 ("holidays", day in self.problem.holidays)) if on]
        out = []
        for e in cal.employee_ids:
            if day in self.cells[e] or skill not in cal.skill_options(e, shift) \
                    or cal.blocked_reason(e, day, shift):
                continue
            result = self._judge({e: {day: Assignment(e, day, shift, skill)}}, [], [],
                                 with_roster=False)
            if not result.ok:
                continue
            load = sum(self.fair[k].get(e, 0) for k in kinds)
            out.append(Candidate(e, skill, result.cost_delta, load,
                                 self._overtime_after(e, day, shift)))
        out.sort(key=lambda c: (c.cost_delta, c.load, c.overtime_min, c.employee))
        return out if limit is None else out[:limit]

    def _overtime_after(self, e: EmployeeId, day: int, shift: ShiftTypeId) -> int:
        """Minutes above regular in the week of `day` if e also works `shift`."""
        regular = self.cal.employee_by_id[e].contract.regular_minutes_week
        if regular is None:
            return 0
        week = self.cal.weeks[self.cal.week_of(day)]
        worked = sum(self.cal.slot(d, self.cells[e][d].shift).minutes for d in week
                     if d in self.cells[e])
        return max(0, worked + self.cal.slot(day, shift).minutes - regular)
