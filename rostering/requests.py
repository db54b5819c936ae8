"""What a requested roster change would do, in a manager's words, and what to offer instead.

`review` runs the `ChangeChecker` on one change and adds what an approver
needs beside the hard rules: coverage change grouped into windows per skill
("−1 technical 22:00–06:00 Sat"), the tickets due in the hours a skill loses
an agent (passed in as plain `DueTicket`s: this package reads no database),
the night duty of every night the change touches (who is on a night shift,
and which 24x7 skill nobody on it holds), and the fairness counts of the
people involved. `ChangeReview.risk_line` is the one line for the inbox.

`counter_swaps` answers a swap that cannot be approved: the best legal swaps
of the same shift with anyone on any day of that week, everyone else's
roster kept as it is (an exhaustive one-swap neighbourhood, cheap with the
checker's index, bounded by a time limit).
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from rostering.domain import Assignment, EmployeeId, SkillId
from rostering.errors import RosterInputError
from rostering.swaps import Change, ChangeCheck, ChangeChecker, CoverChange, Swap
from rostering.validate import FAIRNESS_KINDS, Violation, fairness_counts

WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


@dataclass(frozen=True)
class CoverWindow:
    """Consecutive grid intervals where `skill` gains (+) or loses (−) `delta` agents.

    `short` is the most agents below the requirement in the window after the change.
    """

    skill: SkillId
    delta: int
    start: datetime  # UTC
    end: datetime
    label: str  # local, e.g. "22:00–06:00 Sat"
    short: int
    night: bool


@dataclass(frozen=True)
class DueTicket:
    """An open ticket with a deadline, in a queue worked with `skill`."""

    ticket_id: int
    queue: str
    skill: SkillId
    due_at: datetime


@dataclass(frozen=True)
class NightDuty:
    """One night the change touches: who is on a night shift before and after,
    and the 24x7 skills nobody on it holds afterwards."""

    day: int
    label: str
    before: tuple[EmployeeId, ...]
    after: tuple[EmployeeId, ...]
    missing: tuple[SkillId, ...]


@dataclass(frozen=True)
class FairnessChange:
    employee: EmployeeId
    name: str
    kind: str  # nights, weekends, holidays (ledger included)
    before: int
    after: int


@dataclass(frozen=True)
class ChangeReview:
    """Everything an approver sees about one change; `ok` iff no hard rule breaks."""

    check: ChangeCheck
    cover: tuple[CoverWindow, ...]
    sla_risk: tuple[DueTicket, ...]
    night_duty: tuple[NightDuty, ...]
    fairness: tuple[FairnessChange, ...]

    @property
    def ok(self) -> bool:
        return self.check.ok

    @property
    def violations(self) -> tuple[Violation, ...]:
        return self.check.violations

    @property
    def risk_line(self) -> str:
        """One line, e.g. "coverage −1 technical 22:00–06:00 Sat; 3 VIP hotline tickets due in that
        window; night duty still covered; fairness unchanged"."""
        parts = []
        if self.violations:
            parts.append("BREAKS " + "; ".join(v.message for v in self.violations[:2])
                         + (f" (+{len(self.violations) - 2} more)" if len(self.violations) > 2 else ""))
        parts.append(_cover_text(self.cover))
        if any(w.delta < 0 for w in self.cover):
            parts.append(_sla_text(self.sla_risk))
        parts.append(_night_text(self.night_duty))
        parts.append(_fairness_text(self.fairness))
        return "; ".join(parts)


def review(checker: ChangeChecker, change: Change, due: Sequence[DueTicket] = ()) -> ChangeReview:
    """Check `change` against the indexed roster and describe its risk (see module doc).

    Raises `RosterInputError` when the change does not fit the roster (a
    shift that is not there, a taker who already works that day).
    """
    _refuse_double_booking(checker, change)
    check = checker.check(change)
    after = _cells_after(checker, check)
    windows = cover_windows(checker, check.cover)
    losing = [w for w in windows if w.delta < 0]
    at_risk: dict[int, DueTicket] = {}  # a ticket counts once, at its first deadline in a losing window
    for t in sorted(due, key=lambda t: t.due_at):
        if any(w.skill == t.skill and w.start <= t.due_at < w.end for w in losing):
            at_risk.setdefault(t.ticket_id, t)
    return ChangeReview(check, windows, tuple(at_risk.values()), _night_duty(checker, check, after),
                        _fairness(checker, after))


