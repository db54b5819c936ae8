"""The forecasters, by name. Every one follows `ForecastModel`'s fit/predict API."""

from __future__ import annotations

from collections.abc import Callable

from forecasting.calendar import DayCalendar
from forecasting.errors import ForecastError
from forecasting.models.base import ForecastModel
from forecasting.models.baselines import HistoricAverage, SeasonalNaive
from forecasting.models.combine import AutoModel, Ensemble
from forecasting.models.count_regression import PoissonGlm
from forecasting.models.profile import LevelProfile, SlotProfile
from forecasting.models.smoothing import HoltWinters, Mstl


def _ensemble(calendar: DayCalendar) -> Ensemble:
    """Daily and per-slot profiles, each with a level tuned for the week and for the next day, plus the GLM.

    Their errors differ enough that the mean beats each member on most weeks.
    """
    return Ensemble([
        LevelProfile(calendar), LevelProfile(calendar, level_horizon=1),
        SlotProfile(calendar), SlotProfile(calendar, level_horizon=1), PoissonGlm(calendar),
    ])


# Baselines first: a backtest runs models in this order and baselines always finish.
MODELS: dict[str, Callable[[DayCalendar], ForecastModel]] = {
    "seasonal_naive": SeasonalNaive,
    "historic_average": HistoricAverage,
    "level_profile": LevelProfile,
    "slot_profile": SlotProfile,
    "poisson_glm": PoissonGlm,
    "holt_winters": HoltWinters,
    "mstl": Mstl,
    "ensemble": _ensemble,
}


def make_model(name: str, calendar: DayCalendar | None = None) -> ForecastModel:
    """A fresh model by registry name, or 'auto' for backtest-based choice among all of them."""
    calendar = calendar or DayCalendar()
    if name == "auto":
        return AutoModel([factory(calendar) for factory in MODELS.values()])
    if name not in MODELS:
        raise ForecastError(f"unknown model '{name}'; choose auto or one of: {', '.join(MODELS)}")
    return MODELS[name](calendar)


__all__ = ["MODELS", "AutoModel", "Ensemble", "ForecastModel", "make_model"]
