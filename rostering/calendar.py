"""The problem's time facts, resolved once: absolute shift times, the interval
grid, night intervals, weeks, weekends, eligibility and shift conflicts.

Everything is measured in integer minutes from the *origin*, local midnight
of day 0 in the problem's zone converted to UTC, so arithmetic on it is DST
correct: a shift's worked minutes are its absolute end minus its absolute
start. The validator, the model and the swap checks all read these facts from
here, so they cannot disagree about time.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from functools import cached_property
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from rostering.domain import (
    Assignment,
    Employee,
    EmployeeId,
    LedgerEntry,
    Problem,
    ShiftTypeId,
    SkillId,
    TimeOff,
)
from rostering.errors import RosterInputError

WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


@dataclass(frozen=True)
class Slot:
    """One shift type on one day, in minutes from the origin (UTC based)."""

    day: int
    shift: ShiftTypeId
    start_min: int
    end_min: int

    @property
    def minutes(self) -> int:
        """Worked minutes (absolute), e.g. 600 for 22:00-07:00 on the night
        the clocks go back in Europe/Berlin."""
        return self.end_min - self.start_min


@dataclass(frozen=True)
class ShiftLine:
    """A `ShiftDemand` with its weights resolved."""

    day: int
    shift: ShiftTypeId
    skill: SkillId | None
    required: int
    weight_under: int
    weight_over: int


@dataclass(frozen=True)
class Conflict:
    """Working `(day, shift)` forbids `(later_day, later_shift)`; `rule` is
    'min_rest' or 'forbidden_succession'."""

    later_day: int
    later_shift: ShiftTypeId
    rule: str


def _local_minutes(t: time) -> int:
    return t.hour * 60 + t.minute


class Calendar:
    """Resolved, validated view of a `Problem`; build with `calendar_of`.

    Raises `RosterInputError` naming the offending item when the problem is
    inconsistent (unknown ids, naive or off-grid datetimes, bad numbers).
    """

    def __init__(self, problem: Problem) -> None:
        self.problem = problem
        try:
            self.zone = ZoneInfo(problem.tz)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise RosterInputError(f"unknown time zone {problem.tz!r}") from exc
        if problem.num_days < 1:
            raise RosterInputError(f"num_days must be at least 1, got {problem.num_days}")
        if problem.history_days < 0:
            raise RosterInputError(f"history_days must be >= 0, got {problem.history_days}")
        L = problem.interval_min
        if L < 1 or 1440 % L:
            raise RosterInputError(f"interval_min must divide a day (1440 min), got {L}")
        self.shift_ids: tuple[ShiftTypeId, ...] = tuple(s.id for s in problem.shift_types)
        self.shift_by_id = {s.id: s for s in problem.shift_types}
        if len(self.shift_by_id) != len(self.shift_ids):
            raise RosterInputError("duplicate shift type id in shift_types")
        for s in problem.shift_types:
            if not 1 <= s.duration_min <= 1440:
                raise RosterInputError(
                    f"shift type {s.id}: duration_min must be 1..1440, got {s.duration_min}"
                )
        self.employee_ids: tuple[EmployeeId, ...] = tuple(e.id for e in problem.employees)
        self.employee_by_id: dict[EmployeeId, Employee] = {e.id: e for e in problem.employees}
        if len(self.employee_by_id) != len(self.employee_ids):
            raise RosterInputError("duplicate employee id in employees")
        for e in problem.employees:
            if not e.skills:
                raise RosterInputError(f"employee {e.id} has no skill")
            for s_id in list(e.contract.max_shifts_per_type) + list(e.allowed_shifts or ()):
                self.require_shift(s_id, f"contract of employee {e.id}")
            for d, s_id in e.unavailable:
                if s_id is not None:
                    self.require_shift(s_id, f"availability of employee {e.id}")
        for a, b in problem.rules.forbidden_successions:
            self.require_shift(a, "forbidden_successions")
            self.require_shift(b, "forbidden_successions")
        for name, value in vars(problem.weights).items():
            if value < 0:
                raise RosterInputError(f"weight {name} must be >= 0, got {value}")

        tz = self.zone
        self.origin_utc = datetime.combine(problem.start_date, time(0), tzinfo=tz).astimezone(UTC)
        end_date = problem.start_date + timedelta(days=problem.num_days)
        self.end_utc = datetime.combine(end_date, time(0), tzinfo=tz).astimezone(UTC)
        self.horizon_min = int((self.end_utc - self.origin_utc).total_seconds()) // 60
        self.num_intervals = self.horizon_min // L
        self.days = range(problem.num_days)
        self.known_days = range(-problem.history_days, problem.num_days)
        self.slots: dict[tuple[int, ShiftTypeId], Slot] = {}
        for d in self.known_days:
            day_date = problem.start_date + timedelta(days=d)
            for s in problem.shift_types:
                local_start = datetime.combine(day_date, s.start, tzinfo=tz)
                wall_end = _local_minutes(s.start) + s.duration_min
                local_end = datetime.combine(
                    day_date + timedelta(days=wall_end // 1440),
                    time((wall_end % 1440) // 60, wall_end % 60),
                    tzinfo=tz,
                )
                start = int((local_start.astimezone(UTC) - self.origin_utc).total_seconds()) // 60
                end = int((local_end.astimezone(UTC) - self.origin_utc).total_seconds()) // 60
                self.slots[(d, s.id)] = Slot(d, s.id, start, end)

        self.time_off: dict[tuple[EmployeeId, int], TimeOff] = {}
        for t in problem.time_off:
            self.require_employee(t.employee, "time_off")
            self.require_day(t.day, f"time off of {t.employee}")
            self.time_off[(t.employee, t.day)] = t
        for r in problem.requests:
            self.require_employee(r.employee, "requests")
            self.require_day(r.day, f"request of {r.employee}")
            if r.shift is not None:
                self.require_shift(r.shift, f"request of {r.employee} on day {r.day}")
            if r.weight < 0:
                raise RosterInputError(f"request of {r.employee} on day {r.day}: negative weight")
        for h in problem.holidays:
            self.require_day(h, "holidays")
        for emp_id in problem.ledger:
            self.require_employee(emp_id, "ledger")
        self.history: dict[tuple[EmployeeId, int], Assignment] = {}
        for a in problem.history:
            self.require_employee(a.employee, "history")
            self.require_shift(a.shift, f"history of {a.employee}")
            if not -problem.history_days <= a.day < 0:
                raise RosterInputError(
                    f"history assignment of {a.employee} on day {a.day} is outside "
                    f"-{problem.history_days}..-1"
                )
            if (a.employee, a.day) in self.history:
                raise RosterInputError(f"history has two shifts for {a.employee} on day {a.day}")
            self.history[(a.employee, a.day)] = a

        self.shift_lines: list[ShiftLine] = []
        seen_lines: set[tuple[int, ShiftTypeId, SkillId | None]] = set()
        w = problem.weights
        for sd in problem.shift_demand:
            self.require_day(sd.day, "shift_demand")
            self.require_shift(sd.shift, f"shift_demand on day {sd.day}")
            key = (sd.day, sd.shift, sd.skill)
            if key in seen_lines:
                raise RosterInputError(f"shift_demand repeats day {sd.day} shift {sd.shift}")
            seen_lines.add(key)
            self.shift_lines.append(
                ShiftLine(
                    sd.day,
                    sd.shift,
                    sd.skill,
                    sd.required,
                    w.under_cover if sd.weight_under is None else sd.weight_under,
                    w.over_cover if sd.weight_over is None else sd.weight_over,
                )
            )
        self.interval_required: dict[tuple[int, SkillId], int] = {}
        for idm in problem.interval_demand:
            i = self.interval_index(idm.start, "interval_demand")
            if (i, idm.skill) in self.interval_required:
                raise RosterInputError(
                    f"interval_demand repeats {idm.start.isoformat()} skill {idm.skill}"
                )
            if idm.required < 0:
                raise RosterInputError(f"interval_demand at {idm.start.isoformat()}: negative")
            self.interval_required[(i, idm.skill)] = idm.required
        # Demand no shift of the horizon can work (the small hours of the first morning belong to last
        # week's night shift) is not this roster's: neither a cost nor a broken soft rule to report.
        self.interval_required = {
            (i, k): need for (i, k), need in self.interval_required.items()
            if any(day >= 0 for day, _ in self.slots_covering.get(i, ()))
        }

        self.demanded_skills: frozenset[SkillId] = frozenset(
            {k for _, k in self.interval_required}
            | {ln.skill for ln in self.shift_lines if ln.skill is not None}
            | {nm.skill for nm in problem.rules.night_minimums}
        )
        self.ledger: dict[EmployeeId, LedgerEntry] = dict(problem.ledger)
        self._forbids: dict[tuple[int, ShiftTypeId, int], frozenset[tuple[int, ShiftTypeId]]] = {}
        self._conflicts: dict[int, dict[tuple[int, ShiftTypeId], list[Conflict]]] = {}
        self._conflict_groups: dict[int, dict[int, list[tuple[str, int, frozenset, frozenset]]]] = {}
        self._conflict_reach: dict[int, int] = {}
        self._day_labels: dict[int, str] = {}

    # ---- validation helpers -------------------------------------------------

    def require_employee(self, emp_id: EmployeeId, where: str) -> Employee:
        try:
            return self.employee_by_id[emp_id]
        except KeyError:
            raise RosterInputError(f"unknown employee {emp_id!r} in {where}") from None

    def require_shift(self, shift_id: ShiftTypeId, where: str) -> None:
        if shift_id not in self.shift_by_id:
            raise RosterInputError(f"unknown shift type {shift_id!r} in {where}")

    def require_day(self, day: int, where: str) -> None:
        if not 0 <= day < self.problem.num_days:
            raise RosterInputError(
                f"day {day} in {where} is outside the horizon 0..{self.problem.num_days - 1}"
            )

    def interval_index(self, start: datetime, where: str) -> int:
        """Grid index of a tz-aware interval start; RosterInputError if naive,
        off the grid or outside the horizon."""
        if start.tzinfo is None or start.utcoffset() is None:
            raise RosterInputError(f"naive datetime {start.isoformat()} in {where}")
        minutes, rest = divmod((start - self.origin_utc).total_seconds(), 60)
        L = self.problem.interval_min
        if rest or minutes % L:
            raise RosterInputError(
                f"{start.isoformat()} in {where} is not on the {L}-minute grid"
            )
        i = int(minutes) // L
        if not 0 <= i < self.num_intervals:
            raise RosterInputError(f"{start.isoformat()} in {where} is outside the horizon")
        return i

    # ---- time facts ---------------------------------------------------------

    def slot(self, day: int, shift: ShiftTypeId) -> Slot:
        return self.slots[(day, shift)]

    def covered_intervals(self, day: int, shift: ShiftTypeId) -> range:
        """Grid intervals fully inside the shift, clipped to the horizon
        (empty for a day before the known history)."""
        sl = self.slots.get((day, shift))
        if sl is None:
            return range(0)
        L = self.problem.interval_min
        first = max(0, -(-sl.start_min // L))
        last = min(self.num_intervals, sl.end_min // L)
        return range(first, max(first, last))

    def interval_start(self, i: int) -> datetime:
        """UTC start of grid interval i."""
        return self.origin_utc + timedelta(minutes=i * self.problem.interval_min)

    def interval_label(self, i: int) -> str:
        """Local weekday and time of interval i, e.g. 'Sat 23:30'."""
        local = self.interval_start(i).astimezone(self.zone)
        return f"{WEEKDAYS[local.weekday()]} {local:%H:%M}"

    def day_label(self, day: int) -> str:
        """E.g. 'Sat 12 Oct' for a day index (kept: every priced request names its day)."""
        label = self._day_labels.get(day)
        if label is None:
            d = self.problem.start_date + timedelta(days=day)
            label = self._day_labels[day] = f"{WEEKDAYS[d.weekday()]} {d.day} {d:%b}"
        return label

    def night_of_interval(self, i: int) -> int:
        """Day whose night interval i belongs to: with a night window starting
        in the evening, an interval after midnight belongs to the night that
        began the day before."""
        d = self.day_of_interval(i)
        start = self.problem.rules.night_start
        local = self.interval_start(i).astimezone(self.zone)
        if start.hour >= 12 and (local.hour, local.minute) < (start.hour, start.minute):
            return d - 1
        return d

    @cached_property
    def night_intervals(self) -> tuple[int, ...]:
        """Grid intervals whose local start lies in the night window and that
        some shift of the horizon could cover. The small hours of the first
        morning belong to last week's night shift, which this roster cannot
        change: they are not its to staff (history still counts towards the
        cover of an interval the horizon shares)."""
        rules = self.problem.rules
        lo, hi = _local_minutes(rules.night_start), _local_minutes(rules.night_end)
        out = []
        for i in range(self.num_intervals):
            local = self.interval_start(i).astimezone(self.zone)
            m = local.hour * 60 + local.minute
            in_window = (lo <= m < hi) if lo < hi else (m >= lo or m < hi)
            if in_window and any(day >= 0 for day, _ in self.slots_covering.get(i, ())):
                out.append(i)
        return tuple(out)

    @cached_property
    def night_interval_set(self) -> frozenset[int]:
        return frozenset(self.night_intervals)

    @cached_property
    def slots_covering(self) -> dict[int, list[tuple[int, ShiftTypeId]]]:
        """Interval -> (day, shift) slots (history included) that fully cover it."""
        out: dict[int, list[tuple[int, ShiftTypeId]]] = defaultdict(list)
        for d, s in self.slots:
            for i in self.covered_intervals(d, s):
                out[i].append((d, s))
        return out

    @staticmethod
    def week_of(day: int) -> int:
        """Index of the 7-day block from day 0 holding `day`."""
        return day // 7

    def day_of_interval(self, i: int) -> int:
        """Day index of the local date on which interval i starts."""
        local = self.interval_start(i).astimezone(self.zone)
        return (local.date() - self.problem.start_date).days

    @cached_property
    def weeks(self) -> list[range]:
        """7-day blocks from day 0; the last may be shorter."""
        n = self.problem.num_days
        return [range(w, min(w + 7, n)) for w in range(0, n, 7)]

    @cached_property
    def weekends(self) -> list[tuple[int, ...]]:
        """Horizon days of each calendar weekend (Saturday, Sunday) touched."""
        groups: dict[int, list[int]] = defaultdict(list)
        first_weekday = self.problem.start_date.weekday()
        for d in self.days:
            if (first_weekday + d) % 7 >= 5:
                groups[(first_weekday + d) // 7].append(d)
        return [tuple(v) for _, v in sorted(groups.items())]

    @cached_property
    def night_shift_ids(self) -> frozenset[ShiftTypeId]:
        return frozenset(s.id for s in self.problem.shift_types if s.is_night)

    # ---- eligibility --------------------------------------------------------

    def history_of(self, emp_id: EmployeeId) -> dict[int, Assignment]:
        """One person's history shifts by day (negative days): what a
        per-person rule check needs besides the horizon's cells."""
        return {d: a for (e, d), a in self.history.items() if e == emp_id}

    def skill_options(self, emp_id: EmployeeId, shift: ShiftTypeId) -> tuple[SkillId, ...]:
        """Skills the employee may work on this shift type; empty if the type
        is never allowed (contract max 0, allowed_shifts, no skill at level).

        Only skills someone demands are offered (others cannot change cover);
        with none demanded, the employee's primary skill stands for all.
        """
        return self._skill_options[(emp_id, shift)]

    @cached_property
    def _skill_options(self) -> dict[tuple[EmployeeId, ShiftTypeId], tuple[SkillId, ...]]:
        min_level = self.problem.rules.min_skill_level
        out = {}
        for e in self.problem.employees:
            held = sorted(
                (k for k, lvl in e.skills.items() if lvl >= min_level),
                key=lambda k: (-e.skills[k], k),
            )
            useful = [k for k in held if k in self.demanded_skills] or held[:1]
            for s in self.shift_ids:
                allowed = (e.allowed_shifts is None or s in e.allowed_shifts) and (
                    e.contract.max_shifts_per_type.get(s, 1) > 0
                )
                out[(e.id, s)] = tuple(useful) if allowed else ()
        return out

    def holds_skill(self, emp_id: EmployeeId, skill: SkillId) -> bool:
        e = self.employee_by_id[emp_id]
        return e.skills.get(skill, 0) >= self.problem.rules.min_skill_level

    def may_work(self, emp_id: EmployeeId, day: int, shift: ShiftTypeId) -> bool:
        """May the employee be put on this shift type that day at all (type
        allowed, not on leave or unavailable), before any per-person rule?"""
        return bool(self.skill_options(emp_id, shift)) and self.blocked_reason(emp_id, day, shift) is None

    def blocked_reason(self, emp_id: EmployeeId, day: int, shift: ShiftTypeId) -> str | None:
        """'time_off' or 'unavailable' if the cell is excluded by a dated rule."""
        if (emp_id, day) in self.time_off:
            return "time_off"
        un = self.employee_by_id[emp_id].unavailable
        if (day, None) in un or (day, shift) in un:
            return "unavailable"
        return None

    @cached_property
    def fairness_groups(self) -> dict[str, frozenset[EmployeeId]]:
        """Who is compared for fairness: nights among those who may work a
        night shift type, weekends among everyone who may work (if the horizon
        has a weekend), holidays likewise (if it has a holiday)."""
        works = {e for e in self.employee_ids if any(self.skill_options(e, s) for s in self.shift_ids)}
        nights = {e for e in works if any(self.skill_options(e, s) for s in self.night_shift_ids)}
        return {
            "nights": frozenset(nights),
            "weekends": frozenset(works if self.weekends else ()),
            "holidays": frozenset(works if self.problem.holidays else ()),
        }

    # ---- shift conflicts ----------------------------------------------------

    def rest_of(self, emp_id: EmployeeId) -> int:
        """The person's minimum rest in minutes: their contract's, else the site's."""
        own = self.employee_by_id[emp_id].contract.min_rest_min
        return self.problem.rules.min_rest_min if own is None else own

    def conflicts_after(self, day: int, shift: ShiftTypeId, rest: int) -> list[Conflict]:
        """Later (day, shift) cells that working (day, shift) forbids someone
        whose minimum rest is `rest` (see `rest_of`), for days up to the
        horizon end: too little rest (an overlap is zero rest) or a
        forbidden succession on the next day."""
        table = self._conflicts.get(rest)
        if table is None:
            table = self._conflicts[rest] = _conflict_table(self, rest)
        return table[(day, shift)]

    def forbids(self, day: int, shift: ShiftTypeId, rest: int) -> frozenset[tuple[int, ShiftTypeId]]:
        """(later_day, later_shift) cells that working (day, shift) forbids."""
        key = (day, shift, rest)
        out = self._forbids.get(key)
        if out is None:
            out = self._forbids[key] = frozenset(
                (c.later_day, c.later_shift) for c in self.conflicts_after(day, shift, rest))
        return out

    def conflict_groups(self, rest: int) -> dict[int, list[tuple[str, int, frozenset, frozenset]]]:
        """`conflicts_after` grouped per day for the model (`_group_conflicts`)."""
        groups = self._conflict_groups.get(rest)
        if groups is None:
            groups = self._conflict_groups[rest] = _group_conflicts(self, rest)
        return groups

    def conflict_reach(self, rest: int) -> int:
        """How many days ahead a conflict at minimum rest `rest` reaches (0 if none)."""
        reach = self._conflict_reach.get(rest)
        if reach is None:
            reach = self._conflict_reach[rest] = max(
                (d2 - d for d, items in self.conflict_groups(rest).items() for _, d2, _, _ in items), default=0)
        return reach

    @cached_property
    def requests_by_employee(self) -> dict[EmployeeId, list]:
        out: dict[EmployeeId, list] = defaultdict(list)
        for r in self.problem.requests:
            out[r.employee].append(r)
        return out


