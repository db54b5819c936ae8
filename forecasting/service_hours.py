"""Service hours: the local intervals in which a queue is worked, as plain data.

For a live queue (phone, chat) these are its open hours: outside them nobody
answers and it needs no agents. For an asynchronous queue (email, web form)
they are the hours in which its SLA clock runs and agents answer ("first
response within 2 hours in business hours"): tickets arriving at night wait
for the morning.

Format. Weekly local hours, Monday first, as ranges of minutes after local
midnight; a range whose end is not after its start runs past midnight and
belongs to the day it starts on (a closed date closes it, after midnight
too). Closed dates (public holidays) are shut whatever their weekday;
make-up dates (China's weekend working days, 调休) open with a given
weekday's hours. A country code makes the `holidays` package supply both,
for whatever years the forecast covers: its public holidays are closed and
its `weekend_workdays` are make-up dates with `makeup_weekday`'s hours;
dates given explicitly win over the country's. The hours are read in
`zone`, or in the forecast's own zone when it is None. Build them from:

- text: `ServiceHours.parse("Mon-Fri 09:00-18:00", holiday_country="CN")`;
  parts separated by ";", several ranges by ",", day ranges may wrap:
  "Mon-Fri 09:00-12:00,13:00-18:00; Sat 10:00-14:00", "daily 08:00-22:00",
  "Fri-Sun 20:00-02:00"; "24x7" (also "24/7", "always") is always open,
  or, with a holiday country, all day every day but its holidays;
- data: `ServiceHours.weekly_hours({"mon": [["09:00", "18:00"]], ...},
  closed_dates=[...], makeup_dates={date(2026, 10, 10): "mon"})`, or
  `ServiceHours.from_dict` on the JSON shape of the desk's business
  calendars (`tickets.business_calendar.BusinessCalendar.to_dict()`: kind,
  zone, weekly_hours, holidays, makeup_days), plus the optional keys
  holiday_country, holiday_subdiv and makeup_weekday. `to_dict` writes it back.

On a forecast grid (`open_mask`), an interval counts as open when any part
of it is: hours off the grid round outward, so a live queue is staffed for
the whole interval and an async clock never runs slower than the real one.
Boundaries are local wall times converted with the zone's rules (a time
skipped by a spring-forward jump opens at the jump; a repeated autumn time
means its first occurrence), so daylight-saving days are exact.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from datetime import tzinfo as TzInfo
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import numpy as np
import pandas as pd

from shiftdesk.errors import UserError

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_DAY_NAMES = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
MINUTES_PER_DAY = 24 * 60
ALWAYS_TEXT = ("24x7", "24/7", "always")
KIND_24X7, KIND_BUSINESS_HOURS = "24x7", "business_hours"
_CLOCK = re.compile(r"(\d{1,2}):(\d{2})")
_RANGE = re.compile(r"(\d{1,2}:\d{2})\s*[-–]\s*(\d{1,2}:\d{2})")

Range = tuple[int, int]


class ServiceHoursError(UserError):
    """Service hours that cannot be read; the message names the text or field at fault."""


@dataclass(frozen=True)
class ServiceHours:
    """When a queue is worked (see the module docstring). Build with `parse`, `weekly_hours` or `from_dict`.

    weekly: seven tuples (Monday first) of (start, end) minutes after local
        midnight, end in 1..1440, end <= start running past midnight; None
        means always open.
    zone: IANA zone of the hours; None reads them in the forecast's zone.
    closed_dates: local dates closed whatever their weekday.
    makeup_dates: sorted (date, weekday index) pairs: dates open with that weekday's hours.
    holiday_country / holiday_subdiv: `holidays` package codes ("CN"); its
        holidays close, its weekend workdays open with `makeup_weekday`'s hours (0 = Monday).
    """

    weekly: tuple[tuple[Range, ...], ...] | None = None
    zone: str | None = None
    closed_dates: frozenset[date] = frozenset()
    makeup_dates: tuple[tuple[date, int], ...] = ()
    holiday_country: str | None = None
    holiday_subdiv: str | None = None
    makeup_weekday: int = 0

    def __post_init__(self) -> None:
        if self.zone is not None:
            _zone(self.zone, "zone")
        if self.weekly is None:
            if self.closed_dates or self.makeup_dates or self.holiday_country:
                raise ServiceHoursError(
                    "always-open hours have no closed or make-up dates; give weekly hours (e.g. daily 00:00-24:00)"
                )
            return
        weekly = tuple(self.weekly)
        if len(weekly) != 7:
            raise ServiceHoursError(f"weekly hours need 7 weekdays (Monday first), got {len(weekly)}")
        checked = tuple(
            tuple(sorted(_check_range(r, WEEKDAYS[day]) for r in ranges)) for day, ranges in enumerate(weekly)
        )
        if not any(checked):
            raise ServiceHoursError("no open hours on any weekday; use '24x7' for a queue that never closes")
        object.__setattr__(self, "weekly", checked)
        closed = frozenset(self.closed_dates)
        for day in closed:
            _check_date(day, "closed_dates")
        object.__setattr__(self, "closed_dates", closed)
        makeup = tuple(sorted(dict(self.makeup_dates).items()))
        for day, weekday in makeup:
            _check_date(day, "makeup_dates")
            if isinstance(weekday, bool) or weekday not in range(7):
                raise ServiceHoursError(f"make-up date {day}: weekday index {weekday!r} is not 0..6 (0 = Monday)")
            if day in closed:
                raise ServiceHoursError(f"{day} is both a closed date and a make-up date")
        object.__setattr__(self, "makeup_dates", makeup)
        if self.makeup_weekday not in range(7) or isinstance(self.makeup_weekday, bool):
            raise ServiceHoursError(f"makeup_weekday {self.makeup_weekday!r} is not 0..6 (0 = Monday)")
        if self.holiday_country is not None:
            _check_country(self.holiday_country, self.holiday_subdiv)
        elif self.holiday_subdiv is not None:
            raise ServiceHoursError(f"holiday subdivision {self.holiday_subdiv!r} needs a holiday country")

    # -- building -----------------------------------------------------------------

    @classmethod
    def always(cls, zone: str | None = None) -> ServiceHours:
        """Open around the clock (what a queue without service hours gets)."""
        return cls(zone=zone)

    @classmethod
    def weekly_hours(
        cls,
        hours: Mapping[str, Sequence[Sequence[str]]],
        *,
        zone: str | None = None,
        closed_dates: Iterable[date | str] = (),
        makeup_dates: Mapping[date | str, str | int] | None = None,
        holiday_country: str | None = None,
        holiday_subdiv: str | None = None,
        makeup_weekday: str | int = "mon",
    ) -> ServiceHours:
        """From `{"mon": [["09:00", "18:00"]], ...}` (days absent are closed); dates as `date` or "YYYY-MM-DD"."""
        if not isinstance(hours, Mapping):
            raise ServiceHoursError(f"weekly hours must map weekdays to ranges, got {hours!r}")
        unknown = [str(k) for k in hours if str(k).lower() not in WEEKDAYS]
        if unknown:
            raise ServiceHoursError(f"weekly hours: unknown weekday {unknown[0]!r} (use {', '.join(WEEKDAYS)})")
        by_day = {str(k).lower(): v for k, v in hours.items()}
        weekly = tuple(
            tuple(_range_of(item, f"{day}[{i}]") for i, item in enumerate(_list(by_day.get(day, []), day)))
            for day in WEEKDAYS
        )
        return cls(
            weekly=weekly,
            zone=zone,
            closed_dates=frozenset(_date(d, "closed_dates") for d in closed_dates),
            makeup_dates=tuple(
                (_date(d, "makeup_dates"), _weekday(w, f"makeup_dates {d}")) for d, w in (makeup_dates or {}).items()
            ),
            holiday_country=holiday_country,
            holiday_subdiv=holiday_subdiv,
            makeup_weekday=_weekday(makeup_weekday, "makeup_weekday"),
        )

    @classmethod
    def parse(
        cls,
        text: str,
        *,
        zone: str | None = None,
        holiday_country: str | None = None,
        holiday_subdiv: str | None = None,
        makeup_weekday: str | int = "mon",
    ) -> ServiceHours:
        """From text such as "Mon-Fri 09:00-18:00" or "24x7" (see the module docstring)."""
        if not isinstance(text, str) or not text.strip():
            raise ServiceHoursError(f"hours must be text such as 'Mon-Fri 09:00-18:00' or '24x7', got {text!r}")
        where = f"hours {text.strip()!r}"
        if text.strip().lower() in ALWAYS_TEXT:
            if holiday_country is None:
                return cls.always(zone)
            weekly: tuple[tuple[Range, ...], ...] = (((0, MINUTES_PER_DAY),),) * 7
        else:
            days_ranges: list[list[Range]] = [[] for _ in WEEKDAYS]
            for part in (p.strip() for p in text.split(";")):
                if not part:
                    continue
                found = re.fullmatch(r"([^\d]+?)\s+(\d.*)", part)
                if not found:
                    raise ServiceHoursError(f"{where}: {part!r} is not days then hours, such as 'Mon-Fri 09:00-18:00'")
                ranges = [_parse_range(r.strip(), where) for r in found.group(2).split(",")]
                for day in _parse_days(found.group(1), where):
                    days_ranges[day].extend(ranges)
            weekly = tuple(tuple(day) for day in days_ranges)
        try:
            return cls(
                weekly=weekly,
                zone=zone,
                holiday_country=holiday_country,
                holiday_subdiv=holiday_subdiv,
                makeup_weekday=_weekday(makeup_weekday, "makeup_weekday"),
            )
        except ServiceHoursError as exc:
            raise ServiceHoursError(f"{where}: {exc}") from None

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ServiceHours:
        """From the business-calendar JSON shape (kind, zone, weekly_hours, holidays, makeup_days) plus
        holiday_country, holiday_subdiv, makeup_weekday."""
        if not isinstance(data, Mapping):
            raise ServiceHoursError(f"service hours must be an object, got {data!r}")
        known = {"kind", "zone", "weekly_hours", "holidays", "makeup_days", "holiday_country", "holiday_subdiv",
                 "makeup_weekday"}
        unknown = sorted(set(map(str, data)) - known)
        if unknown:
            raise ServiceHoursError(f"service hours: unknown key(s) {', '.join(unknown)}")
        kind = data.get("kind", KIND_BUSINESS_HOURS if "weekly_hours" in data else KIND_24X7)
        zone = data.get("zone")
        if zone is not None and not isinstance(zone, str):
            raise ServiceHoursError(f"service hours: zone must be an IANA name, got {zone!r}")
        if kind == KIND_24X7:
            extra = sorted(set(data) - {"kind", "zone"})
            if extra:
                raise ServiceHoursError(f"service hours: kind '24x7' takes no {', '.join(extra)}")
            return cls.always(zone)
        if kind != KIND_BUSINESS_HOURS:
            raise ServiceHoursError(
                f"service hours: kind must be '{KIND_24X7}' or '{KIND_BUSINESS_HOURS}', got {kind!r}"
            )
        return cls.weekly_hours(
            data.get("weekly_hours", {}),
            zone=zone,
            closed_dates=_list(data.get("holidays", []), "holidays"),
            makeup_dates=data.get("makeup_days") or {},
            holiday_country=data.get("holiday_country"),
            holiday_subdiv=data.get("holiday_subdiv"),
            makeup_weekday=data.get("makeup_weekday", "mon"),
        )

    def to_dict(self) -> dict[str, Any]:
        """JSON-able; `from_dict(to_dict())` gives equal hours."""
        if self.weekly is None:
            return {"kind": KIND_24X7, **({"zone": self.zone} if self.zone else {})}
        out: dict[str, Any] = {
            "kind": KIND_BUSINESS_HOURS,
            **({"zone": self.zone} if self.zone else {}),
            "weekly_hours": {
                WEEKDAYS[d]: [[_clock(s), _clock(e)] for s, e in ranges]
                for d, ranges in enumerate(self.weekly)
                if ranges
            },
            "holidays": sorted(d.isoformat() for d in self.closed_dates),
            "makeup_days": {d.isoformat(): WEEKDAYS[w] for d, w in self.makeup_dates},
        }
        if self.holiday_country:
            out["holiday_country"] = self.holiday_country
            if self.holiday_subdiv:
                out["holiday_subdiv"] = self.holiday_subdiv
            out["makeup_weekday"] = WEEKDAYS[self.makeup_weekday]
        return out

    @property
    def is_24x7(self) -> bool:
        return self.weekly is None

    # -- on a grid ----------------------------------------------------------------

    def days(self, first: date, last: date) -> tuple[frozenset[date], dict[date, int]]:
        """Closed dates and make-up dates (date -> weekday index) from `first` to `last`, country's included."""
        closed = {d for d in self.closed_dates if first <= d <= last}
        makeup = {d: w for d, w in self.makeup_dates if first <= d <= last}
        if self.holiday_country:
            holidays_, workdays = _country_days(self.holiday_country, self.holiday_subdiv, first.year, last.year)
            closed |= {d for d in holidays_ if first <= d <= last and d not in makeup}
            for day in workdays:
                if first <= day <= last and day not in closed:
                    makeup.setdefault(day, self.makeup_weekday)
        return frozenset(closed), makeup

    def open_mask(self, grid: pd.DatetimeIndex, interval_s: int) -> np.ndarray:
        """Boolean per interval of `grid` (tz-aware starts, `interval_s` long): open if any part of it is."""
        if self.weekly is None or not len(grid):
            return np.ones(len(grid), dtype=bool)
        if grid.tz is None:
            raise ServiceHoursError("service hours need timezone-aware interval starts")
        tz: TzInfo = _zone(self.zone, "zone") if self.zone else grid.tz
        starts = grid.as_unit("ns").asi8
        length = int(interval_s) * 10**9
        local = grid.tz_convert(tz)
        first = local[0].date() - timedelta(days=1)  # last night's range may run into the grid
        last = (grid[-1] + pd.Timedelta(seconds=interval_s)).tz_convert(tz).date()
        days = pd.date_range(first, last, freq="D")
        closed, makeup = self.days(first, last)
        # one entry per local day (a week is 9 of them), never per interval
        weekday = np.array([makeup.get(d, d.weekday()) for d in days.date], dtype=np.int64)
        is_closed = np.array([d in closed for d in days.date], dtype=bool)
        table = _range_table(self.weekly)  # (7, ranges, 2) minutes, -1 where a day has fewer ranges
        ranges = table[weekday]  # (days, ranges, 2)
        use = (ranges[..., 0] >= 0) & ~is_closed[:, None]
        midnight = days.to_numpy().astype("datetime64[ns]")[:, None]
        begin = midnight + ranges[..., 0].astype("timedelta64[m]")
        end_minutes = np.where(ranges[..., 1] <= ranges[..., 0], ranges[..., 1] + MINUTES_PER_DAY, ranges[..., 1])
        end = midnight + end_minutes.astype("timedelta64[m]")
        a, b = _instants(begin[use], tz), _instants(end[use], tz)
        # interval j = [t_j, t_j + length) meets [a, b) when t_j > a - length and t_j < b
        lo = np.searchsorted(starts, a - length, side="right")
        hi = np.searchsorted(starts, b, side="left")
        marks = np.zeros(len(grid) + 1, dtype=np.int64)
        np.add.at(marks, lo, 1)
        np.add.at(marks, hi, -1)
        return np.cumsum(marks[:-1]) > 0


