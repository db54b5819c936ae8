"""Metrics with known values; the backtest's table, progress and time limit."""

from __future__ import annotations

import itertools
import warnings

import numpy as np
import pandas as pd
import pytest

from forecasting.backtest import backtest
from forecasting.errors import ForecastError
from forecasting.metrics import bias, coverage, poisson_noise_floor, wape
from forecasting.models import make_model


def test_metrics_known_values():
    actual, mean = np.array([10.0, 20.0, 30.0]), np.array([12.0, 18.0, 30.0])
    assert wape(actual, mean) == pytest.approx(4 / 60)
    assert bias(actual, mean) == pytest.approx(0.0)
    assert bias(actual, mean + 6) == pytest.approx(18 / 60)
    assert coverage(actual, np.array([9, 21, 29]), np.array([11, 22, 30])) == pytest.approx(2 / 3)


def test_poisson_noise_floor_matches_simulation():
    rng = np.random.default_rng(1)
    for lam in (0.5, 3.0, 40.0):
        simulated = np.mean(np.abs(rng.poisson(lam, 200_000) - lam))
        assert poisson_noise_floor(np.array([lam]))[0] == pytest.approx(simulated, rel=0.02)


def test_backtest_table_and_progress(series_factory):
    y = series_factory(weeks=8)
    seen = []
    result = backtest(y, [make_model("seasonal_naive"), make_model("level_profile")], weeks=3,
                      progress=lambda done, total, message: seen.append((done, total)))
    assert list(result.table.index) == ["seasonal_naive", "level_profile"]
    assert set(result.table.columns) >= {"wape", "mase", "bias", "coverage80", "coverage95", "status"}
    assert (result.table["status"] == "ok").all()
    assert seen[-1] == (6, 6) and len(seen) == 6
    assert result.forecasts.groupby("model")["origin"].nunique().tolist() == [3, 3]
    # a smooth pattern beats repeating last week's noise
    assert result.table.loc["level_profile", "wape"] < result.table.loc["seasonal_naive", "wape"]
    assert result.best_model() == "level_profile"


def test_mase_is_undefined_not_infinite_when_every_week_repeats_exactly():
    """The in-sample seasonal naive makes no error on a week-on-week identical history, so the MASE scale is 0."""
    week = pd.date_range("2026-01-05", periods=7 * 24, freq="60min", tz="UTC")
    pattern = np.tile(np.r_[np.zeros(8), np.full(10, 5.0), np.zeros(6)], 7)
    stamps = week.append([week + pd.Timedelta(weeks=k) for k in range(1, 6)])
    y = pd.Series(np.tile(pattern, 6), index=stamps)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no division by zero on the way
        result = backtest(y, [make_model("seasonal_naive")], weeks=2)
    assert np.isnan(result.table.loc["seasonal_naive", "mase"])
    assert result.table.loc["seasonal_naive", "wape"] == pytest.approx(0.0)


def test_time_limit_stops_models_but_not_baselines(series_factory):
    y = series_factory(weeks=7)
    ticks = itertools.count(0, 10.0)  # every clock read advances 10 s
    models = [make_model("mstl"), make_model("seasonal_naive"), make_model("historic_average")]
    result = backtest(y, models, weeks=2, time_limit_s=5, clock=lambda: next(ticks))
    assert result.table.loc["mstl", "status"] == "time limit"
    assert (result.table.loc[["seasonal_naive", "historic_average"], "status"] == "ok").all()
    assert result.best_model() in ("seasonal_naive", "historic_average")


def test_backtest_needs_enough_history(series_factory):
    with pytest.raises(ForecastError, match="two weeks of history"):
        backtest(series_factory(weeks=3), [make_model("seasonal_naive")], weeks=2)


def test_inner_errors_align_when_the_day_before_an_origin_is_missing(series_factory):
    """A closed day right before a week boundary must not shift the forecast week by a day.

    On a noise-free weekly pattern seasonal naive is exact, so every inner
    one-week-ahead error is zero only if forecasts and actuals line up.
    """
    from forecasting.calendar import DayCalendar
    from forecasting.daymatrix import build_day_matrix
    from forecasting.models.base import inner_errors

    y = series_factory(weeks=6, seed=None)
    dates = y.index.tz_localize(None).normalize()
    y = y[dates != y.index[-1].tz_localize(None).normalize() - pd.Timedelta(days=7)]  # a Sunday before an origin
    matrix = build_day_matrix(y, DayCalendar())
    errors = inner_errors(make_model("seasonal_naive"), matrix, weeks=3)
    assert len(errors) == 3 * 7 * 24 - 24
    np.testing.assert_array_equal(errors.actual, errors.mean)
