"""A gap-free series of whole weeks for models that need a regular season.

Holt-Winters and MSTL index their season by position, so a missing day or a
holiday would shift every later week. The grid takes the last `weeks` weeks
before the history's end, keeps the slots open on each calendar weekday, and
fills unusable or missing days with that weekday's historic average.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from forecasting.daymatrix import DayMatrix, column_means


@dataclass(frozen=True)
class WeeklyGrid:
    """values: observations in time order; cells: (weekday, slot) of one week, in that order."""

    values: np.ndarray
    cells: list[tuple[int, int]]
    day_lengths: np.ndarray  # open slots per position-in-week day

    @property
    def season(self) -> int:
        return len(self.cells)

    def position(self, weekdays: np.ndarray, slots: np.ndarray) -> np.ndarray:
        """Index within the week of each (weekday, slot); -1 where that cell is closed."""
        lookup = {cell: i for i, cell in enumerate(self.cells)}
        return np.array([lookup.get((int(w), int(s)), -1) for w, s in zip(weekdays, slots)])


def weekly_grid(matrix: DayMatrix, weeks: int) -> WeeklyGrid:
    """The last `weeks` whole weeks of `matrix` as a regular series of open cells."""
    days = pd.date_range(matrix.end - pd.Timedelta(weeks=weeks), matrix.end, freq="D", inclusive="left")
    row_of = {day: row for row, day in enumerate(matrix.dates)}
    history = matrix.dates >= days[0] - pd.Timedelta(weeks=weeks)
    typical = {}
    for weekday in range(7):
        rows = np.flatnonzero(matrix.usable & history & (matrix.dates.dayofweek == weekday))
        typical[weekday] = column_means(matrix.values[rows]) if len(rows) else np.full(matrix.values.shape[1], np.nan)
    first_week = days[:7]
    open_slots = [np.flatnonzero(~np.isnan(typical[day.dayofweek])) for day in first_week]
    cells = [(day.dayofweek, int(slot)) for day, slots in zip(first_week, open_slots) for slot in slots]
    values = []
    for day in days:
        slots = open_slots[(day - days[0]).days % 7]
        row = row_of.get(day)
        observed = matrix.values[row, slots] if row is not None and matrix.usable[row] else None
        fill = typical[day.dayofweek][slots]
        values.append(fill if observed is None else np.where(np.isnan(observed), fill, observed))
    return WeeklyGrid(np.concatenate(values) if values else np.zeros(0), cells, np.array([len(s) for s in open_slots]))
