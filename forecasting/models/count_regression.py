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
from threadpoolctl import threadpool_limits

from forecasting.calendar import DayCalendar
from forecasting.daymatrix import DayMatrix
from forecasting.models.base import ForecastModel


class PoissonGlm(ForecastModel):
    """Weighted Poisson regression with one coefficient per open (weekday, slot) cell."""

    name = "poisson_glm"
    learns_special_days = True

    def __init__(self, calendar: DayCalendar | None = None, weeks: int = 10, half_life_weeks: float = 3.0) -> None:
        super().__init__(calendar)
        self.weeks, self.half_life_weeks = weeks, half_life_weeks

    def _fit_matrix(self, matrix: DayMatrix) -> None:
        slots = matrix.values.shape[1]
        anomalous = (matrix.labels == "") & ~matrix.usable
        recent = matrix.dates >= matrix.end - pd.Timedelta(weeks=self.weeks)
        rows = np.flatnonzero(recent & ~anomalous)
        day_rows, slot_idx = np.nonzero(~np.isnan(matrix.values[rows]))
        day_rows = rows[day_rows]
        counts = matrix.values[day_rows, slot_idx]
        cells = matrix.weekdays[day_rows] * slots + slot_idx
        age_weeks = (matrix.end - matrix.dates[day_rows]).days.to_numpy() / 7
        weights = 0.5 ** (age_weeks / self.half_life_weeks)
        self._labels = sorted({str(lbl) for lbl in matrix.labels[rows] if lbl in self.calendar.learned_labels})
        # Cells without any arrival would need a coefficient of minus infinity.
        seen = pd.Series(counts).groupby(cells).sum()
        self._cells = seen.index[seen > 0].to_numpy()
        keep = np.isin(cells, self._cells)
        design = self._design(cells[keep], matrix.labels[day_rows][keep])
        self._cell_rate = np.zeros(7 * slots)
        self._effects = np.zeros(len(self._labels))
        if keep.any():
            # One BLAS thread: these small solves run ~50x slower when a
            # threaded BLAS competes for a busy 2-core machine.
            with warnings.catch_warnings(), threadpool_limits(1):
                warnings.simplefilter("ignore")
                fitted = sm.GLM(counts[keep], design, family=sm.families.Poisson(), var_weights=weights[keep]).fit()
            params = np.asarray(fitted.params)
            self._cell_rate[self._cells] = np.exp(params[: len(self._cells)])
            self._effects = params[len(self._cells) :]
        self._observed_cells = np.zeros(7 * slots, bool)
        self._observed_cells[np.unique(cells)] = True
        self._slots = slots

    def _design(self, cells: np.ndarray, labels: np.ndarray) -> np.ndarray:
        position = {cell: i for i, cell in enumerate(self._cells)}
        design = np.zeros((len(cells), len(self._cells) + len(self._labels)))
        design[np.arange(len(cells)), [position[c] for c in cells]] = 1.0
        for j, label in enumerate(self._labels):
            design[labels == label, len(self._cells) + j] = 1.0
        return design

    def _predict_days(self, dates: pd.DatetimeIndex, weekdays: np.ndarray, labels: np.ndarray) -> np.ndarray:
        cells = weekdays[:, None] * self._slots + np.arange(self._slots)[None, :]
        rates = np.where(self._observed_cells[cells], self._cell_rate[cells], np.nan)
        effect = np.array([np.exp(self._effects[self._labels.index(lbl)]) if lbl in self._labels else 1.0 for lbl in labels])
        return rates * effect[:, None]
