"""Variable container: Booleans only for eligible (employee, day, shift, skill).

`x[e, d, s, k]` is true when employee e works shift type s on day d with skill
k. No variable exists for an ineligible combination (skill not held, shift
type not allowed, time off or unavailable), so those rules cost nothing in the
model. For an explanation the builder also opens the time-off and
unavailable cells, and a requirement literal then forbids them, so the solver
can say which leave is in the way.

Cells that are not free read as constants: history days (negative), and, in
a neighbourhood sub-model, every cell outside the neighbourhood (taken from
the incumbent roster). Rule modules therefore treat the carried-in past, the
fixed part of the roster and the free part alike, and a sub-model's objective
equals the full objective of the combined roster.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Collection, Iterable, Mapping

from ortools.sat.python import cp_model

from rostering.calendar import Calendar
from rostering.domain import Assignment, EmployeeId, Roster, ShiftTypeId, SkillId

Lit = cp_model.IntVar | int
Expr = cp_model.LinearExprT


class RosterVars:
    """x variables for the free cells, the derived per-day work literal, and
    the constant cells (history and fixed)."""

    def __init__(
        self,
        model: cp_model.CpModel,
        cal: Calendar,
        *,
        free: Mapping[EmployeeId, Collection[int] | None] | None = None,
        base: Roster | None = None,
        open_blocked: bool = False,
        on_blocked: Callable[[cp_model.IntVar, EmployeeId, int, ShiftTypeId, str], None] | None = None,
    ) -> None:
        """`free`: employee -> free days (None: all days); employees missing
        are fixed. `free=None` frees every cell. `base`: the roster the fixed
        cells are read from (a cell it leaves empty is off)."""
        self.model = model
        self.cal = cal
        self.x: dict[tuple[EmployeeId, int, ShiftTypeId, SkillId], cp_model.IntVar] = {}
        self.by_cell: dict[tuple[EmployeeId, int], list[cp_model.IntVar]] = defaultdict(list)
        self.cell_shifts: dict[tuple[EmployeeId, int], list[tuple[ShiftTypeId, cp_model.IntVar]]] = \
            defaultdict(list)
        self.by_shift: dict[tuple[EmployeeId, int, ShiftTypeId], list[cp_model.IntVar]] = defaultdict(list)
        self.by_slot_skill: dict[tuple[int, ShiftTypeId, SkillId], list[cp_model.IntVar]] = defaultdict(list)
        self.by_slot: dict[tuple[int, ShiftTypeId], list[cp_model.IntVar]] = defaultdict(list)
        if free is None:
            self.free_days = {e: cal.days for e in cal.employee_ids}
        else:
            self.free_days = {e: (cal.days if days is None else frozenset(days))
                              for e, days in free.items()}
        self.active: tuple[EmployeeId, ...] = tuple(e for e in cal.employee_ids if e in self.free_days)
        # constant cells: history always, plus the base roster's cells outside
        # the free ones, looked up in place; their counts per slot are the
        # base's less its free cells, so a small neighbourhood of a large
        # roster costs little more than its own size
        self._base = base.by_cell if base is not None else {}
        self._base_by_employee = base.by_employee if base is not None else {}
        self._const_rows: dict[EmployeeId, list[ShiftTypeId | None]] = {}
        self._const_slots: dict[tuple[int, ShiftTypeId, SkillId | None], int] = \
            dict(base.slot_counts) if base is not None else {}
        freed = [a for e, days in self.free_days.items() for d in days
                 if (a := self._base.get((e, d))) is not None]
        for a, step in [(a, -1) for a in freed] + [(a, 1) for a in cal.history.values()]:
            for key in ((a.day, a.shift, a.skill), (a.day, a.shift, None)):
                self._const_slots[key] = self._const_slots.get(key, 0) + step

        # names help read a dumped whole model; a sub-model's thousands of
        # f-strings cost the search time on every neighbourhood
        n_cells = sum(len(days) for days in self.free_days.values()) * len(cal.shift_ids)
        name_vars = free is None and n_cells <= 200_000
        for e in self.active:
            days = self.free_days[e]
            for s in cal.shift_ids:
                options = cal.skill_options(e, s)
                if not options:
                    continue
                for d in days:
                    reason = cal.blocked_reason(e, d, s)
                    if reason is not None and not open_blocked:
                        continue
                    for k in options:
                        v = model.new_bool_var(f"x|{e}|{d}|{s}|{k}" if name_vars else "")
                        self.x[(e, d, s, k)] = v
                        self.by_cell[(e, d)].append(v)
                        self.cell_shifts[(e, d)].append((s, v))
                        self.by_shift[(e, d, s)].append(v)
                        self.by_slot_skill[(d, s, k)].append(v)
                        self.by_slot[(d, s)].append(v)
                        if reason is not None and on_blocked is not None:
                            on_blocked(v, e, d, s, reason)
        # auxiliary variables and how to compute each from the x values, in
        # creation order, so a roster can be turned into a complete hint
        self.derived: list[tuple[cp_model.IntVar, Callable[[Callable[[cp_model.IntVar], int]], int]]] = []
        self._work: dict[tuple[EmployeeId, int], Lit] = {}
        for (e, d), xs in self.by_cell.items():
            if len(xs) == 1:
                self._work[(e, d)] = xs[0]
            else:
                w = model.new_bool_var(f"works|{e}|{d}" if name_vars else "")
                model.add(cp_model.LinearExpr.sum(xs) == w)
                self.derive(w, lambda val, xs=xs: sum(val(x) for x in xs))
                self._work[(e, d)] = w

    def derive(self, var: cp_model.IntVar,
               value: Callable[[Callable[[cp_model.IntVar], int]], int]) -> None:
        """Record how `var` follows from earlier variables (for hints)."""
        self.derived.append((var, value))

    def is_free(self, e: EmployeeId, d: int) -> bool:
        days = self.free_days.get(e)
        return d >= 0 and days is not None and d in days

    def fixed_assignments(self) -> list[Assignment]:
        """The base roster's assignments in the fixed horizon cells."""
        return [a for (e, d), a in self._base.items() if d >= 0 and not self.is_free(e, d)]

    def work(self, e: EmployeeId, d: int) -> Lit:
        """Literal 'e works on day d'; constant for history, fixed and empty cells."""
        if self.is_free(e, d):
            return self._work.get((e, d), 0)
        return 0 if self.const_shift(e, d) is None else 1

    def shift(self, e: EmployeeId, d: int, s: ShiftTypeId) -> Expr:
        """0/1 expression 'e works shift type s on day d' (any skill)."""
        if not self.is_free(e, d):
            return int(self.const_shift(e, d) == s)
        xs = self.by_shift.get((e, d, s))
        if not xs:
            return 0
        return xs[0] if len(xs) == 1 else cp_model.LinearExpr.sum(xs)

    def shift_vars(self, e: EmployeeId, d: int, s: ShiftTypeId) -> list[cp_model.IntVar]:
        """The free variables of (e, d, s), one per skill (empty if fixed)."""
        return self.by_shift.get((e, d, s), [])

    def const_shift(self, e: EmployeeId, d: int) -> ShiftTypeId | None:
        """Shift type of a constant cell (history or fixed), None if off/free."""
        if d < 0:
            a = self.cal.history.get((e, d))
            return a.shift if a is not None else None
        row = self.const_row(e)
        return row[d] if d < len(row) else None

    def const_row(self, e: EmployeeId) -> list[ShiftTypeId | None]:
        """`const_shift` of every horizon day of `e`, indexed by day. Rule
        families loop over whole horizons for every person in a sub-model;
        on a 364-day roster, per-day method lookups of the fixed part took
        about a third of the time a one-day neighbourhood of everyone took
        to build."""
        row = self._const_rows.get(e)
        if row is None:
            row = self._const_rows[e] = [None] * len(self.cal.days)
            free = self.free_days.get(e, ())
            for d, a in self._base_by_employee.get(e, {}).items():
                if 0 <= d < len(row) and d not in free:
                    row[d] = a.shift
        return row

    def shift_sum(self, e: EmployeeId, days: Iterable[int], shifts: Collection[ShiftTypeId],
                  weight: Callable[[int, ShiftTypeId], int] | None = None) -> tuple[list, list, int]:
        """(vars, coefficients, constant) of the sum over horizon `days` and
        shift types `shifts` of weight(d, s) * works(e, d, s); weight defaults to 1."""
        xs, coefs, const = [], [], 0
        free, row, cells = self.free_days.get(e, ()), self.const_row(e), self.cell_shifts
        for d in days:
            if d in free:
                for s, x in cells.get((e, d), ()):
                    if s in shifts:
                        xs.append(x)
                        coefs.append(1 if weight is None else weight(d, s))
            elif (s := row[d]) is not None and s in shifts:
                const += 1 if weight is None else weight(d, s)
        return xs, coefs, const

    def slot_count(self, d: int, s: ShiftTypeId, k: SkillId | None) -> tuple[list[cp_model.IntVar], int]:
        """(free variables, constant) counting people on shift s on day d,
        with skill k or any skill if k is None."""
        xs = self.by_slot.get((d, s), []) if k is None else self.by_slot_skill.get((d, s, k), [])
        return xs, self._const_slots.get((d, s, k), 0)