def _instants(local: np.ndarray, tz: TzInfo) -> np.ndarray:
    """UTC nanoseconds of naive local wall times: a skipped time opens at the jump, a repeated one is the first."""
    index = pd.DatetimeIndex(local)
    return index.tz_localize(tz, ambiguous=np.ones(len(index), dtype=bool), nonexistent="shift_forward").asi8


@lru_cache(maxsize=32)
def _range_table(weekly: tuple[tuple[Range, ...], ...]) -> np.ndarray:
    width = max(len(day) for day in weekly)
    table = np.full((7, width, 2), -1, dtype=np.int64)
    for day, ranges in enumerate(weekly):
        for i, (start, end) in enumerate(ranges):
            table[day, i] = (start, end)
    return table


@lru_cache(maxsize=32)
def _country_days(
    country: str, subdiv: str | None, first_year: int, last_year: int
) -> tuple[frozenset[date], frozenset[date]]:
    """The `holidays` package's public holidays and weekend working days of a country for a span of years."""
    import holidays  # imported here: country tables load slowly and only hours with a country need them

    years = list(range(first_year, last_year + 1))
    table = holidays.country_holidays(country, subdiv=subdiv, years=years)
    closed = frozenset(d for d in table if d.year in years)
    workdays = frozenset(d for d in getattr(table, "weekend_workdays", ()) if d.year in years)
    return closed, workdays


