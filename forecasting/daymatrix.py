"""A history as a day x slot matrix, the shape every model here works on.

Rows are local calendar dates, columns are wall-clock slots of the interval
(0 = the slot starting at 00:00). NaN means no observation: the desk was
closed, the day is missing, or it is flagged unusable (anomalous total or a
special day the ordinary profiles must not learn from). Working per day keeps
missing days from shifting the weekly season and makes DST days harmless (the
repeated autumn hour is averaged into one slot).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from forecasting.calendar import AFTER_CLOSURE, DayCalendar
from forecasting.errors import ForecastError
from forecasting.grid import MINUTES_PER_DAY, infer_interval_minutes, local_dates, slot_of_day

# A day whose total is below this share (or above its inverse) of the median
# of the same weekday in the surrounding weeks is a logging gap or an outage,
# not demand: it is kept out of training (the Israeli 1999-05-21 has 14 calls).
ANOMALY_SHARE = 0.3
ANOMALY_WINDOW_DAYS = 35
# A weekday is one the desk opens on when the history has it in at least this
# share of the weeks it spans (as for open hours): a missing day of such a
# weekday between two observed days is a closure (a holiday, an outage).
OPEN_WEEKDAY_SHARE = 0.5


@dataclass(frozen=True)
class DayMatrix:
    """Observed arrivals per local date and slot, with each date's calendar facts."""

    values: np.ndarray  # days x slots, float, NaN = not observed
    dates: pd.DatetimeIndex  # naive local midnights, ascending, one per observed date
    weekdays: np.ndarray  # effective weekday per date (Mon=0)
    labels: np.ndarray  # calendar label per date ('' = ordinary day)
    usable: np.ndarray  # bool per date: an ordinary, complete, non-anomalous day
    interval_min: int
    zone: str

    @property
    def totals(self) -> np.ndarray:
        """Arrivals per date over its observed slots."""
        return np.nansum(self.values, axis=1)

    @property
    def end(self) -> pd.Timestamp:
        """Naive local midnight after the last observed date: where a forecast starts."""
        return self.dates[-1] + pd.Timedelta(days=1)

    def regular(self) -> np.ndarray:
        """The usable rows only (values of ordinary days), for profile estimation."""
        return self.values[self.usable]


def build_day_matrix(y: pd.Series, calendar: DayCalendar, interval_min: int | None = None) -> DayMatrix:
    """Pivot a tz-aware series of counts per interval into a DayMatrix."""
    if not isinstance(y.index, pd.DatetimeIndex) or y.index.tz is None:
        raise ForecastError("a history series needs a tz-aware DatetimeIndex (local time of the site)")
    if len(y) == 0:
        raise ForecastError("the history is empty")
    interval = interval_min or infer_interval_minutes(y.index)
    dates = local_dates(y.index)
    slots = slot_of_day(y.index, interval)
    frame = pd.DataFrame({"date": dates, "slot": slots, "y": np.asarray(y, dtype=float)})
    table = frame.pivot_table(index="date", columns="slot", values="y", aggfunc="mean")
    table = table.reindex(columns=range(MINUTES_PER_DAY // interval))
    day_index = pd.DatetimeIndex(table.index)
    labels = calendar.labels(day_index)
    after = after_closure(day_index, None, open_weekdays(day_index))
    labels[after & (labels == "")] = AFTER_CLOSURE
    weekdays = calendar.effective_weekdays(day_index, labels)
    values = table.to_numpy(dtype=float)
    usable = (labels == "") & ~_anomalous(values, day_index, weekdays)
    return DayMatrix(values, day_index, weekdays, labels, usable, interval, str(y.index.tz))


def open_weekdays(dates: pd.DatetimeIndex) -> np.ndarray:
    """Calendar weekdays (Mon=0) observed in at least `OPEN_WEEKDAY_SHARE` of the weeks the dates span."""
    if len(dates) == 0:
        return np.zeros(0, int)
    weeks = max((dates[-1] - dates[0]).days / 7, 1.0)
    counts = np.bincount(np.asarray(dates.dayofweek), minlength=7)
    return np.flatnonzero(counts >= OPEN_WEEKDAY_SHARE * weeks)


def after_closure(dates: pd.DatetimeIndex, before: pd.Timestamp | None, open_days: np.ndarray) -> np.ndarray:
    """Per date: is it the first open day after a closed day of a weekday the desk opens on?

    `dates`: ascending naive local dates that are open; `before`: the last open
    date preceding them (None: the first date is never flagged). The day after
    a closure carries the calls the closed day could not take (the US bank's
    Tuesday after Labor Day runs 30% above a normal Tuesday).
    """
    flags = np.zeros(len(dates), bool)
    previous = before
    open_set = set(np.asarray(open_days).tolist())
    for i, day in enumerate(dates):
        if previous is not None and (day - previous).days > 1:
            gap = pd.date_range(previous + pd.Timedelta(days=1), day - pd.Timedelta(days=1), freq="D")
            flags[i] = any(int(d) in open_set for d in gap.dayofweek)
        previous = day
    return flags


def _anomalous(values: np.ndarray, dates: pd.DatetimeIndex, weekdays: np.ndarray) -> np.ndarray:
    """Days far off the median total of the same weekday in the surrounding weeks."""
    totals = pd.Series(np.nansum(values, axis=1), index=dates)
    flags = np.zeros(len(dates), bool)
    for weekday in np.unique(weekdays):
        rows = np.flatnonzero(weekdays == weekday)
        same = totals.iloc[rows]
        median = same.rolling(f"{2 * ANOMALY_WINDOW_DAYS + 1}D", center=True, min_periods=3).median()
        ratio = same / median
        flags[rows] = ((ratio < ANOMALY_SHARE) | (ratio > 1 / ANOMALY_SHARE)).to_numpy()
    return flags


def column_means(rows: np.ndarray) -> np.ndarray:
    """Per-slot mean over days, NaN where no day has an observation (no warning)."""
    counts = np.sum(~np.isnan(rows), axis=0)
    sums = np.nansum(rows, axis=0)
    return np.where(counts > 0, sums / np.maximum(counts, 1), np.nan)
