"""The search behind `rostering.solve`: construct, portfolio, neighbourhoods.

1. Construct: the rule-aware greedy of `rostering.construct`, employee by
   employee against the coverage the others leave open; anyone it cannot
   place legally is re-solved exactly on a CP-SAT sub-model in which
   everyone else is fixed. Every labour rule is per person, so the result
   respects all of them; only the night minimum can still be short, and the
   portfolio repairs that from the hint. Then sweeps: everyone in turn is
   re-solved exactly against all the others (`Search.sweep`) while that
   still pays.
2. Portfolio: CP-SAT's own workers on the whole model, hinted with the best
   roster so far, for a share of the time, on small problems (it proves
   them optimal) or when there is no legal roster yet. Afterwards, on
   problems where its LP is quick, one CP-SAT worker with the full LP
   relaxation keeps working on the whole model beside the neighbourhoods:
   it raises the bound, sometimes proves optimality and, up to the
   portfolio's size, hands every roster it finds to the neighbourhoods at
   once (above it, where it cannot prove optimality, it hands its thread
   to the neighbourhoods once its bound has settled).
3. Neighbourhoods (fix-and-resolve): free the cells of a few employees, of
   everyone over a window of days, of some employees over a fortnight, of
   everyone on a few weekdays across the horizon, or of everyone on a few
   days anywhere in it; pin the rest to the
   incumbent and let CP-SAT re-optimise. Sub-models come
   from the same builder (fixed cells are constants), so their objective is
   the full objective. Sizes adapt: grow after a quick optimal sub-solve,
   shrink after a timeout, and grow further while the search is stuck.
   Several threads run them at once; a small neighbourhood's result is
   written into the incumbent of its moment, keeping what the other
   threads found meanwhile (`Search.offer_neighbourhood`).

All phases stop at the deadline or when the caller's stop event is set; the
running CP-SAT solve is interrupted through `stop_search`.
"""

from __future__ import annotations

import functools
import itertools
import random
import threading
import time
from collections import deque
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property

from ortools.sat.python import cp_model

from rostering.calendar import calendar_of
from rostering.construct import greedy_roster
from rostering.domain import Assignment, Problem, Roster
from rostering.model import RosterModel
from rostering.swaps import ChangeChecker
from rostering.validate import employee_violations, validate

SWEEP_SHARE = 0.5  # at most, of the time left, for exact one-person re-solves (`Search.sweep`)
SWEEP_MIN_GAIN = 0.05  # they go on while the last round of everyone cut the cost by 5%
# From this horizon on the first round of sweeps reaches everyone, past SWEEP_SHARE if need be (`Search.sweep`)
SWEEP_WHOLE_ROUND_DAYS = 182
# From this many (employee, day, shift type) cells the sweeps' CP-SAT presolve runs one pass (`Search.sweep`)
SWEEP_ONE_PASS_CELLS = 100_000
# CP-SAT's portfolio alone first only where it can prove optimality soon
PORTFOLIO_MAX_CELLS = 2_000
BOUND_MAX_CELLS = 10_000  # whole-model full-LP worker beside neighbourhoods up to this
BOUND_SHARE = 0.25  # of the time left, for that worker above PORTFOLIO_MAX_CELLS (then neighbourhoods)
PORTFOLIO_SHARE = 0.15  # of the time limit for the portfolio when a roster exists
SUBSOLVE_MAX_S = 2.0
NEIGHBOURHOOD_TARGET_S = 0.4
STALL_DOUBLING = 12  # rounds without improvement that double the time per sub-solve
STALL_MAX_FACTOR = 16
NEIGHBOURHOOD_START_CELLS = 150.0  # free (employee, day) cells in a first neighbourhood
BLOCK_DAYS = 14  # the "block" neighbourhood's window
# what a neighbourhood frees (`Search._neighbourhood`); "weekdays" only on horizons of two weeks or more
NEIGHBOURHOOD_KINDS = ("employees", "window", "block", "weekdays", "days")
KIND_FLOOR = 0.3  # every kind keeps at least this share of the mean gain, to stay explored
# A neighbourhood freeing at most this share of the roster is merged into the
# incumbent of the moment (`offer_neighbourhood`); a larger one likely overlaps
# what the other threads changed meanwhile and is taken whole or not at all
# (on the 16-person Instance5, merging those made 60 s runs worse).
MERGE_MAX_SHARE = 0.25
HOT_REFRESH_FACTOR = 9  # locating costs takes at most a tenth of a thread's time
NEAREST_SAMPLE = 8  # people judged for the first place of a neighbourhood around an open shift (`_nearest_taker`)


def model_cells(problem: Problem) -> int:
    """(employee, day, shift type) cells: the size the phases' thresholds
    (`PORTFOLIO_MAX_CELLS`, `BOUND_MAX_CELLS`, `SWEEP_ONE_PASS_CELLS`) are stated in."""
    return len(problem.employees) * problem.num_days * len(problem.shift_types)


