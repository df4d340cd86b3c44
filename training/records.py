"""Read labeled records from JSONL, CSV or Parquet and check them against the labeling guide.

Reading is row by row with the format's own parser so that every problem can
be named by file and line, which is what a contributor needs to fix it.
"""

from __future__ import annotations

import csv
import gzip
import io
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from model.taxonomy import EXTRA_SOURCES, HARD_CASES, LEVELS, REGISTERS, category_problem

RECORD_FORMATS = (".jsonl", ".csv", ".parquet")
REQUIRED_FIELDS = ("text", "label", "categories", "product", "source", "doc_id")
OPTIONAL_FIELDS = ("hard_cases",)
LIST_FIELDS = ("categories", "hard_cases")


@dataclass(frozen=True, slots=True)
class Record:
    """One labeled sentence, checked."""

    text: str
    label: str
    categories: tuple[str, ...]
    product: str
    source: str
    doc_id: str
    hard_cases: tuple[str, ...] = ()
    where: str = field(default="", compare=False)  # "path:line", for messages


@dataclass(frozen=True, slots=True)
class RawRow:
    """A row as the file held it, with its place, before any check."""

    path: str
    line: int
    data: Any
    parse_error: str | None = None

    @property
    def where(self) -> str:
        return f"{self.path}:{self.line}"


def record_files(paths: Iterable[str | Path]) -> list[Path]:
    """Expand folders into the record files under them, sorted, so runs are reproducible."""
    files: list[Path] = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            files.extend(p for p in sorted(path.rglob("*")) if _is_record_file(p))
        elif path.exists():
            files.append(path)
        else:
            raise FileNotFoundError(f"{path}: no such file or folder")
    return files


def _is_record_file(path: Path) -> bool:
    name = path.name.removesuffix(".gz")
    return path.is_file() and name.endswith(RECORD_FORMATS)


def iter_raw_rows(path: Path) -> Iterator[RawRow]:
    """Yield every row of a JSONL, CSV or Parquet file (optionally gzipped) with its line number."""
    name = path.name.removesuffix(".gz")
    if name.endswith(".jsonl"):
        yield from _jsonl_rows(path)
    elif name.endswith(".csv"):
        yield from _csv_rows(path)
    elif name.endswith(".parquet"):
        yield from _parquet_rows(path)
    else:
        yield RawRow(str(path), 0, None, f"unsupported file type; use one of {RECORD_FORMATS}")


def _open_text(path: Path) -> io.TextIOBase:
    if path.suffix == ".gz":
        return io.TextIOWrapper(gzip.open(path, "rb"), encoding="utf-8", newline="")
    return open(path, encoding="utf-8", newline="")


def _jsonl_rows(path: Path) -> Iterator[RawRow]:
    try:
        with _open_text(path) as handle:
            for number, line in enumerate(handle, start=1):
                if not line.strip():
                    continue
                try:
                    yield RawRow(str(path), number, json.loads(line))
                except json.JSONDecodeError as exc:
                    yield RawRow(str(path), number, None, f"not valid JSON ({exc.msg})")
    except UnicodeDecodeError as exc:
        yield RawRow(str(path), 0, None, f"not UTF-8 text ({exc.reason})")


def _csv_rows(path: Path) -> Iterator[RawRow]:
    try:
        with _open_text(path) as handle:
            reader = csv.DictReader(handle)
            line = reader.line_num + 1
            for row in reader:
                yield RawRow(str(path), line, {k: _csv_value(k, v) for k, v in row.items() if k})
                line = reader.line_num + 1
    except (UnicodeDecodeError, csv.Error) as exc:
        yield RawRow(str(path), 0, None, f"unreadable CSV ({exc})")


def _csv_value(key: str, value: str | None) -> Any:
    """CSV has no lists: accept a JSON list or a `;`/`|`-separated string in list columns."""
    if key not in LIST_FIELDS or value is None:
        return value
    stripped = value.strip()
    if stripped.startswith("["):
        try:
            return json.loads(stripped)
        except json.JSONDecodeError:
            return value
    return [part.strip() for part in stripped.replace("|", ";").split(";") if part.strip()]


