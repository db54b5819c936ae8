"""Special days: public holidays, make-up working days and user-defined events.

Every model sees a date through its *effective weekday*: a public holiday
behaves like the desk's quiet day (Sunday by default) and a make-up working
day (China's 调休 weekend workdays) like a Monday. On top of that each special
day carries a label; an event either has a multiplier given by the manager
(11.11 at 5x) or, without one, an effect learned from its past occurrences.
Dates are local calendar dates of the site.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from functools import cache, cached_property
from importlib import resources
from pathlib import Path
from zoneinfo import TZPATH

import holidays as holidays_lib
import numpy as np
import pandas as pd

from forecasting.errors import ForecastError

HOLIDAY = "holiday"
MAKEUP_WORKDAY = "makeup_workday"
# The first open day after the desk was closed on a day it normally opens
# (found from the history's and the horizon's gaps, not from the calendar).
AFTER_CLOSURE = "after_closure"
# The business day before a public holiday (Israel's holiday eves run like a Friday).
HOLIDAY_EVE = "holiday_eve"
# With `--holidays auto`, a holiday of the country the history has never shown on
# an open weekday, when the country's holidays the history does show mostly ran
# normally: forecast as an ordinary day, with the wider bands of special days.
# (When the seen ones mostly ran quiet, an unseen one is a HOLIDAY, closed by analogy.)
UNSEEN_HOLIDAY = "unseen_holiday"
# A day of the country's "optional" holidays in the `holidays` package: days
# off for many but not all (Israel's intermediate days of Pesach and Sukkot,
# Purim, Remembrance Day). The Israeli bank ran at 76% of a normal day on
# them in 1999 (median); as ordinary days they would pull the level and the
# weekday factors down and be forecast as full days. Their effect is learned.
OBSERVANCE = "observance"
OBSERVANCE_CATEGORY = "optional"
# The labels the calendar itself gives (their effects are learned; events may not take their names).
CALENDAR_LABELS = frozenset({HOLIDAY, MAKEUP_WORKDAY, AFTER_CLOSURE, HOLIDAY_EVE, UNSEEN_HOLIDAY, OBSERVANCE})
ONE_DAY = timedelta(days=1)
# `--holidays auto`: the public holidays of the country the site's zone lies in.
AUTO = "auto"
NONE = "none"
# With `auto`, the zone's country is kept only if the holidays it had in the
# history ran below this share of a normal day of the same weekday (median
# over them): a Chinese zone given to a US series must not close 1 October.
AUTO_AGREE_SHARE = 0.75


@dataclass(frozen=True)
class Event:
    """A named set of local dates with a demand multiplier, or None to learn it from history."""

    name: str
    dates: tuple[date, ...]
    multiplier: float | None = None

    def __post_init__(self) -> None:
        if not self.name or self.name in CALENDAR_LABELS:
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
    holiday and a make-up working day are modelled as; by default a holiday is
    the last day of the country's weekend (Sunday in China and the US,
    Saturday in Israel, whose weekend is Friday-Saturday).
    """

    holiday_country: str | None = None
    events: tuple[Event, ...] = ()
    holiday_weekday: int | None = None
    makeup_weekday: int = 0
    # The country came from the zone (`--holidays auto`): `confirmed_by` checks it against a history.
    holiday_auto: bool = False
    # Set by `confirmed_by`: the holiday names the history showed quiet (these close
    # the desk) and those it showed open (ordinary days). None: every holiday of the
    # country closes (an explicit code).
    confirmed_holidays: frozenset[str] | None = None
    open_holidays: frozenset[str] = frozenset()
    # Set by `confirmed_by`: a holiday seen in neither set closes the desk (HOLIDAY) when
    # the seen ones mostly ran quiet or none was seen; else it is an UNSEEN_HOLIDAY.
    unseen_closed: bool = False
    _years: dict = field(default_factory=dict, compare=False, repr=False)

    @classmethod
    def from_option(cls, spec: str | None, zone: str, events: tuple[Event, ...] = ()) -> DayCalendar:
        """The calendar of a `--holidays` value: 'auto' (the zone's country), 'none', or a country code."""
        text = (spec or NONE).strip()
        if text.lower() == NONE or not text:
            return cls(None, events)
        if text.lower() == AUTO:
            country = zone_country(zone)
            supported = holidays_lib.list_supported_countries()
            return cls(country if country in supported else None, events, holiday_auto=True)
        return cls(text, events)

    def confirmed_by(self, y: pd.Series) -> tuple[DayCalendar, str]:
        """For an automatic country: keep it if the history's days on its holidays agree, and say why.

        Each holiday of the country within the history that falls on a weekday
        the desk opens is compared (day total, 0 if the day is missing) with
        the median of the other days of that weekday within five weeks. A
        history that shows no such drop loses the country (a series from
        elsewhere read in the default zone); one without any such holiday keeps it.
        """
        if not self.holiday_auto or not self.holiday_country or len(y) == 0:
            if self.holiday_auto and not self.holiday_country:
                return self, f"holidays: none (no country known for zone {y.index.tz}; pass --holidays CODE)"
            return self, ""
        # lazily: daymatrix imports this module
        from forecasting.daymatrix import open_weekdays

        code = self.holiday_country.upper()
        totals = daily_totals(y)
        open_days = open_weekdays(totals.index)
        names, ratios = holiday_day_ratios(totals, open_days, self)
        if len(ratios) == 0:
            # Nothing to judge by: as the aggregate rule before per-name decisions, the country's holidays close.
            return replace(self, confirmed_holidays=frozenset(), unseen_closed=True), (
                f"holidays: {code} (the zone's country; no past holiday on an open weekday in the history to check, "
                f"so every {code} holiday is forecast closed, as --holidays {code} would; --holidays none keeps them open)"
            )
        share = float(np.median(ratios))
        seen = f"{len(ratios)} past {code} holidays on open weekdays ran at {share:.0%} of a normal day (median)"
        if share > AUTO_AGREE_SHARE:
            return replace(self, holiday_country=None), f"holidays: none ({seen}, so the history does not keep {code}'s holidays; --holidays {code} forces them)"
        by_name = pd.Series(ratios).groupby(names).median()
        quiet = frozenset(by_name.index[by_name <= AUTO_AGREE_SHARE])
        busy = frozenset(by_name.index[by_name > AUTO_AGREE_SHARE])
        # A holiday the history never shows follows the seen ones, counted by name: a strict
        # majority of quiet names makes it quiet; a tie leaves it open (wrongly closed costs more).
        # Quiet is never shut by analogy alone: where a holiday is modelled as a weekday the desk
        # does not open, a wrong guess would leave a whole open day unstaffed, while an open
        # forecast for a shut day only costs staff the planner can stand down.
        calendar = replace(self, confirmed_holidays=quiet, open_holidays=busy)
        calendar = replace(calendar, unseen_closed=calendar.quiet_majority and self.quiet_weekday in open_days)
        closed = f"; closed as seen quiet: {', '.join(sorted(quiet))}" if quiet else ""
        opened = f"; open as usual on {', '.join(sorted(busy))}, so those stay ordinary days" if busy else ""
        _, observed = holiday_day_ratios(totals, open_days, self, OBSERVANCE)
        observances = (f"; {len(observed)} past observances (optional holidays) on open weekdays ran at "
                       f"{np.median(observed):.0%} of a normal day (median), an effect the models learn"
                       if len(observed) else "")
        if calendar.unseen_closed:
            analogy = f"forecast closed by analogy, as {len(quiet)} of the {len(by_name)} seen holidays ran quiet"
        elif calendar.quiet_majority:
            analogy = (
                f"forecast as an ordinary day with the special-day band: {len(quiet)} of the {len(by_name)} seen "
                f"holidays shut the desk, but a day is forecast shut only once seen shut (a wrong guess would leave "
                f"it unstaffed); give --holidays {code} or an event if the desk closes"
            )
        else:
            analogy = (
                f"forecast as an ordinary day with the special-day band by analogy, as {len(busy)} of the "
                f"{len(by_name)} seen holidays ran normally"
            )
        return calendar, (
            f"holidays: {code} (the zone's country; {seen}{closed}{opened}{observances}; a holiday the history never "
            f"shows on an open weekday is {analogy}; --holidays {code} closes every holiday)"
        )

    @property
    def quiet_majority(self) -> bool:
        """With `--holidays auto`: more of the seen holiday names ran quiet than normally (a tie is not)."""
        return self.confirmed_holidays is not None and len(self.confirmed_holidays) > len(self.open_holidays)

    def holiday_decision(self, names: frozenset[str]) -> tuple[str, str]:
        """The label (HOLIDAY, UNSEEN_HOLIDAY or '') of a day with these holiday names, and why.

        An explicit country closes every holiday. With `--holidays auto` a name
        the history showed quiet closes the desk and one it showed open stays
        ordinary; a name it never showed follows the country's seen names
        (quiet if most ran quiet, or if none was seen), because a desk that
        ran quiet on the holidays it met will most likely do so on the next
        one too; but where quiet means shut (the holiday's weekday is one the
        desk never opens) it stays open (`confirmed_by` says why).
        """
        if self.confirmed_holidays is None:
            return HOLIDAY, "closed (explicit country)"
        if names & self.confirmed_holidays:
            return HOLIDAY, "closed: seen quiet in the history"
        if names <= self.open_holidays:
            return "", "open: seen open as usual in the history"
        if not (self.confirmed_holidays or self.open_holidays):
            return HOLIDAY, "closed: no holiday of the country seen in the history"
        if self.unseen_closed:
            return HOLIDAY, "closed by analogy: never seen, most seen holidays ran quiet"
        if self.quiet_majority:
            return UNSEEN_HOLIDAY, ("open: never seen, and a desk is not forecast shut by analogy; the next business "
                                    "day carries the backlog of a closure")
        return UNSEEN_HOLIDAY, "open by analogy: never seen, most seen holidays ran normally"

    def holiday_decisions(self, days: pd.DatetimeIndex) -> str:
        """With `--holidays auto`: each holiday among `days` (a forecast's dates) and whether it is
        closed or open because it was seen so or by analogy with the seen ones, and each observance;
        '' when there is none."""
        if not self.holiday_auto or not self.holiday_country or self.confirmed_holidays is None or not len(days):
            return ""
        plain = sorted({d.date() for d in days})
        years = tuple(sorted({d.year for d in plain}))
        table, observances = self._holidays(years), self._observances(years)
        parts = []
        for day in plain:
            if day in table:
                names = holiday_names(table, day)
                parts.append(f"{day:%Y-%m-%d} {' / '.join(sorted(names))} {self.holiday_decision(names)[1]}")
            elif day in observances:
                names = holiday_names(observances, day)
                parts.append(f"{day:%Y-%m-%d} {' / '.join(sorted(names))} an observance: open, with the effect "
                             "past observances had")
        return f"holidays in the forecast: {'; '.join(parts)}" if parts else ""

    @cached_property
    def quiet_weekday(self) -> int:
        """The weekday a public holiday is modelled as."""
        if self.holiday_weekday is not None:
            return self.holiday_weekday
        if not self.holiday_country:
            return 6
        weekend = holidays_lib.country_holidays(self.holiday_country.upper(), years=2000).weekend
        return max(weekend) if weekend else 6


    def __post_init__(self) -> None:
        if self.holiday_country and self.holiday_country.upper() not in holidays_lib.list_supported_countries():
            raise ForecastError(f"holidays: unknown country code '{self.holiday_country}'")

    def _holidays(self, years: tuple[int, ...]) -> holidays_lib.HolidayBase:
        if years not in self._years:
            self._years[years] = holidays_lib.country_holidays(self.holiday_country.upper(), years=years)
        return self._years[years]

    def _observances(self, years: tuple[int, ...]) -> holidays_lib.HolidayBase | dict:
        """The country's optional holidays (see `OBSERVANCE`); empty where it defines none."""
        key = ("observances", years)
        if key not in self._years:
            table = self._holidays(years)
            self._years[key] = holidays_lib.country_holidays(
                self.holiday_country.upper(), years=years, categories=(OBSERVANCE_CATEGORY,)
            ) if OBSERVANCE_CATEGORY in table.supported_categories else {}
        return self._years[key]

    def labels(self, dates: pd.DatetimeIndex) -> np.ndarray:
        """Per date: '' for an ordinary day, HOLIDAY, MAKEUP_WORKDAY, HOLIDAY_EVE (the business day before
        a holiday), AFTER_CLOSURE (the first business day after a holiday that fell on a business day, or
        after an unseen one the seen ones say shuts the desk), OBSERVANCE (an optional holiday that is
        none of these) or an event name (events win)."""
        out = np.full(len(dates), "", dtype=object)
        plain = [d.date() for d in dates]
        if self.holiday_country and len(dates):
            years = {d.year for d in plain} | {(d - ONE_DAY).year for d in plain} | {(d + ONE_DAY).year for d in plain}
            table = self._holidays(tuple(sorted(years)))
            observances = self._observances(tuple(sorted(years)))
            workdays, weekend = table.weekend_workdays, set(table.weekend)

            def kind(day: date) -> str:
                """HOLIDAY, UNSEEN_HOLIDAY or '' (not a holiday, or one kept open)."""
                return self.holiday_decision(holiday_names(table, day))[0] if day in table else ""

            def off(day: date) -> bool:
                return kind(day) == HOLIDAY and day not in workdays

            def business(day: date) -> bool:
                return (day.weekday() not in weekend or day in workdays) and not off(day)

            def may_close(day: date) -> bool:
                """Closed, or an unseen holiday forecast open only because a desk is never forecast shut
                by analogy (the seen ones shut it): the day after is staffed for the backlog a closure
                leaves, so both guesses err towards staff (the US bank's Tuesday after Labor Day ran
                37% above the Tuesdays either side)."""
                return off(day) or (kind(day) == UNSEEN_HOLIDAY and self.quiet_majority and day not in workdays)

            def surely_open(day: date) -> bool:
                return business(day) and not may_close(day)

            for i, day in enumerate(plain):
                if day in workdays:
                    out[i] = MAKEUP_WORKDAY
                elif label := kind(day):
                    out[i] = label
                elif business(day) and off(day + ONE_DAY):
                    out[i] = HOLIDAY_EVE
                elif business(day) and _after_lost_workday(day, may_close, surely_open, weekend):
                    out[i] = AFTER_CLOSURE
                elif day in observances:
                    out[i] = OBSERVANCE
        for event in self.events:
            hits = np.isin(np.array(plain, dtype=object), np.array(event.dates, dtype=object))
            out[hits] = event.name
        return out

    def effective_weekdays(self, dates: pd.DatetimeIndex, labels: np.ndarray | None = None) -> np.ndarray:
        """Weekday (Mon=0) each date is modelled as, after holidays and make-up days."""
        labels = self.labels(dates) if labels is None else labels
        weekdays = np.asarray(dates.dayofweek).copy()
        weekdays[labels == HOLIDAY] = self.quiet_weekday
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
        return frozenset(names) | CALENDAR_LABELS