def _check_country(country: str, subdiv: str | None) -> None:
    import holidays

    supported = holidays.list_supported_countries()
    if not isinstance(country, str) or country.upper() not in supported:
        raise ServiceHoursError(f"holiday country {country!r} is not in the holidays package (e.g. 'CN')")
    if subdiv is not None and subdiv not in supported[country.upper()]:
        raise ServiceHoursError(f"holiday subdivision {subdiv!r} is not one of {country}'s")


def _zone(name: str, field: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, TypeError):
        raise ServiceHoursError(f"{field}: unknown IANA time zone {name!r} (e.g. 'Asia/Shanghai')") from None


def _check_range(value: Any, where: str) -> Range:
    try:
        start, end = (int(v) for v in value)
    except (TypeError, ValueError):
        raise ServiceHoursError(f"{where}: a range is (start, end) minutes after midnight, got {value!r}") from None
    if not 0 <= start < MINUTES_PER_DAY or not 0 < end <= MINUTES_PER_DAY or start == end:
        raise ServiceHoursError(
            f"{where}: {_clock(start) if 0 <= start <= MINUTES_PER_DAY else start}-"
            f"{_clock(end) if 0 <= end <= MINUTES_PER_DAY else end} is not a range of the day "
            "(start 00:00-23:59, end 00:01-24:00, not equal; use 00:00-24:00 for a whole day)"
        )
    return start, end


