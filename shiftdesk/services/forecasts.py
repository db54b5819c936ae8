"""Forecast a team's queues from its ticket history and turn the forecast into staffing.

The page and the CLI call these; the maths is in forecasting/ (pure), the rows
in store/. A run is stored as a draft; approving it stores the staffing
requirement that the roster solver covers.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pandas as pd
from sqlalchemy.orm import Session

from forecasting.backtest import Progress
from forecasting.calendar import DayCalendar, Event
from forecasting.history import History, arrivals_from_tickets
from forecasting.service import ForecastResult, forecast_series
from forecasting.staffing import QueueConfig, ServiceHours, StaffingResult, required_agents
from shiftdesk.auth import CurrentUser, require
from shiftdesk.errors import UserError
from store import forecasts as forecast_store
from store.enums import Channel, ForecastStatus
from store.schema import ForecastRun, Queue, Team

HISTORY_WEEKS = 16
MIN_NIGHT_AGENTS = 1  # a 24x7 queue's skill is never left unattended


@dataclass(frozen=True)
class ForecastOutcome:
    start: pd.Timestamp  # local
    horizon_days: int
    interval_minutes: int
    result: ForecastResult
    staffing: StaffingResult
    history: pd.DataFrame  # queue, timestamp (local), count: the weeks the models saw


def week_start(day: date) -> date:
    return day - timedelta(days=day.weekday())


def next_week_start(now: datetime, zone: str) -> date:
    """The Monday after `now`'s local week: what a planner forecasts and rosters next."""
    return week_start(now.astimezone(ZoneInfo(zone)).date()) + timedelta(days=7)


def day_calendar(session: Session, team: Team) -> DayCalendar:
    """Public holidays of the site's country plus the team's events (11.11 and the like)."""
    events = tuple(
        Event(row.name, tuple(forecast_store.event_dates(row)), row.multiplier)
        for row in forecast_store.events(session, team.id)
    )
    return DayCalendar(team.site.holiday_country or None, events)


def queue_config(queue: Queue, zone: str, holiday_country: str | None) -> QueueConfig:
    """The staffing rules of a queue, from its stored targets and service hours."""
    live = queue.channel in (Channel.PHONE, Channel.CHAT)
    hours = (
        ServiceHours.parse(queue.service_hours, holiday_country=holiday_country or None, zone=zone)
        if queue.service_hours else None
    )
    return QueueConfig(
        queue=queue.code,
        channel=queue.channel.value if queue.channel is not Channel.API else "webform",
        skill=queue.skill.code,
        aht_s=float(queue.aht_seconds),
        service_level=queue.service_level if live else None,
        answer_s=float(queue.answer_seconds) if live and queue.answer_seconds else None,
        patience_s=float(queue.patience_seconds) if live and queue.patience_seconds else None,
        first_response_min=None if live else float(queue.first_response_minutes or 120),
        shrinkage=queue.shrinkage,
        min_agents_24x7=MIN_NIGHT_AGENTS if queue.covered_24x7 else 0,
        service_hours=hours,
    )


def forecast_team(
    session: Session,
    team_id: int,
    start: date,
    now: datetime,
    *,
    horizon_days: int = 7,
    interval_minutes: int = 30,
    model: str = "auto",
    time_limit_s: float | None = 60.0,
    progress: Progress | None = None,
) -> ForecastOutcome:
    """Forecast every customer queue of the team from local midnight of `start`, and staff it.

    History is the HISTORY_WEEKS before the start, cut at the last whole local day before `now`
    (a half-finished day would look like a slump).
    """
    team = session.get_one(Team, team_id)
    zone = team.site.time_zone
    tz = ZoneInfo(zone)
    queues = forecast_store.customer_queues(session, team_id)
    if not queues:
        raise UserError(f"team {team.name} has no customer queues to forecast")
    start_local = datetime.combine(start, datetime.min.time(), tzinfo=tz)
    history_end = min(start_local, datetime.combine(now.astimezone(tz).date(), datetime.min.time(), tzinfo=tz))
    history_start = history_end - timedelta(weeks=HISTORY_WEEKS)
    tickets = forecast_store.ticket_arrivals(session, [q.id for q in queues], history_start, history_end)
    if tickets.empty:
        raise UserError(f"team {team.name} has no tickets between {history_start:%Y-%m-%d} and {history_end:%Y-%m-%d}")
    calendar = day_calendar(session, team)
    arrivals = arrivals_from_tickets(tickets, zone, interval_minutes, pd.Timestamp(history_start),
                                     pd.Timestamp(history_end))
    result = forecast_series(
        History(arrivals, interval_minutes, has_queue=True), pd.Timestamp(start_local), horizon_days,
        interval_minutes, zone, model=model, calendar=calendar, open_hours="24x7", time_limit_s=time_limit_s,
        progress=progress,
    )
    configs = [queue_config(q, zone, team.site.holiday_country) for q in queues]
    staffing = required_agents(result.forecast, configs, interval_minutes)
    return ForecastOutcome(pd.Timestamp(start_local), horizon_days, interval_minutes, result, staffing, arrivals)


def save_forecast(
    session: Session, user: CurrentUser | None, team_id: int, outcome: ForecastOutcome, now: datetime,
    *, approve: bool = False,
) -> ForecastRun:
    """Store the run (draft); with `approve`, store its staffing requirement as the one to roster against."""
    if user is not None:
        require(user, "forecast.approve" if approve else "forecast.view")
    models = sorted(set(outcome.result.chosen.values()))
    run = ForecastRun(
        team_id=team_id,
        created_at=now,
        created_by_id=user.id if user else None,
        start_at=outcome.start.to_pydatetime(),
        horizon_days=outcome.horizon_days,
        interval_minutes=outcome.interval_minutes,
        model=models[0] if len(models) == 1 else "auto",
        status=ForecastStatus.APPROVED if approve else ForecastStatus.DRAFT,
        approved_at=now if approve else None,
        approved_by_id=user.id if approve and user else None,
        params={"chosen": outcome.result.chosen, "open_hours": outcome.result.open_hours,
                "notes": outcome.result.notes},
        backtest=_records(outcome.result.backtest),
    )
    return forecast_store.save_run(session, run, outcome.result.forecast,
                                   outcome.staffing.required if approve else None)


def approved_requirement(session: Session, team_id: int, monday: date) -> pd.DataFrame | None:
    """Required agents per interval and skill for the week of `monday`, from the latest approved run."""
    team = session.get_one(Team, team_id)
    tz = ZoneInfo(team.site.time_zone)
    start = datetime.combine(monday, datetime.min.time(), tzinfo=tz)
    end = start + timedelta(days=7)
    run = forecast_store.approved_run_covering(session, team_id, start, end)
    if run is None:
        return None
    frame = forecast_store.requirement(session, run.id)
    frame = frame[(frame["timestamp"] >= pd.Timestamp(start)) & (frame["timestamp"] < pd.Timestamp(end))]
    return frame.assign(timestamp=frame["timestamp"].dt.tz_convert(tz)).reset_index(drop=True)


def _records(frame: pd.DataFrame) -> list[dict[str, object]]:
    """A frame as JSON-able rows (NaN becomes None)."""
    return [
        {key: (None if isinstance(value, float) and value != value else value) for key, value in row.items()}
        for row in frame.astype(object).to_dict(orient="records")
    ]
