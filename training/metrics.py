"""Classification figures in one shape for the model card, `claimrisk evaluate` and the promotion rule."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from sklearn.metrics import confusion_matrix, f1_score, precision_recall_fscore_support

from model.taxonomy import CATEGORIES, LEVELS


def _per_label(names: Sequence[str], *columns: np.ndarray) -> dict[str, dict[str, float | int]]:
    """{name: {precision, recall, f1, support}} from scikit-learn's per-label arrays."""
    precision, recall, f1, support = columns
    return {
        name: {
            "precision": round(float(p), 4),
            "recall": round(float(r), 4),
            "f1": round(float(f), 4),
            "support": int(n),
        }
        for name, p, r, f, n in zip(names, precision, recall, f1, support, strict=True)
    }


def level_metrics(y_true: Sequence[str], y_pred: Sequence[str]) -> dict[str, Any]:
    """Per-class precision/recall/F1, macro-F1 and the confusion matrix (rows: true, columns: predicted)."""
    precision, recall, f1, support = precision_recall_fscore_support(
        y_true, y_pred, labels=list(LEVELS), zero_division=0
    )
    return {
        "macro_f1": round(float(np.mean(f1)), 4),
        "accuracy": round(float(np.mean(np.asarray(y_true) == np.asarray(y_pred))), 4),
        "per_class": _per_label(LEVELS, precision, recall, f1, support),
        "confusion": {"labels": list(LEVELS), "matrix": confusion_matrix(y_true, y_pred, labels=list(LEVELS)).tolist()},
    }


def category_metrics(true: Sequence[Sequence[str]], pred: Sequence[Sequence[str]]) -> dict[str, Any]:
    """Multi-label figures of the category head, per category and micro/macro."""
    y_true = np.array([[c in row for c in CATEGORIES] for row in true], dtype=int)
    y_pred = np.array([[c in row for c in CATEGORIES] for row in pred], dtype=int)
    precision, recall, f1, support = precision_recall_fscore_support(y_true, y_pred, zero_division=0)
    return {
        "micro_f1": round(float(f1_score(y_true, y_pred, average="micro", zero_division=0)), 4),
        "macro_f1": round(float(np.mean(f1)), 4),
        "per_category": _per_label(CATEGORIES, precision, recall, f1, support),
    }


def calibration_metrics(y_true: Sequence[str], p_high: Sequence[float], bins: int = 10) -> dict[str, float]:
    """How far P(high) is from the observed share of high sentences: expected calibration error and Brier score.

    ECE is over `bins` equal-width bins of P(high), each weighted by its share of sentences.
    """
    p = np.asarray(p_high, dtype=float)
    is_high = (np.asarray(y_true) == "high").astype(float)
    if len(p) == 0:
        return {"high_ece": 0.0, "high_brier": 0.0}
    which = np.minimum((p * bins).astype(int), bins - 1)
    gaps = [abs(p[which == b].mean() - is_high[which == b].mean()) * (which == b).mean() for b in np.unique(which)]
    return {"high_ece": round(float(sum(gaps)), 4), "high_brier": round(float(np.mean((p - is_high) ** 2)), 4)}


def pooled(results: list[dict[str, Any]]) -> dict[str, Any]:
    """Concatenate out-of-fold predictions from several splits before scoring them."""
    return {key: [item for r in results for item in r[key]] for key in results[0]}
