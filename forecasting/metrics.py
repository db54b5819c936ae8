"""Accuracy measures for arrivals per interval (all dimensionless unless noted).

- WAPE: sum |error| / sum actual.
- MASE: mean |error| over the in-sample mean |y(t) - y(t - 1 week)| of the
  training history (same weekday and slot, seven calendar days earlier).
- bias: sum (forecast - actual) / sum actual; positive means over-forecast.
- coverage: share of actuals inside [lo, hi], bounds included.
- Poisson noise floor: E|N - lambda| for N ~ Poisson(lambda), lambda = the
  actual count: the error a forecaster knowing every true rate would still
  make if arrivals are Poisson (arrivals per interval).
"""

from __future__ import annotations

import numpy as np
from scipy.stats import poisson

from forecasting.daymatrix import DayMatrix


def wape(actual: np.ndarray, mean: np.ndarray) -> float:
    """Weighted absolute percentage error as a fraction (0.1 = 10%)."""
    total = float(np.sum(actual))
    return float(np.sum(np.abs(np.asarray(actual) - np.asarray(mean)))) / total if total > 0 else float("nan")


def bias(actual: np.ndarray, mean: np.ndarray) -> float:
    """Signed total error as a fraction of actual arrivals."""
    total = float(np.sum(actual))
    return float(np.sum(np.asarray(mean) - np.asarray(actual))) / total if total > 0 else float("nan")


def coverage(actual: np.ndarray, lo: np.ndarray, hi: np.ndarray) -> float:
    """Share of actuals within the closed interval [lo, hi]."""
    actual = np.asarray(actual)
    return float(np.mean((actual >= lo) & (actual <= hi))) if len(actual) else float("nan")


def poisson_noise_floor(actual: np.ndarray) -> np.ndarray:
    """E|N - lambda| per interval with lambda = actual: 2 * lambda * P(N = floor(lambda))."""
    lam = np.maximum(np.asarray(actual, float), 0.0)
    return 2 * lam * poisson.pmf(np.floor(lam), lam)


def seasonal_naive_scale(matrix: DayMatrix) -> float:
    """In-sample mean |y - y one week earlier| over slots observed both times (MASE denominator).

    NaN when there is no such pair or every week repeated the one before exactly: MASE is then undefined
    (no value in the backtest table) rather than infinite."""
    position = {day: row for row, day in enumerate(matrix.dates)}
    diffs = []
    for row, day in enumerate(matrix.dates):
        earlier = position.get(day - np.timedelta64(7, "D"))
        if earlier is not None:
            diff = np.abs(matrix.values[row] - matrix.values[earlier])
            diffs.append(diff[~np.isnan(diff)])
    joined = np.concatenate(diffs) if diffs else np.zeros(0)
    scale = float(joined.mean()) if len(joined) else float("nan")
    return scale if scale > 0 else float("nan")
