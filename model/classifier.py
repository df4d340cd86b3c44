"""The sentence classifier: annotated word n-grams, a first stage per sentence, a level head over document context.

Stage one reads the shared sparse n-gram matrix (each sentence is annotated and
vectorised once): a linear SVM scores the three levels and one-vs-rest
logistic regression scores the seven categories of the labeling guide; the
category probabilities are the category output. Stage two, the level head, is
a multinomial logistic regression over each sentence's stage-one scores (as
cubic splines) beside those of its neighbours and its document
(model/context.py, model/linear_heads.py); it is fitted on
out-of-fold stage-one scores, folds grouped by document, so it learns how far
to trust them on text they have not seen, and its log-loss fit makes the level
probabilities calibrated. Training takes seconds and an
800-word article is scored in about a millisecond on one core.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GroupKFold, cross_val_predict
from sklearn.multiclass import OneVsRestClassifier
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import MultiLabelBinarizer
from sklearn.svm import LinearSVC

from model.annotate import LexiconAnnotator
from model.context import context_features, document_lengths
from model.linear_heads import LinearHeads, average_heads, fold_level_head, fold_linear_heads, level_head_pipeline
from model.ngrams import NgramTfidf
from model.taxonomy import CATEGORIES, LEVELS


class SentenceClassifier(ClassifierMixin, BaseEstimator):
    """Predicts a calibrated risk level and categories for each sentence of a document.

    Parameters follow scikit-learn's contract: stored as given, used in `fit`.
    """

    def __init__(
        self,
        lexicon_dir: str | Path | None = None,
        ngram_max: int = 2,
        min_df: int = 1,
        max_features: int | None = 200_000,
        rare_word_df: int | None = 2,
        char_weight: float = 0.3,
        level_c: float = 2.0,
        category_c: float = 4.0,
        context_c: float = 1.0,
        spline_knots: int = 5,
        inner_folds: int = 5,
        high_recall: float | None = 0.9,
        random_state: int = 0,
    ) -> None:
        self.lexicon_dir = lexicon_dir
        self.ngram_max = ngram_max
        self.min_df = min_df
        self.max_features = max_features
        self.rare_word_df = rare_word_df
        self.char_weight = char_weight
        self.level_c = level_c
        self.category_c = category_c
        self.context_c = context_c
        self.spline_knots = spline_knots
        self.inner_folds = inner_folds
        self.high_recall = high_recall
        self.random_state = random_state

    def fit(
        self,
        X: Sequence[str],
        y: Sequence[str],
        categories: Sequence[Sequence[str]] | None = None,
        groups: Sequence[str] | None = None,
    ) -> SentenceClassifier:
        """Fit on sentences `X` with levels `y`, their `categories` and document ids `groups`.

        Rows must come document by document, in reading order: the level head learns from neighbours.
        Without `groups` every sentence is a document of its own.
        """
        labels = np.asarray(y)
        missing = set(LEVELS) - set(labels)
        if missing:
            raise ValueError(f"training data needs every level, none labeled {sorted(missing)}")
        groups = list(groups) if groups is not None else [str(i) for i in range(len(labels))]
        self.classes_ = np.array(LEVELS)
        self.featurizer_ = self._build_featurizer()
        features = self.featurizer_.fit_transform(list(X))
        self.category_binarizer_ = MultiLabelBinarizer(classes=list(CATEGORIES))
        targets = self.category_binarizer_.fit_transform(categories if categories is not None else [[]] * len(labels))
        splits = self._document_splits(groups)
        fold_heads = [self._fit_stage_one(features[train], labels[train], targets[train]) for train, _ in splits]
        out_of_fold = np.zeros((len(labels), fold_heads[0].weights.shape[1]))
        for heads, (_, test) in zip(fold_heads, splits, strict=True):
            out_of_fold[test] = heads.decisions(features[test])
        # The folds' average, not a refit on everything: the level head then sees scores on the scale it was
        # fitted on (a refit scores new text more confidently), and it costs no extra fit.
        self.heads_ = average_heads(fold_heads)
        context = context_features(out_of_fold, document_lengths(groups))
        self.own_columns_ = out_of_fold.shape[1]
        self.level_head_ = self._level_head().fit(context, labels)
        self.levels_ = fold_level_head(self.level_head_, LEVELS)
        self.high_threshold_ = self._high_threshold(context, labels, splits)
        return self

    def _fit_stage_one(self, features, labels: np.ndarray, targets: np.ndarray) -> LinearHeads:
        svm = LinearSVC(C=self.level_c, class_weight="balanced", random_state=self.random_state)
        # The dual solver is the fast one when features outnumber sentences (about 7x here).
        category_head = OneVsRestClassifier(
            LogisticRegression(
                C=self.category_c,
                class_weight="balanced",
                solver="liblinear",
                dual=True,
                random_state=self.random_state,
            )
        )
        return fold_linear_heads(svm.fit(features, labels), category_head.fit(features, targets))

    def _level_head(self) -> Pipeline:
        return level_head_pipeline(self.own_columns_, self.spline_knots, self.context_c)

    def _high_threshold(self, context: np.ndarray, labels: np.ndarray, splits: list) -> float | None:
        """The P(high) above which a sentence is called high, set so out-of-fold recall of high is `high_recall`.

        Missing a high claim costs an editor more than a second look at a medium one, so the
        operating point is chosen on recall, out of fold over documents.
        """
        if self.high_recall is None:
            return None
        head = self._level_head()
        proba = cross_val_predict(head, context, labels, cv=splits, method="predict_proba")
        p_high = proba[:, sorted(LEVELS).index("high")]  # cross_val_predict's columns are the sorted classes
        return float(np.quantile(p_high[labels == "high"], 1.0 - self.high_recall))

    def _build_featurizer(self) -> Pipeline:
        return Pipeline(
            [
                ("annotate", LexiconAnnotator(self.lexicon_dir)),
                (
                    "ngrams",
                    NgramTfidf(self.ngram_max, self.min_df, self.max_features, self.rare_word_df, self.char_weight),
                ),
            ]
        )

    def _document_splits(self, groups: list[str]) -> list[tuple[np.ndarray, np.ndarray]]:
        """Folds over documents, so no document has sentences on both sides."""
        folds = min(self.inner_folds, len(set(groups)))
        return list(GroupKFold(n_splits=folds).split(np.zeros(len(groups)), groups=groups))

    def features(self, X: Sequence[str]):
        """The shared sparse feature matrix of sentences `X`.

        The steps are called directly: Pipeline.transform's own checks cost ~50 us a call, a sixth of a
        one-sentence request.
        """
        annotate, ngrams = (step for _, step in self.featurizer_.steps)
        return ngrams.transform(annotate.transform(X))

    def scores(self, features, lengths: Sequence[int] | None = None) -> tuple[np.ndarray, np.ndarray]:
        """(level probabilities in LEVELS order, category probabilities in CATEGORIES order).

        `lengths` splits the rows into documents (consecutive sentences of each); None: each row alone.
        """
        decisions = self.heads_.decisions(features)
        levels = self.levels_.predict_proba(context_features(decisions, lengths))
        return levels, self.heads_.category_probabilities(decisions)

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
        """Level probabilities of sentences `X`, each read on its own (`scores` takes document context)."""
        return self.scores(self.features(X))[0]

    def predict(self, X: Sequence[str]) -> np.ndarray:
        return self.classes_[self.decide(self.predict_proba(X))]