def _check_date(value: Any, field: str) -> None:
    if not isinstance(value, date) or isinstance(value, datetime):
        raise ServiceHoursError(f"{field}: {value!r} is not a date")


def _date(value: date | str, field: str) -> date:
    if isinstance(value, datetime):
        raise ServiceHoursError(f"{field}: expected a date, got the date and time {value!r}")
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        raise ServiceHoursError(f"{field}: expected a date 'YYYY-MM-DD', got {value!r}") from None


def _weekday(value: str | int, field: str) -> int:
    if isinstance(value, int) and not isinstance(value, bool) and value in range(7):
        return value
    text = str(value).strip().lower()
    if text[:3] in WEEKDAYS and _DAY_NAMES[WEEKDAYS.index(text[:3])].startswith(text):
        return WEEKDAYS.index(text[:3])
    raise ServiceHoursError(f"{field}: expected a weekday ({', '.join(WEEKDAYS)}), got {value!r}")


def _list(value: Any, field: str) -> list[Any]:
    if isinstance(value, str) or not isinstance(value, Sequence):
        raise ServiceHoursError(f"{field}: expected a list, got {value!r}")
    return list(value)


def _minutes(text: Any, where: str, *, end: bool) -> int:
    found = _CLOCK.fullmatch(str(text).strip())
    if not found or int(found.group(2)) >= 60:
        raise ServiceHoursError(f"{where}: {text!r} is not a local time 'HH:MM'")
    minutes = int(found.group(1)) * 60 + int(found.group(2))
    if end and minutes == 0:
        return MINUTES_PER_DAY  # an end of 00:00 is the midnight that ends the day
    if minutes > (MINUTES_PER_DAY if end else MINUTES_PER_DAY - 1):
        raise ServiceHoursError(f"{where}: {text!r} is not a time of day")
    return minutes


