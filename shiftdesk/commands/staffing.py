"""`shiftdesk staffing`: required agents per interval and skill from a forecast and queue settings.

Reads the forecast CSV that `shiftdesk forecast` writes (timestamp, queue,
mean, ...) and a queue file (CSV, JSON or Excel; one row per queue, columns
named as `forecasting.staffing.QueueConfig`'s fields), and writes
`timestamp, skill, required`, the roster solver's input. Options fill blank
queue settings; all the staffing rules live in `forecasting.staffing`.

Service hours: an optional `hours` column ("Mon-Fri 09:00-18:00",
"daily 08:00-22:00", "24x7"; blank is always open) and `holidays` column (a
country code such as CN: its public holidays close the hours and its make-up
working days open them) in the forecast's zone (`--zone`). A live queue is
staffed only inside its hours; an email/webform queue's first-response
target counts only time inside them, and night tickets wait for the morning.
"""

from __future__ import annotations

from pathlib import Path

import typer

from shiftdesk.errors import UserError

TABLE_SUFFIXES = (".csv", ".xlsx")


def register(app: typer.Typer) -> None:
    app.command("staffing")(staffing)


def staffing(
    forecast: Path = typer.Option(
        ..., "--forecast", help="Forecast CSV: timestamp,queue,mean[,lo80,...], contacts per interval."
    ),
    queues: Path = typer.Option(
        ...,
        "--queues",
        help="Queue settings, .csv/.json/.xlsx: queue,channel,skill,aht_s and optionally service_level, answer_s, "
        "asa_s, max_occupancy, patience_s, first_response_min, shrinkage, min_agents_24x7, hours (e.g. "
        "'Mon-Fri 09:00-18:00', '24x7'), holidays (country code, e.g. CN).",
    ),
    out: Path = typer.Option(..., "--out", help="Where to write timestamp,skill,required (.csv or .xlsx)."),
    interval: int | None = typer.Option(
        None, "--interval", help="Interval in minutes; default the forecast's, a multiple sums it."
    ),
    zone: str | None = typer.Option(
        None,
        "--zone",
        help="IANA zone for timestamps without a UTC offset, for queues' hours, and for the output.",
    ),
    detail: Path | None = typer.Option(
        None, "--detail", help="Also write per-queue figures (agents, SL, ASA, occupancy, backlog)."
    ),
    service_level: float | None = typer.Option(
        None,
        "--service-level",
        help="Blank service_level (a share, 0.8 = 80 %); a live queue with no target gets 80 % in 20 s.",
    ),
    answer_seconds: float | None = typer.Option(
        None, "--answer-seconds", help="Blank answer_s: the service-level time, s."
    ),
    asa_seconds: float | None = typer.Option(None, "--asa-seconds", help="Blank asa_s: mean wait target, s."),
    max_occupancy: float | None = typer.Option(
        None, "--max-occupancy", help="Blank max_occupancy (default 1.0, no cap)."
    ),
    patience_seconds: float | None = typer.Option(
        None, "--patience-seconds", help="Blank patience_s: Erlang A for phone/chat."
    ),
    first_response_minutes: float | None = typer.Option(
        None, "--first-response-minutes", help="Blank first_response_min (email/webform)."
    ),
    shrinkage: float | None = typer.Option(
        None, "--shrinkage", help="Blank shrinkage (share of paid time off the queue, default 0)."
    ),
    min_agents: int | None = typer.Option(
        None, "--min-agents", help="Blank min_agents_24x7: head count per skill at every interval."
    ),
    hours: str | None = typer.Option(
        None, "--hours", help="Blank hours: service hours such as 'Mon-Fri 09:00-18:00' (default 24x7)."
    ),
    holidays: str | None = typer.Option(
        None, "--holidays", help="Blank holidays on queues with hours: country code (CN closes its holidays and "
        "opens its make-up working days)."
    ),
) -> None:
    """Required agents per interval and skill (Erlang C/A for phone and chat, backlog workload for email)."""
    from forecasting.staffing import required_agents
    from shiftdesk.commands.staffing_files import summary, write_table, zone_option, read_forecast, read_queue_configs

    for path in (out, detail):
        if path is not None and path.suffix.lower() not in TABLE_SUFFIXES:
            raise UserError(f"{path}: write .csv or .xlsx, not {path.suffix or 'no extension'}")
    tz = zone_option(zone)
    defaults = {
        "service_level": service_level,
        "answer_s": answer_seconds,
        "asa_s": asa_seconds,
        "max_occupancy": max_occupancy,
        "patience_s": patience_seconds,
        "first_response_min": first_response_minutes,
        "shrinkage": shrinkage,
        "min_agents_24x7": min_agents,
        "hours": hours,
        "holidays": holidays,
    }
    configs = read_queue_configs(queues, {k: v for k, v in defaults.items() if v is not None})
    result = required_agents(read_forecast(forecast, tz), configs, interval)
    write_table(result.required, out)
    if detail is not None:
        write_table(result.queues, detail)
    typer.echo(summary(result, out))


