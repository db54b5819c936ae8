"""Forecast accuracy on two real call-centre series, against baselines and statsforecast.

    .venv/bin/python benchmarks/forecast_accuracy.py
    .venv/bin/python benchmarks/forecast_accuracy.py --score us=LATER_US.csv --score il=LATER_IL.csv
    .venv/bin/python benchmarks/forecast_accuracy.py --every-origin

For each data set (US bank, 5-minute; Israeli bank, 6-minute; both read from
../shared/data) at 60 and 30 minutes it runs a rolling-origin backtest with a
one-week horizon and a weekly refit: over the last 4 weeks of the history,
or, when a later file of the same series is given with --score, over that
file's weeks (each fold trains on everything before its origin, so the
scoring weeks are never seen before they are forecast).

Per model it prints WAPE, MASE, bias and 80/95% coverage, WAPE over the
seasonal naive's and MAE over the Poisson noise floor. `auto` is the product's
choice: at every origin it keeps the ensemble unless another of its models
beat it day by day over the previous weeks of one-week-ahead forecasts
(training data only; `forecasting.models.combine.choose`). Peers: the 4-week historic average (`historic_average`) and
statsforecast's MSTL, AutoETS and AutoETS per time-of-day slot, each with its
own intervals. Then a summary states which targets pass. `--every-origin`
instead scores the product's models over every weekly origin of each file
(after the first 14 weeks), where the choices behind them were checked, and
ends with auto's mean ratio to the seasonal naive over the data sets.

On the issue's reference figures: it says the 4-week historic average reaches
about 0.62 x seasonal naive (US) and 0.75 x (Israel) at 60 minutes. On the
last 4 weeks of the shared files it is 0.93 and 0.83, and 0.74-0.93 and
0.75-0.99 on every earlier 4-week window; an independent pandas computation
(y one week earlier; mean of the last 4 same weekdays and times; weekly
refit; WAPE = sum |error| / sum actual over the observed intervals) gives the
same figures, and so do fixed-origin and position-indexed variants within a
few points. The quoted pair equals, to two decimals, the Israeli series' MASE
of the historic average (0.62) and of the seasonal naive (0.75), or it comes
from the held-back weeks; it is not a WAPE ratio of these windows. The last US
window is harder than most: the Tuesday after Labor Day runs 37% above a
normal Tuesday and the seasonal naive copies it a week later.
"""

from __future__ import annotations

import argparse
import sys
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from threadpoolctl import threadpool_limits

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from forecasting.backtest import BacktestResult, backtest  # noqa: E402
from forecasting.calendar import DayCalendar  # noqa: E402
from forecasting.daymatrix import build_day_matrix  # noqa: E402
from forecasting.grid import local_dates, slot_of_day  # noqa: E402
from forecasting.history import History, aggregate, queue_series, read_history_csv  # noqa: E402
from forecasting.metrics import poisson_noise_floor  # noqa: E402
from forecasting.models import (  # noqa: E402
    AUTO_CANDIDATES, AUTO_DEFAULT, MODELS, AutoModel, ForecastModel, auto_candidates,
)
from forecasting.models.weekly_grid import WeeklyGrid, weekly_grid  # noqa: E402

SHARED = REPO.parent / "shared" / "data"


@dataclass(frozen=True)
class DataSet:
    key: str
    label: str
    path: Path
    zone: str


# The files hold local wall-clock times. The Israeli README says Israel time;
# the US one leaves the zone undocumented (a US bank, 07:00-21:00 on weekdays):
# any US zone gives the same holidays, and its DST changes fall on closed Sundays.
DATA_SETS = (
    DataSet("us", "US bank (5 min, weekdays 07-21)", SHARED / "bank_calls_5min" / "calls_5min.csv", "America/New_York"),
    DataSet("il", "Israeli bank (6 min, 24x7)", SHARED / "anonymous_bank_1999" / "calls_6min.csv", "Asia/Jerusalem"),
)
BASELINES = ("seasonal_naive", "historic_average")
BACKTEST_WEEKS = 4
PEER_WEEKS = 12  # history the statsforecast peers are fitted on (gap-free weeks)
TARGETS = {"rel_mean": 0.65, "rel_stretch": 0.60, "cov80": (0.75, 0.85), "cov95": (0.92, 0.97), "bias": 0.03, "seconds": 60.0}


