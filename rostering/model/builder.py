"""The roster model: composes one module per rule family.

Every family is a function `family(rm) -> list[PenaltyTerm]` that posts its
hard constraints on `rm.model` and returns its soft terms; the builder sums
the terms into the objective. In `explain` mode there is no objective and
every hard requirement is guarded by an assumption literal (see
`rostering.solve.explain_infeasibility`).
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping

from ortools.sat.python import cp_model

from rostering.calendar import calendar_of
from rostering.domain import Assignment, EmployeeId, Problem, Requirement, Roster
from rostering.model import cover, fairness, requests, runs, stability, succession, totals
from rostering.model.terms import PenaltyTerm
from rostering.model.variables import Lit, RosterVars

FAMILIES: tuple[Callable[["RosterModel"], list[PenaltyTerm]], ...] = (
    cover.shift_cover,
    cover.interval_cover,
    cover.night_cover,
    succession.rest_and_successions,
    totals.shifts_per_type,
    totals.minutes,
    totals.nights_per_week,
    totals.weekends,
    totals.overtime,
    runs.consecutive_days,
    requests.requests,
    fairness.fairness,
    stability.stability,
)


class RosterModel:
    """CP-SAT model of one `Problem`.

    `previous` adds the stability cost per changed (employee, day) and is
    used as the hint. `explain=True` builds the feasibility model with one
    assumption literal per `Requirement` instead of an objective.
    """

    def __init__(
        self,
        problem: Problem,
        *,
        previous: Roster | None = None,
        explain: bool = False,
        free: Mapping[EmployeeId, Collection[int] | None] | None = None,
        base: Roster | None = None,
        relax_night_cover: bool = False,
    ) -> None:
        """`free`/`base` build a neighbourhood sub-model: only the cells in
        `free` (employee -> days, None for all) get variables, every other
        cell is fixed to `base`. `relax_night_cover` drops the night minimum
        (used only while constructing a first roster employee by employee).
        """
        self.problem = problem
        self.cal = calendar_of(problem)
        self.model = cp_model.CpModel()
        self.previous = previous
        self.explain = explain
        self.relax_night_cover = relax_night_cover
        self.requirements: dict[Requirement, cp_model.IntVar] = {}
        self.vars = RosterVars(self.model, self.cal, free=free,
                               base=base,
                               open_blocked=explain, on_blocked=self._forbid_blocked)
        self._weekend: dict[tuple[EmployeeId, int], Lit] = {}
        self.terms: list[PenaltyTerm] = []
        self.constant = 0  # cost of the fixed part, so objectives compare
        for family in FAMILIES:
            for term in family(self):
                if isinstance(term.expr, int):
                    self.constant += term.weight * term.expr
                else:
                    self.terms.append(term)
        if not explain:
            self.model.minimize(self.objective_expr())

    # ---- helpers for rule modules ----------------------------------------

    def require(self, req: Requirement) -> cp_model.IntVar | None:
        """Assumption literal guarding `req` in explain mode, else None."""
        if not self.explain:
            return None
        lit = self.requirements.get(req)
        if lit is None:
            lit = self.model.new_bool_var(f"req|{req.rule}|{req.employee}|{req.day}|"
                                          f"{req.shift}|{req.skill}|{req.week}")
            self.requirements[req] = lit
        return lit

    @staticmethod
    def enforce(ct: cp_model.Constraint, lit: cp_model.IntVar | None) -> None:
        if lit is not None:
            ct.only_enforce_if(lit)

    def post(self, ct: cp_model.BoundedLinearExpression | bool,
             lit: cp_model.IntVar | None) -> None:
        """Add a linear constraint guarded by `lit`; a constant-true one is
        dropped, a constant-false one becomes an (assumable) contradiction."""
        if ct is True:
            return
        if ct is False:
            self.post_false(lit)
            return
        self.enforce(self.model.add(ct), lit)

    def post_false(self, lit: cp_model.IntVar | None) -> None:
        """A requirement the fixed data (history, leave) already breaks."""
        self.enforce(self.model.add_bool_or([]), lit)

    def weekend(self, e: EmployeeId, k: int) -> Lit:
        """Literal 'e works weekend k' (k indexes `cal.weekends`), equal to
        the OR of its days so fairness cannot inflate it."""
        key = (e, k)
        if key not in self._weekend:
            days = [self.vars.work(e, d) for d in self.cal.weekends[k]]
            lits = [v for v in days if not isinstance(v, int)]
            if any(isinstance(v, int) and v for v in days):
                self._weekend[key] = 1
            elif not lits:
                self._weekend[key] = 0
            elif len(lits) == 1:
                self._weekend[key] = lits[0]
            else:
                w = self.model.new_bool_var(f"weekend|{e}|{k}")
                self.model.add_max_equality(w, lits)
                self.vars.derive(w, lambda val, lits=lits: max(val(x) for x in lits))
                self._weekend[key] = w
        return self._weekend[key]

    def _forbid_blocked(self, v: cp_model.IntVar, e: EmployeeId, d: int, s: str,
                        reason: str) -> None:
        """Explain mode only: a leave/unavailable cell is open but forbidden
        under its requirement literal."""
        req = Requirement(reason, e, d, None if reason == "time_off" else s)
        self.enforce(self.model.add(v == 0), self.require(req))

    # ---- results ------------------------------------------------------------

    def objective_expr(self) -> cp_model.LinearExprT:
        return cp_model.LinearExpr.weighted_sum([t.expr for t in self.terms],
                                                [t.weight for t in self.terms]) + self.constant

    def roster_from(self, is_true: Callable[[cp_model.IntVar], bool]) -> Roster:
        """The roster read off a solution (`is_true` e.g. solver.boolean_value),
        fixed cells of a sub-model included."""
        out = [Assignment(e, d, s, k) for (e, d, s, k), v in self.vars.x.items() if is_true(v)]
        out += self.vars.fixed_assignments()
        return Roster(tuple(sorted(out, key=lambda a: (a.employee, a.day))))

    def add_hint(self, roster: Roster) -> None:
        """Hint a complete solution from `roster`: every x (1 where assigned)
        and every auxiliary variable computed from them, so CP-SAT starts
        from that roster at once instead of repairing a partial hint."""
        self.model.clear_hints()
        cells = roster.by_cell  # kept with the roster: a sub-model looks up only its own cells
        values: dict[int, int] = {}
        for (e, d, s, k), v in self.vars.x.items():
            a = cells.get((e, d))
            values[v.index] = int(a is not None and a.shift == s and a.skill == k)
        val = lambda var: values[var.index]  # noqa: E731
        for var, value in self.vars.derived:
            values[var.index] = value(val)
        # in two bulk appends: one `add_hint` per variable took a fifth of a
        # sub-model's build (every index here is a variable's, never negated)
        hint = self.model.proto.solution_hint
        hint.vars.extend(values.keys())
        hint.values.extend(values.values())
