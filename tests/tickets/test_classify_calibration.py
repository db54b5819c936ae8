"""Temperature scaling and the triage threshold, on hand-made confidences (pairs just inside / just outside)."""

from __future__ import annotations

import numpy as np
import pytest

from tickets.classify.calibration import (
    ALWAYS_TRIAGE,
    as_label_columns,
    choose_threshold,
    fit_temperature,
    probabilities,
)

# Ten out-of-fold predictions, most confident first: the 4th and 8th are wrong.
CONFIDENCE = np.array([0.99, 0.97, 0.95, 0.90, 0.85, 0.80, 0.70, 0.60, 0.55, 0.50])
CORRECT = np.array([1, 1, 1, 0, 1, 1, 1, 0, 1, 1], dtype=bool)


def test_threshold_is_the_lowest_cut_meeting_the_target() -> None:
    # Kept down to 0.70: 6 of 7 right (0.857); down to 0.50: 8 of 10 (0.80).
    assert choose_threshold(CONFIDENCE, CORRECT, 0.85) == 0.70
    assert choose_threshold(CONFIDENCE, CORRECT, 0.86) == 0.95  # 0.857 falls short: only the top 3 qualify
    assert choose_threshold(CONFIDENCE, CORRECT, 0.80) == 0.50


def test_with_every_validation_prediction_kept_the_threshold_goes_down_to_the_target() -> None:
    sure = np.array([0.999, 0.998, 0.997])
    assert choose_threshold(sure, np.array([1, 1, 1], dtype=bool), 0.95) == 0.95
    # The least confident one was wrong: that is evidence, and the cut stays above it.
    assert choose_threshold(sure, np.array([1, 1, 0], dtype=bool), 0.9) == 0.998


def test_no_cut_meeting_the_target_sends_everything_to_triage() -> None:
    assert choose_threshold(CONFIDENCE, np.zeros(10, dtype=bool), 0.5) == ALWAYS_TRIAGE
    assert ALWAYS_TRIAGE > 1.0  # no probability reaches it


def test_floor_keeps_a_more_likely_wrong_label_out() -> None:
    assert choose_threshold(CONFIDENCE, CORRECT, 0.80, floor=0.5) == 0.50
    assert choose_threshold(CONFIDENCE, CORRECT, 0.80, floor=0.51) == 0.51


def test_equal_confidences_are_kept_or_triaged_together() -> None:
    confidence = np.array([0.9, 0.8, 0.8, 0.8, 0.7])
    correct = np.array([1, 1, 0, 1, 0], dtype=bool)
    # Keeping only the first 0.8 would be 2 of 2 right, but the 0.8s come in together: 3 of 4.
    assert choose_threshold(confidence, correct, 0.9) == 0.9
    assert choose_threshold(confidence, correct, 0.75) == 0.8
    assert choose_threshold(confidence, correct, 0.76) == 0.9


def test_fitted_temperature_recovers_the_one_that_made_the_labels() -> None:
    rng = np.random.default_rng(7)
    margins = rng.normal(size=(4000, 5))
    truth = np.array([rng.choice(5, p=row) for row in probabilities(margins, 0.4)])
    assert fit_temperature(margins, truth) == pytest.approx(0.4, rel=0.1)
    # Weights count as repeated rows.
    doubled = fit_temperature(np.vstack([margins, margins[:100]]), np.concatenate([truth, truth[:100]]))
    weights = np.concatenate([np.full(100, 2.0), np.ones(3900)])
    assert fit_temperature(margins, truth, weights) == pytest.approx(doubled, rel=1e-3)


def test_two_label_margins_become_two_columns() -> None:
    assert as_label_columns(np.array([1.5, -2.0])).tolist() == [[-1.5, 1.5], [2.0, -2.0]]
    p = probabilities(np.array([0.0, 1.0]), temperature=0.5)
    assert p[0].tolist() == [0.5, 0.5] and p[1, 1] == pytest.approx(1 / (1 + np.exp(-4.0)))
