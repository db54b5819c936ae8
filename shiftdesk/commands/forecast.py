"""`shiftdesk forecast`: a history file in, a forecast file out.

    shiftdesk forecast --history calls.csv --start "2024-11-04 00:00" \
        --horizon-days 7 --interval 60 --out forecast.csv --zone Asia/Shanghai

The history has `timestamp,count[,queue]` at any regular step that divides
the interval (5- or 6-minute files are summed up). The output has one row per
open interval of the horizon: `[queue,]timestamp,mean,lo80,hi80,lo95,hi95`,
in arrivals per interval, CSV or Excel by the file's extension. Decisions
(holidays, open hours, backtest, chosen model) go to stdout, progress to stderr.
Public holidays default to the zone's country (`--holidays auto`), kept only
when the history's past holidays agree; `--holidays none` turns them off.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from shiftdesk.errors import UserError

if TYPE_CHECKING:  # the forecasting stack loads only when the command runs: `shiftdesk --help` stays fast
    import pandas as pd

    from forecasting.service import ForecastResult

DEFAULT_ZONE = "Asia/Shanghai"
OUTPUT_COLUMNS = ["timestamp", "mean", "lo80", "hi80", "lo95", "hi95"]


def register(app: typer.Typer) -> None:
    """Add the `forecast` command to the CLI."""
    app.command("forecast")(forecast)


def forecast(
    history: Path = typer.Option(..., "--history", help="CSV with timestamp,count[,queue]."),
    start: str = typer.Option(..., "--start", help='First interval, local time: "YYYY-MM-DD HH:MM".'),
    out: Path = typer.Option(..., "--out", help="Output .csv or .xlsx."),
    horizon_days: int = typer.Option(7, "--horizon-days", help="Local days to forecast."),
    interval: int = typer.Option(60, "--interval", help="Minutes per interval (15, 30, 60...)."),
    zone: str = typer.Option(DEFAULT_ZONE, "--zone", help="IANA zone of the site; naive timestamps are read in it."),
    open_hours: str = typer.Option("auto", "--open-hours", help="auto (from the rows present), 24x7, or e.g. 'Mon-Fri 07:00-21:00'."),
    model: str = typer.Option("auto", "--model", help="auto (chosen per queue by backtest) or a model name."),
    queue: str | None = typer.Option(None, "--queue", help="Forecast only this queue (or name the file's single queue)."),
    holidays: str = typer.Option(
        "auto", "--holidays", help="Public holidays: auto (the country of --zone, kept if the history agrees), "
        "none, or a country code such as CN, US, IL. The country's optional holidays (Israel's intermediate "
        "days of Pesach and Sukkot) are open days whose effect is learned.",
    ),
    event: list[str] = typer.Option([], "--event", help="NAME:YYYY-MM-DD[,...][:MULTIPLIER]; no multiplier = learn it. Repeatable."),
    time_limit: float | None = typer.Option(None, "--time-limit", help="Seconds the model backtest may take (auto)."),
    backtest_weeks: int = typer.Option(4, "--backtest-weeks", help="Weekly origins in the backtest."),
) -> None:
    """Forecast arrivals per interval with 80/95% intervals, choosing the model by backtest."""
    from forecasting.calendar import DayCalendar, parse_event
    from forecasting.history import read_history_csv
    from forecasting.service import forecast_series

    if out.suffix.lower() not in (".csv", ".xlsx"):
        raise UserError(f"--out {out}: use a .csv or .xlsx file")
    if not history.is_file():
        raise UserError(f"--history {history}: no such file")
    calendar = DayCalendar.from_option(holidays, zone, tuple(parse_event(text) for text in event))
    loaded = read_history_csv(history, zone)
    if queue is not None and not loaded.has_queue:
        loaded = replace(loaded, frame=loaded.frame.assign(queue=queue))
    result = forecast_series(
        loaded, start, horizon_days, interval, zone, model=model, calendar=calendar, open_hours=open_hours,
        queues=[queue] if queue else None, backtest_weeks=backtest_weeks, time_limit_s=time_limit,
        progress=_report_progress,
    )
    _report(result)
    frame = _output_frame(result, with_queue=queue is not None or loaded.has_queue, aware=loaded.has_offsets)
    if out.suffix.lower() == ".xlsx":
        frame.to_excel(out, index=False)
    else:
        frame.to_csv(out, index=False, float_format="%.3f")
    typer.echo(f"wrote {len(frame)} intervals to {out}")


def _output_frame(result: ForecastResult, with_queue: bool, aware: bool) -> pd.DataFrame:
    """The file's columns; timestamps keep UTC offsets only if the history had them."""
    import pandas as pd

    frame = result.forecast.copy()
    stamps = pd.DatetimeIndex(frame["timestamp"])
    frame["timestamp"] = stamps.tz_localize(None) if not aware else stamps.strftime("%Y-%m-%dT%H:%M:%S%z")
    return frame[(["queue"] if with_queue else []) + OUTPUT_COLUMNS]


def _report(result: ForecastResult) -> None:
    from forecasting.history import DEFAULT_QUEUE

    for note in result.notes:
        typer.echo(f"note: {note}")
    for queue, text in result.open_hours.items():
        prefix = "" if queue == DEFAULT_QUEUE else f"{queue}: "
        typer.echo(f"{prefix}{text}")
    table = result.backtest.set_index(["queue", "model"])
    if not table.empty:
        shown = table[["wape", "mase", "bias", "coverage80", "coverage95", "status"]]
        typer.echo("backtest (last weeks, one-week horizon):")
        typer.echo(shown.to_string(float_format=lambda v: f"{v:.3f}"))
    for queue, name in result.chosen.items():
        prefix = "" if queue == DEFAULT_QUEUE else f"{queue}: "
        typer.echo(f"{prefix}model: {name}")


def _report_progress(done: int, total: int, message: str) -> None:
    typer.echo(f"[{done}/{total}] {message}", err=True)
