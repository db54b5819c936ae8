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


def team_webhook(session: Session, team_id: int) -> str | None:
    return session.scalar(select(Team.webhook_url).where(Team.id == team_id))


def queue_by_code(session: Session, code: str) -> Queue:
    queue = session.scalar(select(Queue).where(Queue.code == code))
    if queue is None:
        known = ", ".join(session.scalars(select(Queue.code).order_by(Queue.code)))
        raise UserError(f"unknown queue '{code}' (known queues: {known})")
    return queue


def queue_exists(session: Session, code: str) -> bool:
    return session.scalar(select(Queue.id).where(Queue.code == code)) is not None


def team_queues(session: Session, team_id: int) -> list[Queue]:
    return list(session.scalars(select(Queue).where(Queue.team_id == team_id).order_by(Queue.name)))


def team_id_by_name(session: Session, name: str | None) -> int:
    """The team called `name`, or the first team when no name is given."""
    if name is None:
        team_id = session.scalar(select(Team.id).order_by(Team.id).limit(1))
        if team_id is None:
            raise UserError("no team yet: seed the demo desk or create a team first")
        return team_id
    team_id = session.scalar(select(Team.id).where(Team.name == name))
    if team_id is None:
        known = ", ".join(session.scalars(select(Team.name).order_by(Team.name)))
        raise UserError(f"unknown team '{name}' (known teams: {known})")
    return team_id
