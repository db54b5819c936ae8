"""Solve a roster problem with CP-SAT: the API the CLI and the page call.

`solve` searches within a time limit (see `rostering.search`: construction,
CP-SAT's portfolio on the whole model, fix-and-resolve neighbourhoods),
reports progress, can be stopped
from another thread, and always returns a `SolveResult` whose status says
what is known: OPTIMAL, FEASIBLE (a roster, maybe not the best), INFEASIBLE
(proven: the hard rules conflict, with an explanation), UNKNOWN (no roster
found in time; *not* a proof of infeasibility) or MODEL_INVALID (a bug).

The roster's objective, report and KPIs always come from the validator, never
from the solver, so what the planner sees is the specification's verdict.
"""

from __future__ import annotations

import os
import random
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import Enum

from ortools.sat.python import cp_model

from rostering.calendar import calendar_of
from rostering.domain import Problem, Requirement, Roster
from rostering.explain import Explanation, explain_conflict, explain_costs
from rostering.kpis import Kpis, compute_kpis
from rostering.model import RosterModel
from rostering.search import (
    BOUND_MAX_CELLS,
    BOUND_SHARE,
    PORTFOLIO_MAX_CELLS,
    PORTFOLIO_SHARE,
    SWEEP_SHARE,
    Progress,
    Search,
    model_cells,
)
from rostering.validate import Report, validate

__all__ = ["DEFAULT_WORKERS", "Progress", "SolveResult", "SolveStatus", "find_conflict", "solve"]

DEFAULT_WORKERS = 8
# Neighbourhood threads: one per core but the one left for the whole-model
# full-LP worker (or, without it, one more neighbourhood thread), so the
# search runs as many threads as cores. On 2 cores, one thread fewer than
# before (2 + 1 on 2 cores): sub-solves took half as long again, neighbourhoods
# shrank to fit their target time and threads raced for the incumbent. Planted
# 28-day, 120-person file, seeds 0-4: 816-1,761 (mean 1,302) against
# 1,258-2,473 (mean 1,762); Instance12 and 16 lower, the others unchanged.
CORES = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 2)
DEFAULT_LNS_THREADS = max(1, CORES - 1)


class SolveStatus(str, Enum):
    OPTIMAL = "OPTIMAL"
    FEASIBLE = "FEASIBLE"
    INFEASIBLE = "INFEASIBLE"
    UNKNOWN = "UNKNOWN"
    MODEL_INVALID = "MODEL_INVALID"


