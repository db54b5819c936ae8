"""How good a classifier is: macro-F1, accuracy, per-label report, confusion matrix, triage, latency.

Macro-F1 (the unweighted mean of per-label F1) is the headline figure because
live traffic is unbalanced and a rare queue matters as much as a busy one;
accuracy is reported beside it. Everything is plain data (floats, lists) so
it can be printed, stored as JSON and compared.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
from sklearn.metrics import accuracy_score, confusion_matrix, f1_score, precision_recall_fscore_support

if TYPE_CHECKING:
    from tickets.classify.model import TicketClassifier

LATENCY_CALLS = 2000  # single-text predictions timed, at most
WARMUP_CALLS = 10  # untimed first calls (first-use allocations are not a ticket's latency)


@dataclass(frozen=True)
class Evaluation:
    rows: int
    macro_f1: float
    accuracy: float
    per_label: dict[str, dict[str, float]]  # label -> precision, recall, f1, support
    confusion_labels: list[str]
    confusion: list[list[int]]  # [true][predicted], in `confusion_labels` order
    triage_share: float  # share of predictions sent to triage
    kept_accuracy: float | None  # accuracy of the predictions not triaged (None: all were)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class Latency:
    p50_ms: float
    p99_ms: float
    calls: int


def evaluate(classifier: TicketClassifier, texts: Sequence[str], labels: Sequence[str]) -> Evaluation:
    """Score a classifier on labelled texts it was not trained on (one batch prediction)."""
    predictions = classifier.predict(list(texts))
    return score_predictions(np.array(labels, dtype=object),
                             np.array([p.label for p in predictions], dtype=object),
                             np.array([p.needs_triage for p in predictions], dtype=bool))


def score_predictions(true: np.ndarray, predicted: np.ndarray, triaged: np.ndarray) -> Evaluation:
    """The figures for predictions against true labels; labels are those seen in either (sklearn's default)."""
    labels = sorted(set(true.tolist()) | set(predicted.tolist()))
    precision, recall, f1, support = precision_recall_fscore_support(true, predicted, labels=labels,
                                                                     zero_division=0)
    kept = ~triaged
    return Evaluation(
        rows=len(true),
        macro_f1=float(f1_score(true, predicted, labels=labels, average="macro", zero_division=0)),
        accuracy=float(accuracy_score(true, predicted)),
        per_label={
            label: {"precision": float(p), "recall": float(r), "f1": float(f), "support": int(s)}
            for label, p, r, f, s in zip(labels, precision, recall, f1, support, strict=True)
        },
        confusion_labels=labels,
        confusion=confusion_matrix(true, predicted, labels=labels).tolist(),
        triage_share=float(triaged.mean()) if len(true) else 0.0,
        kept_accuracy=float((true[kept] == predicted[kept]).mean()) if kept.any() else None,
    )


def measure_latency(classifier: TicketClassifier, texts: Sequence[str], *, calls: int = LATENCY_CALLS) -> Latency:
    """p50/p99 of single-text `predict` calls (time.perf_counter), as a ticket arriving alone would see.

    At most `calls` texts, spread evenly over the input; the first few calls are warm-up and not timed.
    """
    if not texts:
        raise ValueError("no texts to time")
    chosen = [texts[i] for i in np.linspace(0, len(texts) - 1, min(calls, len(texts))).astype(int)]
    for text in chosen[:WARMUP_CALLS]:
        classifier.predict([text])
    timings = []
    for text in chosen:
        started = time.perf_counter()
        classifier.predict([text])
        timings.append((time.perf_counter() - started) * 1000.0)
    p50, p99 = np.percentile(timings, [50, 99])
    return Latency(float(p50), float(p99), len(timings))
