"""Solve a roster problem with CP-SAT: the API the CLI and the page call.

`solve` builds the model, searches within a time limit (CP-SAT's portfolio
on the whole model, then fix-and-resolve rounds on neighbourhoods of
employees and weeks while time remains), reports progress, can be stopped
from another thread, and always returns a `SolveResult` whose status says
what is known: OPTIMAL, FEASIBLE (a roster, maybe not the best), INFEASIBLE
(proven: the hard rules conflict, with an explanation), UNKNOWN (no roster
found in time; *not* a proof of infeasibility) or MODEL_INVALID (a bug).

The roster's objective, report and KPIs always come from the validator, never
from the solver, so what the planner sees is the specification's verdict.
"""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import Enum

from ortools.sat.python import cp_model

from rostering.calendar import calendar_of
from rostering.domain import Problem, Roster
from rostering.explain import Explanation, explain_conflict, explain_costs
from rostering.kpis import Kpis, compute_kpis
from rostering.model import RosterModel
from rostering.model.terms import Requirement
from rostering.validate import Report, validate

DEFAULT_WORKERS = 8


class SolveStatus(str, Enum):
    OPTIMAL = "OPTIMAL"
    FEASIBLE = "FEASIBLE"
    INFEASIBLE = "INFEASIBLE"
    UNKNOWN = "UNKNOWN"
    MODEL_INVALID = "MODEL_INVALID"


@dataclass(frozen=True)
class Progress:
    """A search event: best objective so far (None before the first roster),
    proven lower bound, seconds since `solve` started, rosters found."""

    objective: int | None
    bound: int | None
    elapsed_s: float
    solutions: int


@dataclass(frozen=True)
class SolveResult:
    """Outcome of `solve`. `roster`, `report` and `kpis` are set iff a roster
    was found; `explanations` hold the conflict (INFEASIBLE) or the broken
    soft rules worst first (a roster); `message` is one line for a planner."""

    status: SolveStatus
    message: str
    elapsed_s: float
    roster: Roster | None = None
    objective: int | None = None
    bound: int | None = None
    report: Report | None = None
    kpis: Kpis | None = None
    explanations: tuple[Explanation, ...] = ()
    stopped: bool = False
    phases: tuple[str, ...] = field(default=())


_STATUS = {
    cp_model.OPTIMAL: SolveStatus.OPTIMAL,
    cp_model.FEASIBLE: SolveStatus.FEASIBLE,
    cp_model.INFEASIBLE: SolveStatus.INFEASIBLE,
    cp_model.UNKNOWN: SolveStatus.UNKNOWN,
    cp_model.MODEL_INVALID: SolveStatus.MODEL_INVALID,
}


class _Reporter(cp_model.CpSolverSolutionCallback):
    """Forwards each improving solution to the search state."""

    def __init__(self, on_solution: Callable[["_Reporter"], None]) -> None:
        super().__init__()
        self._on_solution = on_solution

    def on_solution_callback(self) -> None:
        self._on_solution(self)