# ----- statsforecast peers ---------------------------------------------------------------


class StatsforecastPeer(ForecastModel):
    """A statsforecast configuration on the gap-free weekly grid, with its own intervals."""

    def __init__(self, name: str, forecast_week: Callable[[WeeklyGrid], dict[str, np.ndarray]]) -> None:
        super().__init__(DayCalendar())
        self.name, self._forecast_week = name, forecast_week

    def fit(self, y: pd.Series) -> StatsforecastPeer:
        self._matrix = build_day_matrix(y, self.calendar)
        self._grid = weekly_grid(self._matrix, PEER_WEEKS)
        self._week = self._forecast_week(self._grid)
        return self

    def predict(self, h: pd.DatetimeIndex, level=(80, 95)) -> pd.DataFrame:
        index = h.tz_convert(self._matrix.zone)
        weekdays = self.calendar.effective_weekdays(local_dates(index))
        position = self._grid.position(weekdays, slot_of_day(index, self._matrix.interval_min))
        frame = pd.DataFrame(index=index)
        for column, values in self._week.items():
            frame[column] = np.where(position >= 0, values[np.maximum(position, 0)], 0.0)
        return frame


def _statsforecast(series: dict[str, np.ndarray], model, horizon: dict[str, int]) -> dict[str, pd.DataFrame]:
    from statsforecast import StatsForecast

    frames = [pd.DataFrame({"unique_id": key, "ds": np.arange(len(v)), "y": v}) for key, v in series.items()]
    engine = StatsForecast(models=[model], freq=1, n_jobs=1)
    out = {}
    for key, frame in zip(series, frames):
        fc = engine.forecast(df=frame, h=horizon[key], level=[80, 95])
        fc.columns = [c.replace(f"{model.alias}-", "").replace(model.alias, "mean") for c in fc.columns]
        out[key] = fc
    return out


def _bounds(fc: pd.DataFrame) -> dict[str, np.ndarray]:
    return {
        "mean": np.maximum(fc["mean"].to_numpy(), 0),
        **{f"{side}{lvl}": np.maximum(fc[f"{side}-{lvl}"].to_numpy(), 0) for lvl in (80, 95) for side in ("lo", "hi")},
    }


def _day_length(grid: WeeklyGrid) -> int | None:
    lengths = grid.day_lengths[grid.day_lengths > 0]
    return int(lengths[0]) if len(set(lengths.tolist())) == 1 else None


def sf_mstl(grid: WeeklyGrid) -> dict[str, np.ndarray]:
    from statsforecast.models import MSTL

    day = _day_length(grid)
    seasons = [day, grid.season] if day and day < grid.season else [grid.season]
    fc = _statsforecast({"y": grid.values}, MSTL(season_length=seasons), {"y": grid.season})["y"]
    return _bounds(fc)


def sf_autoets(grid: WeeklyGrid) -> dict[str, np.ndarray]:
    """AutoETS on the whole series with a daily season. statsforecast takes
    seasons of at most 24 periods, so a longer day (30 minutes: 28 US or 48
    Israeli slots) runs without one and carries the level of the series'
    end over the whole week, without the day's shape (after an Israeli
    night, zero); `sf_autoets_per_slot` is then the ETS peer that sees it."""
    from statsforecast.models import AutoETS

    day = _day_length(grid) or 1
    fc = _statsforecast({"y": grid.values}, AutoETS(season_length=day if day <= 24 else 1), {"y": grid.season})["y"]
    return _bounds(fc)


def sf_autoets_per_slot(grid: WeeklyGrid) -> dict[str, np.ndarray]:
    """One AutoETS per time of day over the open days in order, with a weekly season of open days."""
    from statsforecast.models import AutoETS

    weeks = grid.values.reshape(-1, grid.season)
    slots = np.array([slot for _, slot in grid.cells])
    columns = {str(s): np.flatnonzero(slots == s) for s in np.unique(slots)}
    out = {name: np.zeros(grid.season) for name in ("mean", "lo80", "hi80", "lo95", "hi95")}
    by_season: dict[int, list[str]] = {}
    for key, cols in columns.items():
        by_season.setdefault(len(cols), []).append(key)
    for season, keys in by_season.items():
        series = {key: weeks[:, columns[key]].ravel() for key in keys}
        fcs = _statsforecast(series, AutoETS(season_length=season), {key: season for key in keys})
        for key in keys:
            for name, values in _bounds(fcs[key]).items():
                out[name][columns[key]] = values
    return out