def _after_lost_workday(day: date, off, business, weekend: set[int]) -> bool:
    """Is `day` the first business day after a holiday that fell on a weekday (weekends in between skipped)?"""
    previous = day - ONE_DAY
    for _ in range(10):
        if business(previous):
            return False
        if off(previous) and previous.weekday() not in weekend:
            return True
        previous -= ONE_DAY
    return False


def holiday_names(table: holidays_lib.HolidayBase, day: date) -> frozenset[str]:
    """The names of the holidays on `day`, without the '(observed)' of a moved one."""
    return frozenset(name.replace("(observed)", "").strip() for name in table.get_list(day))


def daily_totals(y: pd.Series) -> pd.Series:
    """Arrivals per local calendar date of a history (dates without a row are absent)."""
    from forecasting.grid import local_dates

    return pd.Series(np.asarray(y, dtype=float), index=local_dates(y.index)).groupby(level=0).sum()


def holiday_day_ratios(
    totals: pd.Series, open_days: np.ndarray, calendar: DayCalendar, label: str = HOLIDAY
) -> tuple[np.ndarray, np.ndarray]:
    """Per holiday of the calendar's country inside the history (`daily_totals`), on one of the weekdays
    the desk opens (`open_days`): its name(s) and its day total over the median total of the other days
    of that weekday within five weeks. `label` OBSERVANCE: the same for its observances."""
    first, last = totals.index[0], totals.index[-1]
    span = pd.date_range(first, last, freq="D")
    calendar = replace(calendar, confirmed_holidays=None, open_holidays=frozenset())
    years = tuple(range(first.year, last.year + 1))
    table = calendar._observances(years) if label == OBSERVANCE else calendar._holidays(years)
    labels = calendar.labels(span)
    holiday_dates = set(span[labels == label])
    names, ratios = [], []
    for day in span[(labels == label) & np.isin(span.dayofweek, open_days)]:
        near = totals[(totals.index.dayofweek == day.dayofweek) & (abs((totals.index - day).days) <= 35)]
        near = near[[d not in holiday_dates for d in near.index]]
        if len(near) and near.median() > 0:
            for name in holiday_names(table, day.date()):
                names.append(name)
                ratios.append(totals.get(day, 0.0) / near.median())
    return np.array(names, dtype=object), np.array(ratios)


