"""The two baselines that always run beside the real models.

Seasonal naive repeats the last ordinary day of the same weekday (the
"same time last week" a planner would guess); historic average takes the mean
of the last few weeks at the same weekday and time of day, the strongest
simple peer on call-centre series.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from forecasting.calendar import AFTER_CLOSURE, DayCalendar
from forecasting.daymatrix import DayMatrix, column_means
from forecasting.models.base import ForecastModel


def same_weekday_rows(matrix: DayMatrix, weekday: int, last: int | None = None) -> np.ndarray:
    """Values of the last `last` ordinary days of one effective weekday (all when None).

    A day after a closure counts as ordinary here: the baselines are the plain
    "same time last week" and "mean of the last weeks", with no special-day logic
    beyond the calendar's.
    """
    ordinary = matrix.usable | (matrix.labels == AFTER_CLOSURE)
    rows = np.flatnonzero(ordinary & (matrix.weekdays == weekday))
    if last is not None:
        rows = rows[-last:]
    return matrix.values[rows]


class SeasonalNaive(ForecastModel):
    """Each slot = the same slot on the last ordinary day of the same weekday."""

    name = "seasonal_naive"
    is_baseline = True
    sees_closures = False
    follows_month_cycle = False

    def _fit_matrix(self, matrix: DayMatrix) -> None:
        slots = matrix.values.shape[1]
        self._by_weekday = np.full((7, slots), np.nan)
        for weekday in range(7):
            rows = same_weekday_rows(matrix, weekday, last=1)
            if len(rows):
                self._by_weekday[weekday] = rows[0]

    def _predict_days(self, dates: pd.DatetimeIndex, weekdays: np.ndarray, labels: np.ndarray) -> np.ndarray:
        return self._by_weekday[weekdays]


class HistoricAverage(ForecastModel):
    """Each slot = the mean of the same weekday and slot over the last `weeks` ordinary weeks."""

    name = "historic_average"
    is_baseline = True
    sees_closures = False
    follows_month_cycle = False

    def __init__(self, calendar: DayCalendar | None = None, weeks: int = 4) -> None:
        super().__init__(calendar)
        self.weeks = weeks

    def _fit_matrix(self, matrix: DayMatrix) -> None:
        slots = matrix.values.shape[1]
        self._by_weekday = np.full((7, slots), np.nan)
        for weekday in range(7):
            rows = same_weekday_rows(matrix, weekday, last=self.weeks)
            if len(rows):
                self._by_weekday[weekday] = column_means(rows)

    def _predict_days(self, dates: pd.DatetimeIndex, weekdays: np.ndarray, labels: np.ndarray) -> np.ndarray:
        return self._by_weekday[weekdays]