PEERS = (("sf_mstl", sf_mstl), ("sf_autoets", sf_autoets), ("sf_autoets_per_slot", sf_autoets_per_slot))


# ----- the run -----------------------------------------------------------------------------


def load(data: DataSet, interval_min: int, score_path: Path | None) -> tuple[pd.Series, list[pd.Timestamp] | None]:
    """The series at `interval_min` and, with a scoring file, its weekly origins."""
    history = read_history_csv(data.path, data.zone)
    origins = None
    if score_path is not None:
        later = read_history_csv(score_path, data.zone)
        if later.frame["timestamp"].min() <= history.frame["timestamp"].max():
            raise SystemExit(f"--score {score_path}: must start after the history ends")
        first = local_dates(pd.DatetimeIndex(later.frame["timestamp"][:1]))[0]
        last = local_dates(pd.DatetimeIndex(later.frame["timestamp"][-1:]))[0]
        origins = list(pd.date_range(first, last, freq="7D"))
        history = History(pd.concat([history.frame, later.frame], ignore_index=True), history.interval_min)
    return queue_series(aggregate(history, interval_min), "all"), origins


def product_calendar(y: pd.Series, zone: str, holidays: str, origins: list[pd.Timestamp] | None) -> DayCalendar:
    """The calendar `shiftdesk forecast --zone ZONE --holidays HOLIDAYS` uses, checked on the data before the first origin."""
    calendar = DayCalendar.from_option(holidays, zone)
    first = origins[0] if origins else build_day_matrix(y, DayCalendar()).end - BACKTEST_WEEKS * pd.Timedelta(weeks=1)
    calendar, note = calendar.confirmed_by(y[local_dates(y.index) < first])
    print(f"   [{zone}, --holidays {holidays}] {note or 'holidays: ' + str(calendar.holiday_country)}", file=sys.stderr)
    return calendar


def product_models(calendar: DayCalendar) -> list[ForecastModel]:
    """What `shiftdesk forecast --model auto` backtests: auto's candidates, then auto itself (nested)."""
    candidates = auto_candidates(calendar)
    return [*candidates, AutoModel(candidates, default=AUTO_DEFAULT)]


def score_table(
    y: pd.Series, origins: list[pd.Timestamp] | None, calendar: DayCalendar, others: bool = True, peers: bool = True
) -> tuple[pd.DataFrame, float]:
    """Backtest table (ours, the other registered models, the peers) and the seconds the product's backtest took.

    `calendar`: the product's (holidays); the reference baselines rows and the
    peers stay plain, so the ratios to seasonal naive keep one denominator.
    `others`: also score the registered models auto does not choose among (Holt-Winters, MSTL).
    `peers`: also score the statsforecast configurations.
    """
    started = time.monotonic()
    result = backtest(y, product_models(calendar), BACKTEST_WEEKS, origins=origins)
    seconds = time.monotonic() - started
    product = result.table.drop(index=list(BASELINES))
    product_forecasts = result.forecasts[~result.forecasts["model"].isin(BASELINES)]
    plain = backtest(y, [MODELS[name](DayCalendar()) for name in BASELINES], BACKTEST_WEEKS, origins=origins)
    rest = [MODELS[name](calendar) for name in MODELS if name not in AUTO_CANDIDATES] if others else []
    empty = BacktestResult(pd.DataFrame(), pd.DataFrame())
    extra = backtest(y, rest, BACKTEST_WEEKS, origins=origins) if rest else empty
    sf = backtest(y, [StatsforecastPeer(name, fn) for name, fn in PEERS], BACKTEST_WEEKS, origins=origins) if peers else empty
    table = pd.concat([plain.table, product, extra.table, sf.table])
    forecasts = pd.concat([plain.forecasts, product_forecasts, extra.forecasts, sf.forecasts])
    naive_wape = table.loc["seasonal_naive", "wape"]
    table["rel_snaive"] = table["wape"] / naive_wape
    floor = forecasts.groupby("model").apply(
        lambda f: np.mean(np.abs(f["actual"] - f["mean"])) / np.mean(poisson_noise_floor(f["actual"].to_numpy())),
        include_groups=False,
    )
    table["mae_floor"] = floor.reindex(table.index)
    return table, seconds