def _conflict_table(cal: Calendar, rest: int) -> dict[tuple[int, ShiftTypeId], list[Conflict]]:
    """`Calendar.conflicts_after` for every (day, shift) at one minimum rest."""
    forbidden: dict[ShiftTypeId, set[ShiftTypeId]] = defaultdict(set)
    for a, b in cal.problem.rules.forbidden_successions:
        forbidden[a].add(b)
    last_day = cal.problem.num_days - 1
    out: dict[tuple[int, ShiftTypeId], list[Conflict]] = {}
    earliest_start = {d: min(cal.slots[(d, s)].start_min for s in cal.shift_ids)
                      for d in cal.known_days}
    for (d, a), sl in cal.slots.items():
        found: list[Conflict] = []
        ready = sl.end_min + rest
        d2 = d + 1
        while d2 <= last_day and earliest_start[d2] < ready:
            for b in cal.shift_ids:
                if cal.slots[(d2, b)].start_min < ready:
                    found.append(Conflict(d2, b, "min_rest"))
            d2 += 1
        if d + 1 <= last_day:
            rested = {c.later_shift for c in found if c.later_day == d + 1}
            for b in sorted(forbidden.get(a, ())):
                if b not in rested:
                    found.append(Conflict(d + 1, b, "forbidden_succession"))
        out[(d, a)] = found
    return out


