"""Arrival history: from a CSV or from tickets to counts per queue and local interval.

Everything here returns tz-aware timestamps in the site's IANA zone. Row
numbers in error messages are file lines (the header is row 1), so a person
can open the file and find the cell. A rejected file returns nothing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from os import PathLike
from typing import IO

import numpy as np
import pandas as pd

from forecasting.calendar import DayCalendar
from forecasting.errors import HistoryError
from forecasting.grid import (
    check_interval,
    floor_to_interval,
    infer_interval_minutes,
    interval_range,
    local_dates,
    local_midnight,
    slot_of_day,
)
from forecasting.open_hours import OpenHours

DEFAULT_QUEUE = "all"
_OFFSET = re.compile(r"(?:Z|[+-]\d{2}(?::?\d{2})?)$", re.IGNORECASE)


@dataclass(frozen=True)
class History:
    """Validated arrivals: columns queue, timestamp (tz-aware local), count; plus how it was read."""

    frame: pd.DataFrame
    interval_min: int  # the file's own step (minutes)
    notes: list[str] = field(default_factory=list)
    has_queue: bool = False  # the source named queues (else one queue, DEFAULT_QUEUE)
    has_offsets: bool = False  # the source gave UTC offsets (else local wall-clock times)


def read_history_csv(source: str | PathLike | IO, zone: str) -> History:
    """Read and validate `timestamp,count[,queue]` rows (any regular step, e.g. 5 or 6 minutes).

    Timestamps without a UTC offset are wall-clock times in `zone`; with an
    offset they are converted to `zone`. Counts are arrivals per row's interval.
    """
    try:
        raw = pd.read_csv(source, dtype=str, keep_default_na=False, skipinitialspace=True)
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as exc:
        raise HistoryError(f"history file is not a readable CSV: {exc}".splitlines()[0]) from None
    raw.columns = [str(c).strip().lower() for c in raw.columns]
    return validate_history(raw, zone)


def validate_history(raw: pd.DataFrame, zone: str) -> History:
    """Validate a frame of strings or values with columns timestamp, count and optional queue."""
    for column in ("timestamp", "count"):
        if column not in raw.columns:
            raise HistoryError(f"row 1: column '{column}' is missing (found: {', '.join(map(str, raw.columns))})")
    if raw.empty:
        raise HistoryError("row 2: the history has no data rows")
    rows = pd.Series(np.arange(2, len(raw) + 2), index=raw.index)
    queue = raw["queue"].astype(str).str.strip() if "queue" in raw.columns else pd.Series(DEFAULT_QUEUE, index=raw.index)
    empty_queue = queue == ""
    if empty_queue.any():
        raise HistoryError(f"row {rows[empty_queue].iloc[0]}, column queue: empty queue name")
    counts = _parse_counts(raw["count"], rows)
    timestamps, notes, fate = _parse_timestamps(raw["timestamp"], counts, queue, rows, zone)
    has_offsets = bool(raw["timestamp"].astype(str).str.strip().iloc[0:1].str.contains(_OFFSET).any())
    frame = pd.DataFrame({"queue": queue.to_numpy(), "timestamp": timestamps, "count": counts.to_numpy()})
    moved = frame[fate == _FOLD]
    frame, rows, raw = frame[fate == _KEEP], rows[fate == _KEEP], raw[fate == _KEEP]
    duplicated = frame.duplicated(["queue", "timestamp"], keep=False)
    if duplicated.any():
        first_rows = rows[duplicated.to_numpy()]
        raise HistoryError(
            f"row {first_rows.iloc[1]}, column timestamp: duplicate interval {raw['timestamp'].loc[first_rows.index[1]]}"
            f" (also at row {first_rows.iloc[0]})"
        )
    if len(moved):
        frame = pd.concat([frame, moved]).groupby(["queue", "timestamp"], as_index=False, sort=False)["count"].sum()
    frame = frame.sort_values(["queue", "timestamp"], kind="stable").reset_index(drop=True)
    interval = infer_interval_minutes(pd.DatetimeIndex(frame["timestamp"]))
    return History(frame, interval, notes, has_queue="queue" in raw.columns, has_offsets=has_offsets)


def _parse_counts(values: pd.Series, rows: pd.Series) -> pd.Series:
    text = values.astype(str).str.strip()
    counts = pd.to_numeric(text, errors="coerce")
    bad = counts.isna() | ~np.isfinite(counts.fillna(0))
    if bad.any():
        raise HistoryError(f"row {rows[bad].iloc[0]}, column count: '{text[bad].iloc[0]}' is not a number")
    negative = counts < 0
    if negative.any():
        raise HistoryError(f"row {rows[negative].iloc[0]}, column count: negative count {text[negative].iloc[0]}")
    return counts.astype(float)


def _parse_timestamps(
    values: pd.Series, counts: pd.Series, queue: pd.Series, rows: pd.Series, zone: str
) -> tuple[pd.DatetimeIndex, list[str], np.ndarray]:
    text = values.astype(str).str.strip()
    has_offset = text.str.contains(_OFFSET)
    if has_offset.any() and not has_offset.all():
        odd = has_offset != has_offset.iloc[0]
        kind = "has a UTC offset" if has_offset[odd].iloc[0] else "has no UTC offset"
        raise HistoryError(
            f"row {rows[odd].iloc[0]}, column timestamp: '{text[odd].iloc[0]}' {kind} unlike row 2 (mixed zones)"
        )
    aware = bool(has_offset.iloc[0])
    parsed = pd.to_datetime(text, errors="coerce", format="ISO8601", utc=aware)
    if parsed.isna().any():
        retry = pd.to_datetime(text[parsed.isna()], errors="coerce", format="mixed", utc=aware)
        parsed = parsed.astype(retry.dtype) if len(retry) else parsed
        parsed[retry.index] = retry
    if parsed.isna().any():
        bad = parsed.isna()
        raise HistoryError(f"row {rows[bad].iloc[0]}, column timestamp: cannot read '{text[bad].iloc[0]}' as a date and time")
    if aware:
        return pd.DatetimeIndex(parsed).tz_convert(zone), [], np.full(len(parsed), _KEEP)
    return _localize_wall_clock(pd.DatetimeIndex(parsed), counts, queue, rows, zone)


def _localize_wall_clock(
    naive: pd.DatetimeIndex, counts: pd.Series, queue: pd.Series, rows: pd.Series, zone: str
) -> tuple[pd.DatetimeIndex, list[str], np.ndarray]:
    """Read naive wall-clock times in `zone`, coping with both DST transitions.

    A time in the repeated autumn hour is the first (summer) occurrence when
    seen first for its queue and the second (winter) one when seen again.

    A time the spring-forward gap skips means one of two things. Either the
    file's clock ignored DST (every time is standard time), or the file lists
    a nominal grid of every slot of every day while its times follow the wall
    clock (the Israeli bank file: 240 six-minute rows a day all year, zero in
    the skipped hour). The daily pattern tells them apart: a desk opens at
    the same wall-clock time all year, so if the days under DST line up with
    the others as written, the times are wall clock; if they line up one DST
    shift later, the times are standard. Without enough days on both sides,
    an all-zero skipped hour is taken as a nominal grid and counts in it as a
    clock that ignores DST. Under the wall-clock reading, zero rows in the
    skipped hour are dropped and others move on by the DST shift (their
    counts are added to the interval they land in). Returns the timestamps,
    notes and, per row, _KEEP, _FOLD or _DROP.
    """
    nothing_folded = np.full(len(naive), _KEEP)
    probe = naive.tz_localize(zone, ambiguous="NaT", nonexistent="NaT")
    occurrence = pd.Series(naive).groupby([queue.to_numpy(), naive]).cumcount().to_numpy() == 0
    if not probe.isna().any():
        return probe, [], nothing_folded
    skipped = np.asarray(naive.tz_localize(zone, ambiguous=True, nonexistent="NaT").isna())
    if not skipped.any():
        return naive.tz_localize(zone, ambiguous=occurrence, nonexistent="raise"), [], nothing_folded
    first = int(np.flatnonzero(skipped)[0])
    summer = naive.tz_localize(zone, ambiguous=True, nonexistent="shift_forward")
    shift = pd.to_timedelta([ts.dst() for ts in summer])
    gap = max(shift.max(), pd.Timedelta(minutes=1))
    evidence = _daily_pattern_evidence(naive, counts.to_numpy(float), shift > pd.Timedelta(0), gap)
    zero_gap = bool((counts.to_numpy()[skipped] == 0).all())
    wall_clock = evidence if evidence is not None else zero_gap
    where = f"row {rows.iloc[first]} is {naive[first]}, which {zone} skips"
    if not wall_clock:
        standard_offset = pd.to_timedelta([ts.utcoffset() - ts.dst() for ts in summer])
        fixed = (naive - standard_offset).tz_localize("UTC").tz_convert(zone)
        why = "the daily pattern runs one DST shift early in summer" if evidence is False else "the skipped hour has arrivals"
        note = f"timestamps ignore daylight saving ({where}; {why}): read at the zone's standard offset"
        return fixed, [note], nothing_folded
    in_gap = skipped
    empty = in_gap & (counts.to_numpy() == 0)
    local = naive.tz_localize(zone, ambiguous=occurrence, nonexistent=gap)
    why = "the daily pattern lines up across daylight saving" if evidence else "the skipped hour is empty"
    note = f"timestamps follow the wall clock ({where}; {why}): {int(empty.sum())} empty rows in skipped hours dropped"
    if (in_gap & ~empty).any():
        note += f", {int((in_gap & ~empty).sum())} moved on by the DST shift and added to the interval they land in"
    return local, [note], np.where(empty, _DROP, np.where(in_gap, _FOLD, _KEEP))


# What becomes of each row under the wall-clock reading of a file with times in a skipped hour.
_KEEP, _FOLD, _DROP = 0, 1, 2
# Days needed on each side of daylight saving before the daily pattern decides how to read a file.
PATTERN_DAYS = 7


def _daily_pattern_evidence(
    naive: pd.DatetimeIndex, counts: np.ndarray, dst: np.ndarray, shift: pd.Timedelta
) -> bool | None:
    """True if DST days' daily pattern matches the other days as written, False if it matches `shift` later.

    None when there are fewer than `PATTERN_DAYS` days on either side or no arrivals to compare.
    """
    days = naive.normalize()
    if min(days[dst].nunique(), days[~dst].nunique()) < PATTERN_DAYS:
        return None
    step = max(int(shift / pd.Timedelta(minutes=1)), 1)
    bins = np.asarray(naive.hour * 60 + naive.minute) // step
    size = (24 * 60 + step - 1) // step
    summer = np.bincount(bins[dst], counts[dst], minlength=size)
    winter = np.bincount(bins[~dst], counts[~dst], minlength=size)
    if summer.sum() <= 0 or winter.sum() <= 0:
        return None
    summer, winter = summer / summer.sum(), winter / winter.sum()
    as_written = np.abs(summer - winter).sum()
    # A standard-time file shows summer's activity one shift earlier than winter's.
    one_shift_early = np.abs(summer - np.roll(winter, -1)).sum()
    return bool(as_written <= one_shift_early)


def aggregate(history: History, interval_min: int) -> pd.DataFrame:
    """Sum counts into local intervals of `interval_min` (a multiple of the file's step)."""
    check_interval(interval_min)
    if interval_min % history.interval_min:
        raise HistoryError(
            f"column timestamp: rows are {history.interval_min} minutes apart, which does not divide"
            f" the {interval_min}-minute interval"
        )
    frame = history.frame.assign(timestamp=floor_to_interval(pd.DatetimeIndex(history.frame["timestamp"]), interval_min))
    return frame.groupby(["queue", "timestamp"], sort=True, as_index=False)["count"].sum()


def queue_series(frame: pd.DataFrame, queue: str) -> pd.Series:
    """One queue's counts as a Series on its (tz-aware) timestamps."""
    part = frame[frame["queue"] == queue]
    if part.empty:
        known = ", ".join(sorted(frame["queue"].unique()))
        raise HistoryError(f"column queue: no rows for queue '{queue}' (queues: {known})")
    return pd.Series(part["count"].to_numpy(float), index=pd.DatetimeIndex(part["timestamp"]), name=queue)


# An open spell with no rows at either end of the history, in which the same weekday
# usually gets at least this many arrivals, is where the export was cut, not a quiet
# spell (Poisson arrivals at a mean of 5 leave such a spell empty about one time in 150).
UNFINISHED_ARRIVALS = 5.0
UNFINISHED_LOOKBACK = 4  # same-weekday days that say what a spell usually gets


def drop_unfinished_edge_days(y: pd.Series, open_hours: OpenHours, calendar: DayCalendar) -> tuple[pd.Series, list[str]]:
    """The history without a first or last day that the file covers only in part, and a note per day left out.

    A file exported at noon ends half way through its last open day. Zero-filled
    to closing time (`fill_open_intervals`), that day would read as half a day's
    demand, and the last days weigh most in every level: the Israeli history cut
    at noon on 24 Nov 1999 forecast the week from the 28th 5% below the history
    with all of the 24th (9,470 calls against 9,989); left out, it forecasts as
    the history cut at that midnight. A day counts as unfinished when the open
    intervals beyond its first or last row usually get `UNFINISHED_ARRIVALS` or
    more on the same weekday, so a quiet last hour of a sparse file (rows only
    where calls came) does not cost a whole day.
    """
    notes: list[str] = []
    for edge in ("last", "first"):
        days = local_dates(y.index)
        if days.nunique() < 2:
            break
        day = days[-1] if edge == "last" else days[0]
        slots = open_intervals(pd.DatetimeIndex([day]), str(y.index.tz), open_hours, calendar)
        weekday = calendar.effective_weekdays(pd.DatetimeIndex([day]))[0]
        missing = slots[slots > y.index[-1]] if edge == "last" else slots[slots < y.index[0]]
        if missing.empty:
            continue
        others = pd.DatetimeIndex(days.unique()).drop(day)
        others = others[calendar.effective_weekdays(others) == weekday]
        others = others[-UNFINISHED_LOOKBACK:] if edge == "last" else others[:UNFINISHED_LOOKBACK]
        if others.empty:
            continue
        wanted = slot_of_day(missing, open_hours.interval_min)
        near = y[days.isin(others) & np.isin(slot_of_day(y.index, open_hours.interval_min), wanted)]
        usual = float(near.sum()) / len(others)
        if usual < UNFINISHED_ARRIVALS:
            continue
        cut = f"ends at {missing[0]:%H:%M}" if edge == "last" else f"starts at {y.index[0]:%H:%M}"
        y = y[days != day]
        notes.append(f"the history's {edge} day, {day:%a %d %b %Y}, {cut} while the desk is open: left out as unfinished "
                     f"({usual:.0f} arrivals on the same weekday in the hours it lacks)")
    return y, notes


def fill_open_intervals(y: pd.Series, open_hours: OpenHours, calendar: DayCalendar,
                        until: pd.Timestamp | None = None) -> pd.Series:
    """Zero-fill the open intervals of every day that has rows (before `until`, where the forecast
    starts); days without rows stay out.

    A day with no row at all is closed or missing (not zero demand); inside a
    day that has rows, an open interval without a row had no arrivals (a day
    cut short by the export is not one of those: `drop_unfinished_edge_days`).
    """
    grid = open_intervals(pd.DatetimeIndex(local_dates(y.index).unique()), str(y.index.tz), open_hours, calendar)
    if until is not None:
        grid = grid[grid < until]
    return y.reindex(grid.union(y.index), fill_value=0.0)


def open_intervals(days: pd.DatetimeIndex, zone: str, open_hours: OpenHours, calendar: DayCalendar) -> pd.DatetimeIndex:
    """The open intervals of the local `days` (naive midnights) in `zone`, each day by its effective weekday."""
    grids = [interval_range(local_midnight(d, zone), local_midnight(d + pd.Timedelta(days=1), zone), open_hours.interval_min) for d in days]
    grid = grids[0].append(grids[1:]) if grids else pd.DatetimeIndex([], tz=zone)
    weekdays = pd.Series(calendar.effective_weekdays(days), index=days).loc[local_dates(grid)].to_numpy()
    return grid[open_hours.is_open(grid, weekdays)]


def arrivals_from_tickets(
    tickets: pd.DataFrame,
    zone: str,
    interval_min: int,
    start: pd.Timestamp,
    end: pd.Timestamp,
    open_hours: OpenHours | None = None,
    calendar: DayCalendar | None = None,
) -> pd.DataFrame:
    """Count tickets per queue and local interval over [start, end), zero-filled.

    `tickets` has `created_at` (tz-aware UTC) and `queue`. The grid covers
    every interval of [start, end) in `zone` (both bounds tz-aware), or only
    the open ones when `open_hours` is given (weekdays after `calendar`'s
    holidays). Returns queue, timestamp, count.
    """
    for column in ("created_at", "queue"):
        if column not in tickets.columns:
            raise HistoryError(f"column '{column}' is missing from the tickets")
    created = pd.DatetimeIndex(tickets["created_at"])
    if created.tz is None:
        raise HistoryError("column created_at: timestamps must be tz-aware (UTC)")
    start, end = pd.Timestamp(start).tz_convert(zone), pd.Timestamp(end).tz_convert(zone)
    grid = interval_range(floor_to_interval(pd.DatetimeIndex([start]), interval_min)[0], end, interval_min)
    if open_hours is not None:
        days = local_dates(grid)
        grid = grid[open_hours.is_open(grid, (calendar or DayCalendar()).effective_weekdays(days))]
    local = floor_to_interval(created.tz_convert(zone), interval_min)
    counts = pd.Series(1.0, index=pd.MultiIndex.from_arrays([tickets["queue"].astype(str).to_numpy(), local]))
    counts = counts.groupby(level=[0, 1]).sum()
    queues = sorted(tickets["queue"].astype(str).unique())
    full = pd.MultiIndex.from_product([queues, grid], names=["queue", "timestamp"])
    return counts.reindex(full, fill_value=0.0).rename("count").reset_index()
