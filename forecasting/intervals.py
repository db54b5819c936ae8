"""Prediction intervals calibrated from a model's own one-week-ahead errors.

Model-based intervals assume the model is right; arrival counts are noisier
(day-level swings on top of Poisson noise). Each model is therefore refitted
on the history cut at the last few week boundaries, its errors on the
following week are standardised by sigma(mean) = sqrt(mean + phi * mean^2)
(Poisson variance plus a multiplicative day-level part, phi by moments), and
the empirical quantiles of those standardised errors give the bounds. With no
inner weeks to learn from, intervals fall back to Poisson (phi = 0, normal
quantiles).
"""

from __future__ import annotations

from dataclasses import dataclass
from statistics import NormalDist

import numpy as np

# Keeps sigma positive for slots forecast at (almost) zero arrivals.
MIN_VARIANCE = 0.1


@dataclass(frozen=True)
class Calibration:
    """Dispersion phi and the standardised error quantiles (lo, hi) per central level (%)."""

    phi: float
    quantiles: dict[int, tuple[float, float]]
    residuals: int  # how many errors the quantiles come from (0 = Poisson fallback)

    def bounds(self, mean: np.ndarray, level: int) -> tuple[np.ndarray, np.ndarray]:
        """Lower and upper bound of the `level`% interval around `mean` (never below 0)."""
        lo_q, hi_q = self.quantiles.get(level) or _normal_quantiles(level)
        sigma = _sigma(mean, self.phi)
        return np.maximum(mean + lo_q * sigma, 0.0), mean + hi_q * sigma


def _sigma(mean: np.ndarray, phi: float) -> np.ndarray:
    mean = np.maximum(mean, 0.0)
    return np.sqrt(np.maximum(mean, MIN_VARIANCE) + phi * mean**2)


def _normal_quantiles(level: int) -> tuple[float, float]:
    z = NormalDist().inv_cdf(0.5 + level / 200)
    return -z, z


def calibrate(actual: np.ndarray, mean: np.ndarray, levels: tuple[int, ...] = (80, 95)) -> Calibration:
    """Calibration from paired actuals and one-week-ahead forecasts (1-D arrays)."""
    actual, mean = np.asarray(actual, float), np.asarray(mean, float)
    if len(actual) < 50:
        return Calibration(0.0, {level: _normal_quantiles(level) for level in levels}, 0)
    mean = np.maximum(mean, 0.0)
    phi = max(0.0, float(np.sum((actual - mean) ** 2 - mean) / max(np.sum(mean**2), 1e-9)))
    z = (actual - mean) / _sigma(mean, phi)
    quantiles = {}
    for level in levels:
        tail = (100 - level) / 200
        lo, hi = np.quantile(z, [tail, 1 - tail])
        quantiles[level] = (min(float(lo), 0.0), max(float(hi), 0.0))
    return Calibration(phi, quantiles, len(actual))
