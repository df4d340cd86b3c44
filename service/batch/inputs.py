"""What `INPUT...` names: files, globs and folders resolved into typed sources, then read as one stream of rows.

Each source is read in turn and its records numbered in one sequence, so row
numbers (and therefore shard boundaries) depend only on the inputs, never on
timing or the number of workers.
"""

from __future__ import annotations

import glob
import os
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from service.batch.errors import UnreadableInput
from service.batch.rows import FieldNames, Record, Row, make_row

FILE_KINDS = {
    ".jsonl": "jsonl", ".ndjson": "jsonl", ".json": "json", ".csv": "csv", ".parquet": "parquet", ".xml": "wxr",
}
FOLDER_SUFFIXES = (".html", ".htm", ".md", ".markdown", ".txt")


@dataclass(frozen=True, slots=True)
class Source:
    """One input: a file of a known kind (maybe gzip-compressed) or a folder of documents."""

    path: Path
    kind: str
    compressed: bool = False

    @property
    def label(self) -> str:
        """How messages and fallback ids name this source: the path as the user gave it."""
        return str(self.path)


def expand_inputs(patterns: Sequence[str]) -> list[Source]:
    """Every input, globs expanded in sorted order; a missing file or unknown kind is an UnreadableInput."""
    sources: list[Source] = []
    for pattern in patterns:
        matches = sorted(glob.glob(pattern, recursive=True)) if glob.has_magic(pattern) else [pattern]
        if not matches:
            raise UnreadableInput(f"{pattern}: no file matches")
        sources.extend(source_of(Path(match)) for match in matches)
    return sources


def source_of(path: Path) -> Source:
    """The kind of `path` from its extension (after an optional `.gz`)."""
    if path.is_dir():
        return Source(path, "folder")
    if not path.is_file():
        raise UnreadableInput(f"{path}: no such file or folder")
    if not os.access(path, os.R_OK):
        raise UnreadableInput(f"{path}: not readable")
    compressed = path.suffix.lower() == ".gz"
    suffix = Path(path.stem).suffix.lower() if compressed else path.suffix.lower()
    if suffix not in FILE_KINDS:
        known = ", ".join(sorted(FILE_KINDS))
        raise UnreadableInput(
            f"{path}: unknown input kind {suffix or '(no extension)'!r}; expected {known} (maybe .gz) or a folder"
        )
    return Source(path, FILE_KINDS[suffix], compressed)


def read_rows(sources: Sequence[Source], names: FieldNames, fmt: str, staging: Path) -> Iterator[Row]:
    """All rows of all sources in input order, numbered from 0; bad rows carry their problem."""
    number = 0
    for source in sources:
        layout = names if source.kind in ("jsonl", "json", "csv", "parquet") else FieldNames()
        for record in read_records(source, names.text, fmt, staging):
            yield make_row(number, record, layout)
            number += 1


def read_records(source: Source, text_field: str, fmt: str, staging: Path) -> Iterator[Record]:
    """The records of one source, by the reader for its kind."""
    if source.kind == "folder":
        from service.batch.read_folder import read_folder

        return read_folder(source.path)
    if source.kind == "wxr":
        from service.batch.read_wxr import read_wxr

        return read_wxr(source.path, source.compressed, fmt)
    from service.batch.read_datasets import read_file

    return read_file(source, text_field, staging)
