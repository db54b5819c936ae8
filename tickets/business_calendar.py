"""Business calendars as data: the hours in which an SLA clock ticks.

A calendar is either open 24x7 or open during weekly local hours in one IANA
zone (default Asia/Shanghai), minus public holidays, plus make-up working days
(dates that are open although they fall on a weekend, as China's State Council
moves working days around its golden weeks). It is plain data that round-trips
through `to_dict`/`from_dict`, so store/ keeps it in a JSON column.

Business time is *elapsed real time inside open local hours*. Every boundary is
a local wall time converted with zoneinfo, and all arithmetic happens on UTC
instants, so daylight-saving changes cost or add real time exactly as a clock
on the wall would: a night 22:00-06:00 in Europe/Berlin holds 7 real hours on
the spring-forward night and 9 on the fall-back night. A boundary inside the
spring-forward gap opens at the jump; a boundary inside the repeated fall-back
hour means its first occurrence: in both cases "the first instant at which the
wall clock shows that time or later".

Inputs and outputs are aware datetimes; results are in UTC. Naive datetimes
are refused (`NaiveDatetimeError`). Operations walk whole open segments, one
local day at a time, never minute by minute.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from tickets.validation import (
    TicketDataError,
    as_utc,
    expect_list,
    expect_mapping,
    expect_str,
    reject_unknown_keys,
)

DEFAULT_ZONE = "Asia/Shanghai"
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
MINUTES_PER_DAY = 24 * 60
KIND_24X7 = "24x7"
KIND_BUSINESS_HOURS = "business_hours"

# Stands for "never closes again" in a 24x7 calendar's single open segment.
_END_OF_TIME = datetime.max.replace(tzinfo=UTC)

Interval = tuple[datetime, datetime]
"""A half-open span [start, end) of aware datetimes, e.g. a pause of an SLA clock."""


class CalendarError(TicketDataError):
    """A calendar (or a call on one) is malformed; the message names the field."""


@dataclass(frozen=True)
class TimeRange:
    """Open hours that start on a given local day, in minutes after local midnight.

    `end_minute <= start_minute` means the range runs past midnight and ends on
    the next day (a night shift). The whole range belongs to the day it starts
    on: a holiday on that day closes it, including the hours after midnight.
    """

    start_minute: int
    end_minute: int

    def __post_init__(self) -> None:
        if not 0 <= self.start_minute < MINUTES_PER_DAY:
            raise CalendarError("start", f"{self.start_minute} is not a minute of the day (0..1439)")
        if not 0 < self.end_minute <= MINUTES_PER_DAY:
            raise CalendarError("end", f"{self.end_minute} is not an end minute of the day (1..1440)")
        if self.start_minute == self.end_minute:
            raise CalendarError("end", "a range must not be empty; use 00:00-24:00 for a whole day")

    @property
    def crosses_midnight(self) -> bool:
        return self.end_minute <= self.start_minute

    @property
    def end_offset_minutes(self) -> int:
        """End in minutes after the local midnight that starts the range's day (may exceed 1440)."""
        return self.end_minute + (MINUTES_PER_DAY if self.crosses_midnight else 0)

    @classmethod
    def parse(cls, value: Any, field_name: str) -> TimeRange:
        """Read `["HH:MM", "HH:MM"]`; "24:00" is allowed as an end."""
        pair = expect_list(value, field_name, CalendarError)
        if len(pair) != 2:
            raise CalendarError(field_name, f"expected [start, end] like ['09:00', '18:00'], got {value!r}")
        start = _parse_clock(pair[0], f"{field_name}[0]", allow_midnight_end=False)
        # An end of 00:00 means the midnight that ends the day, like 24:00.
        end = _parse_clock(pair[1], f"{field_name}[1]", allow_midnight_end=True) or MINUTES_PER_DAY
        if start == end:
            raise CalendarError(field_name, "start equals end; use ['00:00', '24:00'] for a whole day")
        return cls(start, end)

    def to_json(self) -> list[str]:
        return [_format_clock(self.start_minute), _format_clock(self.end_minute)]


def _parse_clock(value: Any, field_name: str, *, allow_midnight_end: bool) -> int:
    text = expect_str(value, field_name, CalendarError)
    hours, sep, minutes = text.partition(":")
    if not (sep and hours.isdigit() and minutes.isdigit() and len(minutes) == 2):
        raise CalendarError(field_name, f"expected a local time 'HH:MM', got {text!r}")
    total = int(hours) * 60 + int(minutes)
    limit = MINUTES_PER_DAY if allow_midnight_end else MINUTES_PER_DAY - 1
    if int(minutes) >= 60 or total > limit:
        raise CalendarError(field_name, f"{text!r} is not a time of day")
    return total


