"""Variable container: Booleans only for eligible (employee, day, shift, skill).

`x[e, d, s, k]` is true when employee e works shift type s on day d with skill
k. No variable exists for an ineligible combination (skill not held, shift
type not allowed, time off or unavailable), so those rules cost nothing in the
model. For an explanation the builder also opens the time-off and
unavailable cells, and a requirement literal then forbids them, so the solver
can say which leave is in the way.

History days (negative) and cells without a variable read as constants, so
rule modules can treat the carried-in past and the horizon alike.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable

from ortools.sat.python import cp_model

from rostering.calendar import Calendar
from rostering.domain import EmployeeId, ShiftTypeId, SkillId

Lit = cp_model.IntVar | int
Expr = cp_model.LinearExprT


class RosterVars:
    """x variables plus the derived per-day work literal."""

    def __init__(
        self,
        model: cp_model.CpModel,
        cal: Calendar,
        *,
        open_blocked: bool = False,
        on_blocked: Callable[[cp_model.IntVar, EmployeeId, int, ShiftTypeId, str], None] | None = None,
    ) -> None:
        self.model = model
        self.cal = cal
        self.x: dict[tuple[EmployeeId, int, ShiftTypeId, SkillId], cp_model.IntVar] = {}
        self.by_cell: dict[tuple[EmployeeId, int], list[cp_model.IntVar]] = defaultdict(list)
        self.by_shift: dict[tuple[EmployeeId, int, ShiftTypeId], list[cp_model.IntVar]] = defaultdict(list)
        self.by_slot_skill: dict[tuple[int, ShiftTypeId, SkillId], list[cp_model.IntVar]] = defaultdict(list)
        self.by_slot: dict[tuple[int, ShiftTypeId], list[cp_model.IntVar]] = defaultdict(list)
        name_vars = len(cal.employee_ids) * cal.problem.num_days * len(cal.shift_ids) <= 200_000
        for e in cal.employee_ids:
            for s in cal.shift_ids:
                options = cal.skill_options(e, s)
                if not options:
                    continue
                for d in cal.days:
                    reason = cal.blocked_reason(e, d, s)
                    if reason is not None and not open_blocked:
                        continue
                    for k in options:
                        v = model.new_bool_var(f"x|{e}|{d}|{s}|{k}" if name_vars else "")
                        self.x[(e, d, s, k)] = v
                        self.by_cell[(e, d)].append(v)
                        self.by_shift[(e, d, s)].append(v)
                        self.by_slot_skill[(d, s, k)].append(v)
                        self.by_slot[(d, s)].append(v)
                        if reason is not None and on_blocked is not None:
                            on_blocked(v, e, d, s, reason)
        self._work: dict[tuple[EmployeeId, int], Lit] = {}
        for (e, d), xs in self.by_cell.items():
            if len(xs) == 1:
                self._work[(e, d)] = xs[0]
            else:
                w = model.new_bool_var(f"works|{e}|{d}" if name_vars else "")
                model.add(cp_model.LinearExpr.sum(xs) == w)
                self._work[(e, d)] = w

    def work(self, e: EmployeeId, d: int) -> Lit:
        """Literal 'e works on day d'; history and empty cells are 0/1."""
        if d < 0:
            return 1 if (e, d) in self.cal.history else 0
        return self._work.get((e, d), 0)

    def shift(self, e: EmployeeId, d: int, s: ShiftTypeId) -> Expr:
        """0/1 expression 'e works shift type s on day d' (any skill)."""
        if d < 0:
            h = self.cal.history.get((e, d))
            return 1 if h is not None and h.shift == s else 0
        xs = self.by_shift.get((e, d, s))
        if not xs:
            return 0
        return xs[0] if len(xs) == 1 else cp_model.LinearExpr.sum(xs)

    def shift_vars(self, e: EmployeeId, d: int, s: ShiftTypeId) -> list[cp_model.IntVar]:
        return self.by_shift.get((e, d, s), [])

    def slot_count(self, d: int, s: ShiftTypeId, k: SkillId | None) -> Expr:
        """People on shift s on day d (with skill k, or any if None), history
        included as a constant."""
        if d < 0:
            return sum(1 for a in self.cal.history.values()
                       if a.day == d and a.shift == s and (k is None or a.skill == k))
        xs = self.by_slot.get((d, s), []) if k is None else self.by_slot_skill.get((d, s, k), [])
        return cp_model.LinearExpr.sum(xs) if xs else 0