def run(data: DataSet, interval_min: int, score_path: Path | None, holidays: str) -> tuple[pd.DataFrame, float]:
    """Backtest table for one data set and interval, and the seconds the product's models took."""
    y, origins = load(data, interval_min, score_path)
    return score_table(y, origins, product_calendar(y, data.zone, holidays, origins))


def robustness(data: DataSet, interval_min: int, offsets: list[int], holidays: str) -> list[dict]:
    """The summary figures on earlier 4-week windows of the history (pseudo-holdouts).

    Window `k` is the 4 weeks ending `k` weeks before the end of the history;
    every fold still trains only on the data before its own origin.
    """
    y, _ = load(data, interval_min, None)
    end = build_day_matrix(y, DayCalendar()).end
    rows = []
    for k in offsets:
        origins = [end - pd.Timedelta(weeks=k + BACKTEST_WEEKS - i) for i in range(BACKTEST_WEEKS)]
        calendar = product_calendar(y, data.zone, holidays, origins)
        table, seconds = score_table(y, origins, calendar, others=False)
        last = origins[-1] + pd.Timedelta(days=6)
        rows.append({"data": data.key, "interval": interval_min, "window": f"{origins[0]:%Y-%m-%d}..{last:%m-%d}",
                     **summary_row(table, seconds)})
    return rows


# The first weekly origin of --every-origin: enough history for the inner
# backtests (12 weeks of calibration) and the weekday factors.
EVERY_ORIGIN_FIRST_WEEK = 14


def every_origin(data: DataSet, interval_min: int, holidays: str) -> pd.DataFrame:
    """The product's models over every weekly origin after the first `EVERY_ORIGIN_FIRST_WEEK` weeks.

    Four weeks are a small sample (one odd week moves a ratio by several
    points); choices are checked on all the weeks a series has. The holiday
    check sees the history before the last four weeks, as in the main table.
    """
    y, _ = load(data, interval_min, None)
    matrix = build_day_matrix(y, DayCalendar())
    weeks = (matrix.end - matrix.dates[0]).days // 7 - EVERY_ORIGIN_FIRST_WEEK
    origins = [matrix.end - pd.Timedelta(weeks=k) for k in range(weeks, 0, -1)]
    calendar = product_calendar(y, data.zone, holidays, origins[-BACKTEST_WEEKS:])
    table, _ = score_table(y, origins, calendar, others=False, peers=False)
    table.insert(0, "origins", len(origins))
    return table


def summary_row(table: pd.DataFrame, seconds: float) -> dict:
    """The selected model's figures beside its peers', as in the summary table."""
    auto = table.loc["auto"]
    return {
        "auto_wape": auto["wape"], "ha4_wape": table.loc["historic_average", "wape"],
        "best_sf_wape": table.loc[[name for name, _ in PEERS], "wape"].min(), "rel_snaive": auto["rel_snaive"],
        "mae_floor": auto["mae_floor"], "bias": auto["bias"], "cov80": auto["coverage80"], "cov95": auto["coverage95"],
        "seconds": seconds,
    }


