"""Prediction intervals calibrated from a model's own one-week-ahead errors.

Model-based intervals assume the model is right; arrival counts are noisier
(day-level swings on top of Poisson noise). Each model is therefore refitted
on the history cut at the last few week boundaries, and its errors on the
following week give the bounds:

- the spread grows with the forecast level as a power law (Taylor's law),
  sd(m) proportional to m^(p/2) with p between 1 (Poisson-like) and 2 (purely
  multiplicative). On the shared bank series neither end fits: quiet slots
  (early morning, Fridays) swing relatively more than a constant share, busy
  ones less than Poisson-plus-share predicts. p is chosen so that the
  standardised errors are equally wide in every band of forecast levels,
  which makes the intervals cover as promised at quiet and busy times alike;
- the bounds are the empirical quantiles of the standardised errors, so
  heavy tails widen the 95% band more than the 80%;
- special days (a holiday, its eve, the day after a closure, an observance, an event) get
  quantiles of their own. Their errors are several times an ordinary day's
  (on the shared series the standardised errors of the day after a closure
  spread about three times as wide): pooled with ordinary days they make
  ordinary bands too wide and still leave a day such as the Tuesday after
  Labor Day far outside its band. With errors from fewer than
  `MIN_SPECIAL_DAYS` special days, special days use all errors pooled; they
  are never given a narrower band than an ordinary day.

With too few inner errors to learn from, intervals fall back to Poisson
(p = 1, normal quantiles).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from statistics import NormalDist

import numpy as np

# Keeps sigma positive for slots forecast at (almost) zero arrivals.
MIN_VARIANCE = 0.1
# Fewer inner errors than this and the intervals are Poisson.
MIN_RESIDUALS = 50
# Candidate exponents of the variance power law, and the bands of forecast
# level (equal-count) in which the standardised errors should be equally wide.
POWERS = np.round(np.linspace(1.0, 2.0, 11), 2)
LEVEL_BANDS = 8
MIN_BAND_SIZE = 20
# Special days need errors from at least this many of them for quantiles of their own.
MIN_SPECIAL_DAYS = 2


@dataclass(frozen=True)
class Calibration:
    """Variance exponent and the standardised error quantiles (lo, hi) per central level (%).

    `quantiles` hold for ordinary days, `special_quantiles` for special days
    (missing levels: as ordinary days).
    """

    power: float
    quantiles: dict[int, tuple[float, float]]
    residuals: int  # how many errors the quantiles come from (0 = Poisson fallback)
    special_quantiles: dict[int, tuple[float, float]] = field(default_factory=dict)

    def bounds(
        self, mean: np.ndarray, level: int, special: np.ndarray | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        """Lower and upper bound of the `level`% interval around `mean` (never below 0).

        `special` (bool per entry of `mean`): which forecasts fall on special days.
        """
        lo_q, hi_q = self.quantiles.get(level) or _normal_quantiles(level)
        if special is not None and level in self.special_quantiles:
            special_lo, special_hi = self.special_quantiles[level]
            lo_q, hi_q = np.where(special, special_lo, lo_q), np.where(special, special_hi, hi_q)
        sigma = _sigma(mean, self.power)
        return np.maximum(mean + lo_q * sigma, 0.0), mean + hi_q * sigma


def _sigma(mean: np.ndarray, power: float) -> np.ndarray:
    return np.sqrt(np.maximum(np.maximum(mean, 0.0) ** power, MIN_VARIANCE))


def _normal_quantiles(level: int) -> tuple[float, float]:
    z = NormalDist().inv_cdf(0.5 + level / 200)
    return -z, z


def variance_power(actual: np.ndarray, mean: np.ndarray) -> float:
    """The exponent p under which errors / mean^(p/2) are equally spread at every forecast level.

    Cells are split into equal-count bands of forecast level; for each p the
    widths of the central 80% and 95% of standardised errors are taken per
    band, and the p whose log widths vary least across bands wins. With fewer
    than two usable bands the answer is 1 (Poisson-like).
    """
    edges = np.unique(np.quantile(mean, np.linspace(0, 1, LEVEL_BANDS + 1)))
    band = np.clip(np.searchsorted(edges, mean, side="right") - 1, 0, len(edges) - 2)
    bands = [np.flatnonzero(band == b) for b in range(len(edges) - 1)]
    bands = [rows for rows in bands if len(rows) >= MIN_BAND_SIZE]
    if len(bands) < 2:
        return 1.0
    best, best_spread = 1.0, np.inf
    for power in POWERS:
        z = (actual - mean) / _sigma(mean, power)
        widths = np.array([np.quantile(z[rows], [0.025, 0.1, 0.9, 0.975]) for rows in bands])
        spread = sum(
            float(np.var(np.log(np.maximum(widths[:, hi] - widths[:, lo], 1e-9)))) for lo, hi in ((1, 2), (0, 3))
        )
        if spread < best_spread - 1e-12:
            best, best_spread = float(power), spread
    return best


def weighted_quantile(values: np.ndarray, weights: np.ndarray, q: list[float]) -> np.ndarray:
    """Quantiles of `values` where each value counts with its weight (inverted weighted CDF, midpoints)."""
    order = np.argsort(values)
    values, weights = values[order], weights[order]
    cdf = (np.cumsum(weights) - weights / 2) / weights.sum()
    return np.interp(q, cdf, values)


def calibrate(
    actual: np.ndarray,
    mean: np.ndarray,
    levels: tuple[int, ...] = (80, 95),
    weights: np.ndarray | None = None,
    special: np.ndarray | None = None,
    day: np.ndarray | None = None,
) -> Calibration:
    """Calibration from paired actuals and one-week-ahead forecasts (1-D arrays, arrivals per interval).

    `weights` (optional, per pair): how much each error counts in the quantiles,
    e.g. more for recent weeks so a calmer or rougher spell is followed.
    `special` and `day` (optional, per pair, together): whether the pair lies on
    a special day, and which day (any integer id), so special days get
    quantiles of their own once there are errors from `MIN_SPECIAL_DAYS` of them.
    """
    actual, mean = np.asarray(actual, float), np.asarray(mean, float)
    weights = np.ones(len(actual)) if weights is None else np.asarray(weights, float)
    if len(actual) < MIN_RESIDUALS:
        return Calibration(1.0, {level: _normal_quantiles(level) for level in levels}, 0)
    mean = np.maximum(mean, 0.0)
    power = variance_power(actual, mean)
    z = (actual - mean) / _sigma(mean, power)
    special = np.zeros(len(z), bool) if special is None else np.asarray(special, bool)
    ordinary = ~special if np.sum(~special) >= MIN_RESIDUALS else np.ones(len(z), bool)
    special_days = len(np.unique(np.asarray(day)[special])) if day is not None else 0
    unusual = special if special_days >= MIN_SPECIAL_DAYS else np.ones(len(z), bool)
    quantiles, special_quantiles = {}, {}
    for level in levels:
        lo, hi = _quantile_pair(z[ordinary], weights[ordinary], level)
        special_lo, special_hi = _quantile_pair(z[unusual], weights[unusual], level)
        quantiles[level] = (lo, hi)
        special_quantiles[level] = (min(special_lo, lo), max(special_hi, hi))
    return Calibration(power, quantiles, len(actual), special_quantiles)


def _quantile_pair(z: np.ndarray, weights: np.ndarray, level: int) -> tuple[float, float]:
    """The central `level`% of weighted standardised errors, always around 0."""
    tail = (100 - level) / 200
    lo, hi = weighted_quantile(z, weights, [tail, 1 - tail])
    return min(float(lo), 0.0), max(float(hi), 0.0)
