"""The one model API: `fit(y) -> self`, `predict(h, level) -> frame`.

`y` is a pandas Series of arrivals per interval indexed by tz-aware local
timestamps (the open intervals only; closed periods simply have no entries).
`predict(h)` takes either the future timestamps to forecast or a number of
open intervals to step ahead, and returns a frame indexed by those timestamps
with `mean`, `lo<level>` and `hi<level>` columns (arrivals per interval).

Subclasses only turn a `DayMatrix` into point forecasts for whole future
days. The base class handles everything they share: special-day multipliers,
interval calibration from inner one-week-ahead refits (memoised, so a
rolling-origin backtest refits each training cut once), and mapping days back
to timestamps.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, replace
from typing import ClassVar, Self

import numpy as np
import pandas as pd

from forecasting.calendar import AFTER_CLOSURE, DayCalendar
from forecasting.daymatrix import DayMatrix, after_closure, build_day_matrix, open_weekdays
from forecasting.errors import ForecastError
from forecasting.grid import interval_range, local_dates, slot_of_day
from forecasting.intervals import MIN_RESIDUALS, Calibration, calibrate
from forecasting.models.month_cycle import MonthCycle
from forecasting.open_hours import infer_open_hours

DEFAULT_LEVELS = (80, 95)
WEEK = pd.Timedelta(days=7)
# Inner weeks whose one-week-ahead errors calibrate the intervals.
CALIBRATION_WEEKS = 12
# Recent inner weeks count more in the interval quantiles: an error this many
# weeks older counts half (a holiday season months back fades out).
CALIBRATION_HALF_LIFE_WEEKS = 4.0
# A horizon starting at most this many days after the history's last day
# continues it: an open weekday skipped in between was a closure.
MAX_LEADING_GAP_DAYS = 4
# The shortest training cut worth refitting on for calibration.
MIN_TRAIN_DAYS = 14


class ForecastModel:
    """Base of every forecaster; subclasses implement `_fit_matrix` and `_predict_days`."""

    name: ClassVar[str]
    # True for models that estimate holiday and event effects themselves.
    learns_special_days: ClassVar[bool] = False
    # Baselines always run, even past a backtest's time limit.
    is_baseline: ClassVar[bool] = False
    # False: days after a closure are forecast like any other day (the baselines).
    sees_closures: ClassVar[bool] = True
    # False: no day-of-month factors (the baselines; composites, whose members apply their own).
    follows_month_cycle: ClassVar[bool] = True

    def __init__(self, calendar: DayCalendar | None = None) -> None:
        self.calendar = calendar or DayCalendar()
        self._memo: dict[tuple, np.ndarray] = {}
        self._matrix: DayMatrix | None = None

    # ----- what subclasses provide ------------------------------------------------
    def _fit_matrix(self, matrix: DayMatrix) -> None:
        """Estimate the model from a day x slot history."""
        raise NotImplementedError

    def _predict_days(self, dates: pd.DatetimeIndex, weekdays: np.ndarray, labels: np.ndarray) -> np.ndarray:
        """Point forecasts, days x slots, for future naive local dates after the history."""
        raise NotImplementedError

    # ----- the public API -------------------------------------------------------------
    def fit(self, y: pd.Series) -> Self:
        """Fit on a series of counts per open interval (tz-aware local index)."""
        matrix = build_day_matrix(y, self.calendar)
        self._fit_on(matrix)
        self._open_hours = infer_open_hours(y.index, _weekdays_of(y.index, self.calendar), matrix.interval_min)
        self._last = y.index[-1]
        self.calibration = self._calibrate(matrix)
        return self

    def predict(self, h: int | pd.DatetimeIndex, level: tuple[int, ...] | list[int] = DEFAULT_LEVELS) -> pd.DataFrame:
        """Forecast the given future timestamps, or the next `h` open intervals.

        Returns `mean` and, per level (%), `lo<level>`/`hi<level>` arrivals per interval.
        """
        if self._matrix is None:
            raise ForecastError(f"model {self.name} must be fitted before predict")
        index = h if isinstance(h, pd.DatetimeIndex) else self._next_open_intervals(int(h))
        mean = self.point_forecast(index)
        special = self.on_special_days(index)
        frame = pd.DataFrame({"mean": mean}, index=index)
        for lvl in level:
            lo, hi = self.calibration.bounds(mean, int(lvl), special)
            frame[f"lo{lvl}"], frame[f"hi{lvl}"] = lo, hi
        return frame

    def point_forecast(self, index: pd.DatetimeIndex) -> np.ndarray:
        """Mean arrivals for each future timestamp (tz-aware, in the history's zone)."""
        if len(index) == 0:
            return np.zeros(0)
        index = index.tz_convert(self._matrix.zone)
        dates = local_dates(index)
        days = pd.DatetimeIndex(dates.unique())
        rows = self._days_with_effects(days, self.horizon_labels(days))
        row_of = pd.Series(np.arange(len(days)), index=days)
        values = rows[row_of.loc[dates].to_numpy(), slot_of_day(index, self._matrix.interval_min)]
        return np.nan_to_num(np.maximum(values, 0.0))

    def on_special_days(self, index: pd.DatetimeIndex) -> np.ndarray:
        """Per future timestamp: does its day carry a calendar label (holiday, eve, after a closure, event)?

        Such days get the wider bands calibrated on past special days.
        """
        if len(index) == 0:
            return np.zeros(0, bool)
        dates = local_dates(index.tz_convert(self._matrix.zone))
        days = pd.DatetimeIndex(dates.unique())
        special = pd.Series(self.horizon_labels(days) != "", index=days)
        return special.loc[dates].to_numpy()

    # ----- shared machinery --------------------------------------------------------------
    def _fit_on(self, matrix: DayMatrix) -> None:
        self._matrix = matrix
        self._cycle = (
            MonthCycle.learn(matrix, self.calendar) if self.follows_month_cycle else MonthCycle.flat(self.calendar)
        )
        matrix = replace(matrix, values=matrix.values / self._cycle.of(matrix.dates)[:, None])
        self._fit_matrix(matrix)
        self._multipliers = {} if self.learns_special_days else learned_multipliers(matrix, self.calendar)

    def applied_cycle(self) -> MonthCycle | None:
        """The monthly cycle this fitted model scales its forecasts by, if it follows one (for the notes)."""
        return self._cycle if self.follows_month_cycle else None

    def horizon_labels(self, days: pd.DatetimeIndex) -> np.ndarray:
        """Calendar labels of future days, plus AFTER_CLOSURE where the days asked for skip an open weekday.

        A forecast covers the days it is asked for: a weekday the desk normally
        opens on that is left out (a holiday the caller knows of) is closed, and
        the next day asked for is labelled like such days in the history.
        """
        labels = self.calendar.labels(days)
        if not len(days):
            return labels
        last = self._matrix.dates[-1]
        # The gap between the history and the first day counts only when it is
        # short (a long weekend): a forecast started later leaves days unseen, not closed.
        before = last if last < days[0] and (days[0] - last).days <= MAX_LEADING_GAP_DAYS else None
        after = after_closure(days, before, open_weekdays(self._matrix.dates))
        labels[after & (labels == "")] = AFTER_CLOSURE
        return labels

    def _days_with_effects(self, days: pd.DatetimeIndex, labels: np.ndarray | None = None) -> np.ndarray:
        labels = self.calendar.labels(days) if labels is None else labels
        weekdays = self.calendar.effective_weekdays(days, labels)
        rows = self._predict_days(days, weekdays, labels)
        factors = np.array([self._day_factor(label) for label in labels]) * self._cycle.of(days)
        return rows * factors[:, None]

    def _day_factor(self, label: str) -> float:
        if label == AFTER_CLOSURE and not self.sees_closures:
            return 1.0
        if label in self.calendar.given_multipliers:
            return self.calendar.given_multipliers[label]
        return self._multipliers.get(label, 1.0)

    def week_after(self, matrix: DayMatrix, origin: pd.Timestamp) -> np.ndarray:
        """Point forecast (7 x slots) for the week from `origin`, fitted on `matrix` alone.

        `origin` is a naive local midnight on or after the end of `matrix`: a
        cut whose last days were closed (a holiday before the origin) ends
        earlier than the week it forecasts. Memoised on the history cut and
        origin so rolling-origin evaluation and interval calibration never
        refit the same cut twice.
        """
        key = (
            matrix.dates[0], matrix.dates[-1], len(matrix.dates), float(np.nansum(matrix.values)),
            hash(matrix.usable.tobytes()), origin,
        )
        if key not in self._memo:
            inner = copy.copy(self)
            inner._fit_on(matrix)
            days = pd.date_range(origin, periods=7, freq="D")
            self._memo[key] = inner._days_with_effects(days)
        return self._memo[key]

    def _calibrate(self, matrix: DayMatrix) -> Calibration:
        errors = inner_errors(self, matrix, CALIBRATION_WEEKS)
        if len(errors) < MIN_RESIDUALS:  # too short a history for refits: learn the noise from the history itself
            return calibrate(*week_over_week_errors(matrix))
        return calibrate(
            errors.actual, errors.mean, weights=recency_weights(errors, matrix), special=errors.special, day=errors.day
        )

    def _next_open_intervals(self, h: int) -> pd.DatetimeIndex:
        step = pd.Timedelta(minutes=self._matrix.interval_min)
        start, found = self._last + step, []
        while len(found) < h:
            chunk = interval_range(start, start + WEEK, self._matrix.interval_min)
            found.extend(chunk[self._open_hours.is_open(chunk, _weekdays_of(chunk, self.calendar))])
            start += WEEK
        return pd.DatetimeIndex(found[:h])


def _weekdays_of(index: pd.DatetimeIndex, calendar: DayCalendar) -> np.ndarray:
    """Effective weekday of each timestamp's local date."""
    dates = local_dates(index)
    days = pd.DatetimeIndex(dates.unique())
    lookup = pd.Series(calendar.effective_weekdays(days), index=days)
    return lookup.loc[dates].to_numpy()


def recency_weights(errors: InnerErrors, matrix: DayMatrix) -> np.ndarray:
    """Weight of each inner error: halves every `CALIBRATION_HALF_LIFE_WEEKS` weeks back from the history's end."""
    end = (matrix.end - pd.Timestamp("1970-01-01")).days
    age_weeks = (end - errors.day) / 7
    return 0.5 ** (age_weeks / CALIBRATION_HALF_LIFE_WEEKS)


def truncate(matrix: DayMatrix, before: pd.Timestamp) -> DayMatrix:
    """The part of a DayMatrix on dates before the naive local midnight `before`."""
    keep = matrix.dates < before
    return DayMatrix(
        matrix.values[keep], matrix.dates[keep], matrix.weekdays[keep], matrix.labels[keep],
        matrix.usable[keep], matrix.interval_min, matrix.zone,
    )


@dataclass(frozen=True)
class InnerErrors:
    """Paired actuals and one-week-ahead forecasts, one entry per observed cell (arrivals per interval).

    `day`: the cell's local date as days since 1970-01-01 (to group errors by
    day); `lead`: days from the forecast origin (0-6); `special`: the day
    carries a calendar label (holiday, eve, after a closure, event).
    """

    actual: np.ndarray
    mean: np.ndarray
    day: np.ndarray
    lead: np.ndarray
    special: np.ndarray

    def __len__(self) -> int:
        return len(self.actual)


def inner_errors(model: ForecastModel, matrix: DayMatrix, weeks: int) -> InnerErrors:
    """Actuals and one-week-ahead forecasts over the last `weeks` weeks of `matrix`.

    Anomalous days (flagged outages) are left out: they say nothing about demand.
    """
    actual, mean, day, lead, special = [], [], [], [], []
    for k in range(1, weeks + 1):
        origin = matrix.end - k * WEEK
        cut = truncate(matrix, origin)
        if len(cut.dates) == 0 or (origin - cut.dates[0]).days < MIN_TRAIN_DAYS:
            break
        forecast = model.week_after(cut, origin)
        rows = np.flatnonzero((matrix.dates >= origin) & (matrix.dates < origin + WEEK))
        keep = rows[matrix.usable[rows] | (matrix.labels[rows] != "")]
        offsets = np.asarray((matrix.dates[keep] - origin).days)
        observed = matrix.values[keep]
        predicted = forecast[offsets]
        cells = ~np.isnan(observed) & ~np.isnan(predicted)
        actual.append(observed[cells])
        mean.append(predicted[cells])
        ordinals = np.asarray((matrix.dates[keep] - pd.Timestamp("1970-01-01")).days)
        day.append(np.broadcast_to(ordinals[:, None], cells.shape)[cells])
        lead.append(np.broadcast_to(offsets[:, None], cells.shape)[cells])
        special.append(np.broadcast_to((matrix.labels[keep] != "")[:, None], cells.shape)[cells])
    if not actual:
        empty = np.zeros(0)
        return InnerErrors(empty, empty, empty.astype(int), empty.astype(int), empty.astype(bool))
    return InnerErrors(
        np.concatenate(actual), np.maximum(np.concatenate(mean), 0.0), np.concatenate(day), np.concatenate(lead),
        np.concatenate(special),
    )


def week_over_week_errors(matrix: DayMatrix) -> tuple[np.ndarray, np.ndarray]:
    """Pseudo forecast errors from the history alone: each ordinary day against the same day a week before.

    y(t) - y(t - 7 days) has twice the variance of one observation around
    its rate, so (mid, mid + difference / sqrt 2), mid the pair's mean, pair
    like an actual with a forecast of the right spread. Used when the history
    is too short for one-week-ahead refits (it misses level errors, so it
    errs narrow, but far less than Poisson does on real arrivals).
    """
    row_of = {day: row for row, day in enumerate(matrix.dates)}
    actual, mean = [], []
    for row, day in enumerate(matrix.dates):
        earlier = row_of.get(day - WEEK)
        if earlier is None or not (matrix.usable[row] and matrix.usable[earlier]):
            continue
        now, before = matrix.values[row], matrix.values[earlier]
        cells = ~np.isnan(now) & ~np.isnan(before)
        mid = (now[cells] + before[cells]) / 2
        mean.append(mid)
        actual.append(mid + (now[cells] - before[cells]) / np.sqrt(2))
    if not actual:
        return np.zeros(0), np.zeros(0)
    return np.concatenate(actual), np.concatenate(mean)


def learned_multipliers(matrix: DayMatrix, calendar: DayCalendar) -> dict[str, float]:
    """Effect of each special-day label seen in history: its totals over ordinary-day medians.

    The baseline of an occurrence is the median total of ordinary days with the
    same effective weekday within five weeks either side.
    """
    totals = matrix.totals
    out: dict[str, float] = {}
    for label in calendar.learned_labels:
        rows = np.flatnonzero(matrix.labels == label)
        actual = baseline = 0.0
        for row in rows:
            near = matrix.usable & (matrix.weekdays == matrix.weekdays[row])
            near &= np.abs((matrix.dates - matrix.dates[row]).days) <= 35
            if near.any():
                actual += totals[row]
                baseline += float(np.median(totals[near]))
        if baseline > 0:
            out[label] = actual / baseline
    return out
