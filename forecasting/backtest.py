"""Rolling-origin backtest and automatic model choice.

The last `weeks` week boundaries of the history are origins; at each, every
model is fitted on everything before it (weekly refit) and forecasts the next
seven days, scored against what happened. Results come back as a tidy table
per model (WAPE, MASE, bias, 80/95% coverage) plus the long table of every
forecast. Baselines always run; the other models stop when the time limit is
spent, and only models that finished every fold can be chosen.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from forecasting.daymatrix import build_day_matrix
from forecasting.errors import ForecastError
from forecasting.grid import local_dates
from forecasting.metrics import bias, coverage, seasonal_naive_scale, wape
from forecasting.models.base import WEEK, ForecastModel, truncate

Progress = Callable[[int, int, str], None]
METRIC_COLUMNS = ["wape", "mase", "bias", "coverage80", "coverage95"]


@dataclass(frozen=True)
class BacktestResult:
    """`table`: one row per model; `forecasts`: one row per model, origin and interval."""

    table: pd.DataFrame
    forecasts: pd.DataFrame

    def best_model(self) -> str:
        """The complete model with the lowest WAPE (ties: the earlier listed)."""
        complete = self.table[self.table["status"] == "ok"]
        if complete.empty:
            raise ForecastError("no model finished the backtest; raise the time limit")
        return str(complete["wape"].idxmin())


def score(forecasts: pd.DataFrame) -> dict[str, float]:
    """The summary metrics of one model's forecasts (columns actual, mean, lo/hi, scale)."""
    actual, mean = forecasts["actual"].to_numpy(), forecasts["mean"].to_numpy()
    return {
        "wape": wape(actual, mean),
        "mase": float(np.mean(np.abs(actual - mean) / forecasts["scale"].to_numpy())),
        "bias": bias(actual, mean),
        "coverage80": coverage(actual, forecasts["lo80"], forecasts["hi80"]),
        "coverage95": coverage(actual, forecasts["lo95"], forecasts["hi95"]),
    }


def backtest(
    y: pd.Series,
    models: Sequence[ForecastModel],
    weeks: int = 4,
    time_limit_s: float | None = None,
    progress: Progress | None = None,
    clock: Callable[[], float] = time.monotonic,
    origins: Sequence[pd.Timestamp] | None = None,
) -> BacktestResult:
    """Score every model with a one-week horizon at each of the last `weeks` weekly origins.

    `y`: arrivals per open interval, tz-aware local index. `origins` (naive
    local midnights) replaces the last `weeks` week boundaries, e.g. the weeks
    of a later scoring file appended to the history. `clock` measures
    elapsed seconds for the time limit (never the date). Models whose turn
    comes after the limit is spent are listed with status 'time limit'.
    """
    if not models:
        raise ForecastError("a backtest needs at least one model")
    matrix = build_day_matrix(y, models[0].calendar)
    origins = list(origins) if origins is not None else [matrix.end - k * WEEK for k in range(weeks, 0, -1)]
    weeks = len(origins)
    if not origins or (origins[0] - matrix.dates[0]).days < 14:
        raise ForecastError(f"a {weeks}-week backtest needs at least two weeks of history before its first origin")
    dates = local_dates(y.index)
    scales = {origin: seasonal_naive_scale(truncate(matrix, origin)) for origin in origins}
    started, total, done = clock(), len(models) * weeks, 0
    rows, parts = [], []
    for model in models:
        status, model_started, model_parts = "ok", clock(), []
        for origin in origins:
            if time_limit_s is not None and clock() - started > time_limit_s and not model.is_baseline:
                status = "time limit"
                break
            train = y[dates < origin]
            target = y[(dates >= origin) & (dates < origin + WEEK)]
            frame = model.fit(train).predict(target.index)
            frame.insert(0, "actual", target.to_numpy(dtype=float))
            frame.insert(0, "origin", origin)
            frame["scale"] = scales[origin]
            model_parts.append(frame)
            done += 1
            if progress:
                progress(done, total, f"backtest {model.name}: week from {origin:%Y-%m-%d}")
        seconds = clock() - model_started
        if status == "ok":
            joined = pd.concat(model_parts)
            joined.insert(0, "model", model.name)
            parts.append(joined)
            rows.append({"model": model.name, **score(joined), "seconds": seconds, "status": status})
        else:
            rows.append({"model": model.name, **dict.fromkeys(METRIC_COLUMNS, np.nan), "seconds": seconds, "status": status})
            done += weeks - len(model_parts)
    table = pd.DataFrame(rows).set_index("model")
    forecasts = pd.concat(parts).rename_axis("timestamp").reset_index() if parts else pd.DataFrame()
    return BacktestResult(table, forecasts)