def _group_conflicts(cal: Calendar, rest: int) -> dict[int, list[tuple[str, int, frozenset, frozenset]]]:
    """day d -> [(rule, later_day, A, B)]: working any shift type of A on d
    forbids every type of B on later_day (later_day >= 0). Shift types with
    the same forbidden set are grouped so the model can post one clique-like
    constraint per group instead of one per pair."""
    out: dict[int, list] = {}
    for d in cal.known_days:
        by_target: dict[tuple[str, int, frozenset], set] = defaultdict(set)
        for a in cal.shift_ids:
            targets: dict[tuple[str, int], set] = defaultdict(set)
            for c in cal.conflicts_after(d, a, rest):
                if c.later_day >= 0:
                    targets[(c.rule, c.later_day)].add(c.later_shift)
            for (rule, d2), bs in targets.items():
                by_target[(rule, d2, frozenset(bs))].add(a)
        out[d] = [(rule, d2, frozenset(a_set), bs) for (rule, d2, bs), a_set in by_target.items()]
    return out


def calendar_of(problem: Problem) -> Calendar:
    """The problem's `Calendar`, built on first use and kept on the (frozen,
    immutable) problem object, so the validator, model and swap checks share
    one copy without any module-level cache."""
    cal = problem.__dict__.get("_calendar")
    if cal is None:
        cal = Calendar(problem)
        object.__setattr__(problem, "_calendar", cal)
    return cal
