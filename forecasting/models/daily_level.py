"""Daily totals: weekday factors and a robust recent level (pure numpy).

A week-ahead forecast of arrivals is mostly a forecast of each day's total.
Days are noisy (a day after a long weekend runs 20-40% above normal, a
holiday eve far below), so both parts here are built to shrug off single odd
days while following a lasting change in volume:

- weekday factors: each day's total over the mean of its own week, averaged
  per weekday over recent complete weeks (a level change between weeks does
  not leak into the factors, as it does with plain weekday means);
- level of the deseasonalised daily totals, two ways:
  `median_level`: the median of the last N days, N chosen by how well it
  would have forecast the following one to seven days (a median ignores a
  few odd days, yet moves to a new level once half its window is there);
  `huber_level`: exponential smoothing in which each day's surprise is
  clipped at a few robust standard deviations, alpha chosen the same way.

Windows and smoothing constants are chosen per series from its own past
errors, never fixed for one data set.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from numpy.lib.stride_tricks import sliding_window_view

# Candidate windows (days) of the rolling median level.
MEDIAN_WINDOWS = (5, 7, 10, 14, 21, 28, 42)
# Candidate smoothing constants of the Huber level.
HUBER_ALPHAS = np.linspace(0.02, 0.6, 30)
# A day's surprise is clipped at this many robust standard deviations.
HUBER_K = 2.0
# Consistency constant of the median absolute deviation for normal noise.
MAD_TO_SD = 1.4826


def weekday_factors(totals: np.ndarray, weekdays: np.ndarray, days_before_end: np.ndarray, weeks: int) -> np.ndarray:
    """Mean-one factor per weekday (Mon=0, NaN where never seen) from daily totals.

    `days_before_end`: per day, how many days it lies before the end of the
    history (1 = the last day); days are grouped into 7-day blocks counted
    back from the end, and only blocks holding every weekday the desk opens
    on (no missing or holiday day) and lying within the last `weeks` weeks
    are used. With no such block, plain weekday means are used.
    """
    totals, weekdays = np.asarray(totals, float), np.asarray(weekdays)
    block = (np.asarray(days_before_end) - 1) // 7
    present = np.unique(weekdays)
    sums, counts = np.zeros(7), np.zeros(7)
    for b in np.unique(block[block < weeks]):
        rows = np.flatnonzero(block == b)
        week_mean = totals[rows].mean()
        if len(np.unique(weekdays[rows])) < len(present) or len(rows) != len(present) or week_mean <= 0:
            continue
        np.add.at(sums, weekdays[rows], totals[rows] / week_mean)
        np.add.at(counts, weekdays[rows], 1)
    if counts[present].min() == 0:
        recent = block < weeks if (block < weeks).any() else np.ones(len(block), bool)
        np.add.at(sums, weekdays[recent], totals[recent])
        np.add.at(counts, weekdays[recent], 1)
    factors = np.full(7, np.nan)
    seen = counts > 0
    factors[seen] = sums[seen] / counts[seen]
    mean = np.nanmean(factors) if seen.any() else np.nan
    return factors / mean if mean > 0 else np.where(seen, 1.0, np.nan)


def _multi_step_error(levels: np.ndarray, series: np.ndarray, horizon: int, start: int) -> np.ndarray:
    """Sum over t >= start of |level after day t - series[t + h]|, h = 1..horizon, per row of `levels`."""
    errors = np.zeros(len(levels))
    for step in range(1, horizon + 1):
        errors += np.abs(levels[:, start : len(series) - step] - series[start + step :]).sum(axis=1)
    return errors


def median_level(series: np.ndarray, horizon: int = 7, windows: tuple[int, ...] = MEDIAN_WINDOWS) -> float:
    """Median of the last N values, N the window that best forecast 1..`horizon` steps ahead in `series`."""
    series = np.asarray(series, float)
    usable = [w for w in windows if len(series) >= w + 2 * horizon]
    if not usable:
        return float(np.median(series)) if len(series) else 0.0
    start = max(usable) - 1
    errors = []
    for window in usable:
        medians = np.median(sliding_window_view(series, window), axis=1)  # medians[i] ends at day i + window - 1
        levels = np.full(len(series), np.nan)
        levels[window - 1 :] = medians
        errors.append(_multi_step_error(levels[None, :], series, horizon, start)[0])
    best = usable[int(np.argmin(errors))]
    return float(np.median(series[-best:]))


def huber_level(series: np.ndarray, horizon: int = 7, k: float = HUBER_K) -> float:
    """Exponentially smoothed level with each surprise clipped at `k` robust standard deviations.

    The robust standard deviation is that of day-to-day changes (MAD / sqrt 2),
    so a level shift is followed (clipped steps still move the level) while a
    single odd day moves it little. Alpha minimises the 1..`horizon`-step
    absolute error over the series.
    """
    series = np.asarray(series, float)
    if len(series) <= 2 * horizon:
        return float(np.mean(series)) if len(series) else 0.0
    spread = MAD_TO_SD * np.median(np.abs(np.diff(series))) / np.sqrt(2)
    clip = k * spread if spread > 0 else np.inf
    level = np.full(len(HUBER_ALPHAS), np.median(series[:7]))
    levels = np.empty((len(HUBER_ALPHAS), len(series)))
    for t, value in enumerate(series):
        level = level + HUBER_ALPHAS * np.clip(value - level, -clip, clip)
        levels[:, t] = level
    errors = _multi_step_error(levels, series, horizon, horizon)
    return float(levels[np.argmin(errors), -1])


def days_before(dates: pd.DatetimeIndex, end: pd.Timestamp) -> np.ndarray:
    """Whole days from each naive local date to `end` (1 = the day before `end`)."""
    return np.asarray((end - dates).days)
