"""A folder of `.html`, `.htm`, `.md`, `.markdown` and `.txt` files: one article per file, id = path in the folder.

Read directly rather than through `datasets.IterableDataset.from_generator`:
the files need no parsing `datasets` could do, and a plain generator keeps
the sorted order, the per-file decode errors and the format taken from each
file's extension without a round trip through Arrow for every document.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from service.batch.inputs import FOLDER_SUFFIXES
from service.batch.rows import Record

FORMAT_BY_SUFFIX = {".html": "html", ".htm": "html", ".md": "markdown", ".markdown": "markdown", ".txt": "text"}


def folder_files(folder: Path) -> list[Path]:
    """The documents under `folder`, recursively, sorted by their path relative to it."""
    found = [p for p in folder.rglob("*") if p.suffix.lower() in FOLDER_SUFFIXES and p.is_file()]
    return sorted(found, key=lambda p: p.relative_to(folder).as_posix())


def read_folder(folder: Path) -> Iterator[Record]:
    """One record per document: `id` its relative path, `text` its UTF-8 content."""
    for path in folder_files(folder):
        relative = path.relative_to(folder).as_posix()
        where = f"{folder}/{relative}"
        fmt = FORMAT_BY_SUFFIX[path.suffix.lower()]
        try:
            raw = path.read_bytes()
        except OSError as exc:
            yield Record(where, {"id": relative}, problem=f"cannot be read: {exc.strerror or exc}", fmt=fmt)
            continue
        try:
            yield Record(where, {"id": relative, "text": raw.decode("utf-8-sig")}, fmt=fmt)
        except UnicodeDecodeError as exc:
            problem = f"file is not UTF-8 ({exc.reason} at byte {exc.start})"
            yield Record(where, {"id": relative}, problem=problem, fmt=fmt)