@dataclass(frozen=True)
class Progress:
    """A search event: best objective so far (None before the first roster),
    proven lower bound (None before any), seconds since `solve` started,
    rosters found."""

    objective: int | None
    bound: int | None
    elapsed_s: float
    solutions: int


class _Reporter(cp_model.CpSolverSolutionCallback):
    def __init__(self, on_solution: Callable[[cp_model.CpSolverSolutionCallback], None]) -> None:
        super().__init__()
        self._on_solution = on_solution

    def on_solution_callback(self) -> None:
        self._on_solution(self)


def next_size(size: float, largest: int, optimal: bool, took: float, target: float) -> float:
    """A kind's size after a sub-solve: 20% larger after a quick optimal one,
    20% smaller after a timeout or a slow one. Never past `largest` (what the
    kind can free): a kind that already frees all it can would otherwise keep
    growing on quick sub-solves (on Instance7 to 300 times its largest) and,
    once they turn slow, need dozens of timeouts to come back down."""
    if optimal and took < target:
        return min(float(largest), size * 1.2)
    if not optimal or took > 2 * target:
        return max(1.0, size / 1.2)
    return size


def sub_solve_target(stalled: float) -> float:
    """Seconds a sub-solve aims at after `stalled` rounds without a gain:
    `NEIGHBOURHOOD_TARGET_S`, doubled every `STALL_DOUBLING` such rounds up
    to `STALL_MAX_FACTOR` times. Neighbourhood sizes follow the target, so a
    stuck search tries ever larger ones: escapes from deep local optima (as
    on Instance16) come from those larger neighbourhoods."""
    return NEIGHBOURHOOD_TARGET_S * min(STALL_MAX_FACTOR, 2 ** (stalled / STALL_DOUBLING))


def bound_settled(ran: float, flat: float, bound_s: float) -> bool:
    """May the full-LP bound worker stop, having run `ran` seconds and its
    bound not having risen for `flat`? After `bound_s`, once flat for half
    as long (a worker still closing its root LP keeps going)."""
    return ran >= bound_s and flat >= bound_s / 2


def draw_kind(rng: random.Random, gain: dict[str, float], drawn: dict[str, int]) -> str:
    """The neighbourhood kind for the next round: one never drawn yet
    first, in order, so each is measured before the search leans on any;
    then in proportion to its gain per second, every kind weighted at least
    `KIND_FLOOR` of the mean so none is starved. (On a generated 364-day,
    150-person instance the first kind to gain swamped the others' starting
    weights, and the kind that gained most per second was never drawn.)"""
    fresh = [kind for kind in gain if not drawn[kind]]
    if fresh:
        return fresh[0]
    floor = KIND_FLOOR * sum(gain.values()) / len(gain)
    if floor <= 0:  # nothing has gained for so long that every gain decayed to zero
        return rng.choice(list(gain))
    return rng.choices(list(gain), [max(g, floor) for g in gain.values()])[0]


