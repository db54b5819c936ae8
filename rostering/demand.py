"""From the staffing step to roster demand.

The staffing step produces a long frame `timestamp, skill, required`
(tz-aware interval starts, agents needed). The roster works on its own grid
(`Problem.interval_min`, 30 minutes by default), so finer staffing intervals
are folded into the grid interval holding them by their maximum: an agent
on shift covers the whole roster interval, so its peak must be met.
"""

from __future__ import annotations

import math

import pandas as pd

from rostering.domain import IntervalDemand
from rostering.errors import RosterInputError

COLUMNS = ("timestamp", "skill", "required")


def interval_demand_from_frame(frame: pd.DataFrame, *, interval_min: int = 30
                               ) -> tuple[IntervalDemand, ...]:
    """IntervalDemand per (grid interval, skill), required rounded up.

    Raises RosterInputError for missing columns, naive timestamps or a
    negative or missing requirement, naming the first offending row.
    """
    missing = [c for c in COLUMNS if c not in frame.columns]
    if missing:
        raise RosterInputError(f"staffing frame lacks column(s) {', '.join(missing)}")
    if frame.empty:
        return ()
    ts = pd.to_datetime(frame["timestamp"])
    if ts.dt.tz is None:
        raise RosterInputError(f"staffing frame has naive timestamps (row 0: {ts.iloc[0]})")
    required = pd.to_numeric(frame["required"], errors="coerce")
    bad = required.isna() | (required < 0)
    if bad.any():
        row = int(bad.to_numpy().nonzero()[0][0])
        raise RosterInputError(f"staffing frame row {row}: required must be a number >= 0, got "
                               f"{frame['required'].iloc[row]!r}")
    grid = ts.dt.tz_convert("UTC").dt.floor(f"{interval_min}min")
    folded = (pd.DataFrame({"start": grid, "skill": frame["skill"].astype(str),
                            "required": required})
              .groupby(["start", "skill"], sort=True)["required"].max())
    return tuple(IntervalDemand(start.to_pydatetime(), skill, int(math.ceil(need - 1e-9)))
                 for (start, skill), need in folded.items())
