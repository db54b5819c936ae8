"""From a linear classifier's margins to confidences, and from confidences to the triage rule.

A linear SVM scores each label with a margin, not a probability. One
temperature T turns margins into probabilities, softmax(margins / T), fitted
by minimising the log-loss on out-of-fold margins (each text scored by a model
that never saw it). One parameter cannot overfit a desk's dozen tickets per
label, and dividing by T never changes which label wins, so calibration leaves
the accuracy alone and only makes "0.8" mean "right about 8 times in 10".

The triage threshold is then read off the same out-of-fold predictions: the
lowest confidence at which the predictions kept (confidence >= threshold) are
still right at least `target_precision` of the time (when all of them can be
kept, the target precision itself), but never below a floor
(0.5 by default): a label the model itself rates more likely wrong than right
is not applied. The floor matters when a model is right often enough overall
(the precision cut then falls to the least confident ticket) and a text
unlike anything in training arrives, scoring near-uniformly over the labels.
"""

from __future__ import annotations

import numpy as np
from scipy.optimize import minimize_scalar
from scipy.special import log_softmax

# No confidence reaches this (softmax gives at most 1.0): every prediction goes to triage.
ALWAYS_TRIAGE = 1.01
# Search range for the temperature, as log(T): from very sharp to nearly flat.
LOG_TEMPERATURE_BOUNDS = (np.log(1e-3), np.log(1e2))


def as_label_columns(margins: np.ndarray) -> np.ndarray:
    """Margins with one column per label: a two-label SVM gives one signed column, made into two."""
    margins = np.asarray(margins, dtype=np.float64)
    if margins.ndim == 1:
        return np.column_stack([-margins, margins])
    return margins


def probabilities(margins: np.ndarray, temperature: float) -> np.ndarray:
    """softmax(margins / T) per row (rows sum to 1)."""
    return np.exp(log_softmax(as_label_columns(margins) / temperature, axis=1))


def fit_temperature(margins: np.ndarray, true_index: np.ndarray, weights: np.ndarray | None = None) -> float:
    """The temperature minimising the (weighted) mean log-loss of the true labels."""
    columns = as_label_columns(margins)
    rows = np.arange(len(columns))
    w = np.ones(len(columns)) if weights is None else np.asarray(weights, dtype=np.float64)

    def log_loss(log_t: float) -> float:
        return float(-(w * log_softmax(columns / np.exp(log_t), axis=1)[rows, true_index]).sum() / w.sum())

    found = minimize_scalar(log_loss, bounds=LOG_TEMPERATURE_BOUNDS, method="bounded", options={"xatol": 1e-4})
    return float(np.exp(found.x))


def choose_threshold(confidence: np.ndarray, correct: np.ndarray, target_precision: float,
                     floor: float = 0.0) -> float:
    """The lowest confidence >= `floor` whose kept predictions (confidence >= it) are right >= `target_precision`.

    The lowest such value keeps the most tickets out of triage while meeting
    the target. Equal confidences are kept or triaged together. When even the
    least confident validation prediction can be kept, the data says nothing
    about lower confidences, and the threshold goes down to the target
    precision itself (a calibrated confidence that high is right that often
    on its own): otherwise a desk whose every validation ticket scored 0.999
    would triage a new ticket at 0.98. When no cut meets the target,
    `ALWAYS_TRIAGE`: the model is not trusted on its own.
    """
    order = np.argsort(-np.asarray(confidence), kind="stable")
    ranked = np.asarray(confidence)[order]
    precision = np.cumsum(np.asarray(correct, dtype=np.float64)[order]) / np.arange(1, len(ranked) + 1)
    # A cut can only fall where the next confidence is strictly lower.
    cut_here = np.append(ranked[1:] < ranked[:-1], True)
    meets = np.flatnonzero(cut_here & (precision >= target_precision))
    if not len(meets):
        return ALWAYS_TRIAGE
    cut = float(ranked[meets[-1]])
    if meets[-1] == len(ranked) - 1:
        cut = min(cut, target_precision)
    return max(cut, floor)
