"""The monthly cycle of demand: turn-of-month and day-of-month factors on top of the weekly pattern.

Bank call centres run busier around the turn of the month (salaries,
statements, standing orders) and quieter towards its end: on both shared
series the first three business days of a month run above their weekday's
local median (US +5-7%, Israel +13-16%), the last one above it in the US
(+6%) and below it in Israel (-9%). The turn of the month follows business
days, not the calendar (when the 1st is a Saturday the peak lands on
Monday), so the first three and the last two business days of a month each
have a phase by business-day position; every other day falls in a 5-day
phase of the calendar month (1-5, 6-10, ..., 26-31). A level read off the
last days would otherwise carry the month-end trough into the next month.

Models see daily totals divided by the factor of each day's phase and
multiply their forecasts by the factor of the day forecast. Factors are
learned from the history (each ordinary day's total over the median total of
its weekday within five weeks, averaged per phase) and shrunk towards 1 by
empirical Bayes: the spread of single days around their phase mean against
the spread of the phase means themselves, so a series without a monthly
cycle, or too short a history, keeps factors near 1.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import pandas as pd

from forecasting.calendar import HOLIDAY, MAKEUP_WORKDAY, UNSEEN_HOLIDAY, DayCalendar
from forecasting.daymatrix import DayMatrix
from forecasting.models.daily_level import MAD_TO_SD

# Phases: first, second, third business day; last, second-to-last business
# day; then the other days by calendar day, in phases ending on these days (and 31).
FIRST_DAYS, LAST_DAYS = 3, 2
PHASE_ENDS = (5, 10, 15, 20, 25)
PHASES = FIRST_DAYS + LAST_DAYS + len(PHASE_ENDS) + 1
WINDOW_DAYS = 35
PHASE_NAMES = (
    "1st business day", "2nd business day", "3rd business day", "last business day", "second-to-last business day",
    *(f"other days {lo}-{hi}" for lo, hi in zip((1, *(end + 1 for end in PHASE_ENDS)), (*PHASE_ENDS, 31))),
)
# A phase's factor is worth naming in the notes when it moves a day by at least this share.
NOTABLE = 0.03
# A weekday whose median total is at least this share of the busiest
# weekday's is a business day (Friday at an Israeli bank, a third of a
# normal day, is not).
BUSINESS_SHARE = 0.5
# Cycles `MonthCycle.learn` keeps (the least recently used go first): a backtest's cuts and their inner cuts.
LEARNED_KEPT = 256


@dataclass(frozen=True)
class MonthCycle:
    """A factor per phase of the month (mean one over the history's days), and which weekdays are business days."""

    factors: np.ndarray
    business_weekdays: frozenset[int]
    calendar: DayCalendar

    @classmethod
    def flat(cls, calendar: DayCalendar) -> MonthCycle:
        """No monthly cycle (baselines, composites whose members apply their own)."""
        return cls(np.ones(PHASES), frozenset(range(5)), calendar)

    @classmethod
    def learn(cls, matrix: DayMatrix, calendar: DayCalendar) -> MonthCycle:
        """Factors from the daily totals of the matrix's ordinary days.

        Memoised on the matrix's content: every member of an ensemble and every
        candidate of an automatic choice fits the same history cuts, and the
        cycle depends on the cut alone.
        """
        key = (calendar, matrix.dates[0], len(matrix.dates), hash(matrix.values.tobytes()),
               hash(matrix.usable.tobytes()), hash(matrix.weekdays.tobytes()))
        with _LEARNED_LOCK:  # the app forecasts for several sessions at once
            cycle = _LEARNED.get(key)
            if cycle is not None:
                _LEARNED.move_to_end(key)
                return cycle
        cycle = cls._learn(matrix, calendar)
        with _LEARNED_LOCK:
            _LEARNED[key] = cycle
            while len(_LEARNED) > LEARNED_KEPT:
                _LEARNED.popitem(last=False)
        return cycle

    @classmethod
    def _learn(cls, matrix: DayMatrix, calendar: DayCalendar) -> MonthCycle:
        weekdays, usable = matrix.weekdays, matrix.usable
        series = pd.Series(matrix.totals, index=matrix.dates)[usable]
        medians = series.groupby(weekdays[usable]).median()
        business = frozenset(int(d) for d, m in medians.items() if m >= BUSINESS_SHARE * medians.max())
        cycle = cls(np.ones(PHASES), business, calendar)
        ratios = pd.Series(np.nan, index=series.index)
        for weekday in np.unique(weekdays[usable]):
            same = series[weekdays[usable] == weekday]
            median = same.rolling(f"{2 * WINDOW_DAYS + 1}D", center=True, min_periods=3).median()
            ratios[same.index] = same / median
        ratios = ratios[np.isfinite(ratios) & (ratios > 0)]
        if len(ratios) < 2 * PHASES:
            return cycle
        phases = cycle.phase_of(pd.DatetimeIndex(ratios.index))
        values = ratios.to_numpy()
        counts = np.bincount(phases, minlength=PHASES)
        means = np.bincount(phases, values, minlength=PHASES) / np.maximum(counts, 1)
        noise = (MAD_TO_SD * np.median(np.abs(values - means[phases]))) ** 2
        seen = counts > 0
        # Between-phase variance of the true factors: the phase means' spread less what their noise explains.
        signal = max(np.mean((means[seen] - 1) ** 2) - noise * np.mean(1 / counts[seen]), 0.0)
        weight = np.where(seen, counts / (counts + noise / signal), 0.0) if signal > 0 else np.zeros(PHASES)
        factors = 1 + weight * (means - 1)
        # Mean one over the days, not the phases: a day outside the named ones then reads as about normal.
        return cls(factors / np.average(factors, weights=counts), business, calendar)

    def phase_of(self, dates: pd.DatetimeIndex) -> np.ndarray:
        """Phase (0 to PHASES - 1) of each naive local date."""
        dates = pd.DatetimeIndex(dates)
        if not len(dates):
            return np.zeros(0, int)
        day = np.asarray(dates.day)
        by_calendar_day = np.searchsorted(np.array(PHASE_ENDS), day, side="left") + FIRST_DAYS + LAST_DAYS
        months, month_of = np.unique(np.asarray(dates.to_period("M").start_time), return_inverse=True)
        ranks = np.stack([_business_ranks(self.calendar, self.business_weekdays, pd.Timestamp(m)) for m in months])
        ranked = ranks[month_of, day - 1]
        return np.where(ranked >= 0, ranked, by_calendar_day)

    def describe(self) -> str:
        """The phases a forecast moves by at least `NOTABLE` (for the forecast's notes), in a manager's words."""
        notable = [f"{name} {factor - 1:+.0%}" for name, factor in zip(PHASE_NAMES, self.factors)
                   if abs(factor - 1) >= NOTABLE]
        if not notable:
            return f"no monthly cycle: every part of the month within {NOTABLE:.0%} of its weekday's level"
        return "monthly cycle learned from the history: " + ", ".join(notable) + " (against the weekday's level)"

    def of(self, dates: pd.DatetimeIndex) -> np.ndarray:
        """The factor of each naive local date."""
        if (self.factors == 1).all():  # no cycle: no need to place the days in their months
            return np.ones(len(dates))
        return self.factors[self.phase_of(dates)]


@lru_cache(maxsize=4096)
def _business_ranks(calendar: DayCalendar, business_weekdays: frozenset[int], month_start: pd.Timestamp) -> np.ndarray:
    """Per day of the month (31 entries): its phase if it is one of the first or last business days, else -1.

    Cached: every fit and forecast asks for the same months again.
    """
    days = pd.date_range(month_start, month_start + pd.offsets.MonthEnd(0), freq="D")
    labels = calendar.labels(days)
    business = np.isin(days.dayofweek, list(business_weekdays)) & ~np.isin(labels, [HOLIDAY, UNSEEN_HOLIDAY])
    business |= labels == MAKEUP_WORKDAY
    ranks = np.full(31, -1)  # 31 entries whatever the month's length, so months stack
    positions = np.flatnonzero(business)
    ranks[positions[:FIRST_DAYS]] = np.arange(min(FIRST_DAYS, len(positions)))
    for rank, position in enumerate(positions[::-1][:LAST_DAYS]):
        if ranks[position] < 0:
            ranks[position] = FIRST_DAYS + rank
    ranks.flags.writeable = False
    return ranks


_LEARNED: OrderedDict[tuple, MonthCycle] = OrderedDict()
_LEARNED_LOCK = threading.Lock()
