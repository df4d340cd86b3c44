"""The sentence classifier: annotated word n-grams into a calibrated level head and a category head.

Both heads read one shared feature matrix, so a sentence is annotated and
vectorised once. The level head is a linear SVM whose scores are turned into
probabilities by sigmoid calibration, cross-validated over documents
(sentences of one document never sit on both sides of a calibration split);
the category head is one-vs-rest logistic regression over the seven
categories of the labeling guide. Linear models on sparse n-grams train in
seconds and classify thousands of sentences a second on one core.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import partial
from pathlib import Path

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.calibration import CalibratedClassifierCV
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GroupKFold, cross_val_predict
from sklearn.multiclass import OneVsRestClassifier
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import MultiLabelBinarizer
from sklearn.svm import LinearSVC

from model.annotate import LexiconAnnotator
from model.linear_heads import fold_heads
from model.taxonomy import CATEGORIES, LEVELS


def word_ngrams(annotated: str, max_n: int) -> list[str]:
    """1- to max_n-grams of an annotated sentence (already lowercased and tokenised, space-separated).

    The same features TfidfVectorizer builds with token_pattern r"\\S+", without its regex pass per sentence.
    """
    tokens = annotated.split()
    grams = list(tokens)
    for n in range(2, max_n + 1):
        grams.extend(" ".join(tokens[i : i + n]) for i in range(len(tokens) - n + 1))
    return grams


class SentenceClassifier(ClassifierMixin, BaseEstimator):
    """Predicts a risk level (calibrated) and categories for each sentence.

    Parameters follow scikit-learn's contract: stored as given, used in `fit`.
    """

    def __init__(
        self,
        lexicon_dir: str | Path | None = None,
        ngram_max: int = 2,
        min_df: int = 1,
        max_features: int | None = 200_000,
        level_c: float = 1.0,
        category_c: float = 4.0,
        calibration: str = "sigmoid",
        calibration_folds: int = 5,
        high_recall: float | None = 0.93,
        random_state: int = 0,
    ) -> None:
        self.lexicon_dir = lexicon_dir
        self.ngram_max = ngram_max
        self.min_df = min_df
        self.max_features = max_features
        self.level_c = level_c
        self.category_c = category_c
        self.calibration = calibration
        self.calibration_folds = calibration_folds
        self.high_recall = high_recall
        self.random_state = random_state

    def fit(
        self,
        X: Sequence[str],
        y: Sequence[str],
        categories: Sequence[Sequence[str]] | None = None,
        groups: Sequence[str] | None = None,
    ) -> SentenceClassifier:
        """Fit on sentences `X` with levels `y`, their `categories` and document `groups`."""
        self.featurizer_ = self._build_featurizer()
        features = self.featurizer_.fit_transform(list(X))
        self.classes_ = np.array(LEVELS)
        splits = self._calibration_splits(groups, len(y))
        self.level_head_ = CalibratedClassifierCV(self._svm(), method=self.calibration, cv=splits, ensemble=False)
        self.level_head_.fit(features, np.asarray(y))
        self.category_binarizer_ = MultiLabelBinarizer(classes=list(CATEGORIES))
        targets = self.category_binarizer_.fit_transform(categories if categories is not None else [[]] * len(y))
        # The dual solver is the fast one when features outnumber sentences (about 25x here).
        self.category_head_ = OneVsRestClassifier(
            LogisticRegression(
                C=self.category_c,
                class_weight="balanced",
                solver="liblinear",
                dual=True,
                random_state=self.random_state,
            )
        ).fit(features, targets)
        self.heads_ = fold_heads(self.level_head_, self.category_head_)
        self.high_threshold_ = self._high_threshold(features, np.asarray(y), splits)
        return self

    def _high_threshold(self, features, y: np.ndarray, splits) -> float | None:
        """The P(high) above which a sentence is called high, set so out-of-fold recall of high is `high_recall`.

        Missing a high claim costs an editor more than a second look at a medium one, so the
        operating point is chosen on recall; the folds are the calibration folds (grouped by document).
        """
        if self.high_recall is None or self.heads_ is None or not (y == "high").any():
            return None
        decision = cross_val_predict(self._svm(), features, y, cv=splits, method="decision_function")
        p_high = self.heads_.calibrate(decision)[:, list(self.level_head_.classes_).index("high")]
        return float(np.quantile(p_high[y == "high"], 1.0 - self.high_recall))

    def _build_featurizer(self) -> Pipeline:
        return Pipeline(
            [
                ("annotate", LexiconAnnotator(self.lexicon_dir)),
                (
                    "ngrams",
                    TfidfVectorizer(
                        analyzer=partial(word_ngrams, max_n=self.ngram_max),
                        min_df=self.min_df,
                        max_features=self.max_features,
                        sublinear_tf=True,
                        dtype=np.float32,
                    ),
                ),
            ]
        )

    def _svm(self) -> LinearSVC:
        return LinearSVC(C=self.level_c, class_weight="balanced", random_state=self.random_state)

    def _calibration_splits(self, groups: Sequence[str] | None, n: int) -> list | int:
        """Folds over documents when groups are given, so calibration never sees a document from both sides."""
        if groups is None:
            return self.calibration_folds
        folds = min(self.calibration_folds, len(set(groups)))
        return list(GroupKFold(n_splits=folds).split(np.zeros(n), groups=groups))

    def features(self, X: Sequence[str]):
        """The shared sparse feature matrix of sentences `X`."""
        return self.featurizer_.transform(X)

    def scores(self, features) -> tuple[np.ndarray, np.ndarray]:
        """(level probabilities in LEVELS order, category probabilities in CATEGORIES order)."""
        if self.heads_ is not None:
            levels, categories = self.heads_.scores(features)
        else:  # a head of an unusual shape (tiny data): scikit-learn's own, slower path
            levels, categories = self.level_head_.predict_proba(features), self.category_head_.predict_proba(features)
        ordered = np.zeros((levels.shape[0], len(LEVELS)))
        for column, level in enumerate(self.level_head_.classes_):
            ordered[:, LEVELS.index(level)] = levels[:, column]
        return ordered, categories

    def decide(self, levels: np.ndarray) -> np.ndarray:
        """Level index per sentence: high when P(high) clears the learned threshold, else the most likely level."""
        ranks = levels.argmax(axis=1)
        if self.high_threshold_ is not None:
            ranks[levels[:, LEVELS.index("high")] >= self.high_threshold_] = LEVELS.index("high")
        return ranks

    def matched_terms(self, text: str) -> dict[str, list[str]]:
        """Lexicon phrases found in `text`, by lexicon (for fix hints)."""
        return self.featurizer_.named_steps["annotate"].matched_terms(text)

    def predict_proba(self, X: Sequence[str]) -> np.ndarray:
        return self.scores(self.features(X))[0]

    def predict(self, X: Sequence[str]) -> np.ndarray:
        return self.classes_[self.decide(self.predict_proba(X))]
