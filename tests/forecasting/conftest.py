"""Factories for small arrival series with known structure."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest


def weekly_pattern_series(
    weeks: int = 6,
    zone: str = "UTC",
    start: str = "2024-01-01",
    interval_min: int = 60,
    open_hours: tuple[int, int] = (0, 24),
    weekdays: tuple[int, ...] = tuple(range(7)),
    seed: int | None = 0,
    scale: float = 20.0,
) -> pd.Series:
    """Arrivals per interval: a weekday x hour rate, Poisson noise when `seed` is given.

    Only intervals within `open_hours` (local hours [open, close)) on `weekdays`
    are present, as in a history file of a desk that closes.
    """
    first = pd.Timestamp(start, tz=zone)
    index = pd.date_range(first, periods=weeks * 7 * 24 * 60 // interval_min, freq=f"{interval_min}min")
    hour = index.hour + index.minute / 60
    keep = (hour >= open_hours[0]) & (hour < open_hours[1]) & np.isin(index.dayofweek, weekdays)
    index = index[keep]
    hour = index.hour + index.minute / 60
    rate = scale * (1.2 + np.sin((hour - 6) / 24 * 2 * np.pi)) * (1 + 0.1 * index.dayofweek)
    rate = np.asarray(rate) * interval_min / 60
    values = np.random.default_rng(seed).poisson(rate) if seed is not None else np.round(rate)
    return pd.Series(values.astype(float), index=index)


@pytest.fixture
def series_factory():
    return weekly_pattern_series


def write_csv(path, series: pd.Series, queue: str | None = None) -> None:
    """Write a series as a history file with naive local timestamps."""
    frame = pd.DataFrame({"timestamp": series.index.tz_localize(None).strftime("%Y-%m-%d %H:%M:%S"), "count": series.to_numpy()})
    if queue:
        frame["queue"] = queue
    frame.to_csv(path, index=False)