def summarize(results: dict[tuple[str, int], tuple[pd.DataFrame, float]]) -> tuple[pd.DataFrame, list[str]]:
    """One row per data set and interval, and the target verdicts."""
    rows = [{"data": key, "interval": interval, **summary_row(table, seconds)}
            for (key, interval), (table, seconds) in results.items()]
    summary = pd.DataFrame(rows)
    verdicts = []
    for interval, part in summary.groupby("interval"):
        rel = part["rel_snaive"].mean()
        checks = {
            "WAPE below 4-week historic average on each data set": bool((part["auto_wape"] < part["ha4_wape"]).all()),
            "WAPE below every statsforecast configuration": bool((part["auto_wape"] < part["best_sf_wape"]).all()),
            f"mean WAPE/seasonal-naive {rel:.3f} <= {TARGETS['rel_mean']}": rel <= TARGETS["rel_mean"],
            f"stretch: mean WAPE/seasonal-naive <= {TARGETS['rel_stretch']}": rel <= TARGETS["rel_stretch"],
            "80% coverage in 75-85%": bool(part["cov80"].between(*TARGETS["cov80"]).all()),
            "95% coverage in 92-97%": bool(part["cov95"].between(*TARGETS["cov95"]).all()),
            "bias within +-3%": bool((part["bias"].abs() <= TARGETS["bias"]).all()),
        }
        verdicts += [f"{interval:>3} min  {'PASS' if ok else 'FAIL'}  {text}" for text, ok in checks.items()]
    per_set = summary.groupby("data")["seconds"].sum()
    verdicts += [
        f"all      {'PASS' if s < TARGETS['seconds'] else 'FAIL'}  backtest of {key} (both intervals) {s:.1f} s < 60 s"
        for key, s in per_set.items()
    ]
    return summary, verdicts


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--score", action="append", default=[], metavar="KEY=FILE",
                        help="a later period of data set KEY (us, il) to score on instead of the last 4 weeks")
    parser.add_argument("--intervals", type=int, nargs="+", default=[60, 30])
    parser.add_argument("--data", nargs="+", default=[d.key for d in DATA_SETS], help="data sets to run (us, il)")
    parser.add_argument("--windows", type=int, nargs="*", default=[4, 8], metavar="WEEKS",
                        help="robustness: also score the 4 weeks ending WEEKS before the history's end (none: skip)")
    parser.add_argument("--every-origin", action="store_true",
                        help="only score the product's models over every weekly origin after the first "
                             f"{EVERY_ORIGIN_FIRST_WEEK} weeks (no peers; auto's mean ratio over the data sets last)")
    parser.add_argument("--holidays", default="auto",
                        help="as `shiftdesk forecast --holidays`: auto (the country of each series' zone), none, or a code")
    args = parser.parse_args(argv)
    scores = dict(item.split("=", 1) for item in args.score)
    pd.set_option("display.width", 200)
    warnings.simplefilter("ignore")
    results = {}
    if args.every_origin:
        ratios: dict[int, list[float]] = {}
        with threadpool_limits(1):
            for data in (d for d in DATA_SETS if d.key in args.data):
                for interval in args.intervals:
                    table = every_origin(data, interval, args.holidays)
                    print(f"\n== {data.label}, {interval} min, every weekly origin after week {EVERY_ORIGIN_FIRST_WEEK}")
                    print(table[["origins", "wape", "bias", "coverage80", "coverage95", "rel_snaive", "mae_floor"]]
                          .to_string(float_format=lambda v: f"{v:.3f}"))
                    ratios.setdefault(interval, []).append(table.loc["auto", "rel_snaive"])
        print("\n== auto's WAPE / seasonal-naive WAPE, mean over the data sets")
        for interval, values in ratios.items():
            print(f"{interval:>3} min  {np.mean(values):.3f}")
        return
    with threadpool_limits(1):
        for data in (d for d in DATA_SETS if d.key in args.data):
            for interval in args.intervals:
                score_path = Path(scores[data.key]) if data.key in scores else None
                window = f"weeks of {score_path}" if score_path else f"last {BACKTEST_WEEKS} weeks of the history"
                table, seconds = run(data, interval, score_path, args.holidays)
                print(f"\n== {data.label}, {interval} min, scored on the {window}")
                print(table[["wape", "mase", "bias", "coverage80", "coverage95", "rel_snaive", "mae_floor", "seconds"]]
                      .to_string(float_format=lambda v: f"{v:.3f}"))
                print(f"product models' backtest: {seconds:.1f} s")
                results[(data.key, interval)] = (table, seconds)
        if args.windows:
            robust = [row for data in DATA_SETS if data.key in args.data for interval in args.intervals
                      for row in robustness(data, interval, args.windows, args.holidays)]
    summary, verdicts = summarize(results)
    print("\n== Summary (auto = the product's per-origin choice)")
    print(summary.to_string(index=False, float_format=lambda v: f"{v:.3f}"))
    print("\n== Targets")
    print("\n".join(verdicts))
    if args.windows:
        print(f"\n== Robustness: earlier {BACKTEST_WEEKS}-week windows of the history"
              " (each fold trained only on data before its origin)")
        table = pd.DataFrame(robust)
        table["beats_ha4"] = table["auto_wape"] < table["ha4_wape"]
        table["beats_sf"] = table["auto_wape"] < table["best_sf_wape"]
        print(table.drop(columns=["seconds"]).to_string(index=False, float_format=lambda v: f"{v:.3f}"))


if __name__ == "__main__":
    main()
