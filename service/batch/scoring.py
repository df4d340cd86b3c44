"""Score one shard: rows in, output lines, errors and figures out. Runs in the workers, whatever the engine.

A shard's result is self-contained (its JSON Lines, its errors, its figures,
the kinds of its metadata columns), so committing it is one atomic step and
no later stage needs the rows again except to convert them.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from model.errors import ClaimRiskError
from model.predict import ClaimRiskModel
from model.text import sniff_format
from service.batch.rows import Row
from service.batch.summary import count_row, empty_figures, finish_figures

BATCH_DOCUMENTS = 32  # classify_many's sweet spot for 800-word articles: larger batches only cost memory
# What one unusual document can make the model raise. Anything else (an AttributeError from a stale
# artifact, MemoryError) is systemic: it stops the job rather than filling the errors file.
DOCUMENT_ERRORS = (ClaimRiskError, ValueError, IndexError, KeyError, RecursionError, OverflowError)


@dataclass(frozen=True, slots=True)
class ScoreOptions:
    """The options that change what a row's output is (so a resumed job must keep them)."""

    fmt: str = "auto"
    all_sentences: bool = False


@dataclass(frozen=True, slots=True)
class Shard:
    """Consecutive rows `first_row .. first_row + len(rows) - 1` of the input stream."""

    index: int
    first_row: int
    rows: tuple[Row, ...]


@dataclass(slots=True)
class ShardResult:
    """What a worker sends back: output lines (JSON Lines bytes) in row order, and the rest of the shard's story."""

    index: int
    first_row: int
    row_count: int
    lines: bytes
    model_version: str = ""
    errors: list[dict[str, Any]] = field(default_factory=list)
    figures: dict[str, Any] = field(default_factory=empty_figures)
    columns: dict[str, str] = field(default_factory=dict)


def score_shard(model: ClaimRiskModel, shard: Shard, options: ScoreOptions) -> ShardResult:
    """Classify the shard's usable rows batch by batch; rows without usable text become errors.

    Each batch's predictions become output lines at once: bytes, which the
    garbage collector ignores, pile up instead of a shard's worth of nested
    prediction dicts, which it would traverse again and again (~8% of scoring).
    """
    result = ShardResult(shard.index, shard.first_row, len(shard.rows), b"", model.version)
    lines: list[bytes] = []
    for chunk in _chunks(shard.rows):
        outcomes = classify_rows(model, [r for r in chunk if r.problem is None], options)
        for row in chunk:
            _emit(result, lines, row, outcomes.get(row.number, row.problem), options.all_sentences)
    result.lines = b"".join(lines)
    result.figures = finish_figures(result.figures)
    return result


def _chunks(rows: Sequence[Row]) -> Iterator[list[Row]]:
    """Consecutive rows holding at most BATCH_DOCUMENTS usable ones."""
    chunk: list[Row] = []
    usable = 0
    for row in rows:
        chunk.append(row)
        usable += row.problem is None
        if usable == BATCH_DOCUMENTS:
            yield chunk
            chunk, usable = [], 0
    if chunk:
        yield chunk


def _emit(result: ShardResult, lines: list[bytes], row: Row, outcome: Any, all_sentences: bool) -> None:
    """Add one row to the result: its output line and figures, or its error."""
    if isinstance(outcome, str) or outcome is None:
        result.errors.append({"row": row.number, "id": row.id, "where": row.where, "reason": outcome})
        return
    out = output_row(row, outcome, all_sentences)
    count_row(result.figures, out, row.number)
    note_columns(result.columns, row.metadata)
    lines.append(json.dumps(out, ensure_ascii=False, separators=(",", ":")).encode("utf-8") + b"\n")


def classify_rows(model: ClaimRiskModel, rows: Sequence[Row], options: ScoreOptions) -> dict[int, Any]:
    """Row number -> prediction dict, or the reason it could not be classified."""
    outcomes: dict[int, Any] = {}
    for start in range(0, len(rows), BATCH_DOCUMENTS):
        batch = rows[start : start + BATCH_DOCUMENTS]
        formats = [row_format(r, options.fmt) for r in batch]
        try:
            predictions = model.classify_many([r.text for r in batch], formats, options.all_sentences)
        except DOCUMENT_ERRORS:  # one bad document must not sink its batch: retry them one by one
            outcomes.update(_classify_one_by_one(model, batch, formats, options))
            continue
        outcomes.update((r.number, p.to_dict()) for r, p in zip(batch, predictions, strict=True))
    return outcomes


def _classify_one_by_one(
    model: ClaimRiskModel, rows: Sequence[Row], formats: Sequence[str], options: ScoreOptions
) -> dict[int, Any]:
    outcomes: dict[int, Any] = {}
    for row, fmt in zip(rows, formats, strict=True):
        try:
            outcomes[row.number] = model.classify(row.text or "", fmt, options.all_sentences).to_dict()
        except DOCUMENT_ERRORS as exc:  # the job goes on; the row and the reason go to the errors file
            outcomes[row.number] = f"cannot be classified: {type(exc).__name__}: {exc}"
    return outcomes


def row_format(row: Row, requested: str) -> str:
    """As asked, else as the reader knew it (a file's extension), else sniffed from the text."""
    if requested != "auto":
        return requested
    return row.fmt or sniff_format(row.text or "")


def output_row(row: Row, prediction: dict[str, Any], all_sentences: bool) -> dict[str, Any]:
    """One line of the output: the prediction's fields, then the input's metadata."""
    sentences = prediction["sentences"]
    flagged = sum(1 for s in sentences if s["label"] != "low")
    return {
        "id": row.id,
        "label": prediction["label"],
        "score": prediction["score"],
        "scores": prediction["scores"],
        "categories": prediction["categories"],
        "disclaimer": prediction["disclaimer"],
        "flagged_count": flagged,
        "sentences" if all_sentences else "flagged_sentences": sentences,
        "model_version": prediction["model"].get("version"),
        **row.metadata,
    }


def note_columns(columns: dict[str, str], metadata: dict[str, Any]) -> None:
    """Record each metadata column's kind, widened as rows disagree (see `merge_kind`)."""
    for name, value in metadata.items():
        columns[name] = merge_kind(columns.get(name, "null"), kind_of(value))


def kind_of(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int):
        return "int"
    if isinstance(value, float):
        return "float"
    return "string"


def merge_kind(a: str, b: str) -> str:
    """The narrowest column kind holding both: null gives way, int widens to float, anything else is text."""
    if a == b or b == "null":
        return a
    if a == "null":
        return b
    if {a, b} == {"int", "float"}:
        return "float"
    return "string"
