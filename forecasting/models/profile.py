"""Level-adjusted profile: forecast daily total x weekday intraday shape.

On call-centre series most of the error one week ahead is in the day's total,
not in how the day is spread over its hours. So the two are estimated apart:
the intraday shape of each weekday from many weeks (smooth, Poisson noise
averaged out), the weekday factors from a few months, and the level of
deseasonalised daily totals by exponential smoothing tuned for the
one-to-seven-day horizon (responsive to recent weeks).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from forecasting.calendar import DayCalendar
from forecasting.daymatrix import DayMatrix
from forecasting.models.base import ForecastModel


class LevelProfile(ForecastModel):
    """Smoothed daily level x weekday factor x intraday shape (all from ordinary days).

    shape_weeks: ordinary days per weekday pooled into its intraday shape.
    factor_weeks: weeks of daily totals behind the weekday factors.
    level_days: how many recent deseasonalised daily totals the level is smoothed over.
    """

    name = "level_profile"

    def __init__(
        self, calendar: DayCalendar | None = None, shape_weeks: int = 12, factor_weeks: int = 8, level_days: int = 120
    ) -> None:
        super().__init__(calendar)
        self.shape_weeks, self.factor_weeks, self.level_days = shape_weeks, factor_weeks, level_days

    def _fit_matrix(self, matrix: DayMatrix) -> None:
        values = np.nan_to_num(matrix.values[matrix.usable])
        weekdays = matrix.weekdays[matrix.usable]
        dates = matrix.dates[matrix.usable]
        totals = values.sum(axis=1)
        slots = values.shape[1]
        self._shape = np.full((7, slots), np.nan)
        mean_total = np.full(7, np.nan)
        recent = dates >= matrix.end - pd.Timedelta(weeks=self.factor_weeks)
        for weekday in range(7):
            rows = np.flatnonzero(weekdays == weekday)
            if len(rows) == 0:
                continue
            pooled = values[rows[-self.shape_weeks :]].sum(axis=0)
            self._shape[weekday] = pooled / pooled.sum() if pooled.sum() > 0 else 0.0
            in_window = rows[recent[rows]] if recent[rows].any() else rows[-self.factor_weeks :]
            mean_total[weekday] = totals[in_window].mean()
        self._factor = mean_total / np.nanmean(mean_total) if np.nanmean(mean_total) > 0 else np.ones(7)
        seasonal_free = totals / np.where(self._factor[weekdays] > 0, self._factor[weekdays], 1.0)
        self._level = smoothed_level(seasonal_free[-self.level_days :])

    def _predict_days(self, dates: pd.DatetimeIndex, weekdays: np.ndarray, labels: np.ndarray) -> np.ndarray:
        return (self._level * self._factor[weekdays])[:, None] * self._shape[weekdays]


ALPHAS = np.linspace(0.02, 1.0, 50)


def smoothed_level(series: np.ndarray, horizon: int = 7) -> float:
    """Exponentially smoothed level with alpha chosen for 1..`horizon`-step-ahead accuracy.

    A one-week forecast is judged on days 1 to 7 ahead, so alpha minimises the
    mean absolute error of the level against the next `horizon` values rather
    than the one-step error statsmodels would optimise.
    """
    series = np.asarray(series, float)
    if len(series) <= 2 * horizon:
        return float(np.mean(series)) if len(series) else 0.0
    levels = _ses_levels(series, ALPHAS)  # alphas x time: level after each observation
    errors = np.zeros(len(ALPHAS))
    for step in range(1, horizon + 1):
        errors += np.abs(levels[:, horizon : len(series) - step] - series[horizon + step :]).mean(axis=1)
    return float(levels[np.argmin(errors), -1])


def _ses_levels(series: np.ndarray, alphas: np.ndarray) -> np.ndarray:
    levels = np.empty((len(alphas), len(series)))
    level = np.full(len(alphas), series[: min(7, len(series))].mean())
    for t, value in enumerate(series):
        level = level + alphas * (value - level)
        levels[:, t] = level
    return levels
