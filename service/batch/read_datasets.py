"""JSON Lines, JSON, CSV and Parquet files read through `datasets` in streaming mode (local files only).

Streaming keeps memory bounded by `datasets`' chunk (10 MB of text, 10,000
CSV rows, one Parquet batch), whatever the file size. Two choices keep one
bad row from stopping a whole file:

- JSON Lines go through the `text` builder decoded as Latin-1, which cannot
  fail; each line is then decoded as UTF-8 and parsed here, so an invalid byte
  or a malformed line becomes that row's problem. (The `json` builder parses
  10 MB blocks with pyarrow and would reject the block, then the file.)
- CSV cells are read as strings, also as Latin-1, and re-decoded per cell.

Gzip files are first decompressed to a staging file beside the output, then
read as plain files and deleted: `datasets`' on-the-fly gzip ignores the
encoding option (so Latin-1 would not apply) and Parquet needs random access.
"""

from __future__ import annotations

import csv
import gzip
import json
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from service.batch.errors import UnreadableInput
from service.batch.inputs import Source
from service.batch.rows import Record

PARQUET_BATCH_ROWS = 1000


def read_file(source: Source, text_field: str, staging: Path) -> Iterator[Record]:
    """The records of a JSON Lines, JSON, CSV or Parquet file, decompressed first if gzipped."""
    with _plain_file(source, staging) as path:
        if source.kind == "jsonl":
            yield from _jsonl_records(path, source.label)
        elif source.kind == "csv":
            yield from _csv_records(path, source.label, text_field)
        else:
            options = {"batch_size": PARQUET_BATCH_ROWS} if source.kind == "parquet" else {}
            for number, fields in enumerate(_stream(source.kind, path, source.label, **options), start=1):
                yield Record(f"{source.label}:{number}", fields)


def _jsonl_records(path: Path, label: str) -> Iterator[Record]:
    """One record per non-blank line; `where` is the line number."""
    for number, item in enumerate(_stream("text", path, label, encoding="latin-1"), start=1):
        line = item["text"]
        if line.strip():
            yield _json_line(line, f"{label}:{number}")


def _json_line(line: str, where: str) -> Record:
    try:
        text = line.encode("latin-1").decode("utf-8").lstrip("\ufeff")
    except UnicodeDecodeError as exc:
        return Record(where, problem=f"line is not UTF-8 ({exc.reason} at byte {exc.start})")
    try:
        fields = json.loads(text)
    except json.JSONDecodeError as exc:
        return Record(where, problem=f"line is not valid JSON ({exc.msg} at column {exc.colno})")
    if not isinstance(fields, dict):
        return Record(where, problem=f"line is a JSON {type(fields).__name__}, not an object")
    return Record(where, fields)


def _csv_records(path: Path, label: str, text_field: str) -> Iterator[Record]:
    """One record per CSV row, every cell a string; `where` is the row number (header not counted)."""
    import datasets

    names = _csv_header(path, label)
    features = datasets.Features({name: datasets.Value("string") for name in names})
    stream = _stream("csv", path, label, encoding="latin-1", names=names, header=0, features=features)
    for number, fields in enumerate(stream, start=1):
        yield _csv_record(fields, f"{label}:{number}", text_field)


def _csv_record(fields: dict[str, Any], where: str, text_field: str) -> Record:
    decoded: dict[str, Any] = {}
    for name, value in fields.items():
        if value is None:
            decoded[name] = None
            continue
        raw = value.encode("latin-1")
        try:
            decoded[name] = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            if name == text_field:
                return Record(where, decoded, problem=f"{name!r} is not UTF-8 ({exc.reason} at byte {exc.start})")
            decoded[name] = raw.decode("utf-8", "replace")
    return Record(where, decoded)


def _csv_header(path: Path, label: str) -> list[str]:
    with open(path, encoding="utf-8-sig", errors="replace", newline="") as handle:
        header = next(csv.reader(handle), None)
    if not header:
        raise UnreadableInput(f"{label}: empty CSV file (no header row)")
    if len(set(header)) != len(header):
        raise UnreadableInput(f"{label}: CSV header repeats a column name: {header}")
    return header


def _stream(builder: str, path: Path, label: str, **config: Any) -> Iterator[dict[str, Any]]:
    """Rows of `path` from `datasets`' streaming builder.

    Any exception while parsing is the file's fault (datasets raises pyarrow,
    pandas, JSON and Unicode errors alike), so it becomes one UnreadableInput line.
    """
    import datasets

    datasets.disable_progress_bars()
    datasets.logging.set_verbosity(datasets.logging.CRITICAL)  # failures reach the user as our one line
    try:
        stream = datasets.load_dataset(builder, data_files=[str(path)], split="train", streaming=True, **config)
        yield from stream
    except Exception as exc:
        raise UnreadableInput(f"{label}: cannot be read as {builder.upper()}: {_first_line(exc)}") from exc


@contextmanager
def _plain_file(source: Source, staging: Path) -> Iterator[Path]:
    """The source itself, or its gzip content decompressed into `staging` for as long as it is read."""
    if not source.compressed:
        yield source.path
        return
    staging.mkdir(parents=True, exist_ok=True)
    target = staging / f"input{Path(source.path.stem).suffix}"
    try:
        with gzip.open(source.path, "rb") as packed, open(target, "wb") as plain:
            shutil.copyfileobj(packed, plain, 1 << 20)
    except (OSError, EOFError) as exc:
        target.unlink(missing_ok=True)
        raise UnreadableInput(f"{source.label}: not a readable gzip file: {_first_line(exc)}") from exc
    try:
        yield target
    finally:
        target.unlink(missing_ok=True)


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip() or type(exc).__name__
    return text.splitlines()[0][:300]
