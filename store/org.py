"""Organisation queries: teams, sites, queues."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from shiftdesk.errors import UserError
from store.schema import Queue, Team


def first_team_id(session: Session) -> int | None:
    return session.scalar(select(Team.id).order_by(Team.id).limit(1))


def team_zone(session: Session, team_id: int) -> str:
    return session.get_one(Team, team_id).site.time_zone


def queue_by_code(session: Session, code: str) -> Queue:
    queue = session.scalar(select(Queue).where(Queue.code == code))
    if queue is None:
        known = ", ".join(session.scalars(select(Queue.code).order_by(Queue.code)))
        raise UserError(f"unknown queue '{code}' (known queues: {known})")
    return queue


def team_queues(session: Session, team_id: int) -> list[Queue]:
    return list(session.scalars(select(Queue).where(Queue.team_id == team_id).order_by(Queue.name)))
