"""A progress bar with rate and time left on a terminal; nothing at all otherwise (logs and pipes stay clean).

The time left needs the number of rows, which streaming does not know: on a
terminal the inputs are counted first by a quick pass (lines, Parquet
metadata, files, `<item>` tags), which costs seconds on archives that take
hours to score.
"""

from __future__ import annotations

import gzip
import re
from collections.abc import Sequence
from pathlib import Path
from typing import IO, Any

from service.batch.inputs import Source

_ITEM = re.compile(rb"<item[\s>]")


class Progress:
    """Advance by rows scored; a no-op when `enabled` is False."""

    def __init__(self, enabled: bool, total: int | None, done: int = 0) -> None:
        self.enabled = enabled
        self._bar: Any = None
        self._task: Any = None
        self._total, self._done = total, done

    def __enter__(self) -> Progress:
        if self.enabled:
            from rich.console import Console
            from rich.progress import (
                BarColumn,
                MofNCompleteColumn,
                TaskProgressColumn,
                TextColumn,
                TimeElapsedColumn,
                TimeRemainingColumn,
            )
            from rich.progress import Progress as RichProgress

            self._bar = RichProgress(
                TextColumn("scoring"), BarColumn(), MofNCompleteColumn(), TaskProgressColumn(),
                TextColumn("{task.fields[rate]} rows/s"), TimeElapsedColumn(), TextColumn("left"),
                TimeRemainingColumn(), console=Console(stderr=True),
            )
            self._bar.start()
            self._task = self._bar.add_task("scoring", total=self._total, completed=self._done, rate="-")
        return self

    def advance(self, rows: int) -> None:
        if self._bar is not None:
            self._bar.advance(self._task, rows)
            speed = self._bar.tasks[0].speed
            self._bar.update(self._task, rate=f"{speed:,.0f}" if speed else "-")

    def __exit__(self, *exc: object) -> None:
        if self._bar is not None:
            self._bar.stop()


def count_rows(sources: Sequence[Source]) -> int | None:
    """About how many rows the sources hold (blank lines and skipped post types aside); None if unknown."""
    total = 0
    for source in sources:
        count = _count(source)
        if count is None:
            return None
        total += count
    return total


def _count(source: Source) -> int | None:
    if source.kind == "folder":
        from service.batch.read_folder import folder_files

        return len(folder_files(source.path))
    if source.kind == "parquet" and not source.compressed:
        import pyarrow.parquet as pq

        return pq.ParquetFile(source.path).metadata.num_rows
    if source.kind in ("jsonl", "csv", "wxr"):
        with _open(source.path, source.compressed) as handle:
            return _count_stream(handle, source.kind)
    return None


def _count_stream(handle: IO[bytes], kind: str) -> int:
    count, tail = 0, b""
    for block in iter(lambda: handle.read(1 << 22), b""):
        if kind == "wxr":
            count += len(_ITEM.findall(tail + block))
            tail = block[-5:]  # a tag counted in the last block cannot fit in 5 bytes
        else:
            count += block.count(b"\n")
            tail = block[-1:]
    if kind != "wxr" and tail not in (b"", b"\n"):
        count += 1
    return count - 1 if kind == "csv" else count


def _open(path: Path, compressed: bool) -> IO[bytes]:
    return gzip.open(path, "rb") if compressed else open(path, "rb")
