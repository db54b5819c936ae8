"""Daily level and weekday factors, interval spread and the automatic choice, on inputs with known answers."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest

from forecasting.calendar import DayCalendar
from forecasting.intervals import calibrate, variance_power
from forecasting.models.base import ForecastModel, InnerErrors
from forecasting.models.combine import choose, switch_threshold
from forecasting.models.daily_level import huber_level, median_level, weekday_factors
from forecasting.models.profile import LevelProfile

WEEKDAY_SHAPE = np.array([1.3, 1.1, 1.0, 0.9, 0.7])  # a Mon-Fri desk


def _weekday_totals(levels: list[float]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Daily totals of Mon-Fri weeks at the given weekly levels, with their weekdays and days before the end."""
    totals = np.concatenate([level * WEEKDAY_SHAPE for level in levels])
    weekdays = np.tile(np.arange(5), len(levels))
    calendar_days = np.concatenate([np.arange(5) + 7 * week for week in range(len(levels))])
    return totals, weekdays, calendar_days[-1] + 1 - calendar_days + 2  # the history ends on a Sunday


def test_weekday_factors_are_exact_through_a_level_change():
    totals, weekdays, before_end = _weekday_totals([1000, 1000, 1400, 1400, 1400, 1000])
    factors = weekday_factors(totals, weekdays, before_end, weeks=6)
    np.testing.assert_allclose(factors[:5], WEEKDAY_SHAPE / WEEKDAY_SHAPE.mean())
    assert np.isnan(factors[5:]).all()


def test_weekday_factors_skip_a_week_with_a_missing_day():
    totals, weekdays, before_end = _weekday_totals([1000, 1000, 1000])
    odd = np.ones(len(totals), bool)
    odd[5] = False  # the Monday of the middle week is missing, its Friday doubled: that week must not count
    totals[9] *= 2
    factors = weekday_factors(totals[odd], weekdays[odd], before_end[odd], weeks=3)
    np.testing.assert_allclose(factors[:5], WEEKDAY_SHAPE / WEEKDAY_SHAPE.mean())


def test_median_level_ignores_one_odd_day():
    series = np.full(120, 1000.0)
    series[-3] = 1600.0  # a day after a holiday
    assert median_level(series) == 1000.0


def test_median_level_follows_a_lasting_shift():
    series = np.r_[np.full(100, 1000.0), np.full(20, 1300.0)]
    assert median_level(series) == 1300.0


def test_huber_level_moves_little_on_a_spike_and_follows_a_shift():
    rng = np.random.default_rng(3)
    noise = rng.normal(0, 20, 150)
    spike = 1000 + noise
    spike[-1] += 2000
    assert abs(huber_level(spike) - huber_level(1000 + noise)) < 0.6 * 2 * 20 * 1.5  # at most alpha x the clip
    shifted = 1000 + noise + np.r_[np.zeros(120), np.full(30, 300.0)]
    assert abs(huber_level(shifted) - 1300) < 60


def test_level_profile_rejects_an_unknown_level():
    with pytest.raises(ValueError, match="level must be"):
        LevelProfile(level="mean")


@pytest.mark.parametrize(("power", "expected"), [(1.0, (1.0, 1.2)), (2.0, (1.8, 2.0))])
def test_variance_power_recovers_poisson_and_multiplicative_noise(power, expected):
    rng = np.random.default_rng(11)
    mean = rng.uniform(5, 500, 20_000)
    actual = mean + rng.standard_t(8, len(mean)) * 0.3 * mean ** (power / 2)
    assert expected[0] <= variance_power(actual, mean) <= expected[1]


def test_calibrated_bounds_cover_quiet_and_busy_slots_alike():
    rng = np.random.default_rng(5)
    mean = np.tile(np.r_[np.full(50, 3.0), np.full(50, 300.0)], 40)
    actual = rng.poisson(mean * rng.gamma(25, 1 / 25, len(mean)))  # Poisson on a day-level swing
    cal = calibrate(actual, mean)
    fresh = rng.poisson(mean * rng.gamma(25, 1 / 25, len(mean)))
    lo, hi = cal.bounds(mean, 80)
    inside = (fresh >= lo) & (fresh <= hi)
    assert 0.72 <= inside[mean == 3].mean() <= 0.9 and 0.72 <= inside[mean == 300].mean() <= 0.9


class _Named(ForecastModel):
    def __init__(self, name: str) -> None:
        super().__init__(DayCalendar())
        self.name = name


