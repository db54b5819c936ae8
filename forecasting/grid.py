"""Local-time interval grids that survive DST and midnight.

A grid is regular in absolute time (every step is `interval_min` minutes of
real time) and labelled in the site's IANA zone. Intervals start on wall-clock
boundaries (07:00, 07:30, ...), so a day has 24 h / interval slots except on
DST days: the spring-forward day skips the missing hour, the autumn day
repeats one hour under a new UTC offset.
"""

from __future__ import annotations

import math
from datetime import date

import numpy as np
import pandas as pd

from forecasting.errors import ForecastError

MINUTES_PER_DAY = 24 * 60


def check_interval(interval_min: int) -> int:
    """Return `interval_min` if it divides a day into whole slots, else raise."""
    if interval_min <= 0 or MINUTES_PER_DAY % interval_min:
        raise ForecastError(
            f"interval {interval_min} min must be a positive divisor of 1440 (5, 6, 10, 15, 30, 60...)"
        )
    return interval_min


def minute_of_day(index: pd.DatetimeIndex) -> np.ndarray:
    """Wall-clock minutes since local midnight of each (tz-aware) timestamp."""
    return np.asarray(index.hour * 60 + index.minute, dtype=np.int64)


def slot_of_day(index: pd.DatetimeIndex, interval_min: int) -> np.ndarray:
    """Wall-clock slot number of each timestamp: 0 for the interval starting at 00:00."""
    return minute_of_day(index) // interval_min


def local_dates(index: pd.DatetimeIndex) -> pd.DatetimeIndex:
    """The local calendar date of each timestamp, as naive midnights (comparable across DST)."""
    return pd.DatetimeIndex(index.tz_localize(None).normalize())


def floor_to_interval(index: pd.DatetimeIndex, interval_min: int) -> pd.DatetimeIndex:
    """Floor tz-aware timestamps to the wall-clock interval they start in.

    Subtracts the wall-clock remainder as real time instead of flooring the
    naive wall time and re-localising, so the repeated autumn hour keeps its
    own UTC offset and nothing becomes ambiguous.
    """
    remainder = (
        (minute_of_day(index) % interval_min) * 60 + np.asarray(index.second)
    ) * 1_000_000_000 + np.asarray(index.microsecond) * 1000 + np.asarray(index.nanosecond)
    return index - pd.to_timedelta(remainder, unit="ns")


def local_midnight(day: date | pd.Timestamp, zone: str) -> pd.Timestamp:
    """Start of a local calendar day in `zone` (the first instant of that date)."""
    naive = pd.Timestamp(day).normalize().tz_localize(None)
    return naive.tz_localize(zone, nonexistent="shift_forward", ambiguous=True)


def interval_range(start: pd.Timestamp, end: pd.Timestamp, interval_min: int) -> pd.DatetimeIndex:
    """All interval starts in [start, end), stepping real time, labelled in start's zone.

    `start` must be tz-aware and on a wall-clock boundary of the interval.
    """
    check_interval(interval_min)
    count = math.ceil((end - start) / pd.Timedelta(minutes=interval_min))
    return pd.date_range(start, periods=max(count, 0), freq=f"{interval_min}min")


def horizon_end(start: pd.Timestamp, days: int) -> pd.Timestamp:
    """The wall-clock instant `days` local days after `start` (a DST day is 23 or 25 h)."""
    naive = start.tz_localize(None) + pd.Timedelta(days=days)
    return naive.tz_localize(start.tz, nonexistent="shift_forward", ambiguous=True)


def infer_interval_minutes(index: pd.DatetimeIndex) -> int:
    """The native step of a history: the greatest common divisor of its gaps, in minutes."""
    if len(index) < 2:
        raise ForecastError("a history needs at least two intervals to tell its step")
    gaps = np.diff(np.unique(index.asi8)) // 60_000_000_000
    gaps = gaps[gaps > 0]
    if len(gaps) == 0:
        raise ForecastError("history timestamps do not advance by whole minutes")
    return int(np.gcd.reduce(gaps))
