"""The ticket text classifier on Chinese/English tickets and on a stratified slice of banking77.

Small data keeps each training under a second: the fixture has 48 tickets
(4 categories x 6 Chinese + 6 English), the banking77 slice 11 intents x 40
training and 20 test messages read from ../shared (never copied here).
"""

from __future__ import annotations

import csv
from collections import defaultdict

import numpy as np
import pytest
import sklearn

from tests.conftest import REPO_ROOT, SHARED
from tickets.classify import blob
from tickets.classify.blob import IncompatibleModelError, from_bytes, to_bytes
from tickets.classify.evaluation import evaluate, measure_latency
from tickets.classify.model import ClassifierError, TicketClassifier, TrainingResult, ticket_text, train_classifier
from tickets.classify.scoring import MarginScorer

FIXTURE = REPO_ROOT / "tests" / "fixtures" / "classify" / "tickets_zh_en.csv"
BANKING77 = SHARED / "data" / "banking77"
SLICE_EVERY = 7  # every 7th intent in name order: 11 of the 77
SLICE_TRAIN, SLICE_TEST = 40, 20
OUT_OF_DOMAIN = [
    "量子力学中的薛定谔方程描述波函数随时间的演化",
    "The quick brown fox jumps over the lazy dog",
    "asdf qwer zxcv",
    "",
]


def fixture_tickets() -> list[dict[str, str]]:
    with FIXTURE.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def banking_slice(split: str, per_label: int) -> tuple[list[str], list[str]]:
    """The first `per_label` messages of every 7th intent from banking77's `split` (train or test)."""
    with (BANKING77 / f"{split}.csv").open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    intents = sorted({row["category"] for row in rows})[::SLICE_EVERY]
    chosen: dict[str, list[str]] = defaultdict(list)
    for row in rows:
        if row["category"] in intents and len(chosen[row["category"]]) < per_label:
            chosen[row["category"]].append(row["text"])
    texts = [text for intent in intents for text in chosen[intent]]
    return texts, [intent for intent in intents for _ in chosen[intent]]


def train_on_fixture(target: str = "category", **options: object) -> TrainingResult:
    rows = fixture_tickets()
    return train_classifier([ticket_text(r["subject"], r["body"]) for r in rows], [r[target] for r in rows],
                            target=target, **options)  # type: ignore[arg-type]


@pytest.fixture(scope="module")
def fixture_model() -> TicketClassifier:
    return train_on_fixture().classifier


@pytest.fixture(scope="module")
def banking_model() -> TrainingResult:
    return train_classifier(*banking_slice("train", SLICE_TRAIN), target="intent")


def test_new_tickets_in_chinese_and_english_get_their_category(fixture_model: TicketClassifier) -> None:
    unseen = {
        "我的包裹一个星期了还没有送到": "delivery",
        "My parcel is late, where is my package?": "delivery",
        "I was charged twice, please refund me": "billing",
        "登录时密码总是错误": "login",
        "the app crashes when I open it": "bug",
        "应用闪退了": "bug",
    }
    predictions = fixture_model.predict(list(unseen))
    assert [p.label for p in predictions] == list(unseen.values())
    for prediction in predictions:
        assert 0.0 < prediction.confidence <= 1.0
        scores = [prediction.confidence, *(a.confidence for a in prediction.alternatives)]
        assert scores == sorted(scores, reverse=True) and sum(scores) <= 1.0 + 1e-9
        assert len({prediction.label, *(a.label for a in prediction.alternatives)}) == 4
        assert prediction.needs_triage == (prediction.confidence < fixture_model.threshold)
    assert not predictions[2].needs_triage  # "charged twice, refund": as clear as a ticket gets


def test_out_of_domain_text_goes_to_triage(fixture_model: TicketClassifier, banking_model: TrainingResult) -> None:
    for model in (fixture_model, banking_model.classifier):
        predictions = model.predict(OUT_OF_DOMAIN)
        assert all(p.needs_triage for p in predictions), [(p.label, round(p.confidence, 3)) for p in predictions]


def test_banking77_slice_is_learnt_and_confidence_is_honest(banking_model: TrainingResult) -> None:
    texts, labels = banking_slice("test", SLICE_TEST)
    scored = evaluate(banking_model.classifier, texts, labels)
    assert scored.rows == len(labels) == 11 * SLICE_TEST
    assert scored.macro_f1 >= 0.93 and scored.accuracy >= 0.93
    assert scored.kept_accuracy is not None and scored.kept_accuracy >= 0.95  # the target precision, held out
    confidence = np.array([p.confidence for p in banking_model.classifier.predict(texts)])
    assert abs(confidence.mean() - scored.accuracy) < 0.05  # calibrated: as sure as it is right
    # The out-of-fold validation reported with the model agrees with the held-out test.
    assert abs(banking_model.validation.macro_f1 - scored.macro_f1) < 0.05


