"""The final files, assembled from committed shards in input order: output, errors, summary.

Shards hold JSON Lines; JSON Lines output is their concatenation, CSV and
Parquet outputs convert one shard at a time (one Parquet row group each), so
assembling needs memory for one shard. Metadata columns are the union over
all shards in order of first appearance, typed by the kinds the workers saw:
a column that mixes kinds becomes text, with non-text values as JSON.
"""

from __future__ import annotations

import csv
import json
import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from model.taxonomy import LEVELS
from service.batch.errors import UsageError
from service.batch.scoring import merge_kind
from service.batch.shards import WorkDir, fsync_dir

OUTPUT_KINDS = {".jsonl": "jsonl", ".csv": "csv", ".parquet": "parquet"}


def output_kind(path: Path) -> str:
    """The output format from the extension, or UsageError."""
    kind = OUTPUT_KINDS.get(path.suffix.lower())
    if kind is None:
        raise UsageError(f"{path}: the output must end in .jsonl, .csv or .parquet")
    return kind


def companion(output: Path, suffix: str) -> Path:
    """`OUTPUT.errors.jsonl`, `OUTPUT.summary.json`, `OUTPUT.diff.jsonl`."""
    return output.with_name(output.name + suffix)


def fixed_columns(all_sentences: bool) -> list[str]:
    sentences = "sentences" if all_sentences else "flagged_sentences"
    return ["id", "label", "score", "scores", "categories", "disclaimer", "flagged_count", sentences, "model_version"]


def metadata_columns(records: list[dict[str, Any]]) -> dict[str, str]:
    """Metadata column -> kind over all shards, in order of first appearance."""
    columns: dict[str, str] = {}
    for record in records:
        for name, kind in record["columns"].items():
            columns[name] = merge_kind(columns.get(name, "null"), kind)
    return columns


def write_output(output: Path, work: WorkDir, records: list[dict[str, Any]], all_sentences: bool) -> None:
    """Write the output file atomically from the committed shards `records` (in index order)."""
    temporary = output.with_name(output.name + ".tmp")
    kind = output_kind(output)
    if kind == "jsonl":
        _write_jsonl(temporary, work, records)
    else:
        header = fixed_columns(all_sentences) + list(metadata_columns(records))
        if kind == "csv":
            _write_csv(temporary, header, iter_output_rows(work, records))
        else:
            _write_parquet(temporary, header, metadata_columns(records), work, records)
    _publish(temporary, output)


def write_errors(path: Path, records: list[dict[str, Any]]) -> int:
    """Every bad row, in input order, one JSON object a line; returns how many."""
    temporary = path.with_name(path.name + ".tmp")
    count = 0
    with open(temporary, "w", encoding="utf-8") as handle:
        for record in records:
            for error in record["errors"]:
                handle.write(json.dumps(error, ensure_ascii=False) + "\n")
                count += 1
    _publish(temporary, path)
    return count


def write_json(path: Path, value: Any) -> None:
    temporary = path.with_name(path.name + ".tmp")
    temporary.write_text(json.dumps(value, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    _publish(temporary, path)


def iter_output_rows(work: WorkDir, records: list[dict[str, Any]]) -> Iterator[dict[str, Any]]:
    """Every output row, parsed, in input order."""
    for record in records:
        for line in work.iter_lines(record["index"]):
            yield json.loads(line)


def _write_jsonl(path: Path, work: WorkDir, records: list[dict[str, Any]]) -> None:
    """Concatenate the shards, in the kernel where it can (`copy_file_range`), else through a buffer."""
    with open(path, "wb") as out:
        for record in records:
            with open(work.lines_path(record["index"]), "rb") as shard:
                _append(shard, out, record["bytes"])


def _append(source: Any, target: Any, size: int) -> None:
    if hasattr(os, "copy_file_range"):
        try:
            while size > 0:
                copied = os.copy_file_range(source.fileno(), target.fileno(), size)
                if copied == 0:
                    break
                size -= copied
            return
        except OSError:  # not supported between these files: fall back to a plain copy of the rest
            pass
    shutil.copyfileobj(source, target, 1 << 20)


def _write_csv(path: Path, header: list[str], rows: Iterator[dict[str, Any]]) -> None:
    with open(path, "w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        for row in rows:
            writer.writerow([csv_cell(row.get(name)) for name in header])


def csv_cell(value: Any) -> str:
    """A value as CSV text: lists and objects as JSON, booleans as true/false, null as empty."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return value
    if isinstance(value, int | float):
        return str(value)
    return json.dumps(value, ensure_ascii=False)


def _write_parquet(
    path: Path, header: list[str], columns: dict[str, str], work: WorkDir, records: list[dict[str, Any]]
) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    schema = _parquet_schema(header, columns)
    text_columns = {header[7]} | {name for name, kind in columns.items() if kind == "string"}
    with pq.ParquetWriter(path, schema) as writer:
        for record in records:
            rows = [json.loads(line) for line in work.iter_lines(record["index"])]
            if rows:
                cells = [{name: _parquet_cell(row.get(name), name in text_columns) for name in header} for row in rows]
                writer.write_table(pa.Table.from_pylist(cells, schema=schema))


def _parquet_schema(header: list[str], columns: dict[str, str]) -> Any:
    import pyarrow as pa

    kinds = {"null": pa.null(), "bool": pa.bool_(), "int": pa.int64(), "float": pa.float64(), "string": pa.string()}
    fixed = [
        pa.field("id", pa.string()), pa.field("label", pa.string()), pa.field("score", pa.float64()),
        pa.field("scores", pa.struct([pa.field(level, pa.float64()) for level in LEVELS])),
        pa.field("categories", pa.list_(pa.string())), pa.field("disclaimer", pa.bool_()),
        pa.field("flagged_count", pa.int64()), pa.field(header[7], pa.string()), pa.field("model_version", pa.string()),
    ]
    return pa.schema(fixed + [pa.field(name, kinds[kind]) for name, kind in columns.items()])


def _parquet_cell(value: Any, as_text: bool) -> Any:
    if as_text and value is not None and not isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    return value


def _publish(temporary: Path, path: Path) -> None:
    with open(temporary, "rb+") as handle:
        os.fsync(handle.fileno())
    os.replace(temporary, path)
    fsync_dir(path.parent)