def _format_clock(minute: int) -> str:
    return f"{minute // 60:02d}:{minute % 60:02d}"


@dataclass(frozen=True)
class BusinessCalendar:
    """When SLA clocks tick. `weekly_hours is None` means open 24x7.

    weekly_hours: seven tuples (Monday first) of local `TimeRange`s, sorted.
    holidays: local dates that are closed whatever their weekday.
    makeup_days: local date -> weekday index (0 = Monday) whose hours that date
        uses; for weekend dates declared working days.
    """

    zone: str = DEFAULT_ZONE
    weekly_hours: tuple[tuple[TimeRange, ...], ...] | None = None
    holidays: frozenset[date] = frozenset()
    makeup_days: Mapping[date, int] = field(default_factory=dict)

    def __post_init__(self) -> None:
        _zone_info(self.zone, "zone")
        if self.weekly_hours is None:
            if self.holidays or self.makeup_days:
                raise CalendarError("holidays", "a 24x7 calendar has no holidays or make-up days")
            return
        if len(self.weekly_hours) != 7:
            raise CalendarError("weekly_hours", f"expected 7 weekdays, got {len(self.weekly_hours)}")
        # With no open hours in a week, adding business minutes would never end.
        if not any(self.weekly_hours):
            raise CalendarError("weekly_hours", "no open hours on any weekday; use kind '24x7' or add hours")
        object.__setattr__(
            self, "weekly_hours", tuple(tuple(sorted(day, key=lambda r: r.start_minute)) for day in self.weekly_hours)
        )
        for day, weekday in self.makeup_days.items():
            if not 0 <= weekday <= 6:
                raise CalendarError(f"makeup_days.{day.isoformat()}", f"weekday index {weekday} is not 0..6")
            if day in self.holidays:
                raise CalendarError(f"makeup_days.{day.isoformat()}", "the date is also listed as a holiday")

    @classmethod
    def always_open(cls, zone: str = DEFAULT_ZONE) -> BusinessCalendar:
        """A 24x7 calendar; the zone is kept only to show times locally."""
        return cls(zone=zone)

    @classmethod
    def business_hours(
        cls,
        hours: Mapping[str, Sequence[Sequence[str]]],
        *,
        zone: str = DEFAULT_ZONE,
        holidays: Iterable[date] = (),
        makeup_days: Mapping[date, str] | None = None,
    ) -> BusinessCalendar:
        """Build from human-friendly data: `{"mon": [["09:00", "18:00"]], ...}`, days absent are closed."""
        return cls.from_dict(
            {
                "kind": KIND_BUSINESS_HOURS,
                "zone": zone,
                "weekly_hours": hours,
                "holidays": [day.isoformat() for day in holidays],
                "makeup_days": {day.isoformat(): weekday for day, weekday in (makeup_days or {}).items()},
            }
        )

    @property
    def is_24x7(self) -> bool:
        return self.weekly_hours is None

    def hours_on(self, day: date) -> tuple[TimeRange, ...]:
        """The open ranges starting on local date `day` (holidays and make-up days applied)."""
        assert self.weekly_hours is not None, "a 24x7 calendar has no daily hours"
        if day in self.holidays:
            return ()
        return self.weekly_hours[self.makeup_days.get(day, day.weekday())]

    # -- operations ---------------------------------------------------------

    def add_business_minutes(self, start: datetime, minutes: float, *, pauses: Iterable[Interval] = ()) -> datetime:
        """The UTC instant at which `minutes` of business time have elapsed since `start`.

        Time inside `pauses` does not count. With `minutes == 0` the answer is
        `start` itself; otherwise it is the earliest such instant, so a target
        that runs out exactly at closing time is due at closing time, not at the
        next opening.
        """
        start = as_utc(start, "start")
        if isinstance(minutes, bool) or not isinstance(minutes, (int, float)) or not minutes >= 0:
            raise CalendarError("minutes", f"expected a non-negative number of minutes, got {minutes!r}")
        remaining = timedelta(minutes=minutes)
        if not remaining:
            return start
        for seg_start, seg_end in self._working_segments(start, pauses):
            if seg_end - seg_start >= remaining:
                return seg_start + remaining
            remaining -= seg_end - seg_start
        raise AssertionError("open segments never run out")  # pragma: no cover - guarded in __post_init__

    def business_time_between(self, start: datetime, end: datetime, *, pauses: Iterable[Interval] = ()) -> timedelta:
        """Business time in [start, end) outside `pauses`, exact to the microsecond."""
        start, end = as_utc(start, "start"), as_utc(end, "end")
        if end < start:
            raise CalendarError("end", f"{end.isoformat()} is before start {start.isoformat()}")
        total = timedelta()
        for seg_start, seg_end in self._working_segments(start, pauses):
            if seg_start >= end:
                break
            total += min(seg_end, end) - seg_start
        return total

    def business_minutes_between(self, start: datetime, end: datetime, *, pauses: Iterable[Interval] = ()) -> float:
        """`business_time_between` in minutes (fractional below a minute)."""
        return self.business_time_between(start, end, pauses=pauses).total_seconds() / 60

    def open_segments(self, start: datetime) -> Iterator[Interval]:
        """Open time from `start` on, as sorted, non-overlapping UTC intervals (infinite)."""
        start = as_utc(start, "start")
        if self.weekly_hours is None:
            yield start, _END_OF_TIME
            return
        tz = _zone_info(self.zone, "zone")
        # Start a day early: last night's range may still be open at `start`.
        day = start.astimezone(tz).date() - timedelta(days=1)
        cursor = start
        while True:
            for hours in self.hours_on(day):
                seg_start = max(_local_to_utc(day, hours.start_minute, tz), cursor)
                seg_end = _local_to_utc(day, hours.end_offset_minutes, tz)
                # Ranges may overlap (a night range running into the next
                # morning's hours): clip each to begin where the last ended.
                if seg_end > seg_start:
                    yield seg_start, seg_end
                    cursor = seg_end
            day += timedelta(days=1)

    def _working_segments(self, start: datetime, pauses: Iterable[Interval]) -> Iterator[Interval]:
        """Open segments from `start` with the pause intervals cut out."""
        merged = merge_intervals(pauses, "pauses")
        index = 0
        for seg_start, seg_end in self.open_segments(start):
            while index < len(merged) and merged[index][1] <= seg_start:
                index += 1
            cursor = seg_start
            for pause_start, pause_end in merged[index:]:
                if pause_start >= seg_end or cursor >= seg_end:
                    break
                if pause_start > cursor:
                    yield cursor, pause_start
                cursor = max(cursor, pause_end)
            if cursor < seg_end:
                yield cursor, seg_end

    # -- JSON ---------------------------------------------------------------

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-able form; `from_dict(to_dict())` gives back an equal calendar."""
        if self.weekly_hours is None:
            return {"kind": KIND_24X7, "zone": self.zone}
        return {
            "kind": KIND_BUSINESS_HOURS,
            "zone": self.zone,
            "weekly_hours": {
                WEEKDAYS[index]: [hours.to_json() for hours in ranges]
                for index, ranges in enumerate(self.weekly_hours)
                if ranges
            },
            "holidays": sorted(day.isoformat() for day in self.holidays),
            "makeup_days": {day.isoformat(): WEEKDAYS[weekday] for day, weekday in sorted(self.makeup_days.items())},
        }

    @classmethod
    def from_dict(cls, data: Any, field_name: str = "calendar") -> BusinessCalendar:
        """Read the `to_dict` shape; every error names the field, under `field_name`."""
        data = expect_mapping(data, field_name, CalendarError)
        kind = data.get("kind")
        zone = expect_str(data.get("zone", DEFAULT_ZONE), f"{field_name}.zone", CalendarError)
        _zone_info(zone, f"{field_name}.zone")
        if kind == KIND_24X7:
            reject_unknown_keys(data, {"kind", "zone"}, field_name, CalendarError)
            return cls(zone=zone)
        if kind != KIND_BUSINESS_HOURS:
            raise CalendarError(
                f"{field_name}.kind", f"expected '{KIND_24X7}' or '{KIND_BUSINESS_HOURS}', got {kind!r}"
            )
        reject_unknown_keys(
            data, {"kind", "zone", "weekly_hours", "holidays", "makeup_days"}, field_name, CalendarError
        )
        weekly = _parse_weekly_hours(data.get("weekly_hours"), f"{field_name}.weekly_hours")
        holidays = frozenset(
            _parse_date(value, f"{field_name}.holidays[{index}]")
            for index, value in enumerate(
                expect_list(data.get("holidays", []), f"{field_name}.holidays", CalendarError)
            )
        )
        makeup_field = f"{field_name}.makeup_days"
        makeup = {
            _parse_date(key, makeup_field): _parse_weekday(value, f"{makeup_field}.{key}")
            for key, value in expect_mapping(data.get("makeup_days", {}), makeup_field, CalendarError).items()
        }
        try:
            return cls(zone=zone, weekly_hours=weekly, holidays=holidays, makeup_days=makeup)
        except CalendarError as error:
            raise CalendarError(f"{field_name}.{error.field}", error.problem) from None


def with_public_holidays(
    calendar: BusinessCalendar,
    years: Iterable[int],
    *,
    country: str = "CN",
    subdiv: str | None = None,
    makeup_weekday: str = "mon",
) -> BusinessCalendar:
    """Add the `holidays` package's public holidays and make-up working days for `years`.

    Closed dates are the package's public holidays (observed days and
    substituted days off included). Make-up days come from its
    `weekend_workdays` ("working days moved to weekends"); the package does not
    say whose hours they keep, so they use `makeup_weekday`'s hours (Monday by
    default; any weekday does for a desk with the same hours Monday to Friday).
    The data only covers `years`: extend the range before it runs out.
    """
    import holidays as holidays_package  # imported here: loading country tables is slow

    if calendar.is_24x7:
        raise CalendarError("calendar.kind", "a 24x7 calendar ignores holidays; use business hours")
    wanted = sorted(set(years))
    if not wanted:
        raise CalendarError("years", "give at least one year")
    weekday = _parse_weekday(makeup_weekday, "makeup_weekday")
    try:
        table = holidays_package.country_holidays(country, subdiv=subdiv, years=wanted)
    except NotImplementedError as error:
        raise CalendarError(
            "country", f"the holidays package has no calendar for {country!r}/{subdiv!r}: {error}"
        ) from None
    closed = {day for day in table if day.year in wanted}
    # The package keeps make-up days of other years in this set too; keep ours only.
    makeup = {day: weekday for day in table.weekend_workdays if day.year in wanted and day not in closed}
    return replace(
        calendar,
        holidays=calendar.holidays | closed,
        makeup_days={**calendar.makeup_days, **makeup},
    )


def merge_intervals(intervals: Iterable[Interval], field_name: str) -> list[Interval]:
    """Sort and merge [start, end) intervals into disjoint UTC ones; refuse reversed ones."""
    checked: list[Interval] = []
    for index, interval in enumerate(intervals):
        start = as_utc(interval[0], f"{field_name}[{index}].start")
        end = as_utc(interval[1], f"{field_name}[{index}].end")
        if end < start:
            raise CalendarError(
                f"{field_name}[{index}]", f"ends {end.isoformat()} before it starts {start.isoformat()}"
            )
        checked.append((start, end))
    merged: list[Interval] = []
    for start, end in sorted(checked):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        elif end > start:
            merged.append((start, end))
    return merged


def _local_to_utc(day: date, minute: int, tz: ZoneInfo) -> datetime:
    """The first instant at which the wall clock in `tz` shows `day` + `minute` or later."""
    wall = datetime.combine(day, time()) + timedelta(minutes=minute)
    instant = wall.replace(tzinfo=tz).astimezone(UTC)  # fold=0: first occurrence of a repeated time
    if instant.astimezone(tz).replace(tzinfo=None) == wall:
        return instant
    return _end_of_gap(wall, tz)


def _end_of_gap(wall: datetime, tz: ZoneInfo) -> datetime:
    """`wall` was skipped by a forward jump: find the instant of the jump, to the second."""
    # fold=1 reads `wall` with the offset after the jump (an instant before it),
    # fold=0 with the offset before (an instant after it); bisect between them.
    low, high = sorted(wall.replace(tzinfo=tz, fold=fold).astimezone(UTC) for fold in (0, 1))
    before = low.astimezone(tz).utcoffset()
    low_seconds, high_seconds = 0, int((high - low).total_seconds())
    while high_seconds - low_seconds > 1:
        middle = (low_seconds + high_seconds) // 2
        if (low + timedelta(seconds=middle)).astimezone(tz).utcoffset() == before:
            low_seconds = middle
        else:
            high_seconds = middle
    return low + timedelta(seconds=high_seconds)


def _zone_info(zone: str, field_name: str) -> ZoneInfo:
    try:
        return ZoneInfo(zone)
    except (ZoneInfoNotFoundError, ValueError, TypeError):
        raise CalendarError(field_name, f"unknown IANA time zone {zone!r} (e.g. 'Asia/Shanghai')") from None


def _parse_weekly_hours(value: Any, field_name: str) -> tuple[tuple[TimeRange, ...], ...]:
    data = expect_mapping(value, field_name, CalendarError)
    reject_unknown_keys(data, set(WEEKDAYS), field_name, CalendarError)
    return tuple(
        tuple(
            TimeRange.parse(item, f"{field_name}.{name}[{index}]")
            for index, item in enumerate(expect_list(data.get(name, []), f"{field_name}.{name}", CalendarError))
        )
        for name in WEEKDAYS
    )


def _parse_date(value: Any, field_name: str) -> date:
    text = expect_str(value, field_name, CalendarError)
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise CalendarError(field_name, f"expected a date 'YYYY-MM-DD', got {text!r}") from None


def _parse_weekday(value: Any, field_name: str) -> int:
    if value not in WEEKDAYS:
        raise CalendarError(field_name, f"expected one of {', '.join(WEEKDAYS)}, got {value!r}")
    return WEEKDAYS.index(value)
