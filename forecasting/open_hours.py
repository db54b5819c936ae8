"""When the desk takes arrivals: a weekly set of open wall-clock slots.

History files list only the intervals in which the desk was open (no rows at
night, at weekends, on missing days). `infer_open_hours` reads that pattern
back, so the forecast covers exactly the intervals a planner must staff, and
`OpenHours.describe` says in one line what was decided.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
import pandas as pd

from forecasting.errors import ForecastError
from forecasting.grid import MINUTES_PER_DAY, check_interval, local_dates, slot_of_day

WEEKDAY_NAMES = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")

# A weekday counts as open when the history has it in at least this share of
# the weeks it spans, and a slot when it has rows on this share of those days:
# one missing day or one late opening must not close a whole weekday.
OPEN_SHARE = 0.5


@dataclass(frozen=True)
class OpenHours:
    """Open slots per weekday (Mon=0) on a grid of `interval_min` minutes, local wall time."""

    interval_min: int
    open_slots: tuple[tuple[bool, ...], ...]  # 7 rows x (1440 / interval_min) slots
    source: str = "as given"  # how they were decided, shown after them: "as given", "inferred from 20 days"

    @classmethod
    def from_mask(cls, mask: np.ndarray, interval_min: int, source: str) -> OpenHours:
        """Build from a 7 x slots boolean array."""
        return cls(interval_min, tuple(tuple(bool(v) for v in row) for row in mask), source)

    @classmethod
    def always(cls, interval_min: int) -> OpenHours:
        """A desk that is open around the clock, every day."""
        check_interval(interval_min)
        return cls.from_mask(np.ones((7, MINUTES_PER_DAY // interval_min), bool), interval_min, "as given")

    @property
    def mask(self) -> np.ndarray:
        """7 x slots boolean array, True where open."""
        return np.array(self.open_slots, dtype=bool)

    def is_open(self, index: pd.DatetimeIndex, weekdays: np.ndarray) -> np.ndarray:
        """Which timestamps fall in open slots, given each one's (effective) weekday."""
        return self.mask[np.asarray(weekdays), slot_of_day(index, self.interval_min)]

    def describe(self) -> str:
        """One line such as 'Mon-Fri 07:00-22:00, Sat 09:00-13:00' (closed days omitted)."""
        mask = self.mask
        if mask.all():
            return "24x7"
        day_texts = [_ranges_text(row, self.interval_min) for row in mask]
        parts: list[str] = []
        day = 0
        while day < 7:
            last = day
            while last + 1 < 7 and day_texts[last + 1] == day_texts[day]:
                last += 1
            if day_texts[day]:
                days = WEEKDAY_NAMES[day] if last == day else f"{WEEKDAY_NAMES[day]}-{WEEKDAY_NAMES[last]}"
                parts.append(f"{days} {day_texts[day]}")
            day = last + 1
        return ", ".join(parts) if parts else "closed"


def _ranges_text(row: np.ndarray, interval_min: int) -> str:
    """'07:00-12:00 13:00-18:00' for the open runs of one day's slots."""
    runs = []
    slot = 0
    while slot < len(row):
        if row[slot]:
            end = slot
            while end < len(row) and row[end]:
                end += 1
            runs.append(f"{_clock(slot * interval_min)}-{_clock(end * interval_min)}")
            slot = end
        else:
            slot += 1
    return " ".join(runs)


def _clock(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def infer_open_hours(index: pd.DatetimeIndex, weekdays: np.ndarray, interval_min: int) -> OpenHours:
    """Read the open slots back from the timestamps that have rows.

    `weekdays` is each timestamp's effective weekday (a holiday counts as a
    Sunday, a make-up working day as a Monday). Days without any row are
    treated as closed or missing, never as zero arrivals.
    """
    if len(index) == 0:
        raise ForecastError("cannot infer open hours from an empty history")
    slots = MINUTES_PER_DAY // interval_min
    dates = local_dates(index)
    frame = pd.DataFrame({"date": dates, "weekday": np.asarray(weekdays), "slot": slot_of_day(index, interval_min)})
    days = frame.drop_duplicates("date")
    span_days = pd.date_range(dates.min(), dates.max(), freq="D")
    weeks_spanned = np.bincount(span_days.dayofweek, minlength=7)
    days_present = np.bincount(days["weekday"], minlength=7)
    weekday_open = days_present >= OPEN_SHARE * np.maximum(weeks_spanned, 1)
    cells = frame.drop_duplicates(["date", "slot"])
    counts = np.zeros((7, slots))
    np.add.at(counts, (cells["weekday"].to_numpy(), cells["slot"].to_numpy()), 1)
    mask = (counts >= OPEN_SHARE * np.maximum(days_present, 1)[:, None]) & weekday_open[:, None]
    missing = int(np.sum(np.where(weekday_open, weeks_spanned - days_present, 0)))
    source = f"inferred from {len(days)} days"
    if missing > 0:
        source += f" ({missing} open days without rows skipped)"
    return OpenHours.from_mask(mask, interval_min, source)


_SPEC_PART = re.compile(
    r"^(?P<days>[A-Za-z]{3}(?:-[A-Za-z]{3})?)\s+(?P<start>\d{1,2}:\d{2})-(?P<end>\d{1,2}:\d{2})$"
)


def parse_open_hours(text: str, interval_min: int) -> OpenHours:
    """Parse '24x7' or 'Mon-Fri 07:00-21:00, Sat 09:00-13:00' (a range may cross midnight)."""
    check_interval(interval_min)
    if text.strip().lower() == "24x7":
        return OpenHours.always(interval_min)
    slots = MINUTES_PER_DAY // interval_min
    mask = np.zeros((7, slots), bool)
    lowered = [name.lower() for name in WEEKDAY_NAMES]
    for part in filter(None, (p.strip() for p in text.split(","))):
        match = _SPEC_PART.match(part)
        if not match:
            raise ForecastError(f"open hours '{part}': expected e.g. 'Mon-Fri 07:00-21:00' or '24x7'")
        names = match["days"].lower().split("-")
        if any(name not in lowered for name in names):
            raise ForecastError(f"open hours '{part}': unknown weekday (use Mon..Sun)")
        first, last = lowered.index(names[0]), lowered.index(names[-1])
        days = [(first + k) % 7 for k in range((last - first) % 7 + 1)]
        start, end = (_minutes(match[key], part) for key in ("start", "end"))
        if start % interval_min or end % interval_min:
            raise ForecastError(f"open hours '{part}': times must fall on {interval_min}-minute boundaries")
        for day in days:
            if end > start:
                mask[day, start // interval_min : end // interval_min] = True
            else:  # crosses midnight: the tail belongs to the next day
                mask[day, start // interval_min :] = True
                mask[(day + 1) % 7, : end // interval_min] = True
    return OpenHours.from_mask(mask, interval_min, "as given")


def _minutes(clock: str, part: str) -> int:
    hours, minutes = (int(v) for v in clock.split(":"))
    if minutes >= 60 or hours > 24 or (hours == 24 and minutes):
        raise ForecastError(f"open hours '{part}': {clock} is not a time of day")
    return hours * 60 + minutes
