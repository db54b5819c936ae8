"""The ticket text classifier: train on labelled texts, predict with a confidence and a triage flag.

Features: TF-IDF of word 1-2-grams plus character 1-3-grams within word
boundaries (`char_wb`). Character n-grams carry Chinese, which has no spaces
for a word tokenizer (most Chinese words are one to three characters), and
survive typos and inflections in English. The classifier is a linear SVM
(LinearSVC). Both were chosen by 5-fold cross-validation on banking77's
training split (benchmarks/classify_banking77.py --cv-grid): char 1-3 with
C=1 scored a macro-F1 of 0.903, char 1-2/1-4/1-5/1-6 0.900-0.903, and
logistic regression (on char 1-5) 0.904 at eight times the fit time: the training
budget (calibration folds plus the final fit, under a minute) cannot afford that
for a difference well inside one standard error; SGD scored 0.882.

Training, in one pass over the data:
1. each text is scored by a model trained on the other folds (stratified
   k-fold, `calibration_folds`), giving honest out-of-fold margins;
2. a temperature is fitted on them (calibration.py), and the triage threshold
   is the lowest confidence at which the out-of-fold predictions kept are
   still right at least `target_precision` of the time (and at least
   `confidence_floor`);
3. the same out-of-fold predictions give the validation figures (macro-F1,
   accuracy, confusion, triage share) reported with the model;
4. the final model is fitted on all rows.
Sample weights (agent-corrected labels count more) enter every fit and the
temperature. Everything is seeded, so the same input gives the same model.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from functools import cached_property
from typing import NamedTuple

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.model_selection import StratifiedKFold, cross_val_predict
from sklearn.pipeline import FeatureUnion, Pipeline
from sklearn.svm import LinearSVC

from shiftdesk.errors import UserError
from tickets.classify.calibration import choose_threshold, fit_temperature, probabilities
from tickets.classify.evaluation import Evaluation, score_predictions
from tickets.classify.scoring import MarginScorer

ALTERNATIVES = 3  # next most likely labels shown beside a prediction


class ClassifierError(UserError):
    """Training data a classifier cannot be built from (too few labels, mismatched lengths)."""


@dataclass(frozen=True)
class ModelConfig:
    """Hyper-parameters. The n-gram ranges and C were chosen by 5-fold cross-validation on banking77's
    training split only (benchmarks/classify_banking77.py --cv-grid; the test split chose nothing);
    the folds, target precision and floor are triage policy, not fitted."""

    word_ngrams: tuple[int, int] = (1, 2)
    char_ngrams: tuple[int, int] = (1, 3)
    c: float = 1.0  # SVM regularisation: smaller is smoother
    calibration_folds: int = 3  # also the fewest examples a label needs to be learnt
    target_precision: float = 0.95  # predictions kept out of triage are right this often (out-of-fold)
    confidence_floor: float = 0.5  # never apply a label the model rates more likely wrong than right
    random_state: int = 0

    def to_dict(self) -> dict[str, object]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, object]) -> ModelConfig:
        values = {key: tuple(value) if isinstance(value, list) else value for key, value in data.items()}
        return cls(**values)  # type: ignore[arg-type]


class LabelScore(NamedTuple):
    label: str
    confidence: float


@dataclass(frozen=True)
class Prediction:
    """One text's suggestion. `label` is given even when triaged, as a hint for the person deciding."""

    label: str
    confidence: float  # calibrated probability that `label` is right, 0..1
    alternatives: tuple[LabelScore, ...]  # the next most likely labels, most likely first
    needs_triage: bool  # confidence below the model's threshold: a person decides, nothing is applied


@dataclass(frozen=True, eq=False)
class TicketClassifier:
    """A trained model for one target (category, priority, queue, or a CSV's label column)."""

    target: str
    labels: tuple[str, ...]  # in the order of the SVM's columns
    pipeline: Pipeline
    temperature: float
    threshold: float  # confidence below this -> needs_triage
    config: ModelConfig

    def predict(self, texts: Sequence[str]) -> list[Prediction]:
        """One prediction per text, in order; texts are `ticket_text(subject, body)` for tickets."""
        if isinstance(texts, str):
            raise TypeError("predict takes a list of texts, not one string")
        if len(texts) == 0:
            return []
        probs = probabilities(self._scorer.margins(texts), self.temperature)
        ranked = np.argsort(-probs, axis=1, kind="stable")[:, : ALTERNATIVES + 1]
        return [self._prediction(row, order) for row, order in zip(probs, ranked, strict=True)]

    @cached_property
    def _scorer(self) -> MarginScorer:
        """Built on first use (not pickled): the pipeline's parameters arranged for fast single-text scoring."""
        return MarginScorer(self.pipeline)

    def _prediction(self, row: np.ndarray, order: np.ndarray) -> Prediction:
        best = float(row[order[0]])
        return Prediction(
            label=self.labels[order[0]],
            confidence=best,
            alternatives=tuple(LabelScore(self.labels[i], float(row[i])) for i in order[1:]),
            needs_triage=best < self.threshold,
        )


