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
    """Two clipped-smoothing daily levels (tuned for the next day; for the whole week), per-slot smoothing and the GLM.

    The levels follow a shift in volume within days while a single odd day
    moves them little, the slot profile lets each time of day move on its
    own and the GLM weights whole recent weeks per slot: their errors differ
    enough that over the weekly origins of both shared series the median of
    the four does as well as its best member, and better on the US one (the
    median, not the mean: the member furthest out on a given day is left
    out). The slower median-of-recent-days level (`level_profile`) was a
    member until it trailed the others over every weekly origin of the US
    series (by 0.05 in the ratio to the seasonal naive) without leading on
    the Israeli one.
    """
    return Ensemble([
        LevelProfile(calendar, level="huber", level_horizon=1), LevelProfile(calendar, level="huber"),
        SlotProfile(calendar), PoissonGlm(calendar),
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


# What `auto` chooses among, and what it keeps unless another is clearly better.
# Holt-Winters and MSTL stay available by name but are not candidates: on both
# shared series they trail the profiles in every backtest window and cost most
# of the time (MSTL alone several seconds per refit at 30 minutes).
AUTO_CANDIDATES = ("seasonal_naive", "historic_average", "level_profile", "slot_profile", "poisson_glm", "ensemble")
AUTO_DEFAULT = "ensemble"


def auto_candidates(calendar: DayCalendar) -> list[ForecastModel]:
    """Fresh instances of the models `auto` chooses among, baselines first."""
    return [MODELS[name](calendar) for name in AUTO_CANDIDATES]


def make_model(name: str, calendar: DayCalendar | None = None) -> ForecastModel:
    """A fresh model by registry name, or 'auto' for backtest-based choice among `AUTO_CANDIDATES`."""
    calendar = calendar or DayCalendar()
    if name == "auto":
        return AutoModel(auto_candidates(calendar), default=AUTO_DEFAULT)
    if name not in MODELS:
        raise ForecastError(f"unknown model '{name}'; choose auto or one of: {', '.join(MODELS)}")
    return MODELS[name](calendar)


__all__ = ["AUTO_CANDIDATES", "AUTO_DEFAULT", "MODELS", "AutoModel", "Ensemble", "ForecastModel", "auto_candidates", "make_model"]