class _Search:
    """State of one `solve` call: best roster, bound, the running solver (so
    `stop` can interrupt it) and progress reporting."""

    def __init__(self, rm: RosterModel, *, seed: int, workers: int,
                 on_progress: Callable[[Progress], None] | None,
                 stop: threading.Event | None, started: float) -> None:
        self.rm = rm
        self.seed = seed
        self.workers = workers
        self.on_progress = on_progress
        self.stop = stop
        self.started = started
        self.lock = threading.Lock()
        self.solver: cp_model.CpSolver | None = None
        self.best_values: dict | None = None
        self.best_objective: int | None = None
        self.bound: int | None = None
        self.solutions = 0
        self.stopped = False
        self.phases: list[str] = []

    # ---- time and stop ------------------------------------------------------

    def elapsed(self) -> float:
        return time.monotonic() - self.started

    def should_stop(self) -> bool:
        if self.stop is not None and self.stop.is_set():
            self.stopped = True
        return self.stopped

    def watch_stop(self) -> threading.Thread | None:
        """A daemon thread that interrupts the running solver when `stop` is
        set (checked every 50 ms), so a stop takes effect mid-search."""
        if self.stop is None:
            return None

        def watch() -> None:
            while not self._done.wait(0.05):
                if self.stop.is_set():
                    self.stopped = True
                    with self.lock:
                        if self.solver is not None:
                            self.solver.stop_search()
                    return

        self._done = threading.Event()
        t = threading.Thread(target=watch, name="roster-stop-watch", daemon=True)
        t.start()
        return t

    def finish_watch(self, t: threading.Thread | None) -> None:
        if t is not None:
            self._done.set()
            t.join()

    # ---- reporting ----------------------------------------------------------

    def report(self) -> None:
        if self.on_progress is not None:
            self.on_progress(Progress(self.best_objective, self.bound, self.elapsed(),
                                      self.solutions))

    def record(self, cb: _Reporter) -> None:
        objective = round(cb.objective_value)
        if self.best_objective is None or objective < self.best_objective:
            self.best_objective = objective
            self.best_values = {key: cb.boolean_value(v) for key, v in self.rm.vars.x.items()}
            self.solutions += 1
            self.report()

    def record_bound(self, bound: float) -> None:
        b = int(-(-bound // 1))
        if self.bound is None or b > self.bound:
            self.bound = b
            self.report()

    # ---- one CP-SAT run -----------------------------------------------------

    def run(self, model: cp_model.CpModel, time_limit: float, workers: int,
            *, full: bool, extra: Callable[[cp_model.SatParameters], None] | None = None) -> int:
        """Solve `model` (the whole model if `full`, whose bound then counts)."""
        solver = cp_model.CpSolver()
        p = solver.parameters
        p.max_time_in_seconds = max(0.01, time_limit)
        p.num_workers = workers
        p.random_seed = self.seed
        if extra is not None:
            extra(p)
        if full:
            solver.best_bound_callback = self.record_bound
        with self.lock:
            if self.should_stop():
                return cp_model.UNKNOWN
            self.solver = solver
        try:
            status = solver.solve(model, _Reporter(self.record))
        finally:
            with self.lock:
                self.solver = None
        if full and status in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            self.record_bound(solver.best_objective_bound)
        return status


def _roster_of(rm: RosterModel, values: dict) -> Roster:
    keys = {key for key, on in values.items() if on}
    return rm.roster_from(lambda v, _k=keys, _idx={id(x): k for k, x in rm.vars.x.items()}:
                          _idx[id(v)] in _k)


def solve(
    problem: Problem,
    *,
    time_limit_s: float = 60.0,
    workers: int = DEFAULT_WORKERS,
    seed: int = 0,
    on_progress: Callable[[Progress], None] | None = None,
    stop: threading.Event | None = None,
    previous: Roster | None = None,
    hint: Roster | None = None,
    explain: bool = True,
) -> SolveResult:
    """Find a roster for `problem` within `time_limit_s` seconds.

    `workers` CP-SAT search workers, `seed` makes runs repeatable given the
    same machine load. `on_progress` is called from the solver's thread on
    every better roster and better bound; setting `stop` ends the search
    within about 50 ms with the best roster so far. `previous` (re-planning)
    adds the stability cost per changed assignment and is the hint unless
    `hint` is given. `explain` adds the conflict explanation when the hard
    rules are proven to conflict (a few extra short solves).

    Raises `RosterInputError` (a `UserError`) for inconsistent input.
    """
    started = time.monotonic()
    calendar_of(problem)  # validates the input before any solver work
    rm = RosterModel(problem, previous=previous)
    start = hint if hint is not None else previous
    if start is not None:
        rm.add_hint(start)
    search = _Search(rm, seed=seed, workers=workers, on_progress=on_progress, stop=stop,
                     started=started)
    watcher = search.watch_stop()
    try:
        status = search.run(rm.model, time_limit_s - search.elapsed(), workers, full=True)
        search.phases.append("portfolio")
    finally:
        search.finish_watch(watcher)
    return _result(problem, rm, search, status, previous, explain, time_limit_s)


def _result(problem: Problem, rm: RosterModel, search: _Search, status: int,
            previous: Roster | None, explain: bool, time_limit_s: float) -> SolveResult:
    kind = _STATUS.get(status, SolveStatus.UNKNOWN)
    if kind is SolveStatus.MODEL_INVALID:
        return SolveResult(kind, f"internal error: the roster model is invalid "
                           f"({rm.model.validate()})", search.elapsed(), stopped=search.stopped)
    if search.best_values is None:
        if kind is SolveStatus.INFEASIBLE:
            conflict = ()
            if explain:
                conflict = explain_conflict(problem, find_conflict(problem, seed=search.seed))
            return SolveResult(kind, "the hard rules cannot all hold: "
                               + ("; ".join(e.text for e in conflict[:3]) or "see explanations"),
                               search.elapsed(), explanations=tuple(conflict),
                               stopped=search.stopped)
        why = "stopped" if search.stopped else f"no roster found within {time_limit_s:g} s"
        return SolveResult(SolveStatus.UNKNOWN, f"{why}; this does not prove the rules "
                           "conflict", search.elapsed(), stopped=search.stopped)
    roster = _roster_of(rm, search.best_values)
    report = validate(problem, roster, previous)
    proven = search.bound is not None and search.bound >= report.objective
    final = SolveStatus.OPTIMAL if (kind is SolveStatus.OPTIMAL or proven) else SolveStatus.FEASIBLE
    msg = (f"{'optimal' if final is SolveStatus.OPTIMAL else 'feasible'} roster, cost "
           f"{report.objective}" + ("" if search.bound is None else f" (bound {search.bound})"))
    if not report.feasible:  # the validator is the specification: never hide this
        msg = f"roster breaks {len(report.violations)} hard rule(s): {report.violations[0].message}"
    return SolveResult(final, msg, search.elapsed(), roster, report.objective, search.bound,
                       report, compute_kpis(problem, roster), tuple(explain_costs(problem, report)),
                       search.stopped, tuple(search.phases))


def find_conflict(problem: Problem, *, seed: int = 0, time_limit_s: float = 10.0,
                  minimise: bool = True) -> list[Requirement]:
    """A small set of hard requirements that cannot hold together.

    Builds the feasibility model with one assumption literal per requirement,
    takes CP-SAT's sufficient assumptions for infeasibility, then (if
    `minimise`) drops each requirement whose removal keeps the set
    infeasible (deletion filter), each check within a share of the time.
    Returns [] if the problem is not proven infeasible in time.
    """
    rm = RosterModel(problem, explain=True)
    by_index = {lit.index: req for req, lit in rm.requirements.items()}
    lits = {req: lit for req, lit in rm.requirements.items()}

    def infeasible_with(reqs: list[Requirement], limit: float) -> tuple[bool, list[Requirement]]:
        rm.model.clear_assumptions()
        rm.model.add_assumptions([lits[r] for r in reqs])
        solver = cp_model.CpSolver()
        solver.parameters.max_time_in_seconds = max(0.05, limit)
        solver.parameters.num_workers = 1
        solver.parameters.random_seed = seed
        status = solver.solve(rm.model)
        if status != cp_model.INFEASIBLE:
            return False, []
        core = [by_index[i] for i in solver.sufficient_assumptions_for_infeasibility()
                if i in by_index]
        return True, core or reqs

    deadline = time.monotonic() + time_limit_s
    ok, core = infeasible_with(list(lits), time_limit_s / 2)
    if not ok:
        return []
    # shrink: re-solve on the core until it stops shrinking
    while True:
        ok, smaller = infeasible_with(core, max(0.05, (deadline - time.monotonic()) / 4))
        if not ok or len(smaller) >= len(core):
            break
        core = smaller
    if minimise:
        rng = random.Random(seed)
        order = core[:]
        rng.shuffle(order)
        for req in order:
            if req not in core or time.monotonic() > deadline:
                continue
            trial = [r for r in core if r != req]
            left = deadline - time.monotonic()
            ok, smaller = infeasible_with(trial, max(0.05, left / max(1, len(core))))
            if ok:
                core = [r for r in core if r in set(smaller)] if smaller else trial
    return core
