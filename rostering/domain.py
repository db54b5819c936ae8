"""Rostering domain: who can work what, what the desk needs, and the rules.

Plain frozen dataclasses, no solver. Conventions used everywhere:

- A *day* is an integer index: day 0 is `Problem.start_date` (a local date in
  `Problem.tz`); history days before it are negative (-1 is the day before).
- Shift types are defined in the site's local wall-clock time; a shift that
  runs past midnight belongs to the day it starts on. Absolute start/end of
  each (day, shift type) are resolved with zoneinfo in `rostering.calendar`,
  so a night across a DST change is one hour shorter or longer in worked
  minutes while keeping its wall-clock times.
- All durations are integer minutes and all weights are integers; the default
  weights live in `Weights`, nowhere else.
- A *week* for weekly limits is a block of 7 days counted from day 0 (the
  product starts rosters on a Monday); a *weekend* is a calendar Saturday and
  Sunday, worked if either day is worked.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time
from functools import cached_property

EmployeeId = str
ShiftTypeId = str
SkillId = str


@dataclass(frozen=True)
class ShiftType:
    """A kind of shift, in local wall-clock time.

    `duration_min` is the wall-clock length (22:00 + 540 min ends at 07:00 the
    next morning, also on a DST night, where the worked minutes then differ).
    """

    id: ShiftTypeId
    start: time
    duration_min: int
    is_night: bool = False
    name: str = ""

    @property
    def label(self) -> str:
        return self.name or self.id


@dataclass(frozen=True)
class Contract:
    """Per-person labour limits; `None` means the rule does not apply.

    Minutes are worked (absolute) minutes of the shifts starting in the week
    or horizon. Weekly limits apply to each 7-day block from day 0; minimum
    weekly limits only to complete blocks. `regular_minutes_week` is not a
    limit: minutes above it in a week are overtime, a soft cost.
    `min_rest_min` is this person's minimum rest between shifts where it
    differs from the site's (`Rules.min_rest_min`).
    """

    max_shifts_per_type: Mapping[ShiftTypeId, int] = field(default_factory=dict)
    min_minutes_horizon: int | None = None
    max_minutes_horizon: int | None = None
    min_minutes_week: int | None = None
    max_minutes_week: int | None = None
    regular_minutes_week: int | None = None
    max_consecutive_days: int | None = None
    min_consecutive_days: int | None = None
    min_consecutive_days_off: int | None = None
    max_weekends: int | None = None
    max_nights_week: int | None = None
    min_rest_min: int | None = None


@dataclass(frozen=True)
class Employee:
    """An agent. `skills` maps skill -> level (1 = can do it).

    `allowed_shifts` restricts the shift types the person works at all (None:
    any); `unavailable` lists (day, shift type) cells the person cannot work,
    shift type `None` meaning the whole day (standing availability, unlike
    approved `TimeOff`, which is an event with a reason).
    """

    id: EmployeeId
    skills: Mapping[SkillId, int]
    contract: Contract = field(default_factory=Contract)
    name: str = ""
    team: str = ""
    allowed_shifts: frozenset[ShiftTypeId] | None = None
    unavailable: frozenset[tuple[int, ShiftTypeId | None]] = frozenset()

    @property
    def label(self) -> str:
        return self.name or self.id


@dataclass(frozen=True)
class TimeOff:
    """Approved leave or a fixed day off: no work that day.

    `credit_min` counts towards minimum minutes (paid leave), never towards a
    maximum.
    """

    employee: EmployeeId
    day: int
    reason: str = "leave"
    credit_min: int = 0


@dataclass(frozen=True)
class ShiftRequest:
    """A wish with a weight: `want=True` asks to work `shift` that day (any
    shift if `shift` is None); `want=False` asks not to (a day-off request if
    `shift` is None). An unmet wish costs `weight`."""

    employee: EmployeeId
    day: int
    shift: ShiftTypeId | None
    want: bool
    weight: int


@dataclass(frozen=True)
class IntervalDemand:
    """Agents needed with `skill` during the interval starting at `start`
    (tz-aware, on the problem's interval grid) — the staffing step's output."""

    start: datetime
    skill: SkillId
    required: int


@dataclass(frozen=True)
class ShiftDemand:
    """Head count wanted on one shift type on one day (the Curtois & Qu form).

    `skill=None` counts everyone on that shift. Weights are per person short or
    over; `None` takes the problem's `Weights`.
    """

    day: int
    shift: ShiftTypeId
    required: int
    skill: SkillId | None = None
    weight_under: int | None = None
    weight_over: int | None = None


@dataclass(frozen=True)
class NightMinimum:
    """Hard: at least `required` agents working `skill` in every night interval."""

    skill: SkillId
    required: int


@dataclass(frozen=True)
class Rules:
    """Site-wide hard rules.

    `min_rest_min`: minimum minutes between the end of one shift and the start
    of the next (exactly the minimum passes), unless a person's contract says
    otherwise. `forbidden_successions`: pairs
    (a, b) where b may not be worked the day after a. The night window (local
    times, wrapping midnight) defines the intervals in which the
    `night_minimums` hold. Minimum-run rules (consecutive days, days off)
    exempt a run touching the earliest known day (`exempt_runs_at_start`; with
    history that is the first history day) or the last day of the horizon
    (`exempt_runs_at_end`), as in Curtois & Qu; with history carried in, runs
    crossing into the horizon are checked in full.
    """

    min_rest_min: int = 0
    forbidden_successions: frozenset[tuple[ShiftTypeId, ShiftTypeId]] = frozenset()
    night_start: time = time(22, 0)
    night_end: time = time(6, 0)
    night_minimums: tuple[NightMinimum, ...] = ()
    exempt_runs_at_start: bool = True
    exempt_runs_at_end: bool = True
    min_skill_level: int = 1


@dataclass(frozen=True)
class Weights:
    """Every integer weight of the objective, in one place.

    Coverage weights are per person per interval (interval demand) or per
    person per shift (shift demand without its own weights); fairness weights
    are per unit of spread (max - min over people); overtime is per minute;
    stability is per (employee, day) whose shift changed against the previous
    roster.
    """

    under_cover: int = 100
    over_cover: int = 1
    fair_nights: int = 20
    fair_weekends: int = 20
    fair_holidays: int = 20
    overtime_per_min: int = 1
    changed_assignment: int = 50


@dataclass(frozen=True)
class LedgerEntry:
    """Counts carried in from earlier rosters, for fairness across weeks."""

    nights: int = 0
    weekends: int = 0
    holidays: int = 0


@dataclass(frozen=True)
class Assignment:
    """Employee works shift type `shift` on `day` with `skill`."""

    employee: EmployeeId
    day: int
    shift: ShiftTypeId
    skill: SkillId


@dataclass(frozen=True)
class Roster:
    """A set of assignments (at most one per employee and day when legal)."""

    assignments: tuple[Assignment, ...] = ()

    @cached_property
    def by_cell(self) -> Mapping[tuple[EmployeeId, int], Assignment]:
        """Assignments keyed by (employee, day); a duplicate keeps the last.
        Kept with the roster: the search builds hundreds of sub-models on one."""
        return {(a.employee, a.day): a for a in self.assignments}

    @cached_property
    def by_employee(self) -> Mapping[EmployeeId, Mapping[int, Assignment]]:
        """Each employee's assignments keyed by day (as in `by_cell`, and kept
        with the roster for the same reason: sub-models read it per person)."""
        out: dict[EmployeeId, dict[int, Assignment]] = {}
        for (e, d), a in self.by_cell.items():
            out.setdefault(e, {})[d] = a
        return out

    @cached_property
    def slot_counts(self) -> Mapping[tuple[int, ShiftTypeId, SkillId | None], int]:
        """People per (day, shift type, skill), and per (day, shift type, None) whatever the skill."""
        counts: Counter[tuple[int, ShiftTypeId, SkillId | None]] = Counter()
        for a in self.by_cell.values():
            counts[(a.day, a.shift, a.skill)] += 1
            counts[(a.day, a.shift, None)] += 1
        return counts


@dataclass(frozen=True)
class Problem:
    """One rostering job: people, shift types, demand, rules and carried state.

    `history` holds the previous roster's assignments on days
    -history_days .. -1 (a day in that range without an assignment was off);
    rest, successions, consecutive-day rules and night coverage at the start
    of the horizon take it into account. `ledger` carries fairness counts.
    `holidays` are public-holiday day indexes.
    """

    start_date: date
    num_days: int
    shift_types: tuple[ShiftType, ...]
    employees: tuple[Employee, ...]
    tz: str = "Asia/Shanghai"
    interval_min: int = 30
    rules: Rules = field(default_factory=Rules)
    weights: Weights = field(default_factory=Weights)
    interval_demand: tuple[IntervalDemand, ...] = ()
    shift_demand: tuple[ShiftDemand, ...] = ()
    requests: tuple[ShiftRequest, ...] = ()
    time_off: tuple[TimeOff, ...] = ()
    holidays: frozenset[int] = frozenset()
    history: tuple[Assignment, ...] = ()
    history_days: int = 0
    ledger: Mapping[EmployeeId, LedgerEntry] = field(default_factory=dict)
    name: str = ""


@dataclass(frozen=True)
class Requirement:
    """One hard requirement a planner could relax, e.g. ('time_off', 'ann',
    day 5) or ('night_cover', skill 'technical', night of day 5). In an
    explanation solve each gets an assumption literal that enforces it; a
    conflict is reported as a set of these."""

    rule: str
    employee: EmployeeId | None = None
    day: int | None = None
    shift: ShiftTypeId | None = None
    skill: SkillId | None = None
    week: int | None = None
