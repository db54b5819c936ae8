"""The monthly cycle of demand: day-of-month factors on top of the weekly pattern.

Bank call centres run busier after the turn of the month (salaries, statements,
standing orders) and quieter towards its end: on the shared Israeli series
days 1-5 run about 16% above their weekday's local median and days 26-31
about 11% below. A level read off the last days then carries the end-of-month
trough into the next month, and every forecast made late in a month runs low.
So models see daily totals divided by a factor per phase of the month and
multiply their forecasts by the factor of the day forecast.

Factors are learned from the history (each ordinary day's total over the
median total of its weekday within five weeks, averaged per phase) and
shrunk towards 1 by how many days back them, so a series without a monthly
cycle, or too short a history, keeps factors near 1.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

# Phases of the month: days 1-5, 6-10, ..., 26-31.
PHASE_DAYS = 5
PHASES = 6
# Days of evidence that weigh as much as the prior factor of 1.
SHRINK_DAYS = 10
WINDOW_DAYS = 35


def phase_of(dates: pd.DatetimeIndex) -> np.ndarray:
    """Phase (0-5) of each date's day of month."""
    return np.minimum((np.asarray(dates.day) - 1) // PHASE_DAYS, PHASES - 1)


def phase_factors(totals: np.ndarray, dates: pd.DatetimeIndex, weekdays: np.ndarray, usable: np.ndarray) -> np.ndarray:
    """Mean-one factor per phase from daily totals (ordinary days only)."""
    series = pd.Series(np.asarray(totals, float), index=dates)[usable]
    ratios = pd.Series(np.nan, index=series.index)
    for weekday in np.unique(np.asarray(weekdays)[usable]):
        same = series[np.asarray(weekdays)[usable] == weekday]
        median = same.rolling(f"{2 * WINDOW_DAYS + 1}D", center=True, min_periods=3).median()
        ratios[same.index] = same / median
    ratios = ratios[np.isfinite(ratios) & (ratios > 0)]
    phases = phase_of(pd.DatetimeIndex(ratios.index))
    sums = np.bincount(phases, ratios.to_numpy(), minlength=PHASES)
    counts = np.bincount(phases, minlength=PHASES)
    factors = (sums + SHRINK_DAYS) / (counts + SHRINK_DAYS)
    return factors / factors.mean()
