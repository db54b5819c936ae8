"""Forecast data in and out: ticket arrivals, events, stored runs and approved staffing."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

import pandas as pd
from sqlalchemy import delete, insert, select
from sqlalchemy.orm import Session

from store.enums import Channel, ForecastStatus
from store.schema import ForecastEvent, ForecastPoint, ForecastRun, Queue, Skill, StaffingRequirement, Ticket


def customer_queues(session: Session, team_id: int) -> list[Queue]:
    """Queues customers write to (internal ones such as escalations have no demand of their own)."""
    return list(session.scalars(
        select(Queue).where(Queue.team_id == team_id, Queue.channel != Channel.INTERNAL).order_by(Queue.code)
    ))


def ticket_arrivals(session: Session, queue_ids: Sequence[int], since: datetime, until: datetime) -> pd.DataFrame:
    """`created_at` (UTC) and `queue` (code) of every ticket created in [since, until)."""
    rows = session.execute(
        select(Ticket.created_at, Queue.code)
        .join(Queue, Ticket.queue_id == Queue.id)
        .where(Ticket.queue_id.in_(list(queue_ids)), Ticket.created_at >= since, Ticket.created_at < until)
    ).all()
    frame = pd.DataFrame(rows, columns=["created_at", "queue"])
    frame["created_at"] = pd.to_datetime(frame["created_at"], utc=True)
    return frame


def events(session: Session, team_id: int) -> list[ForecastEvent]:
    return list(session.scalars(
        select(ForecastEvent).where(ForecastEvent.team_id == team_id).order_by(ForecastEvent.start_date)
    ))


def replace_events(session: Session, team_id: int, rows: Sequence[dict[str, Any]]) -> None:
    session.execute(delete(ForecastEvent).where(ForecastEvent.team_id == team_id))
    session.add_all(ForecastEvent(team_id=team_id, **row) for row in rows)


def save_run(session: Session, run: ForecastRun, forecast: pd.DataFrame, required: pd.DataFrame | None) -> ForecastRun:
    """Store a run with its points (queue codes -> ids) and, when given, its staffing requirement."""
    session.add(run)
    session.flush()
    queue_ids = dict(session.execute(select(Queue.code, Queue.id)).all())
    points = [
        {"run_id": run.id, "queue_id": queue_ids[row.queue], "interval_start": row.timestamp.to_pydatetime(),
         "mean": float(row.mean), "lo80": float(row.lo80), "hi80": float(row.hi80), "lo95": float(row.lo95),
         "hi95": float(row.hi95)}
        for row in forecast.itertuples(index=False)
    ]
    if points:
        session.execute(insert(ForecastPoint.__table__), points)
    if required is not None:
        store_requirement(session, run.id, required)
    return run


def store_requirement(session: Session, run_id: int, required: pd.DataFrame) -> None:
    skill_ids = dict(session.execute(select(Skill.code, Skill.id)).all())
    session.execute(delete(StaffingRequirement).where(StaffingRequirement.run_id == run_id))
    rows = [
        {"run_id": run_id, "skill_id": skill_ids[row.skill], "interval_start": row.timestamp.to_pydatetime(),
         "required": int(row.required)}
        for row in required.itertuples(index=False)
    ]
    if rows:
        session.execute(insert(StaffingRequirement.__table__), rows)


def runs(session: Session, team_id: int, limit: int = 20) -> list[ForecastRun]:
    return list(session.scalars(
        select(ForecastRun).where(ForecastRun.team_id == team_id).order_by(ForecastRun.id.desc()).limit(limit)
    ))


def approved_run_covering(session: Session, team_id: int, start: datetime, end: datetime) -> ForecastRun | None:
    """The latest approved run whose requirement covers [start, end)."""
    candidates = session.scalars(
        select(ForecastRun)
        .where(ForecastRun.team_id == team_id, ForecastRun.status == ForecastStatus.APPROVED,
               ForecastRun.start_at <= start)
        .order_by(ForecastRun.approved_at.desc(), ForecastRun.id.desc())
    )
    for run in candidates:
        last = session.scalar(select(StaffingRequirement.interval_start)
                              .where(StaffingRequirement.run_id == run.id)
                              .order_by(StaffingRequirement.interval_start.desc()).limit(1))
        if last is not None and last >= end - pd.Timedelta(minutes=run.interval_minutes):
            return run
    return None


def requirement(session: Session, run_id: int) -> pd.DataFrame:
    """timestamp (UTC), skill (code), required."""
    rows = session.execute(
        select(StaffingRequirement.interval_start, Skill.code, StaffingRequirement.required)
        .join(Skill, StaffingRequirement.skill_id == Skill.id)
        .where(StaffingRequirement.run_id == run_id)
        .order_by(StaffingRequirement.interval_start, Skill.code)
    ).all()
    frame = pd.DataFrame(rows, columns=["timestamp", "skill", "required"])
    frame["timestamp"] = pd.to_datetime(frame["timestamp"], utc=True)
    return frame


def event_dates(event: ForecastEvent) -> list[date]:
    days = (event.end_date - event.start_date).days
    return [event.start_date + pd.Timedelta(days=n).to_pytimedelta() for n in range(days + 1)]
