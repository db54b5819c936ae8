"""Ensembles and automatic choice: models built from other models.

Both copy their members before fitting so that refits on shorter histories
(calibration, backtests) never disturb a fitted member.
"""

from __future__ import annotations

import copy
from collections.abc import Sequence

import numpy as np
import pandas as pd

from forecasting.daymatrix import DayMatrix
from forecasting.metrics import wape
from forecasting.models.base import CALIBRATION_WEEKS, ForecastModel, inner_errors

# Weeks of one-week-ahead errors an automatic choice is based on (the same
# inner weeks that calibrate intervals, so their forecasts are reused).
SELECTION_WEEKS = CALIBRATION_WEEKS


class Ensemble(ForecastModel):
    """The mean of its members' point forecasts (each with its own special-day effects)."""

    learns_special_days = True

    def __init__(self, members: Sequence[ForecastModel], name: str = "ensemble") -> None:
        super().__init__(members[0].calendar)
        self.members, self.name = list(members), name

    def _fit_matrix(self, matrix: DayMatrix) -> None:
        self._fitted = [copy.copy(member) for member in self.members]
        for member in self._fitted:
            member._fit_on(matrix)

    def _predict_days(self, dates: pd.DatetimeIndex, weekdays: np.ndarray, labels: np.ndarray) -> np.ndarray:
        rows = [member._days_with_effects(dates) for member in self._fitted]
        return np.mean(rows, axis=0)


class AutoModel(ForecastModel):
    """Picks, at every fit, the candidate with the lowest WAPE over its last weeks of one-week-ahead forecasts.

    Used inside a backtest this is a nested, honest evaluation: each choice
    sees only the history before its origin.
    """

    name = "auto"
    learns_special_days = True

    def __init__(self, candidates: Sequence[ForecastModel], selection_weeks: int = SELECTION_WEEKS) -> None:
        super().__init__(candidates[0].calendar)
        self.candidates, self.selection_weeks = list(candidates), selection_weeks

    def _fit_matrix(self, matrix: DayMatrix) -> None:
        scores = []
        for candidate in self.candidates:
            actual, mean = inner_errors(candidate, matrix, self.selection_weeks)
            scores.append(wape(actual, mean) if len(actual) else np.inf)
        best = self.candidates[int(np.nanargmin(np.nan_to_num(scores, nan=np.inf)))]
        self.chosen = copy.copy(best)
        self.chosen._fit_on(matrix)

    def _predict_days(self, dates: pd.DatetimeIndex, weekdays: np.ndarray, labels: np.ndarray) -> np.ndarray:
        return self.chosen._days_with_effects(dates)
