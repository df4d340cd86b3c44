"""Quality bar: the classifier against the keyword baseline on the same held-out splits.

    .venv/bin/python bench/quality.py [--seed N] [--json]

Prints leave-product-family-out and grouped k-fold figures for both, and the
margin. The bar (issue 3): model macro-F1 >= 0.85 on held-out families, high
recall >= 0.90 at high precision >= 0.85, and >= 0.10 macro-F1 over the baseline.
"""

from __future__ import annotations

import argparse
import json
import sys
import time

from model.baseline import KeywordBaseline
from training.dataset import load_training_data
from training.train import TrainConfig, cross_validation_figures


def headline(figures: dict) -> dict:
    lofo = figures["leave_family_out"]["pooled"]
    return {
        "leave_family_out_macro_f1": lofo["macro_f1"],
        "high_precision": lofo["per_class"]["high"]["precision"],
        "high_recall": lofo["per_class"]["high"]["recall"],
        "grouped_kfold_macro_f1": figures["grouped_kfold"]["pooled"]["macro_f1"],
        "category_micro_f1": lofo["categories"]["micro_f1"],
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    config = TrainConfig(seed=args.seed)
    data, _, _ = load_training_data()
    started = time.perf_counter()
    model = headline(cross_validation_figures(data, config, lambda _: None))
    model_seconds = time.perf_counter() - started
    baseline = headline(
        cross_validation_figures(data, config, lambda _: None, make=lambda _rows: KeywordBaseline().fit())
    )
    margin = round(model["leave_family_out_macro_f1"] - baseline["leave_family_out_macro_f1"], 4)
    bar = {
        "macro_f1>=0.85": model["leave_family_out_macro_f1"] >= 0.85,
        "high_recall>=0.90": model["high_recall"] >= 0.90,
        "high_precision>=0.85": model["high_precision"] >= 0.85,
        "margin_over_baseline>=0.10": margin >= 0.10,
    }
    report = {
        "sentences": len(data),
        "model": model,
        "baseline": baseline,
        "margin": margin,
        "bar": bar,
        "model_cv_seconds": round(model_seconds, 1),
    }
    if args.json:
        print(json.dumps(report, indent=2))
    else:
        print(f"{'figure (held-out product families)':<34} {'model':>7} {'baseline':>9}")
        for key in model:
            print(f"{key:<34} {model[key]:>7.3f} {baseline[key]:>9.3f}")
        print(f"margin (macro-F1): {margin:+.3f}   sentences: {len(data)}   model CV time: {model_seconds:.0f}s")
        print("bar: " + ", ".join(f"{k} {'PASS' if ok else 'FAIL'}" for k, ok in bar.items()))
    return 0 if all(bar.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