class Search:
    """State of one solve: incumbent roster and cost, bound, running solver."""

    def __init__(self, problem: Problem, *, seed: int, started: float, deadline: float, on_progress: Callable[[Progress], None] | None,
                 stop: threading.Event | None, previous: Roster | None) -> None:
        self.problem = problem
        self.cal = calendar_of(problem)
        self.seed = seed
        self.started = started
        self.deadline = deadline
        self.on_progress = on_progress
        self.stop = stop
        self.previous = previous
        self.lock = threading.Lock()
        self.solvers: set[cp_model.CpSolver] = set()
        self._give_up: dict[cp_model.CpSolver, Callable[[], bool]] = {}  # see `run`
        self.incumbent: Roster | None = None
        self.incumbent_cost: int | None = None
        self.bound: int | None = None
        self.bound_at = started  # monotonic time the bound last rose
        self.solutions = 0
        self.stopped = False
        self.full: RosterModel | None = None
        self.full_status: int | None = None
        self.proven_infeasible = False
        self.phases: list[str] = []
        self._hot: tuple[list[tuple[int, str | None]], list[int]] | None = None  # see hot_places
        self._checker: ChangeChecker | None = None  # for the incumbent, see offer_neighbourhood
        self._hot_cost: int | None = None  # incumbent cost `_hot` was last refreshed for
        self._hot_due = 0.0  # monotonic time before which it is not refreshed again
        self._reported: int | None = None
        self._watch_done = threading.Event()

    # ---- time, stop, progress ----------------------------------------------

    def elapsed(self) -> float:
        return time.monotonic() - self.started

    def left(self) -> float:
        return self.deadline - time.monotonic()

    def should_stop(self) -> bool:
        if self.stop is not None and self.stop.is_set():
            self.stopped = True
        return self.stopped

    def __enter__(self) -> Search:
        threading.Thread(target=self._watch, name="roster-stop-watch", daemon=True).start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._watch_done.set()

    def _watch(self) -> None:
        """Interrupt running solvers within 50 ms: all of them once `stop` is
        set, and any whose `give_up` (see `run`) holds."""
        while not self._watch_done.wait(0.05):
            with self.lock:
                if self.stop is not None and self.stop.is_set():
                    self.stopped = True
                    for solver in self.solvers:
                        solver.stop_search()
                    return
                for solver, give_up in list(self._give_up.items()):
                    if give_up():
                        solver.stop_search()
                        del self._give_up[solver]

    def _progress(self, objective: int | None) -> None:
        """Tell the caller about a better roster or bound; objectives are
        reported strictly decreasing even with several threads searching."""
        if self.on_progress is None:
            return
        with self.lock:
            if objective is not None:
                if self._reported is not None and objective >= self._reported:
                    return
                self._reported = objective
            event = Progress(self._reported, self.bound, self.elapsed(), self.solutions)
        self.on_progress(event)

    def _on_objective(self, solution: cp_model.CpSolverSolutionCallback) -> None:
        self.solutions += 1
        self._progress(round(solution.objective_value))

    def _on_whole_roster(self, rm: RosterModel, solution: cp_model.CpSolverSolutionCallback) -> None:
        """A roster CP-SAT found on the whole model is the incumbent at once,
        not when its solve ends: the full-LP worker runs beside the
        neighbourhoods until the deadline and finds rosters in basins they
        cannot leave (on Instance5, from about 1,240 to about 1,155, while
        the neighbourhoods sat at 1,240 for 30 s); they then polish those."""
        self.solutions += 1
        self.offer(rm.roster_from(solution.boolean_value), round(solution.objective_value))

    def _on_bound(self, value: float) -> None:
        b = int(-(-round(value, 6) // 1))
        if self.bound is None or b > self.bound:
            self.bound, self.bound_at = b, time.monotonic()
            self._progress(None)

    # ---- one CP-SAT run -----------------------------------------------------

    def run(self, rm: RosterModel, time_limit: float, workers: int, *, full: bool,
            report: bool = True, full_lp: bool | None = None, give_up: Callable[[], bool] | None = None,
            share: bool = False, one_presolve_pass: bool = False) -> tuple[int, Roster | None, int | None]:
        """Solve one model; returns (status, roster, solver objective).
        `give_up`, checked every 50 ms while the search is entered (`with`),
        ends the solve early when true. `share` (whole model only): every
        roster found is offered as the incumbent at once (`_on_whole_roster`).
        `one_presolve_pass` (see `sweep`) stops CP-SAT's presolve after one
        pass instead of repeating it until nothing changes.
        Thread-safe: neighbourhoods run in several threads at once."""
        solver = cp_model.CpSolver()
        p = solver.parameters
        p.max_time_in_seconds = max(0.01, time_limit)
        p.num_workers = workers
        with self.lock:
            self.seed += 1
            p.random_seed = self.seed
        if full:
            solver.best_bound_callback = self._on_bound
        if full_lp or (full_lp is None and not full):
            # the full LP relaxation (every clause and at-most-one linearised)
            # closes neighbourhoods about ten times faster and bounds best
            p.linearization_level = 2
        if one_presolve_pass:
            p.max_presolve_iterations = 1
        with self.lock:
            if self.should_stop():
                return cp_model.UNKNOWN, None, None
            self.solvers.add(solver)
            if give_up is not None:
                self._give_up[solver] = give_up
        try:
            on_solution = functools.partial(self._on_whole_roster, rm) if share else self._on_objective
            status = solver.solve(rm.model, _Reporter(on_solution) if report else None)
        finally:
            with self.lock:
                self.solvers.discard(solver)
                self._give_up.pop(solver, None)
        if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            return status, None, None
        if full:
            self._on_bound(solver.best_objective_bound)
        return status, rm.roster_from(solver.boolean_value), round(solver.objective_value)

    def sub_model(self, free: Mapping[str, Sequence[int]], base: Roster) -> RosterModel:
        """The model re-optimising the `free` cells of `base`, everything
        else pinned to it, hinted with `base`."""
        rm = RosterModel(self.problem, previous=self.previous, free=free, base=base)
        rm.add_hint(base)
        return rm

    def offer(self, roster: Roster, cost: int) -> bool:
        """Take `roster` (satisfying every hard rule) if it is cheaper."""
        with self.lock:
            if self.incumbent_cost is not None and cost >= self.incumbent_cost:
                return False
            self.incumbent, self.incumbent_cost = roster, cost
        self._progress(cost)
        return True

    def offer_neighbourhood(self, free: Mapping[str, Sequence[int]], roster: Roster, cost: int) -> int:
        """Write a neighbourhood's re-solve (`roster` at `cost`, of `free`
        cells) into the incumbent of the moment; returns how much that
        lowered the cost (0 if it did not).

        While a sub-solve ran, other threads may have improved the incumbent
        elsewhere: taking `roster` whole would throw their gains away (on
        large rosters most improving sub-solves finish after another
        thread's). So only its free cells are written into the incumbent,
        judged incrementally by a `ChangeChecker` kept for it (the
        validator's rules, for the people and cover that change). Where
        the two changes meet and break a rule together, or `roster` alone
        is cheaper than the merge, `roster` is offered whole instead."""
        cells = roster.by_cell  # built outside the lock
        with self.lock:
            if self.incumbent is None or self.incumbent_cost is None:
                return 0
            if self._checker is None or self._checker.roster is not self.incumbent:
                self._checker = ChangeChecker(self.problem, self.incumbent, self.previous)
            checker = self._checker
            edits: dict[str, dict[int, Assignment | None]] = {}
            for e, days in free.items():
                now = checker.cells[e]
                changed = {d: new for d in days if (new := cells.get((e, d))) != now.get(d)}
                if changed:
                    edits[e] = changed
            if not edits:
                return 0
            # whoever no other thread changed outside the free days works as in
            # `roster`, whose rules the sub-solve kept: only their costs are redone
            solved_as = {e for e in edits if self._same_outside(checker.cells[e], cells, e, free[e])}
            check = checker.check_edits(edits, known_legal=solved_as)
            current = self.incumbent_cost
            merged = check.ok and check.cost_delta < 0 and current + check.cost_delta <= cost
            if merged:
                checker.apply(edits, check)
                self.incumbent, self.incumbent_cost = check.roster, current + check.cost_delta
        if merged:
            self._progress(current + check.cost_delta)
            return -check.cost_delta
        return current - cost if self.offer(roster, cost) else 0

    def _same_outside(self, now: Mapping[int, Assignment], cells: Mapping[tuple[str, int], Assignment],
                      e: str, free_days: Sequence[int]) -> bool:
        """Does `e` work the same in `now` (day -> assignment) and `cells` on every day not free?"""
        free = free_days if isinstance(free_days, range) else set(free_days)
        return all(now.get(d) == cells.get((e, d)) for d in range(self.problem.num_days) if d not in free)

    def hot_places(self) -> tuple[list[tuple[int, str | None]], list[int]]:
        """Where the incumbent's located costs lie, and their weights: the
        places a neighbourhood is most likely to pay (as of the last
        `refresh_hot_places`). A place is a day and, for an under-covered
        shift, its shift type (else None); a day's places together weigh
        what its costs sum to."""
        if self._hot is None:
            self._hot = self._located_costs(self.incumbent)
        return self._hot

    def refresh_hot_places(self) -> None:
        """Locate the incumbent's costs again if it changed, but at most
        once per `HOT_REFRESH_FACTOR` times the last validation took, and
        outside the lock. On the largest problems a validation takes a
        quarter of a second: redone after every improvement, under the
        lock, it held the other threads back for as long as the sub-solves
        ran. A map a few improvements old still points at the costly days."""
        with self.lock:
            roster, cost = self.incumbent, self.incumbent_cost
            if roster is None or cost == self._hot_cost or time.monotonic() < self._hot_due:
                return
            self._hot_cost = cost  # claimed: the other threads skip it
        started = time.monotonic()
        hot = self._located_costs(roster)
        with self.lock:
            self._hot = hot
            self._hot_due = time.monotonic() + HOT_REFRESH_FACTOR * (time.monotonic() - started)

    def _located_costs(self, roster: Roster) -> tuple[list[tuple[int, str | None]], list[int]]:
        per_place: dict[tuple[int, str | None], int] = {}
        for c in validate(self.problem, roster, self.previous).costs:
            if c.day is not None:
                key = (c.day, c.shift if c.rule == "shift_under_cover" else None)
                per_place[key] = per_place.get(key, 0) + c.cost
        return list(per_place), list(per_place.values())

    # ---- phases -------------------------------------------------------------

    def start_from(self, roster: Roster) -> Roster:
        """Use a given roster (hint or previous) as incumbent if it breaks no
        hard rule; either way it is returned as the hint."""
        report = validate(self.problem, roster, self.previous)
        if report.feasible:
            self.offer(roster, report.objective)
        return roster

    def construct(self) -> Roster | None:
        """First roster: the greedy of `rostering.construct`; people it could
        not place legally re-solved exactly with CP-SAT against the others.
        A legal roster is offered as soon as it exists, so the first
        progress report comes within the greedy's time. The night minimum
        is relaxed in these one-person solves only while it is not yet met.
        Returns the roster (legal or not), or None if time ran out before
        everyone was placed; sets `proven_infeasible` if one person's own
        rules cannot hold."""
        placed, failed = greedy_roster(self.cal, self.seed, stopped=self.should_stop)
        roster = Roster(tuple(placed))
        for n, e in enumerate(failed):
            if self.should_stop():
                return None
            rm = RosterModel(self.problem, previous=self.previous, free={e: None},
                             base=roster, relax_night_cover=True)
            rm.add_hint(roster)
            status, better, _ = self.run(rm, 0.5 * self.left() / (len(failed) - n), 1,
                                         full=False, report=False)
            if status == cp_model.INFEASIBLE:
                self.proven_infeasible = True
                return None
            if better is None:
                return None
            roster = better
        report = validate(self.problem, roster, self.previous)
        if report.feasible:
            self.offer(roster, report.objective)
        self.phases.append("construct")
        return roster

    def sweep(self, threads: int, until: float) -> None:
        """Re-solve everyone in turn, one person over the whole horizon with
        everyone else fixed, in `threads` threads, until `until` (monotonic)
        or until the last full round of people cut the cost by no more than
        `SWEEP_MIN_GAIN`. Right after the greedy these exact one-person
        re-solves gain more per second than any neighbourhood (on a planted
        182-day, 100-person file, 60 s ended about twice as low with them);
        after two or three rounds they reach a local optimum that only
        moves involving several people leave. On large problems
        (`SWEEP_ONE_PASS_CELLS`) CP-SAT's presolve runs one pass on them: on
        a 364-day, 150-person file presolve took a third of each re-solve,
        and with one pass the re-solves took about a fifth less time and
        reached the same optima. On the 28-day Instance8 and 12 one pass
        gained nothing measurable (their sweeps end within seconds either
        way), so they keep CP-SAT's default.

        On horizons of `SWEEP_WHOLE_ROUND_DAYS` or more the first round goes
        on past `until` until it has reached everyone (or the deadline): a
        person not reached keeps the greedy's row, and there a neighbourhood
        costs as much to build as to solve. On a planted 364-day,
        150-person, 32-type file, where one round takes about a minute on 2
        cores, the sweeps gained about three times as much per second as
        the neighbourhoods after them, and 60 s runs ended 5% lower on
        average (four seeds, three of them lower; a generated file of that
        size without a plant, 4-8% lower in three of three); on a 364-day,
        100-person, 16-type one, whose round takes about as long as the
        cap, four seeds were the same within their wide spread. On a week
        of a 1,000-agent desk (`roster_scale.py`) the neighbourhoods did as
        well as the sweeps there, and a whole first round ended higher (two
        seeds, +4% and +19%), so short horizons keep the cap."""
        if self.incumbent is None:
            return
        employees = list(self.cal.employee_ids)
        horizon = range(self.problem.num_days)
        one_pass = model_cells(self.problem) >= SWEEP_ONE_PASS_CELLS
        long_horizon = self.problem.num_days >= SWEEP_WHOLE_ROUND_DAYS
        costs_before: deque[int] = deque(maxlen=len(employees))  # the cost before each recent re-solve
        turns = itertools.cycle(employees)

        def loop() -> None:
            while not self.should_stop():
                with self.lock:
                    first_round = len(costs_before) < costs_before.maxlen
                    stop_at = self.deadline if first_round and long_horizon else until
                    base, before = self.incumbent, self.incumbent_cost
                    if time.monotonic() >= stop_at or (
                            not first_round and costs_before[0] - before <= SWEEP_MIN_GAIN * costs_before[0]):
                        return
                    costs_before.append(before)
                    free = {next(turns): horizon}
                rm = self.sub_model(free, base)
                limit = max(0.05, min(SUBSOLVE_MAX_S, stop_at - time.monotonic()))
                _, roster, cost = self.run(rm, limit, 1, full=False, one_presolve_pass=one_pass)
                if roster is not None and cost is not None and cost < before:
                    self.offer_neighbourhood(free, roster, cost)

        helpers = [threading.Thread(target=loop, name=f"roster-sweep-{t}", daemon=True)
                   for t in range(1, threads)]
        for h in helpers:
            h.start()
        loop()
        for h in helpers:
            h.join()
        self.phases.append("sweep")

    def full_model(self) -> RosterModel:
        if self.full is None:
            self.full = RosterModel(self.problem, previous=self.previous)
        return self.full

    def portfolio(self, time_limit: float, hint: Roster | None, workers: int, full_lp: bool = False,
                  give_up: Callable[[], bool] | None = None, share: bool = False) -> None:
        """CP-SAT on the whole model, hinted with the incumbent (or `hint`):
        its portfolio with `workers` workers, or a single worker with the
        full LP relaxation (`full_lp`), whose bound is the strongest;
        `give_up` and `share` as in `run`."""
        rm = self.full_model()
        start = self.incumbent or hint
        if start is not None:
            rm.add_hint(start)
        status, roster, cost = self.run(rm, min(time_limit, self.left()), workers, full=True,
                                        full_lp=full_lp, give_up=give_up, share=share)
        with self.lock:
            if self.full_status != cp_model.OPTIMAL:
                self.full_status = status
            self.phases.append("portfolio" if not full_lp else "bound")
        if status == cp_model.INFEASIBLE:
            self.proven_infeasible = True
        if roster is not None and cost is not None:
            self.offer(roster, cost)
            if status == cp_model.OPTIMAL:
                self.bound = max(self.bound or cost, cost)

    def improve(self, threads: int, bound_thread: bool, bound_s: float | None = None) -> None:
        """Fix-and-resolve neighbourhoods until the deadline (module doc), in
        `threads` threads at once (CP-SAT releases the GIL while solving),
        beside one CP-SAT worker with the full LP on the whole model if
        `bound_thread` (it raises the bound, may prove optimality and may
        find rosters of its own). With `bound_s`, that worker stops once it
        has run so many seconds and its bound has not risen for half as
        long, and its thread runs neighbourhoods too: where it cannot prove
        optimality its bound is close to final early, and the
        neighbourhoods need the CPU.

        Each kind keeps its own size in free (employee, day) cells, steered
        so that a sub-solve takes about `NEIGHBOURHOOD_TARGET_S`: many quick
        exact re-optimisations beat a few slow ones. Kinds are drawn in
        proportion to their recent gain per second (`draw_kind`), so the
        search leans on what pays for this problem.
        """
        # weekdays across the horizon only trade between weeks when there are several
        kinds = [kind for kind in NEIGHBOURHOOD_KINDS if kind != "weekdays" or self.problem.num_days >= 14]
        size = {kind: NEIGHBOURHOOD_START_CELLS for kind in kinds}
        gain = {kind: 1.0 for kind in size}  # smoothed cost gain per second
        drawn = dict.fromkeys(size, 0)
        shared = {"overhead": 0.0, "stall": 0.0}
        workers = [threading.Thread(target=self._improve_loop, args=(size, gain, drawn, shared, t),
                                    name=f"roster-lns-{t}", daemon=True)
                   for t in range(1, threads)]
        if bound_thread:
            began = time.monotonic()

            def settled() -> bool:
                now = time.monotonic()
                return bound_s is not None and bound_settled(now - began, now - self.bound_at, bound_s)

            def bound_then_improve() -> None:
                # to the deadline (no `bound_s`), its rosters reach the neighbourhoods at once
                self.portfolio(self.left(), None, 1, True, give_up=settled, share=bound_s is None)
                self._improve_loop(size, gain, drawn, shared, threads)

            workers.append(threading.Thread(target=bound_then_improve, name="roster-bound", daemon=True))
        for w in workers:
            w.start()
        self._improve_loop(size, gain, drawn, shared, 0)
        with self.lock:  # done early (proven optimal): end the portfolio too
            for solver in self.solvers:
                solver.stop_search()
        for w in workers:
            w.join()
        self.phases.append("neighbourhoods")

    def _improve_loop(self, size: dict[str, float], gain: dict[str, float], drawn: dict[str, int],
                      shared: dict[str, float], thread: int) -> None:
        """One neighbourhood thread. `shared` holds the smoothed overhead per
        round outside CP-SAT and the rounds since the last improvement: when
        the search stalls in a local optimum, the time aimed at per
        sub-solve doubles every `STALL_DOUBLING` rounds, so neighbourhoods
        grow until one of them holds a way out (and shrink back after it)."""
        rng = random.Random(self.seed * 1000 + thread)
        employees = list(self.cal.employee_ids)
        while self.left() > max(0.1, 2 * shared["overhead"]) and not self.should_stop():
            t_round = time.monotonic()
            self.refresh_hot_places()
            with self.lock:
                base, before = self.incumbent, self.incumbent_cost
                if (self.bound is not None and before <= self.bound) or \
                        self.full_status == cp_model.OPTIMAL:
                    return
                kind = draw_kind(rng, gain, drawn)
                drawn[kind] += 1
                free = self._neighbourhood(rng, kind, size[kind], employees)
                target = sub_solve_target(shared["stall"])
            rm = self.sub_model(free, base)
            limit = min(self.left() - shared["overhead"], max(SUBSOLVE_MAX_S, 4 * target))
            t0 = time.monotonic()
            status, roster, cost = self.run(rm, limit, 1, full=False)
            took = time.monotonic() - t0
            gained = 0
            if roster is not None and cost is not None and cost < before:
                if sum(map(len, free.values())) <= MERGE_MAX_SHARE * len(employees) * self.problem.num_days:
                    gained = self.offer_neighbourhood(free, roster, cost)
                elif self.offer(roster, cost):
                    gained = before - cost
            with self.lock:
                shared["overhead"] = 0.7 * shared["overhead"] + 0.3 * (
                    time.monotonic() - t_round - took)
                shared["stall"] = 0 if gained else shared["stall"] + 1
                rate = gained / max(took, 0.01)
                floor = KIND_FLOOR * sum(gain.values()) / len(gain)
                gain[kind] = 0.8 * gain[kind] + 0.2 * max(rate, floor)
                size[kind] = next_size(size[kind], self.max_cells(kind),
                                       status == cp_model.OPTIMAL, took, target)

    def max_cells(self, kind: str) -> int:
        """The most free (employee, day) cells a neighbourhood of `kind` can have."""
        n_days = self.problem.num_days
        return len(self.problem.employees) * (min(n_days, BLOCK_DAYS) if kind == "block" else n_days)

    def _neighbourhood(self, rng: random.Random, kind: str, cells: float,
                       employees: list[str]) -> dict[str, Sequence[int]]:
        """About `cells` free (employee, day) cells: some employees over the
        whole horizon ("employees": horizon totals and weekends then move
        freely; over four weeks of eight they hardly can), everyone over a
        few days ("window"), some employees over a fortnight ("block"),
        everyone on a few weekdays across the horizon ("weekdays", see
        `_weekdays`) or on a few days anywhere in it ("days", see `_days`).
        Half the time the days are centred on a day drawn by
        its cost in the incumbent, and half the time the employees are
        related: they share shift types and skills with a first one drawn
        at random, so they can trade shifts. Over the whole horizon a
        costly day cannot place the days, so it picks the people instead
        (`_people_for_day`); over a fortnight it does both: on rosters of
        120 people a fortnight of some related people drawn at random
        rarely held anyone who could take the open shift it was centred on
        (`roster_replicated.py`, three seeds: all four copied instances ended
        lower on average, Instance12 x 2 at 8,883 against 9,321)."""
        n_emp, n_days = len(employees), self.problem.num_days
        if kind == "weekdays":
            return self._weekdays(rng, cells, employees)
        if kind == "days":
            return self._days(rng, cells, employees)
        if kind == "window":
            width, count = max(1, min(n_days, round(cells / n_emp))), n_emp
        else:
            width = n_days if kind == "employees" else min(n_days, BLOCK_DAYS)
            count = max(1, min(n_emp, round(cells / width)))
        centre, short = self._costly_place(rng) or (None, None)
        if centre is None:
            first = rng.randrange(0, n_days - width + 1)
        else:
            first = min(max(0, centre - width // 2), n_days - width)
        window = range(first, first + width)
        if kind in ("employees", "block") and centre is not None:
            return {e: window for e in self._people_for_day(rng, employees, count, centre, short)}
        return {e: window for e in self._people(rng, employees, count)}

    def _weekdays(self, rng: random.Random, cells: float,
                  employees: list[str]) -> dict[str, Sequence[int]]:
        """Everyone on `k` weekdays in every week of the horizon: the move
        that gets out of the local optima the contiguous kinds leave, where
        one person must give up a Saturday night in week 1 so another can
        take one in week 3 within their horizon totals, weekend limits and
        per-type maxima. Long horizons (or very many people) get a window
        of weeks (and then related people) so the size stays about `cells`.
        Half the time one weekday is that of a costly day."""
        n_emp, n_days = len(employees), self.problem.num_days
        weeks = max(1, n_days // 7)
        per_person = cells / n_emp
        k = max(1, min(7, round(per_person / weeks)))
        span = min(weeks, max(2, round(per_person / k)))  # weeks
        count = max(1, min(n_emp, round(cells / (k * span))))
        chosen_days = rng.sample(range(7), k)
        place = self._costly_place(rng)
        hot = place[0] if place else None
        weekday = self.problem.start_date.weekday()
        if hot is not None and (hot + weekday) % 7 not in chosen_days:
            chosen_days[0] = (hot + weekday) % 7
        first_week = rng.randrange(0, weeks - span + 1) if hot is None else \
            min(max(0, hot // 7 - span // 2), weeks - span)
        # the last window also takes the days after the last full week
        window = range(7 * first_week, 7 * (first_week + span) if first_week + span < weeks else n_days)
        free_days = [d for d in window if (d + weekday) % 7 in chosen_days]
        return {e: free_days for e in self._people(rng, employees, count)}

    def _days(self, rng: random.Random, cells: float,
              employees: list[str]) -> dict[str, Sequence[int]]:
        """Everyone on a few days anywhere in the horizon (fewer people on
        two days where everyone would be too many cells), half the time one
        of them a costly day: two people can then trade a Friday of one week
        for a Tuesday of another while others change shift type on those
        days, a move no window, fortnight or same-weekday neighbourhood of
        a few hundred cells holds. A roster stuck at 1,062 on Instance7 was
        six such cells from a cheaper one; over ten seeds of 60 s runs the
        kind lowered the mean on Instance7, 8 and 12 and left 16 as it was
        (docs/benchmark-notes.md)."""
        n_emp, n_days = len(employees), self.problem.num_days
        k = max(2, min(n_days, round(cells / n_emp)))
        count = max(1, min(n_emp, round(cells / k)))
        place = self._costly_place(rng)
        hot = place[0] if place else rng.randrange(n_days)
        others = [d for d in range(n_days) if d != hot]
        days = sorted({hot, *rng.sample(others, min(k - 1, len(others)))})
        return {e: days for e in self._people(rng, employees, count)}

    def _costly_place(self, rng: random.Random) -> tuple[int, str | None] | None:
        """Half the time (when the incumbent has located costs) a place drawn
        by its cost (`hot_places`), where a neighbourhood is centred; else None."""
        places, weights = self.hot_places()
        return rng.choices(places, weights)[0] if places and rng.random() < 0.5 else None

    def _people(self, rng: random.Random, employees: list[str], count: int) -> list[str]:
        """`count` employees: everyone, else related ones (`_related`) or any, half the time each."""
        if count == len(employees):
            return employees
        if rng.random() < 0.5:
            return self._related(rng, employees, count)
        return rng.sample(employees, count)

    def _people_for_day(self, rng: random.Random, employees: list[str], count: int, day: int,
                        shift: str | None = None) -> list[str]:
        """`count` related employees (`_related`) around a first one who is
        off on `day` in the incumbent though free to work it: to work
        `shift` there, if given (an under-covered shift type), else any.

        An open shift can only go to someone not working that day, who must
        give up a shift elsewhere in the horizon (totals, weekends, runs),
        and the people sharing their shifts then fill that gap. On
        Instance16, where the cost left is open weekend shifts at 100 each,
        drawing the first person so (half of the whole-horizon
        neighbourhoods) ended lower in 7 of 8 seeds (mean 3,431 against
        3,473), with Instance8 and 12 unchanged within their noise. Someone
        off that day who may not work the short shift type (on Instance8,
        where nights run short, 8 of 30 people never work one) cannot take
        it, so an under-covered shift's own type decides who is free."""
        if self.incumbent is None or count >= len(employees):
            return self._people(rng, employees, count)
        cells = self.incumbent.by_cell
        shifts = [shift] if shift is not None else self.cal.shift_ids
        idle = [e for e in employees if (e, day) not in cells and any(self.cal.may_work(e, day, s) for s in shifts)]
        if not idle:  # nobody off that day could work it
            return self._people(rng, employees, count)
        first = self._nearest_taker(rng, idle, day, shift) if shift is not None else rng.choice(idle)
        return self._related(rng, employees, count, first)

    def _nearest_taker(self, rng: random.Random, idle: list[str], day: int, shift: str) -> str:
        """Of up to `NEAREST_SAMPLE` of the `idle` people, one whose own
        rules taking the open `shift` on `day` would break least (ties drawn
        at random). In a local optimum nobody takes it without giving
        something up; the fewer rules it breaks for someone, the fewer
        other changes the neighbourhood needs around them. On Instance16's
        stuck rosters everyone off on a weekend day is at their horizon
        minutes and weekend limit, yet some would break two rules taking
        the shift and others four (runs, rest days)."""
        sample = rng.sample(idle, min(len(idle), NEAREST_SAMPLE))
        if len(sample) == 1:
            return sample[0]
        cal, now = self.cal, self.incumbent.by_employee
        broken = []
        for e in sample:
            cells = {**cal.history_of(e), **now.get(e, {}),
                     day: Assignment(e, day, shift, cal.skill_options(e, shift)[0])}
            broken.append(len(employee_violations(cal, e, cells)))
        least = min(broken)
        return rng.choice([e for e, b in zip(sample, broken) if b == least])

    def _related(self, rng: random.Random, employees: list[str], count: int, first: str | None = None) -> list[str]:
        """`first` (else a random employee) and `count - 1` others drawn in
        proportion to how many (shift type, skill) options they share with it."""
        options = self._options
        seed = first or rng.choice(employees)
        others = [e for e in employees if e != seed]
        weights = [len(options[e] & options[seed]) + 0.1 for e in others]
        chosen = [seed]
        while len(chosen) < count and others:
            k = rng.choices(range(len(others)), weights)[0]
            chosen.append(others.pop(k))
            weights.pop(k)
        return chosen

    @cached_property
    def _options(self) -> dict[str, frozenset[tuple[str, str]]]:
        cal = self.cal
        return {e: frozenset((s, k) for s in cal.shift_ids for k in cal.skill_options(e, s))
                for e in cal.employee_ids}
