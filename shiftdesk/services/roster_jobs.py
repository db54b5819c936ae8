"""A roster solve running off the caller's thread, with progress to read and a stop to press.

The Streamlit page starts a `SolveJob`, polls it from a fragment (objective,
bound, seconds) and may stop it; the solve itself is pure, so the thread
touches no database. When it ends, the page stores the result.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field

from rostering.solve import Progress, SolveResult
from shiftdesk.services.rosters import WeekPlan, solve_week


@dataclass
class SolveJob:
    plan: WeekPlan
    time_limit_s: float
    started: float = field(default_factory=time.monotonic)
    stop: threading.Event = field(default_factory=threading.Event)
    progress: list[Progress] = field(default_factory=list)  # every improvement, oldest first
    result: SolveResult | None = None
    error: BaseException | None = None
    _thread: threading.Thread | None = None

    def start(self) -> SolveJob:
        self._thread = threading.Thread(target=self._run, name="roster-solve", daemon=True)
        self._thread.start()
        return self

    def _run(self) -> None:
        try:
            self.result = solve_week(self.plan, time_limit_s=self.time_limit_s, on_progress=self.progress.append,
                                     stop=self.stop)
        except BaseException as exc:  # noqa: BLE001 - handed to the page, which shows it
            self.error = exc

    @property
    def done(self) -> bool:
        return self._thread is not None and not self._thread.is_alive()

    @property
    def elapsed_s(self) -> float:
        return time.monotonic() - self.started

    @property
    def latest(self) -> Progress | None:
        return self.progress[-1] if self.progress else None

    def wait(self, timeout_s: float | None = None) -> None:
        if self._thread is not None:
            self._thread.join(timeout_s)
