"""`--diff PREVIOUS_OUTPUT`: which articles' labels went up or down since an earlier run (after a model update).

Articles are matched by id. The earlier output is any output of
`claimrisk score` (.jsonl, .csv or .parquet); only its id, label and score
columns are read, and only ids and labels are kept in memory.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from model.taxonomy import LEVELS
from service.batch.errors import UsageError
from service.batch.outputs import OUTPUT_KINDS

SHOWN = 10


def check_previous(path: Path) -> None:
    """Fail early, before any scoring, if `path` is not an earlier output with id and label columns."""
    if not path.is_file():
        raise UsageError(f"--diff {path}: no such file")
    if path.suffix.lower() not in OUTPUT_KINDS:
        raise UsageError(f"--diff {path}: expected an earlier output (.jsonl, .csv or .parquet)")
    next(iter(_previous_rows(path)), None)


def load_previous(path: Path) -> Previous:
    """id -> (label, score) of the earlier run."""
    return {row_id: (label, score) for row_id, label, score in _previous_rows(path)}


def _previous_rows(path: Path) -> Iterator[tuple[str, str, float | None]]:
    kind = OUTPUT_KINDS[path.suffix.lower()]
    rows = _jsonl(path) if kind == "jsonl" else _csv(path) if kind == "csv" else _parquet(path)
    try:
        for row in rows:
            if row.get("label") not in LEVELS or row.get("id") is None:
                raise UsageError(f"--diff {path}: not a claimrisk score output (a row lacks id or a known label)")
            score = row.get("score")
            yield str(row["id"]), row["label"], float(score) if score not in (None, "") else None
    except (OSError, ValueError) as exc:
        raise UsageError(f"--diff {path}: cannot be read: {exc}") from exc


def _jsonl(path: Path) -> Iterator[dict[str, Any]]:
    with open(path, encoding="utf-8") as handle:
        yield from (json.loads(line) for line in handle if line.strip())


def _csv(path: Path) -> Iterator[dict[str, Any]]:
    with open(path, encoding="utf-8", newline="") as handle:
        yield from csv.DictReader(handle)


def _parquet(path: Path) -> Iterator[dict[str, Any]]:
    import pyarrow as pa
    import pyarrow.parquet as pq

    try:
        for batch in pq.ParquetFile(path).iter_batches(columns=["id", "label", "score"]):
            yield from batch.to_pylist()
    except (pa.ArrowException, KeyError) as exc:
        raise UsageError(f"--diff {path}: not a claimrisk score output: {exc}") from exc


Previous = dict[str, tuple[str, float | None]]


def diff_rows(previous: Previous, rows: Iterable[dict[str, Any]], out: Path) -> dict[str, Any]:
    """Write the changed articles to `out` (JSON Lines, input order); return the counts and a few examples."""
    counts = {"up": 0, "down": 0, "same": 0, "new": 0, "gone": 0}
    examples: dict[str, list[dict[str, Any]]] = {"up": [], "down": []}
    seen: set[str] = set()
    with open(out, "w", encoding="utf-8") as handle:
        for row in rows:
            seen.add(row["id"])
            change = _change(previous.get(row["id"]), row)
            if change is None:
                counts["new" if row["id"] not in previous else "same"] += 1
                continue
            counts[change["change"]] += 1
            if len(examples[change["change"]]) < SHOWN:
                examples[change["change"]].append(change)
            handle.write(json.dumps(change, ensure_ascii=False) + "\n")
    counts["gone"] = sum(1 for row_id in previous if row_id not in seen)
    return {"counts": counts, "examples": examples, "file": str(out)}


def _change(before: tuple[str, float | None] | None, row: dict[str, Any]) -> dict[str, Any] | None:
    if before is None or before[0] == row["label"]:
        return None
    direction = "up" if LEVELS.index(row["label"]) > LEVELS.index(before[0]) else "down"
    return {"id": row["id"], "change": direction, "before": before[0], "after": row["label"],
            "score_before": before[1], "score_after": row["score"]}


def format_diff(diff: dict[str, Any]) -> str:
    c = diff["counts"]
    lines = [f"since the earlier run: {c['up']} up, {c['down']} down, {c['same']} unchanged, "
             f"{c['new']} new, {c['gone']} gone (changes in {diff['file']})"]
    for direction in ("up", "down"):
        lines += [f"  {direction:<4} {e['before']} -> {e['after']}  {e['id']}" for e in diff["examples"][direction]]
    return "\n".join(lines)