def cover_windows(checker: ChangeChecker, changes: Sequence[CoverChange]) -> tuple[CoverWindow, ...]:
    """Group per-interval cover changes into runs of one skill and one delta, losses first."""
    cal = checker.cal
    step = timedelta(minutes=checker.problem.interval_min)
    runs: list[list[CoverChange]] = []
    for c in sorted(changes, key=lambda c: (c.skill, c.interval)):
        last = runs[-1][-1] if runs else None
        if last is not None and last.skill == c.skill and last.interval + 1 == c.interval \
                and last.after - last.before == c.after - c.before:
            runs[-1].append(c)
        else:
            runs.append([c])
    windows = []
    for run in runs:
        first, final = run[0], run[-1]
        start, end = first.start, final.start + step
        local_start, local_end = start.astimezone(cal.zone), end.astimezone(cal.zone)
        label = f"{local_start:%H:%M}–{local_end:%H:%M} {WEEKDAYS[local_start.weekday()]}"
        short = max((c.required - c.after for c in run if c.required is not None), default=0)
        windows.append(CoverWindow(first.skill, first.after - first.before, start, end, label,
                                   max(0, short), any(c.is_night for c in run)))
    return tuple(sorted(windows, key=lambda w: (w.delta > 0, w.start, w.skill)))


def counter_swaps(checker: ChangeChecker, swap: Swap, *, limit: int = 3,
                  time_limit_s: float = 1.0) -> list[tuple[Swap, ChangeCheck]]:
    """Legal swaps of `swap.first`'s shift on `swap.first_day` with any colleague's shift in the same
    week (the rejected one excluded), cheapest first; only the two people swapping change."""
    deadline = time.monotonic() + time_limit_s
    cal = checker.cal
    week = cal.weeks[cal.week_of(swap.first_day)]
    mine = checker.cells[swap.first].get(swap.first_day)
    if mine is None:
        raise RosterInputError(f"{_name(checker, swap.first)} has no shift on {cal.day_label(swap.first_day)}")
    found: list[tuple[Swap, ChangeCheck]] = []
    for other in cal.employee_ids:
        if other == swap.first:
            continue
        for day in week:
            if time.monotonic() > deadline:
                break
            candidate = Swap(swap.first, swap.first_day, other, day)
            theirs = checker.cells[other].get(day)
            if theirs is None or (other, day) == (swap.second, swap.second_day) \
                    or (day == swap.first_day and theirs.shift == mine.shift):
                continue  # nothing to swap, the rejected swap, or the same shift back
            try:
                _refuse_double_booking(checker, candidate)
                result = checker.check(candidate)
            except RosterInputError:
                continue
            if result.ok:
                found.append((candidate, result))
    found.sort(key=lambda pair: (pair[1].cost_delta, pair[0].second, pair[0].second_day))
    return found[:limit]


def _refuse_double_booking(checker: ChangeChecker, change: Change) -> None:
    """A swap or give-away must not land a shift on a day the taker already works (the checker
    would read that as replacing their shift, silently dropping one)."""
    cells = checker.cells
    if isinstance(change, Swap) and change.first_day != change.second_day:
        for taker, day in ((change.second, change.first_day), (change.first, change.second_day)):
            if day in cells.get(taker, {}):
                raise RosterInputError(f"{_name(checker, taker)} already works {checker.cal.day_label(day)} "
                                       f"({cells[taker][day].shift})")
    benefactor = getattr(change, "benefactor", None)
    if benefactor is not None and change.day in cells.get(benefactor, {}):  # type: ignore[union-attr]
        day = change.day  # type: ignore[union-attr]
        raise RosterInputError(f"{_name(checker, benefactor)} already works {checker.cal.day_label(day)} "
                               f"({cells[benefactor][day].shift})")


