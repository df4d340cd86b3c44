"""Fit the claim-risk classifier and measure it honestly.

`train()` is the whole recipe, declarative and free of I/O beyond reading the
data: grouped k-fold by document, leave-one-product-family-out (the headline:
families the model never saw), the fixed evaluation split (what promotion
compares), then the final fit on everything.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from datasets import Dataset

from model.classifier import SentenceClassifier
from model.context import document_lengths
from model.predict import ClaimRiskModel, SentenceScorer
from model.taxonomy import LEVELS
from training.dataset import load_training_data
from training.metrics import calibration_metrics, category_metrics, level_metrics, pooled
from training.splits import Split, fixed_evaluation_split, grouped_kfold, leave_family_out
from training.validate_data import CORPUS_DIR

Progress = Callable[[str], None]


@dataclass(frozen=True)
class TrainConfig:
    """Every hyperparameter of a run; the manifest records it."""

    seed: int = 0
    folds: int = 5
    ngram_max: int = 2
    min_df: int = 1
    rare_word_df: int | None = 2
    char_weight: float = 0.3
    level_c: float = 2.0
    category_c: float = 4.0
    context_c: float = 1.0
    spline_knots: int = 5
    inner_folds: int = 5
    high_recall: float | None = 0.9

    def classifier(self) -> SentenceClassifier:
        return SentenceClassifier(
            ngram_max=self.ngram_max,
            min_df=self.min_df,
            rare_word_df=self.rare_word_df,
            char_weight=self.char_weight,
            level_c=self.level_c,
            category_c=self.category_c,
            context_c=self.context_c,
            spline_knots=self.spline_knots,
            inner_folds=self.inner_folds,
            high_recall=self.high_recall,
            random_state=self.seed,
        )


@dataclass
class TrainResult:
    classifier: SentenceClassifier
    metrics: dict[str, Any]
    fingerprint: str
    config: TrainConfig
    data_summary: dict[str, Any] = field(default_factory=dict)


def fit_on(data: Dataset, rows: np.ndarray | None, config: TrainConfig) -> SentenceClassifier:
    """Fit a fresh classifier on `rows` of `data` (all rows when None)."""
    part = data if rows is None else data.select(rows)
    return config.classifier().fit(part["text"], part["label"], categories=part["categories"], groups=part["doc_id"])


def predictions(scorer: SentenceScorer, data: Dataset) -> dict[str, list]:
    """True and predicted levels and categories of every row of `data` (read document by document, in order)."""
    model = ClaimRiskModel(scorer, "evaluation")
    labels, categories, levels = model.predict_sentences(data["text"], document_lengths(data["doc_id"]))
    return {
        "true": data["label"],
        "pred": labels,
        "p_high": levels[:, LEVELS.index("high")].tolist(),
        "true_categories": data["categories"],
        "pred_categories": categories,
    }


def scored(result: dict[str, list]) -> dict[str, Any]:
    """Level and category figures of pooled predictions."""
    return {
        **level_metrics(result["true"], result["pred"]),
        "calibration": calibration_metrics(result["true"], result["p_high"]),
        "categories": category_metrics(result["true_categories"], result["pred_categories"]),
    }


def evaluate_splits(
    data: Dataset, splits: Iterable[tuple[str, Split]], fit: Callable[[np.ndarray], SentenceScorer], progress: Progress
) -> dict[str, Any]:
    """Fit on each split's training rows, predict its test rows; figures per split and pooled."""
    per_split, collected = {}, []
    for name, (train_rows, test_rows) in splits:
        progress(name)
        result = predictions(fit(train_rows), data.select(test_rows))
        collected.append(result)
        per_split[name] = {**level_metrics(result["true"], result["pred"]), "sentences": len(test_rows)}
    return {"pooled": scored(pooled(collected)), "splits": per_split}


def cross_validation_figures(
    data: Dataset, config: TrainConfig, progress: Progress, make: Callable[[np.ndarray], SentenceScorer] | None = None
) -> dict[str, Any]:
    """Grouped k-fold, leave-family-out and fixed-split figures of the recipe `make` (default: the classifier)."""
    make = make or (lambda rows: fit_on(data, rows, config))
    kfold = (
        (f"fold {i + 1}/{config.folds}", s)
        for i, s in enumerate(grouped_kfold(data["doc_id"], config.folds, config.seed))
    )
    families = ((f"held-out family {name}", s) for name, s in leave_family_out(data["family"]))
    fixed = [("fixed evaluation split", fixed_evaluation_split(data["doc_id"], data["from_corpus"]))]
    return {
        "grouped_kfold": evaluate_splits(data, kfold, make, progress),
        "leave_family_out": evaluate_splits(data, families, make, progress),
        "fixed_split": evaluate_splits(data, fixed, make, progress)["pooled"],
    }


def summarise(data: Dataset) -> dict[str, Any]:
    labels = np.asarray(data["label"])
    return {
        "sentences": len(data),
        "documents": len(set(data["doc_id"])),
        "products": len(set(data["product"])),
        "families": sorted(set(data["family"])),
        "by_level": {level: int((labels == level).sum()) for level in ("low", "medium", "high")},
    }


def train(
    config: TrainConfig,
    extra_data: Sequence[str | Path] = (),
    corpus: Path = CORPUS_DIR,
    progress: Progress = lambda _: None,
) -> TrainResult:
    """The whole recipe: load, measure on held-out documents and families, fit the final model on everything."""
    data, data_fingerprint, dropped = load_training_data(extra_data, corpus)
    metrics = cross_validation_figures(data, config, progress)
    progress("final fit on all data")
    classifier = fit_on(data, None, config)
    summary = {**summarise(data), "duplicates_dropped": dropped, "extra_data": [str(p) for p in extra_data]}
    return TrainResult(classifier, metrics, data_fingerprint, config, summary)


def manifest_extra(result: TrainResult) -> dict[str, Any]:
    """What the manifest adds to the artifact's own fields."""
    lofo = result.metrics["leave_family_out"]["pooled"]
    return {
        "training_data_fingerprint": result.fingerprint,
        "config": asdict(result.config),
        "data": result.data_summary,
        "metrics": {
            "leave_family_out_macro_f1": lofo["macro_f1"],
            "leave_family_out_high_precision": lofo["per_class"]["high"]["precision"],
            "leave_family_out_high_recall": lofo["per_class"]["high"]["recall"],
            "grouped_kfold_macro_f1": result.metrics["grouped_kfold"]["pooled"]["macro_f1"],
            "fixed_split_macro_f1": result.metrics["fixed_split"]["macro_f1"],
        },
    }
