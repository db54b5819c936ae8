"""Level-adjusted profiles: forecast daily total x weekday intraday shape.

On call-centre series most of the error one week ahead is in the day's total,
not in how the day is spread over its hours. So the two are estimated apart:
the intraday shape of each weekday from many weeks (smooth, Poisson noise
averaged out), the weekday factors from a few months, and a robust level of
deseasonalised daily totals chosen for the one-to-seven-day horizon
(`daily_level`). `SlotProfile` instead smooths every time of day on its own.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from forecasting.calendar import DayCalendar
from forecasting.daymatrix import DayMatrix, column_means
from forecasting.models.base import ForecastModel
from forecasting.models.daily_level import days_before, huber_level, median_level, weekday_factors


class LevelProfile(ForecastModel):
    """Robust daily level x weekday factor x intraday shape (all from ordinary days).

    level: 'median' (median of the last days, window chosen per series) or
    'huber' (smoothing with clipped surprises, alpha chosen per series); see
    `forecasting.models.daily_level`.
    shape_weeks: ordinary days per weekday pooled into its intraday shape,
    weighted by recency: each day counts half as much as the same weekday
    `shape_half_life` ordinary occurrences (weeks, none missing) later.
    Shapes drift: on both shared series, at 60 and 30 minutes, this followed
    each day's shape more closely than 12 equally weighted weeks.
    factor_weeks: weeks of daily totals behind the weekday factors (a weekday's share
    of its week moves slowly; fewer weeks mostly add noise on both shared series).
    level_days: how many recent deseasonalised daily totals the level is chosen on.
    level_horizon: days ahead the level is tuned for (7 = a week's forecast).
    """

    name = "level_profile"

    def __init__(
        self, calendar: DayCalendar | None = None, level: str = "median", shape_weeks: int = 26,
        shape_half_life: float = 4.0, factor_weeks: int = 16, level_days: int = 240, level_horizon: int = 7,
    ) -> None:
        super().__init__(calendar)
        if level not in ("median", "huber"):
            raise ValueError(f"level must be 'median' or 'huber', got {level!r}")
        self.level, self.shape_weeks, self.factor_weeks = level, shape_weeks, factor_weeks
        self.shape_half_life = shape_half_life
        self.level_days, self.level_horizon = level_days, level_horizon

    def _fit_matrix(self, matrix: DayMatrix) -> None:
        values = np.nan_to_num(matrix.values[matrix.usable])
        weekdays = matrix.weekdays[matrix.usable]
        totals = values.sum(axis=1)
        before_end = days_before(matrix.dates[matrix.usable], matrix.end)
        self._shape = np.full((7, values.shape[1]), np.nan)
        for weekday in np.unique(weekdays):
            rows = np.flatnonzero(weekdays == weekday)[-self.shape_weeks :]
            recency = 0.5 ** (np.arange(len(rows))[::-1] / self.shape_half_life)
            pooled = recency @ values[rows]
            self._shape[weekday] = pooled / pooled.sum() if pooled.sum() > 0 else 0.0
        self._factor = weekday_factors(totals, weekdays, before_end, self.factor_weeks)
        factor = np.nan_to_num(self._factor[weekdays])
        seasonal_free = (totals / np.where(factor > 0, factor, 1.0))[-self.level_days :]
        estimate = median_level if self.level == "median" else huber_level
        self._level = estimate(seasonal_free, self.level_horizon) if len(seasonal_free) else 0.0

    def _predict_days(self, dates: pd.DatetimeIndex, weekdays: np.ndarray, labels: np.ndarray) -> np.ndarray:
        return (self._level * self._factor[weekdays])[:, None] * self._shape[weekdays]


ALPHAS = np.linspace(0.02, 1.0, 50)


def smoothed_level(series: np.ndarray, horizon: int = 7) -> float:
    """Exponentially smoothed level of a 1-D series, alpha chosen for 1..`horizon`-step accuracy."""
    return float(smoothed_levels(np.asarray(series, float)[:, None], horizon)[0])


def smoothed_levels(series: np.ndarray, horizon: int = 7) -> np.ndarray:
    """Final smoothed level of each column (time x columns), one alpha shared by all columns.

    A one-week forecast is judged on days 1 to 7 ahead, so alpha minimises the
    absolute error of the level against the next `horizon` values (summed over
    columns) rather than the one-step error statsmodels would optimise.
    """
    if len(series) <= 2 * horizon:
        return series.mean(axis=0) if len(series) else np.zeros(series.shape[1])
    levels = np.empty((len(ALPHAS), *series.shape))  # alphas x time x columns
    level = np.tile(series[: min(7, len(series))].mean(axis=0), (len(ALPHAS), 1))
    for t, value in enumerate(series):
        level = level + ALPHAS[:, None] * (value - level)
        levels[:, t] = level
    errors = np.zeros(len(ALPHAS))
    for step in range(1, horizon + 1):
        errors += np.abs(levels[:, horizon : len(series) - step] - series[horizon + step :]).sum(axis=(1, 2))
    return levels[np.argmin(errors), -1]


class SlotProfile(ForecastModel):
    """Per time-of-day level x weekday factor: each slot's own smoothed level across days.

    Where a day's volume moves unevenly (mornings up, evenings flat) one daily
    level misses it; here every slot is smoothed over the days on its own,
    with a weekday factor per slot from the last `factor_weeks`.
    """

    name = "slot_profile"

    def __init__(
        self, calendar: DayCalendar | None = None, factor_weeks: int = 16, level_days: int = 120, level_horizon: int = 7
    ) -> None:
        super().__init__(calendar)
        self.factor_weeks, self.level_days, self.level_horizon = factor_weeks, level_days, level_horizon

    def _fit_matrix(self, matrix: DayMatrix) -> None:
        values = matrix.values[matrix.usable]
        weekdays = matrix.weekdays[matrix.usable]
        recent = matrix.dates[matrix.usable] >= matrix.end - pd.Timedelta(weeks=self.factor_weeks)
        means = np.full((7, values.shape[1]), np.nan)
        for weekday in np.unique(weekdays):
            rows = np.flatnonzero((weekdays == weekday) & recent) if recent.any() else np.flatnonzero(weekdays == weekday)
            means[weekday] = column_means(values[rows])
        overall = column_means(means)
        positive = np.nan_to_num(overall) > 0
        self._factor = np.where(positive, means / np.where(positive, overall, 1.0), 0.0)
        factor = self._factor[weekdays][-self.level_days :]
        seasonal_free = np.where(factor > 0, values[-self.level_days :] / np.where(factor > 0, factor, 1.0), np.nan)
        filled = np.where(np.isnan(seasonal_free), column_means(seasonal_free), seasonal_free)
        self._level = smoothed_levels(np.nan_to_num(filled), self.level_horizon)

    def _predict_days(self, dates: pd.DatetimeIndex, weekdays: np.ndarray, labels: np.ndarray) -> np.ndarray:
        return self._level[None, :] * self._factor[weekdays]
