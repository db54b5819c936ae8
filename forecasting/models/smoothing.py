"""Exponential smoothing and MSTL on the gap-free weekly grid (statsmodels).

Both forecast a whole future week as level + season at the forecast cell, so
a future date maps straight to its (effective weekday, slot) cell; a horizon
of one week needs no trend term.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
from statsmodels.tsa.holtwinters import ExponentialSmoothing
from statsmodels.tsa.seasonal import MSTL

from forecasting.calendar import DayCalendar
from forecasting.daymatrix import DayMatrix
from forecasting.models.base import ForecastModel
from forecasting.models.profile import smoothed_level
from forecasting.models.weekly_grid import WeeklyGrid, weekly_grid


class _GridModel(ForecastModel):
    """Shared plumbing: build the grid, keep one value per weekly cell, look days up."""

    def __init__(self, calendar: DayCalendar | None = None, weeks: int = 8) -> None:
        super().__init__(calendar)
        self.weeks = weeks

    def _fit_matrix(self, matrix: DayMatrix) -> None:
        self._grid = weekly_grid(matrix, self.weeks)
        self._slots = matrix.values.shape[1]
        self._week = self._fit_grid(self._grid) if self._grid.season else np.zeros(0)

    def _fit_grid(self, grid: WeeklyGrid) -> np.ndarray:
        """Forecast for each cell of the next week, in grid order."""
        raise NotImplementedError

    def _predict_days(self, dates: pd.DatetimeIndex, weekdays: np.ndarray, labels: np.ndarray) -> np.ndarray:
        out = np.full((len(dates), self._slots), np.nan)
        slots = np.arange(self._slots)
        for row, weekday in enumerate(weekdays):
            position = self._grid.position(np.full(self._slots, weekday), slots)
            out[row, position >= 0] = self._week[position[position >= 0]]
        return out


class HoltWinters(_GridModel):
    """Additive Holt-Winters (no trend) with a weekly season, fitted on the last `weeks` weeks."""

    name = "holt_winters"

    def _fit_grid(self, grid: WeeklyGrid) -> np.ndarray:
        if len(grid.values) < 2 * grid.season:
            return grid.values[-grid.season :]
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            fitted = ExponentialSmoothing(
                grid.values, seasonal="add", seasonal_periods=grid.season, initialization_method="heuristic"
            ).fit()
        return fitted.forecast(grid.season)


class Mstl(_GridModel):
    """MSTL with daily and weekly seasons; the deseasonalised series is smoothed for the level.

    The daily season is used only when every open day has the same number of slots.
    """

    name = "mstl"

    def _fit_grid(self, grid: WeeklyGrid) -> np.ndarray:
        lengths = grid.day_lengths[grid.day_lengths > 0]
        uniform = len(set(lengths.tolist())) == 1 and lengths[0] > 1 and len(lengths) > 1
        periods = (int(lengths[0]), grid.season) if uniform else (grid.season,)
        if len(grid.values) < 2 * grid.season:
            return grid.values[-grid.season :]
        fitted = MSTL(grid.values, periods=periods, iterate=1).fit()
        seasonal = np.asarray(fitted.seasonal).reshape(len(grid.values), -1)
        level = smoothed_level(grid.values - seasonal.sum(axis=1), horizon=grid.season)
        return level + seasonal[-grid.season :].sum(axis=1)