def _cells_after(checker: ChangeChecker, check: ChangeCheck) -> dict[EmployeeId, dict[int, Assignment]]:
    """The involved people's days after the change (history kept)."""
    after = {e: {d: a for d, a in checker.cells[e].items() if d < 0} for e in check.involved}
    for a in check.roster.assignments:
        if a.employee in after:
            after[a.employee][a.day] = a
    return after


def _night_duty(checker: ChangeChecker, check: ChangeCheck,
                after: dict[EmployeeId, dict[int, Assignment]]) -> tuple[NightDuty, ...]:
    cal = checker.cal
    nights = cal.night_shift_ids
    days = sorted({d for e in check.involved for d in set(checker.cells[e]) | set(after[e])
                   if d >= 0 and _is_night(checker.cells[e].get(d), nights) != _is_night(after[e].get(d), nights)})
    needed = [nm.skill for nm in checker.problem.rules.night_minimums]
    out = []
    for day in days:
        before = tuple(e for e in cal.employee_ids if _is_night(checker.cells[e].get(day), nights))
        crew = tuple(e for e in cal.employee_ids
                     if _is_night((after[e] if e in after else checker.cells[e]).get(day), nights))
        held = {k for e in crew for k in cal.employee_by_id[e].skills}
        out.append(NightDuty(day, cal.day_label(day), before, crew, tuple(k for k in needed if k not in held)))
    return tuple(out)


def _is_night(a: Assignment | None, night_ids: frozenset[str]) -> bool:
    return a is not None and a.shift in night_ids


def _fairness(checker: ChangeChecker, after: dict[EmployeeId, dict[int, Assignment]]) -> tuple[FairnessChange, ...]:
    out = []
    for e, cells in after.items():
        counts = fairness_counts(checker.cal, e, cells)
        for kind in FAIRNESS_KINDS:
            if e in checker.fair[kind] and counts[kind] != checker.fair[kind][e]:
                out.append(FairnessChange(e, _name(checker, e), kind, checker.fair[kind][e], counts[kind]))
    return tuple(out)


def _name(checker: ChangeChecker, e: EmployeeId) -> str:
    return checker.cal.employee_by_id[e].label


def _signed(n: int) -> str:
    return f"+{n}" if n > 0 else f"−{-n}"


def _cover_text(windows: Sequence[CoverWindow]) -> str:
    if not windows:
        return "coverage unchanged"
    shown = [f"{_signed(w.delta)} {w.skill} {w.label}" + (f" ({w.short} below requirement)" if w.short else "")
             for w in windows[:3]]
    return "coverage " + ", ".join(shown) + (f" (+{len(windows) - 3} more)" if len(windows) > 3 else "")


def _sla_text(tickets: Sequence[DueTicket]) -> str:
    if not tickets:
        return "no open tickets due in those hours"
    per_queue: dict[str, int] = {}
    for t in tickets:
        per_queue[t.queue] = per_queue.get(t.queue, 0) + 1
    return ", ".join(f"{n} {queue} ticket{'s' if n > 1 else ''}" for queue, n in per_queue.items()) \
        + " due in that window"


def _night_text(nights: Sequence[NightDuty]) -> str:
    if not nights:
        return "night duty unaffected"
    broken = [n for n in nights if not n.after or n.missing]
    if not broken:
        return "night duty still covered"
    return "; ".join(f"night duty {n.label} " + ("uncovered: nobody on a night shift" if not n.after
                                                 else "lacks " + ", ".join(n.missing)) for n in broken)


def _fairness_text(changes: Sequence[FairnessChange]) -> str:
    if not changes:
        return "fairness unchanged"
    return "fairness " + ", ".join(f"{c.name} {c.kind} {_signed(c.after - c.before)}" for c in changes)
