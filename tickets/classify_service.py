"""Ticket classification on the desk: train from labelled tickets, store versions, suggest for new tickets.

Training data: a ticket's subject and body, labelled with its current
category, priority and queue. A ticket counts as labelled once a person has
looked at it: an agent worked it (its status is past "new") or corrected that
label. Tickets still new carry only what the channel or the classifier itself
guessed, and learning from its own guesses would only teach the model its
mistakes. Corrections (audit events "attributes" by a "user:..." actor) are
the best labels the desk has, so those rows weigh `CORRECTED_WEIGHT` times
as much in training.

`suggest` is what intake and routing call: one `Prediction` per target that
has an active model. The rule for the caller: apply `label` only when
`needs_triage` is False; otherwise leave the field to a person (triage queue),
showing `label` and `alternatives` as hints.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sklearn
from sqlalchemy.orm import Session

from store import classifiers as classifier_store
from store.classifiers import TrainingTicket
from store.enums import TicketStatus
from tickets.classify.blob import IncompatibleModelError, from_bytes, to_bytes
from tickets.classify.model import (
    ClassifierError,
    ModelConfig,
    Prediction,
    TicketClassifier,
    TrainingResult,
    ticket_text,
    train_classifier,
)

log = logging.getLogger(__name__)

TARGETS = ("category", "priority", "queue")
CORRECTED_WEIGHT = 3.0  # an agent's correction counts as three tickets labelled in passing


@dataclass(frozen=True)
class TrainOutcome:
    """What training did for one target: a stored version, or why nothing was stored."""

    target: str
    version: int | None = None
    labelled: int = 0  # labelled tickets found
    corrected: int = 0  # of which a person corrected this target
    result: TrainingResult | None = None
    skipped: str | None = None


@dataclass(frozen=True)
class Examples:
    texts: list[str]
    labels: list[str]
    weights: list[float]
    corrected: int  # rows whose label a person set


def examples_for(tickets: Sequence[TrainingTicket], target: str) -> Examples:
    """The labelled tickets for one target, corrected ones weighted up."""
    chosen = [t for t in tickets if t.status is not TicketStatus.NEW or target in t.corrected]
    return Examples(
        texts=[ticket_text(t.subject, t.body) for t in chosen],
        labels=[getattr(t, target) for t in chosen],
        weights=[CORRECTED_WEIGHT if target in t.corrected else 1.0 for t in chosen],
        corrected=sum(target in t.corrected for t in chosen),
    )


def train_targets(session: Session, now: datetime, targets: Sequence[str] = TARGETS,
                  config: ModelConfig = ModelConfig(),
                  progress: Callable[[str], None] | None = None) -> list[TrainOutcome]:
    """Train each target from the desk's tickets; each trained one becomes the active version.

    `progress` hears which target is being trained: a desk with years of tickets takes minutes.
    """
    unknown = sorted(set(targets) - set(TARGETS))
    if unknown:
        raise ClassifierError(f"unknown target {', '.join(unknown)} (targets: {', '.join(TARGETS)})")
    tickets = classifier_store.training_tickets(session)
    return [_train_one(session, now, target, examples_for(tickets, target), config, progress) for target in targets]


def _train_one(session: Session, now: datetime, target: str, examples: Examples, config: ModelConfig,
               progress: Callable[[str], None] | None) -> TrainOutcome:
    counts = {"labelled": len(examples.labels), "corrected": examples.corrected}
    if not examples.labels:
        return TrainOutcome(target, skipped="no labelled tickets yet (worked by an agent or corrected)", **counts)
    if len(set(examples.labels)) < 2:
        return TrainOutcome(target, skipped=f"every labelled ticket has {target} '{examples.labels[0]}'", **counts)
    if progress is not None:
        progress(f"{target}: training on {len(examples.labels)} labelled tickets")
    try:
        result = train_classifier(examples.texts, examples.labels, target=target, weights=examples.weights,
                                  config=config)
    except ClassifierError as exc:
        return TrainOutcome(target, skipped=str(exc), **counts)
    model = classifier_store.store_model(
        session, target=target, created_at=now, trained_on=result.rows, labels=list(result.classifier.labels),
        metrics=model_metrics(result, examples.corrected), blob=to_bytes(result.classifier),
    )
    return TrainOutcome(target, model.version, result=result, **counts)


def model_metrics(result: TrainingResult, corrected: int) -> dict[str, Any]:
    """What is stored beside a model: its out-of-fold figures and how its confidence is used."""
    validation, classifier = result.validation, result.classifier
    return {
        "scored_on": f"{classifier.config.calibration_folds}-fold cross-validation: "
                     "each ticket predicted by a model that never saw it",
        "macro_f1": validation.macro_f1,
        "accuracy": validation.accuracy,
        "rows": validation.rows,
        "corrected_rows": corrected,
        "per_label": validation.per_label,
        "confusion": {"labels": validation.confusion_labels, "matrix": validation.confusion},
        "triage_share": validation.triage_share,
        "kept_accuracy": validation.kept_accuracy,
        "threshold": classifier.threshold,
        "target_precision": classifier.config.target_precision,
        "temperature": classifier.temperature,
        "train_seconds": result.train_seconds,
        "dropped_labels": result.dropped_labels,
        "sklearn": sklearn.__version__,
    }


class ClassifierCache:
    """Loaded classifiers, one per database and target, reloaded only when the active version changes.

    Asking which versions are active is one small query; unpickling a model
    takes a while, so it happens once per process per version. Two threads
    missing at once both load; the second simply replaces the first.
    """

    def __init__(self) -> None:
        self._loaded: dict[tuple[str, str], tuple[tuple[object, ...], TicketClassifier | None]] = {}

    def active(self, session: Session) -> dict[str, TicketClassifier]:
        """target -> classifier for every active model this process can load."""
        database = session.get_bind().url.render_as_string(hide_password=True)
        found = {}
        for active in classifier_store.active_versions(session):
            key = (active.model_id, active.version, active.created_at)
            cached = self._loaded.get((database, active.target))
            if cached is None or cached[0] != key:
                cached = (key, _load(session, active))
                self._loaded[(database, active.target)] = cached
            if cached[1] is not None:
                found[active.target] = cached[1]
        return found


def _load(session: Session, active: classifier_store.ActiveVersion) -> TicketClassifier | None:
    """The model, or None (logged) when this process cannot load it: no suggestion beats no ticket."""
    try:
        return from_bytes(classifier_store.model_blob(session, active.model_id))
    except IncompatibleModelError as exc:
        log.warning("%s version %d not used: %s", active.target, active.version, exc)
        return None


PROCESS_CACHE = ClassifierCache()


def suggest(session: Session, subject: str, body: str, *,
            cache: ClassifierCache = PROCESS_CACHE) -> dict[str, Prediction]:
    """A prediction per target with an active model ({} when none is trained yet).

    Apply a prediction's label only when `needs_triage` is False; otherwise a person decides.
    """
    text = ticket_text(subject, body)
    return {target: classifier.predict([text])[0] for target, classifier in cache.active(session).items()}