@cache
def _zone_table() -> dict[str, str]:
    """IANA zone -> ISO 3166 country code, from tzdata's zone.tab (one country per zone)."""
    text = None
    try:
        text = resources.files("tzdata").joinpath("zoneinfo", "zone.tab").read_text(encoding="utf-8")
    except (ModuleNotFoundError, FileNotFoundError):
        for root in TZPATH:
            path = Path(root) / "zone.tab"
            if path.is_file():
                text = path.read_text(encoding="utf-8")
                break
    table = {}
    for line in (text or "").splitlines():
        if line and not line.startswith("#"):
            parts = line.split("\t")
            if len(parts) >= 3:
                table[parts[2]] = parts[0]
    return table


def _zone_bytes(zone: str) -> bytes | None:
    parts = zone.split("/")
    if any(p in ("", ".", "..") for p in parts):
        return None
    try:
        return resources.files("tzdata").joinpath("zoneinfo", *parts).read_bytes()
    except (ModuleNotFoundError, FileNotFoundError, IsADirectoryError, NotADirectoryError):
        for root in TZPATH:
            path = Path(root).joinpath(*parts)
            if path.is_file():
                return path.read_bytes()
    return None


@cache
def zone_country(zone: str) -> str | None:
    """The ISO 3166 country of an IANA zone (Asia/Shanghai -> CN), None for UTC, Etc/... or an unknown name.

    Read from tzdata's zone.tab; a link such as US/Eastern or Israel is
    matched to the zone.tab zone whose rules file is the same.
    """
    table = _zone_table()
    if zone in table:
        return table[zone]
    data = _zone_bytes(zone)
    if data is None:
        return None
    for name, country in table.items():
        if _zone_bytes(name) == data:
            return country
    return None
