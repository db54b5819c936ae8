"""The forecast job: history in, forecast per queue and interval out (pure).

This is what the CLI, the forecast page and the stored runs call. It
aggregates the history to the interval, decides the open hours, backtests
the candidate models (or the one asked for, beside the baselines), picks one
per queue, refits it on all the history and forecasts the horizon.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import pandas as pd

from forecasting.backtest import BacktestResult, Progress, backtest
from forecasting.calendar import DayCalendar
from forecasting.errors import ForecastError
from forecasting.grid import check_interval, horizon_end, interval_range, local_dates
from forecasting.history import History, aggregate, drop_unfinished_edge_days, fill_open_intervals, queue_series
from forecasting.models import AUTO_DEFAULT, MODELS, AutoModel, ForecastModel, auto_candidates
from forecasting.models.baselines import HistoricAverage, SeasonalNaive
from forecasting.open_hours import OpenHours, infer_open_hours, parse_open_hours

FORECAST_COLUMNS = ["queue", "timestamp", "mean", "lo80", "hi80", "lo95", "hi95"]
BACKTEST_WEEKS = 4


@dataclass(frozen=True)
class ForecastResult:
    """A forecast run.

    forecast: long frame queue, timestamp (tz-aware local), mean, lo80, hi80,
    lo95, hi95, in arrivals per interval, one row per open interval.
    backtest: one row per queue and model (wape, mase, bias, coverage80,
    coverage95, seconds, status). chosen: model per queue. open_hours: the
    one-line decision per queue. notes: anything the reader should know.
    """

    forecast: pd.DataFrame
    backtest: pd.DataFrame
    chosen: dict[str, str]
    open_hours: dict[str, str]
    notes: list[str] = field(default_factory=list)


def candidate_models(calendar: DayCalendar) -> list[ForecastModel]:
    """One fresh instance of every model `auto` chooses among, baselines first."""
    return auto_candidates(calendar)


def parse_start(text: str | pd.Timestamp, zone: str, interval_min: int) -> pd.Timestamp:
    """A forecast start as a tz-aware local timestamp on an interval boundary."""
    try:
        start = pd.Timestamp(text)
    except ValueError:
        raise ForecastError(f"start '{text}' is not a date and time (YYYY-MM-DD HH:MM)") from None
    start = start.tz_localize(zone, ambiguous=True, nonexistent="shift_forward") if start.tzinfo is None else start.tz_convert(zone)
    if (start.hour * 60 + start.minute) % interval_min or start.second:
        raise ForecastError(f"start {start:%Y-%m-%d %H:%M} is not on a {interval_min}-minute boundary")
    return start


def forecast_series(
    history: History,
    start: str | pd.Timestamp,
    horizon_days: int,
    interval_min: int,
    zone: str,
    model: str = "auto",
    calendar: DayCalendar | None = None,
    open_hours: str = "auto",
    queues: Sequence[str] | None = None,
    backtest_weeks: int = BACKTEST_WEEKS,
    time_limit_s: float | None = None,
    progress: Progress | None = None,
    clock: Callable[[], float] = time.monotonic,
) -> ForecastResult:
    """Forecast every queue (or `queues`) over `horizon_days` local days from `start`.

    `history` comes from `read_history_csv` or `History(arrivals_from_tickets(...), ...)`;
    `open_hours` is 'auto' (read from which intervals have rows), '24x7' or a
    spec such as 'Mon-Fri 07:00-21:00'. `model` is 'auto' or a registry name.
    The time limit (seconds, measured with `clock`) bounds the backtest.
    """
    check_interval(interval_min)
    if horizon_days < 1:
        raise ForecastError(f"horizon must be at least one day, got {horizon_days}")
    if model != "auto" and model not in MODELS:
        raise ForecastError(f"unknown model '{model}'; choose auto or one of: {', '.join(MODELS)}")
    calendar = calendar or DayCalendar()
    start_ts = parse_start(start, zone, interval_min)
    frame = aggregate(history, interval_min)
    names = list(queues) if queues else sorted(frame["queue"].unique())
    forecasts, tables, chosen, hours, notes = [], [], {}, {}, list(history.notes)
    started = clock()
    for name in names:
        remaining = None if time_limit_s is None else max(0.0, time_limit_s - (clock() - started))
        run = _forecast_queue(
            queue_series(frame, name).tz_convert(zone), start_ts, horizon_days, interval_min, model, calendar,
            open_hours, backtest_weeks, remaining, progress, clock,
        )
        forecasts.append(run.forecast.assign(queue=name))
        tables.append(run.table.assign(queue=name))
        chosen[name], hours[name] = run.model, run.open_hours
        notes.extend(f"queue {name}: {note}" for note in run.notes)
    forecast = pd.concat(forecasts, ignore_index=True)[FORECAST_COLUMNS]
    table = pd.concat(tables).rename_axis("model").reset_index()
    table = table[["queue", "model", *[c for c in table.columns if c not in ("queue", "model")]]]
    return ForecastResult(forecast, table, chosen, hours, notes)


@dataclass(frozen=True)
class _QueueRun:
    forecast: pd.DataFrame
    table: pd.DataFrame
    model: str
    open_hours: str
    notes: list[str]


def _forecast_queue(
    y: pd.Series, start: pd.Timestamp, horizon_days: int, interval_min: int, model: str, calendar: DayCalendar,
    open_hours_spec: str, weeks: int, time_limit_s: float | None, progress: Progress | None, clock: Callable[[], float],
) -> _QueueRun:
    calendar, holiday_note = calendar.confirmed_by(y)
    hours = _decide_open_hours(y, open_hours_spec, interval_min, calendar)
    last_row = y.index[-1]
    if start < last_row + pd.Timedelta(minutes=interval_min):
        raise ForecastError(f"start {start:%Y-%m-%d %H:%M} is inside the history (its last {interval_min}-minute "
                            f"interval starts {last_row:%Y-%m-%d %H:%M})")
    y, edge_notes = drop_unfinished_edge_days(y, hours, calendar)
    y = fill_open_intervals(y, hours, calendar, until=start)
    future = interval_range(start, horizon_end(start, horizon_days), interval_min)
    days = pd.DatetimeIndex(local_dates(future).unique())
    weekday_of = pd.Series(calendar.effective_weekdays(days), index=days)
    future = future[hours.is_open(future, weekday_of.loc[local_dates(future)].to_numpy())]

    auto = model == "auto"
    candidates = auto_candidates(calendar) if auto else [
        SeasonalNaive(calendar), HistoricAverage(calendar), *([] if model in ("seasonal_naive", "historic_average") else [MODELS[model](calendar)])
    ]
    notes: list[str] = [note for note in (holiday_note, calendar.holiday_decisions(days)) if note] + edge_notes
    history_weeks = (local_dates(y.index)[-1] - local_dates(y.index)[0]).days // 7
    weeks = min(weeks, history_weeks - 2)
    if weeks >= 1:
        # The auto row scores the choice itself, nested: at each origin it chooses from that origin's past only.
        scored = [*candidates, AutoModel(candidates, default=AUTO_DEFAULT)] if auto else candidates
        result = backtest(y, scored, weeks, time_limit_s, progress, clock)
    else:
        result = BacktestResult(pd.DataFrame(columns=["wape", "status"]), pd.DataFrame())
        notes.append("history shorter than three weeks: no backtest, historic average used")
    if not auto:
        fitted, chosen_name = next(m for m in candidates if m.name == model).fit(y), model
    elif weeks < 1:
        fitted, chosen_name = HistoricAverage(calendar).fit(y), "historic_average"
    else:
        fitted = _fit_auto(y, candidates, result)
        chosen_name = fitted.chosen.name
        notes.append(_explain_choice(fitted))
    if (cycle := fitted.applied_cycle()) is not None:
        notes.append(cycle.describe())
    frame = fitted.predict(future).rename_axis("timestamp").reset_index()
    text = f"open hours: {hours.describe()} {hours.source}"
    return _QueueRun(frame, result.table, chosen_name, text, notes)


def _fit_auto(y: pd.Series, candidates: list[ForecastModel], result: BacktestResult) -> AutoModel:
    """Fit the automatic choice among the candidates that finished the backtest in time."""
    finished = [c for c in candidates if result.table.loc[c.name, "status"] == "ok"]
    names = [c.name for c in finished]
    return AutoModel(finished, default=AUTO_DEFAULT if AUTO_DEFAULT in names else None).fit(y)


def _explain_choice(auto: AutoModel) -> str:
    """One line on why auto chose what it chose."""
    chosen, scores, weeks = auto.chosen.name, auto.scores, auto.weeks_compared
    over = f"over the last {weeks} weeks of one-week-ahead forecasts"
    if weeks == 0:
        return f"auto used {chosen}: the history is too short to compare candidates on past weeks"
    if auto.default is None:
        return f"auto chose {chosen}: lowest WAPE ({scores[chosen]:.3f}) {over}"
    if chosen == auto.default:
        return f"auto kept {chosen} (WAPE {scores[chosen]:.3f} {over}): no candidate beat it clearly day by day"
    return (f"auto chose {chosen} over {auto.default}: its daily errors were clearly lower {over} "
            f"(WAPE {scores[chosen]:.3f} vs {scores[auto.default]:.3f})")


def _decide_open_hours(y: pd.Series, spec: str, interval_min: int, calendar: DayCalendar) -> OpenHours:
    if spec.strip().lower() != "auto":
        return parse_open_hours(spec, interval_min)
    days = pd.DatetimeIndex(local_dates(y.index).unique())
    weekday_of = pd.Series(calendar.effective_weekdays(days), index=days)
    return infer_open_hours(y.index, weekday_of.loc[local_dates(y.index)].to_numpy(), interval_min)