def _errors(daily_abs_errors: np.ndarray) -> InnerErrors:
    days = np.arange(len(daily_abs_errors))
    actual = np.full(len(days), 100.0)
    return InnerErrors(actual, actual + daily_abs_errors, days, days % 7, np.zeros(len(days), bool))


def test_auto_keeps_the_default_unless_a_candidate_is_clearly_better():
    rng = np.random.default_rng(2)
    default_errors = rng.uniform(5, 15, 60)
    candidates = [_Named("ensemble"), _Named("historic_average")]
    slightly = default_errors - rng.normal(0.3, 3, 60)  # lower WAPE by luck, not day by day
    assert choose(candidates, [_errors(default_errors), _errors(slightly)], "ensemble").name == "ensemble"
    clearly = default_errors - rng.normal(3, 1, 60)
    assert choose(candidates, [_errors(default_errors), _errors(clearly)], "ensemble").name == "historic_average"


def test_auto_asks_more_of_a_candidate_the_more_candidates_it_compares():
    """A candidate 2.3 standard errors better than the default day by day: chosen when it is the only
    alternative (a 2.5% test needs 1.96), not when four more were compared too (Bonferroni: 2.58)."""
    assert switch_threshold(1) == pytest.approx(1.96, abs=0.01)
    assert switch_threshold(5) == pytest.approx(2.576, abs=0.01)
    n = 60
    z = np.tile([-1.0, 1.0], n // 2)
    z = (z - z.mean()) / z.std(ddof=1)
    default_errors = np.full(n, 10.0)
    lucky = default_errors - (2.3 / np.sqrt(n) + z)  # mean difference 2.3 standard errors
    worse = [_errors(default_errors + 1.0) for _ in range(4)]
    alone = [_Named("ensemble"), _Named("lucky")]
    assert choose(alone, [_errors(default_errors), _errors(lucky)], "ensemble").name == "lucky"
    among = alone + [_Named(f"other{i}") for i in range(4)]
    assert choose(among, [_errors(default_errors), _errors(lucky), *worse], "ensemble").name == "ensemble"


def test_auto_without_a_default_takes_the_lowest_wape():
    candidates = [_Named("a"), _Named("b")]
    assert choose(candidates, [_errors(np.full(20, 5.0)), _errors(np.full(20, 4.9))], None).name == "b"


def test_auto_in_a_backtest_chooses_from_the_past_only(series_factory):
    from forecasting.backtest import backtest
    from forecasting.models import make_model

    y = series_factory(weeks=10)
    auto = make_model("auto")
    result = backtest(y, [auto], weeks=2)
    assert result.table.loc["auto", "status"] == "ok"
    assert auto.chosen.name in {c.name for c in auto.candidates}
    last_day = y.index[-1].tz_localize(None).normalize()
    assert set(pd.unique(result.forecasts["origin"])) == {last_day - pd.Timedelta(days=d) for d in (13, 6)}


def test_auto_keeps_the_default_when_the_history_is_too_short_to_compare():
    candidates = [_Named("seasonal_naive"), _Named("ensemble")]
    empty = InnerErrors(np.zeros(0), np.zeros(0), np.zeros(0, int), np.zeros(0, int), np.zeros(0, bool))
    assert choose(candidates, [empty, empty], "ensemble").name == "ensemble"


def test_short_history_intervals_learn_the_noise_from_the_history():
    """Three weeks are too few for one-week-ahead refits; the day-to-day swing must still widen the bands."""
    from forecasting.models import make_model

    rng = np.random.default_rng(8)

    def overdispersed(index: pd.DatetimeIndex) -> np.ndarray:
        day_swing = np.repeat(rng.gamma(20, 1 / 20, len(index) // 24), 24)  # +-22% per day
        return rng.poisson(200 * day_swing).astype(float)

    index = pd.date_range("2024-01-01", periods=3 * 168, freq="60min", tz="UTC")
    model = make_model("historic_average").fit(pd.Series(overdispersed(index), index=index))
    assert model.calibration.residuals > 0  # not the Poisson fallback
    future = pd.date_range(index[-1] + pd.Timedelta(hours=1), periods=20 * 168, freq="60min", tz="UTC")
    frame = model.predict(future)
    actual = overdispersed(future)
    assert np.mean((actual >= frame["lo80"]) & (actual <= frame["hi80"])) >= 0.7


def test_weighted_calibration_follows_the_recent_spread():
    from forecasting.intervals import calibrate, weighted_quantile

    rng = np.random.default_rng(3)
    values = rng.normal(size=4000)
    np.testing.assert_allclose(weighted_quantile(values, np.ones(4000), [0.1, 0.9]), np.quantile(values, [0.1, 0.9]), atol=0.02)
    mean = np.full(4000, 100.0)
    old = mean[:2000] + rng.normal(scale=30, size=2000)  # a rough spell long ago
    new = mean[2000:] + rng.normal(scale=10, size=2000)  # calm lately
    actual = np.concatenate([old, new])
    plain = calibrate(actual, mean)
    recent = calibrate(actual, mean, weights=np.r_[np.full(2000, 0.01), np.ones(2000)])
    width = lambda c: c.bounds(np.array([100.0]), 80)[1][0] - c.bounds(np.array([100.0]), 80)[0][0]
    assert width(recent) == pytest.approx(2 * 1.2816 * 10, rel=0.15)
    assert width(plain) > 1.5 * width(recent)


def _swinging_days(rng: np.random.Generator, days: int, swing_shape: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Forecast 100 per slot, 24 slots a day; actuals Poisson-sized noise on a gamma day-level swing (smaller shape = wider)."""
    mean = np.full(days * 24, 100.0)
    actual = mean * np.repeat(rng.gamma(swing_shape, 1 / swing_shape, days), 24) + rng.normal(0, 10, len(mean))
    return actual, mean, np.repeat(np.arange(days), 24)


def _cover80(cal, actual: np.ndarray, mean: np.ndarray, special: bool) -> float:
    lo, hi = cal.bounds(mean, 80, np.full(len(mean), special))
    return float(np.mean((actual >= lo) & (actual <= hi)))


def test_special_days_get_bands_from_their_own_errors():
    """Ordinary days swing about 3%, special days (holidays, days after closures) about 30%: each must cover ~80%."""
    rng = np.random.default_rng(12)
    ordinary, ordinary_mean, ordinary_day = _swinging_days(rng, 60, 1000)
    unusual, unusual_mean, unusual_day = _swinging_days(rng, 30, 10)
    cal = calibrate(
        np.r_[ordinary, unusual], np.r_[ordinary_mean, unusual_mean],
        special=np.r_[np.zeros(len(ordinary), bool), np.ones(len(unusual), bool)], day=np.r_[ordinary_day, 100 + unusual_day],
    )
    fresh_ordinary, mean, _ = _swinging_days(rng, 300, 1000)
    fresh_unusual, _, _ = _swinging_days(rng, 300, 10)
    assert 0.7 <= _cover80(cal, fresh_ordinary, mean, special=False) <= 0.9
    assert 0.65 <= _cover80(cal, fresh_unusual, mean, special=True) <= 0.95
    pooled = calibrate(np.r_[ordinary, unusual], np.r_[ordinary_mean, unusual_mean])
    assert _cover80(pooled, fresh_unusual, mean, special=True) < 0.65  # what one set of quantiles for all days gives


def test_one_special_day_is_too_few_for_bands_of_its_own():
    rng = np.random.default_rng(13)
    ordinary, mean, day = _swinging_days(rng, 60, 1000)
    calm_special = mean[:24]  # a special day forecast exactly: alone it would give a zero-width band
    cal = calibrate(np.r_[ordinary, calm_special], np.r_[mean, mean[:24]],
                    special=np.r_[np.zeros(len(ordinary), bool), np.ones(24, bool)], day=np.r_[day, np.full(24, 100)])
    for level in (80, 95):
        lo, hi = cal.special_quantiles[level]
        assert lo <= cal.quantiles[level][0] < 0 < cal.quantiles[level][1] <= hi


def test_forecast_on_an_event_day_gets_the_wider_band_learned_on_past_occurrences(series_factory):
    """Past promo Tuesdays ran anywhere from half to double: the next promo Tuesday's band must be far wider."""
    from datetime import date

    from forecasting.calendar import Event
    from forecasting.models import make_model

    y = series_factory(weeks=12, start="2024-01-01", seed=4)
    tuesdays = pd.date_range("2024-01-30", periods=8, freq="7D")
    rng = np.random.default_rng(4)
    for day in tuesdays:
        y[y.index.normalize().tz_localize(None) == day] *= rng.choice([0.5, 0.7, 1.4, 2.0])
    future_promo = date(2024, 3, 26)
    calendar = DayCalendar(events=(Event("promo", (*[d.date() for d in tuesdays], future_promo)),))
    frame = make_model("historic_average", calendar).fit(y).predict(
        pd.date_range("2024-03-25", periods=7 * 24, freq="60min", tz="UTC")
    )
    relative = (frame["hi80"] - frame["lo80"]) / frame["mean"]
    promo = frame.index.normalize().tz_localize(None) == pd.Timestamp(future_promo)
    assert relative[promo].median() > 2 * relative[~promo].median()


def _month_cycle(dates: pd.DatetimeIndex) -> np.ndarray:
    """Busy after the turn of the month, quiet at its end (as the shared Israeli bank series)."""
    day = np.asarray(dates.day)
    return np.where(day <= 5, 1.3, np.where(day >= 26, 0.75, 1.0))


@pytest.mark.parametrize("name", ["level_profile", "slot_profile", "poisson_glm"])
def test_forecast_after_the_month_end_follows_the_monthly_cycle(name, series_factory):
    """A history ending in the end-of-month trough must not carry the trough into the next month's first days."""
    from forecasting.models import make_model

    y = series_factory(weeks=17, start="2024-01-01", seed=None)  # ends Sunday 28 April
    y = y * _month_cycle(y.index.tz_localize(None).normalize())
    future = pd.date_range("2024-04-29", periods=7 * 24, freq="60min", tz="UTC")
    plain_rate = series_factory(weeks=18, start="2024-01-01", seed=None)[future]
    expected = plain_rate * _month_cycle(future.tz_localize(None).normalize())
    forecast = make_model(name).fit(y).predict(future)["mean"]
    early_may = future.day <= 5
    assert forecast[early_may].sum() / expected[early_may].sum() == pytest.approx(1.0, abs=0.12)  # without: 0.71-0.76


def test_month_factors_stay_near_one_without_a_monthly_cycle(series_factory):
    from forecasting.daymatrix import build_day_matrix
    from forecasting.models.month_cycle import MonthCycle

    matrix = build_day_matrix(series_factory(weeks=30, seed=3), DayCalendar())
    cycle = MonthCycle.learn(matrix, DayCalendar())
    np.testing.assert_allclose(cycle.factors, 1.0, atol=0.03)


def _first_business_days(dates: pd.DatetimeIndex) -> np.ndarray:
    """Is each date the first Monday-to-Friday day of its month?"""
    frame = pd.DataFrame({"date": dates, "month": dates.to_period("M")})
    weekdays = frame[frame["date"].dt.dayofweek < 5]
    return dates.isin(weekdays.groupby("month")["date"].min())


@pytest.mark.parametrize("name", ["level_profile", "slot_profile", "poisson_glm", "ensemble"])
def test_the_turn_of_month_peak_follows_the_first_business_day(name, series_factory):
    """Saturday 1 June 2024 is closed: the month's first-day peak the history shows lands on Monday 3 June."""
    from forecasting.models import make_model

    y = series_factory(weeks=21, start="2024-01-01", weekdays=(0, 1, 2, 3, 4), open_hours=(8, 18), seed=1)
    y = y * np.where(_first_business_days(y.index.tz_localize(None).normalize()), 1.4, 1.0)
    future = pd.date_range("2024-06-03 08:00", "2024-06-10 18:00", freq="60min", tz="UTC")
    future = future[(future.hour >= 8) & (future.hour < 18)]
    forecast = make_model(name).fit(y).predict(future)["mean"]
    first, next_monday = forecast[future.day == 3].sum(), forecast[future.day == 10].sum()
    assert first / next_monday == pytest.approx(1.4, abs=0.12)  # on calendar days 1-5 alone: 1.0-1.1


@pytest.mark.parametrize("peak, expected", [
    (1.4, r"learned from the history: 1st business day \+[234]\d% \(against"),  # 5 months: shrunk from +40%
    (1.0, r"no monthly cycle"),
])
def test_the_forecast_notes_name_the_monthly_cycle_it_applied(peak, expected, series_factory, tmp_path):
    """A manager reading the forecast learns which days of the month it lifts or lowers, and by how much."""
    from forecasting.history import read_history_csv
    from forecasting.service import forecast_series
    from tests.forecasting.conftest import write_csv

    y = series_factory(weeks=21, start="2024-01-01", weekdays=(0, 1, 2, 3, 4), open_hours=(8, 18), seed=1)
    write_csv(tmp_path / "h.csv", y * np.where(_first_business_days(y.index.tz_localize(None).normalize()), peak, 1.0))
    history = read_history_csv(tmp_path / "h.csv", "UTC")
    result = forecast_series(history, "2024-06-03 00:00", 7, 60, "UTC", backtest_weeks=1)
    cycle = [note for note in result.notes if "monthly cycle" in note]
    assert len(cycle) == 1 and re.search(expected, cycle[0]), result.notes
