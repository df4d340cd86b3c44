"""The model card: a Markdown page of the run's figures and a PNG of per-class precision and recall."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from model.taxonomy import LEVELS

CARD_FILE = "model_card.md"
PLOT_FILE = "precision_recall.png"


def plot_precision_recall(metrics: dict[str, Any], path: Path) -> None:
    """Bars of precision and recall per level on held-out product families."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    per_class = metrics["leave_family_out"]["pooled"]["per_class"]
    figure, axes = plt.subplots(figsize=(6, 3.5), dpi=100)
    x = range(len(LEVELS))
    axes.bar([i - 0.2 for i in x], [per_class[lv]["precision"] for lv in LEVELS], width=0.4, label="precision")
    axes.bar([i + 0.2 for i in x], [per_class[lv]["recall"] for lv in LEVELS], width=0.4, label="recall")
    axes.set_xticks(list(x), LEVELS)
    axes.set_ylim(0, 1.05)
    axes.set_title("Per-class precision and recall, held-out product families")
    axes.legend(loc="lower right")
    figure.tight_layout()
    figure.savefig(path, metadata={"Software": None})
    plt.close(figure)


def _label_rows(head: str, per_label: dict[str, Any], total: str) -> list[str]:
    """A precision/recall/F1/support table, one row per label, and a closing total row."""
    rows = [f"| {head} | precision | recall | F1 | support |", "| --- | ---: | ---: | ---: | ---: |"]
    rows += [
        f"| {name} | {c['precision']:.3f} | {c['recall']:.3f} | {c['f1']:.3f} | {c['support']} |"
        for name, c in per_label.items()
    ]
    return [*rows, total, ""]


def _class_table(figures: dict[str, Any]) -> list[str]:
    return _label_rows("level", figures["per_class"], f"| **macro** | | | **{figures['macro_f1']:.3f}** | |")


def _confusion(figures: dict[str, Any]) -> list[str]:
    labels = figures["confusion"]["labels"]
    rows = ["| true \\ predicted | " + " | ".join(labels) + " |", "| --- |" + " ---: |" * len(labels)]
    rows += [
        f"| {lv} | " + " | ".join(str(n) for n in row) + " |"
        for lv, row in zip(labels, figures["confusion"]["matrix"], strict=True)
    ]
    return [*rows, ""]


def _split_table(splits: dict[str, Any]) -> list[str]:
    rows = ["| split | sentences | macro-F1 | high precision | high recall |", "| --- | ---: | ---: | ---: | ---: |"]
    rows += [
        f"| {name} | {s['sentences']} | {s['macro_f1']:.3f} | {s['per_class']['high']['precision']:.3f} | "
        f"{s['per_class']['high']['recall']:.3f} |"
        for name, s in splits.items()
    ]
    return [*rows, ""]


def _category_table(figures: dict[str, Any]) -> list[str]:
    return _label_rows("category", figures["per_category"], f"| micro | | | {figures['micro_f1']:.3f} | |")


def render_card(manifest: dict[str, Any], metrics: dict[str, Any]) -> str:
    """The card's Markdown."""
    lofo, kfold, data = metrics["leave_family_out"], metrics["grouped_kfold"], manifest["data"]
    lines = [
        f"# claimrisk model {manifest['version']}",
        "",
        "Sentence-level claim-risk classifier for supplement marketing text (labels: ../shared/LABELING.md). "
        "Lexicon-annotated word n-gram TF-IDF (plus character n-grams of rare and unseen words) into a first "
        "stage per sentence (a linear SVM for the level, "
        "one-vs-rest logistic regression for the categories, each averaged over folds by document), then a level "
        "head reading each sentence's first-stage scores as cubic splines beside its neighbours' and its "
        "document's riskiest (multinomial logistic regression fitted out of fold, so its probabilities are "
        "calibrated). A sentence is high when its P(high) clears a threshold set out of fold for the configured "
        "recall of high. A document's label is its highest sentence level.",
        "",
        f"- created {manifest['created']}, Python {manifest['python']}, scikit-learn {manifest['scikit_learn']}",
        f"- training data: {data['sentences']} sentences, {data['documents']} documents, {data['products']} products; "
        f"fingerprint `{manifest['training_data_fingerprint'][:16]}`",
        f"- config: `{manifest['config']}`",
        "",
        "## Headline: product families held out from training",
        "",
        "Each product family in turn is left out of training and scored; figures pool all held-out predictions.",
        "",
        *_class_table(lofo["pooled"]),
        "Calibration of P(high) on held-out families: expected calibration error "
        f"{lofo['pooled']['calibration']['high_ece']:.3f} (10 bins), Brier score "
        f"{lofo['pooled']['calibration']['high_brier']:.3f}.",
        "",
        "Confusion matrix (held-out families):",
        "",
        *_confusion(lofo["pooled"]),
        f"![precision and recall]({PLOT_FILE})",
        "",
        *_split_table(lofo["splits"]),
        "Categories (held-out families):",
        "",
        *_category_table(lofo["pooled"]["categories"]),
        f"## Grouped {len(kfold['splits'])}-fold by document",
        "",
        *_class_table(kfold["pooled"]),
        "## Fixed evaluation split (what promotion compares)",
        "",
        *_class_table(metrics["fixed_split"]),
        "## Limits",
        "",
        "- The corpus is written in-house to the labeling guide; real pages are messier. Watch feedback and retrain.",
        "- English only. Offsets are Unicode code points.",
        "- The model judges sentences one at a time: a claim spread over two sentences may be missed.",
        "- A `low` document can still break rules the guide does not cover (e.g. drug interactions left unstated).",
    ]
    return "\n".join(lines) + "\n"


def write_card(folder: Path, manifest: dict[str, Any], metrics: dict[str, Any]) -> Path:
    plot_precision_recall(metrics, folder / PLOT_FILE)
    path = folder / CARD_FILE
    path.write_text(render_card(manifest, metrics), encoding="utf-8")
    return path
