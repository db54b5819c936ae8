"""Ticket classifier models (versioned blobs per target) and the labelled tickets they learn from.

Functions take a session and never commit; the caller owns the transaction.
One model per target is active; storing a new version deactivates the old
one in the same transaction, and the (target, version) unique constraint
makes two trainings racing for the same version fail instead of both winning.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, defer

from shiftdesk.errors import UserError
from store.enums import TicketStatus
from store.schema import ClassifierModel, Queue, Ticket, TicketEvent

CORRECTION_KIND = "attributes"
PERSON_ACTOR_PREFIX = "user:"


@dataclass(frozen=True)
class TrainingTicket:
    """A ticket as the classifier sees it: its text, its current labels, and which labels a person set."""

    ticket_id: int
    subject: str
    body: str
    status: TicketStatus
    category: str
    priority: str
    queue: str  # queue code
    corrected: frozenset[str]  # attribute names a signed-in person changed ("category", "priority", "queue")


@dataclass(frozen=True)
class ActiveVersion:
    model_id: int
    target: str
    version: int
    created_at: datetime


def training_tickets(session: Session) -> list[TrainingTicket]:
    """Every ticket, oldest first (a stable order keeps training deterministic), with its corrections."""
    corrected = _corrected_attributes(session)
    rows = session.execute(
        select(Ticket.id, Ticket.subject, Ticket.body, Ticket.status, Ticket.category, Ticket.priority, Queue.code)
        .join(Queue, Ticket.queue_id == Queue.id)
        .order_by(Ticket.id)
    ).all()
    return [
        TrainingTicket(ticket_id, subject, body or "", status, category, priority.value, queue,
                       corrected.get(ticket_id, frozenset()))
        for ticket_id, subject, body, status, category, priority, queue in rows
    ]


def _corrected_attributes(session: Session) -> dict[int, frozenset[str]]:
    """Per ticket, the attributes changed by a person (actor "user:..."), from the audit trail."""
    found: dict[int, set[str]] = {}
    for ticket_id, data in session.execute(
        select(TicketEvent.ticket_id, TicketEvent.data)
        .where(TicketEvent.kind == CORRECTION_KIND, TicketEvent.actor.startswith(PERSON_ACTOR_PREFIX))
    ):
        found.setdefault(ticket_id, set()).update((data or {}).get("changes", {}))
    return {ticket_id: frozenset(names) for ticket_id, names in found.items()}


def store_model(session: Session, *, target: str, created_at: datetime, trained_on: int, labels: list[str],
                metrics: dict[str, Any], blob: bytes) -> ClassifierModel:
    """Add the next version for `target` and make it the active one."""
    version = (session.scalar(select(func.max(ClassifierModel.version)).where(ClassifierModel.target == target))
               or 0) + 1
    session.execute(update(ClassifierModel)
                    .where(ClassifierModel.target == target, ClassifierModel.active.is_(True))
                    .values(active=False))
    model = ClassifierModel(target=target, version=version, created_at=created_at, trained_on=trained_on,
                            labels=labels, metrics=metrics, active=True, blob=blob)
    session.add(model)
    try:
        session.flush()
    except IntegrityError:
        raise UserError(f"another training stored {target} version {version} at the same time; run it again") from None
    return model


def active_versions(session: Session) -> list[ActiveVersion]:
    """The active model per target, without the blobs (cheap enough to ask before every suggestion)."""
    rows = session.execute(
        select(ClassifierModel.id, ClassifierModel.target, ClassifierModel.version, ClassifierModel.created_at)
        .where(ClassifierModel.active.is_(True))
        .order_by(ClassifierModel.target)
    ).all()
    return [ActiveVersion(*row) for row in rows]


def model_blob(session: Session, model_id: int) -> bytes:
    return session.scalars(select(ClassifierModel.blob).where(ClassifierModel.id == model_id)).one()


def active_models(session: Session) -> list[ClassifierModel]:
    """Active models with their metrics, blobs left unloaded (for listings)."""
    return list(session.scalars(
        select(ClassifierModel).options(defer(ClassifierModel.blob))
        .where(ClassifierModel.active.is_(True)).order_by(ClassifierModel.target)
    ))