@dataclass(frozen=True)
class TrainingResult:
    classifier: TicketClassifier
    validation: Evaluation  # out-of-fold: every row predicted by a model that never saw it
    train_seconds: float  # wall-clock, cross-validation and final fit together
    rows: int
    dropped_labels: dict[str, int] = field(default_factory=dict)  # label -> examples, too few to learn


def ticket_text(subject: str | None, body: str | None) -> str:
    """The text a ticket is classified by: subject first, then body."""
    return f"{subject or ''}\n{body or ''}".strip()


def build_pipeline(config: ModelConfig) -> Pipeline:
    """Word and char_wb TF-IDF (sublinear counts, so a repeated word does not dominate) into a linear SVM."""
    features = FeatureUnion([
        ("word", TfidfVectorizer(analyzer="word", ngram_range=config.word_ngrams, sublinear_tf=True)),
        ("char", TfidfVectorizer(analyzer="char_wb", ngram_range=config.char_ngrams, sublinear_tf=True)),
    ])
    return Pipeline([("features", features), ("svm", LinearSVC(C=config.c, random_state=config.random_state))])


def train_classifier(
    texts: Sequence[str],
    labels: Sequence[str],
    *,
    target: str,
    weights: Sequence[float] | None = None,
    config: ModelConfig = ModelConfig(),
) -> TrainingResult:
    """Train, calibrate and validate a classifier; labels with too few examples to validate are dropped."""
    started = time.perf_counter()
    text_array, label_array, weight_array = _checked(texts, labels, weights)
    keep, dropped = _learnable(label_array, config.calibration_folds)
    text_array, label_array, weight_array = text_array[keep], label_array[keep], weight_array[keep]

    folds = StratifiedKFold(config.calibration_folds, shuffle=True, random_state=config.random_state)
    margins = cross_val_predict(build_pipeline(config), text_array, label_array, cv=folds,
                                method="decision_function", params={"svm__sample_weight": weight_array})
    classes = np.unique(label_array)  # the column order of the margins, and of the final SVM
    true_index = np.searchsorted(classes, label_array)
    temperature = fit_temperature(margins, true_index, weight_array)
    probs = probabilities(margins, temperature)
    confidence = probs.max(axis=1)
    predicted = classes[probs.argmax(axis=1)]
    threshold = choose_threshold(confidence, predicted == label_array, config.target_precision,
                                 config.confidence_floor)
    validation = score_predictions(label_array, predicted, confidence < threshold)

    pipeline = build_pipeline(config).fit(text_array, label_array, svm__sample_weight=weight_array)
    classifier = TicketClassifier(target, tuple(str(c) for c in pipeline.classes_), pipeline, temperature,
                                  threshold, config)
    return TrainingResult(classifier, validation, time.perf_counter() - started, len(label_array), dropped)


def _checked(texts: Sequence[str], labels: Sequence[str],
             weights: Sequence[float] | None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    if len(texts) != len(labels):
        raise ClassifierError(f"{len(texts)} texts but {len(labels)} labels")
    if any(not isinstance(label, str) or not label for label in labels):
        raise ClassifierError("every label must be a non-empty string")
    weight_array = np.ones(len(labels)) if weights is None else np.asarray(weights, dtype=np.float64)
    if weight_array.shape != (len(labels),) or not np.all(np.isfinite(weight_array) & (weight_array > 0)):
        raise ClassifierError("weights must be one positive number per text")
    text_array = np.array([text or "" for text in texts], dtype=object)
    return text_array, np.array(labels, dtype=object), weight_array


def _learnable(labels: np.ndarray, minimum: int) -> tuple[np.ndarray, dict[str, int]]:
    """Rows whose label has at least `minimum` examples (one per validation fold), and the labels left out."""
    counts = Counter(labels.tolist())
    dropped = {label: n for label, n in sorted(counts.items()) if n < minimum}
    kept = len(counts) - len(dropped)
    if kept < 2:
        found = ", ".join(f"'{label}' x{n}" for label, n in sorted(counts.items())[:10])
        raise ClassifierError(
            f"a classifier needs at least two labels with {minimum} or more examples each; found {found}"
        )
    return np.array([label not in dropped for label in labels.tolist()]), dropped
