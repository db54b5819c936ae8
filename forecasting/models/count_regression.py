"""Poisson GLM on weekday x time of day with holiday and event regressors (statsmodels).

log E[arrivals] = cell(effective weekday, slot) + sum of special-day effects,
fitted on the last `weeks` weeks with weights halving every `half_life_weeks`
so the level follows recent demand. Holidays, make-up working days and
events without a given multiplier are dummies, so their effect is learned
from their past occurrences; cells that never saw an arrival forecast zero.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import statsmodels.api as sm

from forecasting.calendar import DayCalendar
from forecasting.daymatrix import DayMatrix
from forecasting.models.base import ForecastModel


class PoissonGlm(ForecastModel):
    """Weighted Poisson regression with one coefficient per open (weekday, slot) cell.

    Fitted by alternating exact steps, which reaches the joint maximum
    likelihood without a dense design of hundreds of cell columns: given the
    special-day effects, each cell's rate has a closed form (weighted counts
    over weighted exposure); given the cell rates, the effects are a statsmodels
    Poisson GLM with log(cell rate) as offset.
    """

    name = "poisson_glm"
    learns_special_days = True
    ROUNDS = 5

    def __init__(self, calendar: DayCalendar | None = None, weeks: int = 10, half_life_weeks: float = 3.0) -> None:
        super().__init__(calendar)
        self.weeks, self.half_life_weeks = weeks, half_life_weeks

    def _fit_matrix(self, matrix: DayMatrix) -> None:
        self._slots = slots = matrix.values.shape[1]
        anomalous = (matrix.labels == "") & ~matrix.usable
        recent = matrix.dates >= matrix.end - pd.Timedelta(weeks=self.weeks)
        rows = np.flatnonzero(recent & ~anomalous)
        day_rows, slot_idx = np.nonzero(~np.isnan(matrix.values[rows]))
        day_rows = rows[day_rows]
        counts = matrix.values[day_rows, slot_idx]
        cells = matrix.weekdays[day_rows] * slots + slot_idx
        age_weeks = (matrix.end - matrix.dates[day_rows]).days.to_numpy() / 7
        weights = 0.5 ** (age_weeks / self.half_life_weeks)
        labels = matrix.labels[day_rows]
        self._labels = sorted({str(lbl) for lbl in labels if lbl in self.calendar.learned_labels})
        dummies = np.column_stack([labels == lbl for lbl in self._labels]).astype(float) if self._labels else None
        self._effects = np.zeros(len(self._labels))
        self._observed_cells = np.zeros(7 * slots, bool)
        self._observed_cells[np.unique(cells)] = True
        weighted_counts = np.bincount(cells, weights * counts, minlength=7 * slots)
        for _ in range(self.ROUNDS if dummies is not None else 1):
            exposure = np.exp(dummies @ self._effects) if dummies is not None else np.ones(len(counts))
            self._cell_rate = weighted_counts / np.maximum(np.bincount(cells, weights * exposure, minlength=7 * slots), 1e-12)
            if dummies is None:
                break
            seen = self._cell_rate[cells] > 0  # cells without any arrival carry no information on effects
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                fitted = sm.GLM(counts[seen], dummies[seen], family=sm.families.Poisson(),
                                offset=np.log(self._cell_rate[cells][seen]), var_weights=weights[seen]).fit()
            self._effects = np.asarray(fitted.params)

    def _predict_days(self, dates: pd.DatetimeIndex, weekdays: np.ndarray, labels: np.ndarray) -> np.ndarray:
        cells = weekdays[:, None] * self._slots + np.arange(self._slots)[None, :]
        rates = np.where(self._observed_cells[cells], self._cell_rate[cells], np.nan)
        effect = np.array([np.exp(self._effects[self._labels.index(lbl)]) if lbl in self._labels else 1.0 for lbl in labels])
        return rates * effect[:, None]