def _parquet_rows(path: Path) -> Iterator[RawRow]:
    import pyarrow.parquet as pq

    try:
        table = pq.read_table(path)
    except Exception as exc:  # pyarrow raises many types for a broken file
        yield RawRow(str(path), 0, None, f"unreadable Parquet ({exc})")
        return
    for number, row in enumerate(table.to_pylist(), start=1):
        yield RawRow(str(path), number, row)


def check_row(row: RawRow) -> tuple[Record | None, list[str]]:
    """Check one row against the record schema; return the record or the problems."""
    if row.parse_error:
        return None, [row.parse_error]
    data = row.data
    if not isinstance(data, dict):
        return None, [f"a record is a JSON object, got {type(data).__name__}"]
    problems = _field_problems(data)
    if problems:
        return None, problems
    record = Record(
        text=data["text"],
        label=data["label"],
        categories=tuple(data["categories"]),
        product=data["product"].strip(),
        source=data["source"].strip(),
        doc_id=data["doc_id"].strip(),
        hard_cases=tuple(data.get("hard_cases") or ()),
        where=row.where,
    )
    return record, []


def _field_problems(data: dict[str, Any]) -> list[str]:
    problems = [f"missing field '{name}'" for name in REQUIRED_FIELDS if name not in data]
    unknown = sorted(set(data) - set(REQUIRED_FIELDS) - set(OPTIONAL_FIELDS))
    if unknown:
        problems.append(f"unknown fields {unknown}")
    for name in ("text", "product", "source", "doc_id"):
        value = data.get(name)
        if name in data and (not isinstance(value, str) or not value.strip()):
            problems.append(f"'{name}' must be a non-empty string")
    source = data.get("source")
    if isinstance(source, str) and source.strip() and source.strip() not in REGISTERS + EXTRA_SOURCES:
        problems.append(f"source {source!r} is not one of {list(REGISTERS + EXTRA_SOURCES)}")
    problems.extend(_list_problems(data, "hard_cases"))
    hard_cases = data.get("hard_cases")
    if isinstance(hard_cases, list) and set(map(str, hard_cases)) - set(HARD_CASES):
        problems.append(
            f"unknown hard_cases {sorted(set(map(str, hard_cases)) - set(HARD_CASES))}; allowed: {list(HARD_CASES)}"
        )
    return problems + _label_problems(data)


def _label_problems(data: dict[str, Any]) -> list[str]:
    if "label" in data and data["label"] not in LEVELS:
        return [f"label {data['label']!r} is not one of {list(LEVELS)}"]
    listed = _list_problems(data, "categories")
    if listed or "label" not in data or "categories" not in data:
        return listed
    issue = category_problem(data["label"], list(data["categories"]))
    return [issue] if issue else []


def _list_problems(data: dict[str, Any], name: str) -> list[str]:
    if name not in data or (name == "hard_cases" and data[name] is None):
        return []
    value = data[name]
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        return [f"'{name}' must be a list of strings"]
    return []


def check_documents(records: list[Record]) -> list[tuple[str, str]]:
    """Document-level problems as (where, message): a document is one block of one product and source."""
    problems: list[tuple[str, str]] = []
    seen: dict[str, Record] = {}
    previous: Record | None = None
    for record in records:
        first = seen.get(record.doc_id)
        if first is None:
            seen[record.doc_id] = record
        elif previous is None or previous.doc_id != record.doc_id:
            problems.append(
                (record.where, f"doc_id {record.doc_id!r} also at {first.where}; keep a document's sentences together")
            )
        elif (first.product, first.source) != (record.product, record.source):
            problems.append((record.where, f"doc_id {record.doc_id!r} changes product or source within the document"))
        previous = record
    return problems