def test_evaluation_is_plain_data(banking_model: TrainingResult) -> None:
    texts, labels = banking_slice("test", SLICE_TEST)
    scored = evaluate(banking_model.classifier, texts, labels)
    size = len(scored.confusion_labels)
    assert isinstance(scored.confusion, list) and all(isinstance(row, list) for row in scored.confusion)
    assert len(scored.confusion) == size and all(len(row) == size for row in scored.confusion)
    assert sum(map(sum, scored.confusion)) == scored.rows
    assert sum(scored.confusion[i][i] for i in range(size)) == round(scored.accuracy * scored.rows)
    assert {row["support"] for row in scored.per_label.values()} == {SLICE_TEST}
    assert scored.to_dict()["macro_f1"] == scored.macro_f1


def test_training_is_deterministic_to_the_byte() -> None:
    first, second = train_on_fixture(), train_on_fixture()
    assert to_bytes(first.classifier) == to_bytes(second.classifier)
    assert first.validation == second.validation


def test_serialised_model_predicts_the_same(fixture_model: TicketClassifier) -> None:
    loaded = from_bytes(to_bytes(fixture_model))
    texts = ["退款还没到账", "cannot log in", *OUT_OF_DOMAIN]
    assert loaded.predict(texts) == fixture_model.predict(texts)
    assert (loaded.target, loaded.labels, loaded.threshold) == ("category", fixture_model.labels,
                                                                fixture_model.threshold)


def test_model_from_another_scikit_learn_is_refused(fixture_model: TicketClassifier,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    with monkeypatch.context() as patched:
        patched.setattr(blob.sklearn, "__version__", "1.0.2")
        old = to_bytes(fixture_model)
    with pytest.raises(IncompatibleModelError, match=rf"scikit-learn 1\.0\.2, this process runs "
                                                     rf"{sklearn.__version__}.*retrain"):
        from_bytes(old)
    with pytest.raises(IncompatibleModelError, match="not a ShiftDesk classifier"):
        from_bytes(b"\x80\x05pickle from somewhere else")


def test_corrected_labels_weigh_more() -> None:
    """The same ambiguous text labelled both ways: the weighted side wins, either way round."""
    rows = fixture_tickets()
    texts = [ticket_text(r["subject"], r["body"]) for r in rows]
    labels = [r["category"] for r in rows]
    ambiguous = "Order 1234: money and parcel question"
    texts += [ambiguous] * 6
    for corrected in ("billing", "delivery"):
        other = "delivery" if corrected == "billing" else "billing"
        extra_labels = [corrected] * 3 + [other] * 3
        weights = [1.0] * len(rows) + [3.0] * 3 + [1.0] * 3
        model = train_classifier(texts, labels + extra_labels, target="category", weights=weights).classifier
        assert model.predict([ambiguous])[0].label == corrected
    unweighted = train_classifier(texts, labels + ["billing"] * 3 + ["delivery"] * 3, target="category").classifier
    billing, delivery = (unweighted.labels.index(label) for label in ("billing", "delivery"))
    margins = unweighted.pipeline.decision_function([ambiguous])[0]
    assert abs(margins[billing] - margins[delivery]) < 0.1  # a tie without weights: the weights decided


def test_fast_scorer_equals_the_pipeline(fixture_model: TicketClassifier, banking_model: TrainingResult) -> None:
    texts = [*banking_slice("test", 2)[0], "退款还没到账 refund", "应用闪退", *OUT_OF_DOMAIN]
    for model in (fixture_model, banking_model.classifier):
        np.testing.assert_allclose(MarginScorer(model.pipeline).margins(texts),
                                   model.pipeline.decision_function(texts), rtol=1e-9, atol=1e-12)
    rows = [r for r in fixture_tickets() if r["category"] in ("login", "bug")]
    two_labels = train_classifier([r["subject"] for r in rows], [r["category"] for r in rows], target="category")
    pipeline = two_labels.classifier.pipeline
    np.testing.assert_allclose(MarginScorer(pipeline).margins(texts), pipeline.decision_function(texts),
                               rtol=1e-9, atol=1e-12)
    assert {p.label for p in two_labels.classifier.predict(["无法登录", "app crashes"])} == {"login", "bug"}


def test_labels_too_rare_to_validate_are_left_out_and_one_label_is_refused() -> None:
    result = train_on_fixture("priority")
    assert result.dropped_labels == {"urgent": 2}  # two examples cannot fill three validation folds
    assert "urgent" not in result.classifier.labels and result.rows == 46
    with pytest.raises(ClassifierError, match="at least two labels with 3 or more examples each"):
        train_classifier(["a", "b", "c", "d"], ["x", "x", "x", "y"], target="category")
    with pytest.raises(ClassifierError, match="one positive number per text"):
        train_classifier(["a", "b"], ["x", "y"], target="category", weights=[1.0, 0.0])


def test_latency_is_measured_on_single_predictions(fixture_model: TicketClassifier) -> None:
    latency = measure_latency(fixture_model, [r["subject"] for r in fixture_tickets()])
    assert latency.calls == 48 and 0.0 < latency.p50_ms <= latency.p99_ms

