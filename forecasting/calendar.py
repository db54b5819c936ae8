"""Special days: public holidays, make-up working days and user-defined events.

Every model sees a date through its *effective weekday*: a public holiday
behaves like the desk's quiet day (Sunday by default) and a make-up working
day (China's 调休 weekend workdays) like a Monday. On top of that each special
day carries a label; an event either has a multiplier given by the manager
(11.11 at 5x) or, without one, an effect learned from its past occurrences.
Dates are local calendar dates of the site.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from functools import cached_property

import holidays as holidays_lib
import numpy as np
import pandas as pd

from forecasting.errors import ForecastError

HOLIDAY = "holiday"
MAKEUP_WORKDAY = "makeup_workday"
# The first open day after the desk was closed on a day it normally opens
# (found from the history's and the horizon's gaps, not from the calendar).
AFTER_CLOSURE = "after_closure"


@dataclass(frozen=True)
class Event:
    """A named set of local dates with a demand multiplier, or None to learn it from history."""

    name: str
    dates: tuple[date, ...]
    multiplier: float | None = None

    def __post_init__(self) -> None:
        if not self.name or self.name in (HOLIDAY, MAKEUP_WORKDAY, AFTER_CLOSURE):
            raise ForecastError(f"event name '{self.name}' is empty or reserved")
        if self.multiplier is not None and not self.multiplier > 0:
            raise ForecastError(f"event '{self.name}': multiplier must be positive, got {self.multiplier}")


def parse_event(text: str) -> Event:
    """Parse 'NAME:YYYY-MM-DD[,YYYY-MM-DD...][:MULTIPLIER]', e.g. 'singles-day:2024-11-11:5'."""
    parts = text.split(":")
    if len(parts) not in (2, 3) or not parts[0].strip():
        raise ForecastError(f"event '{text}': expected NAME:YYYY-MM-DD[,YYYY-MM-DD...][:MULTIPLIER]")
    try:
        dates = tuple(date.fromisoformat(d.strip()) for d in parts[1].split(","))
    except ValueError as exc:
        raise ForecastError(f"event '{text}': {exc}") from None
    multiplier = None
    if len(parts) == 3:
        try:
            multiplier = float(parts[2].rstrip("xX"))
        except ValueError:
            raise ForecastError(f"event '{text}': multiplier '{parts[2]}' is not a number") from None
    return Event(parts[0].strip(), dates, multiplier)


@dataclass(frozen=True)
class DayCalendar:
    """Holidays of one country (ISO code for the `holidays` package) plus events.

    `holiday_weekday` / `makeup_weekday` (Mon=0) are the ordinary weekdays a
    holiday and a make-up working day are modelled as.
    """

    holiday_country: str | None = None
    events: tuple[Event, ...] = ()
    holiday_weekday: int = 6
    makeup_weekday: int = 0
    _years: dict = field(default_factory=dict, compare=False, repr=False)

    def __post_init__(self) -> None:
        if self.holiday_country and self.holiday_country.upper() not in holidays_lib.list_supported_countries():
            raise ForecastError(f"holidays: unknown country code '{self.holiday_country}'")

    def _holidays(self, years: tuple[int, ...]) -> holidays_lib.HolidayBase:
        if years not in self._years:
            self._years[years] = holidays_lib.country_holidays(self.holiday_country.upper(), years=years)
        return self._years[years]

    def labels(self, dates: pd.DatetimeIndex) -> np.ndarray:
        """Per date: '' for an ordinary day, HOLIDAY, MAKEUP_WORKDAY or an event name (events win)."""
        out = np.full(len(dates), "", dtype=object)
        plain = [d.date() for d in dates]
        if self.holiday_country and len(dates):
            table = self._holidays(tuple(sorted({d.year for d in plain})))
            workdays = table.weekend_workdays
            for i, day in enumerate(plain):
                if day in workdays:
                    out[i] = MAKEUP_WORKDAY
                elif day in table:
                    out[i] = HOLIDAY
        for event in self.events:
            hits = np.isin(np.array(plain, dtype=object), np.array(event.dates, dtype=object))
            out[hits] = event.name
        return out

    def effective_weekdays(self, dates: pd.DatetimeIndex, labels: np.ndarray | None = None) -> np.ndarray:
        """Weekday (Mon=0) each date is modelled as, after holidays and make-up days."""
        labels = self.labels(dates) if labels is None else labels
        weekdays = np.asarray(dates.dayofweek).copy()
        weekdays[labels == HOLIDAY] = self.holiday_weekday
        weekdays[labels == MAKEUP_WORKDAY] = self.makeup_weekday
        return weekdays

    @cached_property
    def given_multipliers(self) -> dict[str, float]:
        """Multipliers the manager fixed, by event name."""
        return {e.name: e.multiplier for e in self.events if e.multiplier is not None}

    @cached_property
    def learned_labels(self) -> frozenset[str]:
        """Labels whose effect is learned from history (holidays and events without a multiplier)."""
        names = {e.name for e in self.events if e.multiplier is None}
        return frozenset(names | {HOLIDAY, MAKEUP_WORKDAY, AFTER_CLOSURE})