@dataclass(frozen=True)
class SolveResult:
    """Outcome of `solve`. `roster`, `report` and `kpis` are set iff a roster
    was found; `explanations` hold the conflict (INFEASIBLE) or the broken
    soft rules worst first (a roster); `message` is one line for a planner;
    `objective` is the validator's cost of `roster`; `bound` a proven lower
    bound on any roster's cost, if one is known."""

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
    lns_threads: int = DEFAULT_LNS_THREADS,
) -> SolveResult:
    """Find a roster for `problem` within `time_limit_s` seconds.

    `workers` CP-SAT workers for the whole-model portfolio and `lns_threads`
    threads of neighbourhood search (see `rostering.search`; one more for the
    sweeps after construction and for neighbourhoods where no whole-model
    worker runs beside them); `seed` makes
    runs repeatable given the same machine load. `on_progress` is called (from the
    solving thread) on every better roster and better bound; setting `stop`
    ends the search within about 50 ms, keeping the best roster so far.
    `previous` (re-planning) adds the stability cost per changed assignment
    and is the starting roster unless `hint` is given. `explain` adds the
    conflict explanation when the hard rules are proven to conflict.

    Raises `RosterInputError` (a `UserError`) for inconsistent input.
    """
    started = time.monotonic()
    lns = max(1, lns_threads)
    calendar_of(problem)  # validates the input before any solver work
    cells = model_cells(problem)
    # keep time to validate and price the result (about 1 s per million cells)
    reserve = min(0.05 * time_limit_s, cells / 1_000_000)
    with Search(problem, seed=seed, started=started,
                deadline=started + time_limit_s - reserve, on_progress=on_progress, stop=stop,
                previous=previous) as search:
        start = hint if hint is not None else previous
        if start is not None:
            start = search.start_from(start)
        if start is None:
            start = search.construct()
            # nothing else runs during the sweep: it takes every thread the search has (on a
            # planted 182-day, 100-person file 60 s ended about a fifth lower than with one, on 2 cores)
            search.sweep(lns + 1, time.monotonic() + SWEEP_SHARE * search.left())
        if not search.should_stop() and not search.proven_infeasible and (
                cells <= PORTFOLIO_MAX_CELLS or search.incumbent is None):
            # CP-SAT's portfolio alone for a while: it proves small problems
            # optimal, and finds a legal roster if the construction did not
            # (a night minimum short, someone the greedy could not place)
            share = PORTFOLIO_SHARE * time_limit_s if search.incumbent is not None \
                else max(PORTFOLIO_SHARE * time_limit_s, 0.5 * search.left())
            search.portfolio(share, start, workers)
            if search.incumbent is None and not search.proven_infeasible and search.left() > 0.5:
                search.portfolio(search.left(), start, workers)  # UNKNOWN is not a proof
        if search.incumbent is not None and search.full_status != cp_model.OPTIMAL:
            # one CP-SAT worker with the full LP beside the neighbourhoods
            # where its LP is quick enough to give a useful bound; where it
            # cannot prove optimality either, only until its bound settles
            bound = cells <= BOUND_MAX_CELLS
            bound_s = None if cells <= PORTFOLIO_MAX_CELLS else BOUND_SHARE * search.left()
            search.improve(threads=lns + (0 if bound else 1), bound_thread=bound, bound_s=bound_s)
    return _result(problem, search, previous, explain, time_limit_s)


def _result(problem: Problem, search: Search, previous: Roster | None, explain: bool,
            time_limit_s: float) -> SolveResult:
    elapsed = search.elapsed()
    phases = tuple(search.phases)
    if search.full_status == cp_model.MODEL_INVALID:
        return SolveResult(SolveStatus.MODEL_INVALID, "internal error: the roster model is "
                           f"invalid ({search.full_model().model.validate()})", elapsed,
                           stopped=search.stopped, phases=phases)
    if search.incumbent is None:
        if search.proven_infeasible and not search.stopped:
            conflict: list[Explanation] = []
            if explain:
                conflict = explain_conflict(problem, find_conflict(
                    problem, seed=search.seed, time_limit_s=max(1.0, min(10.0, search.left()))))
            return SolveResult(SolveStatus.INFEASIBLE, "the hard rules cannot all hold: "
                               + ("; ".join(e.text for e in conflict[:3]) or "see explanations"),
                               search.elapsed(), explanations=tuple(conflict), phases=phases)
        why = "stopped" if search.stopped else f"no roster found within {time_limit_s:g} s"
        return SolveResult(SolveStatus.UNKNOWN, f"{why}; this does not prove the rules "
                           "conflict", elapsed, stopped=search.stopped, phases=phases)
    roster = search.incumbent
    report = validate(problem, roster, previous)
    bound = search.bound
    optimal = search.full_status == cp_model.OPTIMAL or (bound is not None
                                                         and bound >= report.objective)
    status = SolveStatus.OPTIMAL if optimal else SolveStatus.FEASIBLE
    msg = (f"{status.value.lower()} roster, cost {report.objective}"
           + ("" if bound is None else f" (bound {bound})"))
    if not report.feasible:  # the validator is the specification: never hide this
        msg = f"roster breaks {len(report.violations)} hard rule(s): {report.violations[0].message}"
    return SolveResult(status, msg, elapsed, roster, report.objective, bound, report,
                       compute_kpis(problem, roster), tuple(explain_costs(problem, report)),
                       search.stopped, phases)


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
