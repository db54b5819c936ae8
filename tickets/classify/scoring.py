"""SVM margins for a ticket straight from the fitted pipeline's parameters, without per-call overhead.

`Pipeline.decision_function` on one short text costs about 2 ms of CPU, almost
all of it input validation, dispatch and sparse-matrix assembly around a few
hundred multiplications; on a shared 2-core machine that became a p99 of
tens of milliseconds. This scorer uses the fitted parts as they are (each
vectorizer's own analyzer, vocabulary and idf; the SVM's weights) and does
only the arithmetic: count the n-grams, sublinear tf times idf, L2-normalise
each feature block, and add the weight rows of the n-grams present. That is
what the pipeline computes (a test holds the two equal), at about 0.1 ms.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.pipeline import FeatureUnion, Pipeline
from sklearn.svm import LinearSVC


@dataclass(frozen=True)
class _Block:
    """One vectorizer's part of the feature vector: columns offset..offset+len(vocabulary)."""

    analyze: Callable[[str], list[str]]
    vocabulary: dict[str, int]
    idf: np.ndarray
    offset: int


class MarginScorer:
    """margins(texts) == pipeline.decision_function(texts) for the word+char TF-IDF -> LinearSVC pipeline."""

    def __init__(self, pipeline: Pipeline) -> None:
        features: FeatureUnion = pipeline.named_steps["features"]
        svm: LinearSVC = pipeline.named_steps["svm"]
        self._blocks: list[_Block] = []
        offset = 0
        for _name, vectorizer in features.transformer_list:
            _require_plain_tfidf(vectorizer)
            self._blocks.append(_Block(vectorizer.build_analyzer(), vectorizer.vocabulary_, vectorizer.idf_, offset))
            offset += len(vectorizer.vocabulary_)
        self._weights = np.ascontiguousarray(svm.coef_.T)  # one row per feature: a gather per n-gram present
        self._intercept = svm.intercept_
        self._one_column = svm.coef_.shape[0] == 1  # two labels: sklearn returns one signed margin

    def margins(self, texts: Sequence[str]) -> np.ndarray:
        rows = np.vstack([self._margin(text) for text in texts])
        return rows[:, 0] if self._one_column else rows

    def _margin(self, text: str) -> np.ndarray:
        margin = self._intercept.copy()
        for block in self._blocks:
            counts = Counter(j for j in map(block.vocabulary.get, block.analyze(text)) if j is not None)
            if not counts:
                continue  # no known n-gram: sklearn's row is all zeros
            columns = np.fromiter(counts.keys(), dtype=np.intp, count=len(counts))
            values = (1.0 + np.log(np.fromiter(counts.values(), dtype=np.float64, count=len(counts))))
            values *= block.idf[columns]
            values /= np.linalg.norm(values)
            margin += values @ self._weights[columns + block.offset]
        return margin


def _require_plain_tfidf(vectorizer: TfidfVectorizer) -> None:
    """The arithmetic above holds only for these settings; refuse any other pipeline rather than mis-score it."""
    expected = {"sublinear_tf": True, "use_idf": True, "norm": "l2", "binary": False}
    actual = {name: getattr(vectorizer, name) for name in expected}
    if actual != expected:
        raise ValueError(f"MarginScorer needs a TfidfVectorizer with {expected}, got {actual}")
