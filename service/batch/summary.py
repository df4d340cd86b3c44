"""The figures of a job: counted per shard by the workers, merged at the end, printed and saved as JSON.

Each shard keeps only its own 20 riskiest rows, so merging stays small
whatever the archive size. Ties break on row number, so the figures of a
resumed job equal those of an uninterrupted one.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from model.taxonomy import CATEGORIES, LEVELS

RISKIEST = 20


def empty_figures() -> dict[str, Any]:
    return {
        "scored": 0,
        "labels": dict.fromkeys(LEVELS, 0),
        "categories": dict.fromkeys(CATEGORIES, 0),
        "with_claims": 0,
        "claims_without_disclaimer": 0,
        "riskiest": [],
    }


def count_row(figures: dict[str, Any], row: dict[str, Any], number: int) -> None:
    """Add one output row to a shard's figures."""
    figures["scored"] += 1
    figures["labels"][row["label"]] += 1
    for category in row["categories"]:
        figures["categories"][category] = figures["categories"].get(category, 0) + 1
    if row["label"] != "low":
        figures["with_claims"] += 1
        figures["claims_without_disclaimer"] += not row["disclaimer"]
        figures["riskiest"].append([LEVELS.index(row["label"]), row["score"], number, row["id"]])
        if len(figures["riskiest"]) > 4 * RISKIEST:
            figures["riskiest"] = _top(figures["riskiest"])


def finish_figures(figures: dict[str, Any]) -> dict[str, Any]:
    """The shard's figures with only its top rows kept."""
    return {**figures, "riskiest": _top(figures["riskiest"])}


def merge_figures(parts: Iterable[dict[str, Any]]) -> dict[str, Any]:
    total = empty_figures()
    for part in parts:
        for key in ("scored", "with_claims", "claims_without_disclaimer"):
            total[key] += part[key]
        for key in ("labels", "categories"):
            for name, count in part[key].items():
                total[key][name] = total[key].get(name, 0) + count
        total["riskiest"] = _top(total["riskiest"] + part["riskiest"])
    return total


def _top(rows: list[list[Any]]) -> list[list[Any]]:
    return sorted(rows, key=lambda r: (-r[0], -r[1], r[2]))[:RISKIEST]


def job_summary(figures: dict[str, Any], rows: int, errors: int, model_version: str) -> dict[str, Any]:
    """The `.summary.json` content: counts, the share of claims without disclaimer, the riskiest articles."""
    claims = figures["with_claims"]
    return {
        "model_version": model_version,
        "rows": rows,
        "scored": figures["scored"],
        "errors": errors,
        "labels": figures["labels"],
        "categories": {k: v for k, v in figures["categories"].items() if v},
        "with_claims": claims,
        "claims_without_disclaimer": figures["claims_without_disclaimer"],
        "share_without_disclaimer": round(figures["claims_without_disclaimer"] / claims, 4) if claims else None,
        "riskiest": [
            {"row": number, "id": row_id, "label": LEVELS[level], "score": score}
            for level, score, number, row_id in figures["riskiest"]
        ],
    }


def format_summary(summary: dict[str, Any]) -> str:
    """The summary as printed at the end of `claimrisk score`."""
    labels = "  ".join(f"{k} {v}" for k, v in summary["labels"].items())
    categories = "  ".join(f"{k} {v}" for k, v in sorted(summary["categories"].items(), key=lambda kv: -kv[1]))
    share = summary["share_without_disclaimer"]
    lines = [
        f"scored {summary['scored']} of {summary['rows']} rows with model {summary['model_version']}"
        f" ({summary['errors']} in the errors file)",
        f"labels: {labels}",
        f"categories: {categories or 'none'}",
        f"articles with claims: {summary['with_claims']}, without disclaimer: {summary['claims_without_disclaimer']}"
        + (f" ({share:.1%})" if share is not None else ""),
    ]
    if summary["riskiest"]:
        lines.append(f"riskiest {len(summary['riskiest'])}:")
        lines += [f"  {r['label']:<6} {r['score']:.3f}  {r['id']}" for r in summary["riskiest"]]
    return "\n".join(lines)