def _range_of(item: Any, where: str) -> Range:
    if isinstance(item, str) or not isinstance(item, Sequence) or len(item) != 2:
        raise ServiceHoursError(f"{where}: expected [start, end] like ['09:00', '18:00'], got {item!r}")
    return _check_range((_minutes(item[0], where, end=False), _minutes(item[1], where, end=True)), where)


def _parse_range(text: str, where: str) -> Range:
    found = _RANGE.fullmatch(text)
    if not found:
        raise ServiceHoursError(f"{where}: {text!r} is not a time range such as '09:00-18:00'")
    return _range_of((found.group(1), found.group(2)), f"{where}: {text!r}")


def _parse_days(text: str, where: str) -> list[int]:
    """Weekday indexes from "Mon-Fri", "Sat,Sun", "Fri-Mon" (wraps), "daily"."""
    if text.strip().lower() in ("daily", "every day", "everyday", "all week"):
        return list(range(7))
    days: list[int] = []
    for token in (t.strip() for t in text.split(",")):
        ends = [e.strip() for e in token.split("-")]
        if len(ends) > 2 or not all(ends):
            raise ServiceHoursError(f"{where}: {token!r} is not a day or a day range such as 'Mon-Fri'")
        try:
            first, last = _weekday(ends[0], "day"), _weekday(ends[-1], "day")
        except ServiceHoursError:
            raise ServiceHoursError(
                f"{where}: {token!r} is not a day or a day range (days are {', '.join(d.title() for d in WEEKDAYS)})"
            ) from None
        days.extend((first + k) % 7 for k in range((last - first) % 7 + 1))
    return days


def _clock(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"
