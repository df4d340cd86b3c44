"""Committed shards on disk, so that a job killed at any point resumes without losing or repeating a row.

The work folder `OUTPUT.parts/` holds `manifest.json` (what the job is: its
inputs, model and options, written once) and, per shard `N`:

- `N.jsonl`: the shard's output lines, and
- `N.json`: its commit record (row range, errors, figures, column kinds,
  size of `N.jsonl`).

Each file is written to a temporary name, flushed, fsynced and renamed; the
record is renamed last and the folder fsynced, so a shard is committed
exactly when its record exists. A kill leaves at most temporary files and
an unrecorded `.jsonl`, both rewritten by the next run. Shards are row
ranges fixed by the inputs and the shard size, so a resumed run rebuilds
the same shards, skips the committed ones and scores the rest.
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from service.batch.errors import ResumeRefused
from service.batch.scoring import ShardResult

MANIFEST = "manifest.json"
LAYOUT_VERSION = 1


def work_dir_for(output: Path) -> Path:
    return output.with_name(output.name + ".parts")


class WorkDir:
    """The shards of one job; `open` creates it or validates it for `--resume`."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.staging = path / "staging"

    @classmethod
    def open(cls, path: Path, job: dict[str, Any], resume: bool) -> WorkDir:
        """A fresh work folder for `job`, or the interrupted one when resuming the same job.

        Raises ResumeRefused when an unfinished job is there and `--resume` is
        missing, or when resuming a job whose inputs, model or options differ.
        """
        work = cls(path)
        found = work._manifest()
        if found is None:
            shutil.rmtree(path, ignore_errors=True)
            path.mkdir(parents=True)
            write_atomic(path / MANIFEST, _json_bytes({"layout": LAYOUT_VERSION, "job": job}))
            return work
        if not resume:
            raise ResumeRefused(
                f"{path} holds an interrupted job ({len(work.committed())} shards done): "
                "add --resume to continue it, or delete that folder to start over"
            )
        _check_same_job(found, job, path)
        work._drop_temporary()
        return work

    def committed(self) -> dict[int, dict[str, Any]]:
        """Shard index -> commit record, for every shard whose record and lines are complete."""
        records = {}
        for record_path in self.path.glob("*.json"):
            if record_path.name == MANIFEST:
                continue
            record = json.loads(record_path.read_bytes())
            lines = self.path / f"{record['index']:06d}.jsonl"
            if lines.is_file() and lines.stat().st_size == record["bytes"]:
                records[record["index"]] = record
        return records

    def commit(self, result: ShardResult) -> dict[str, Any]:
        """Make one shard durable: its lines, then its record, each atomically."""
        name = f"{result.index:06d}"
        write_atomic(self.path / f"{name}.jsonl", result.lines, sync_dir=False)
        record = {
            "index": result.index, "first_row": result.first_row, "row_count": result.row_count,
            "bytes": len(result.lines), "errors": result.errors, "figures": result.figures, "columns": result.columns,
        }
        write_atomic(self.path / f"{name}.json", _json_bytes(record))
        return record

    def lines_path(self, index: int) -> Path:
        return self.path / f"{index:06d}.jsonl"

    def iter_lines(self, index: int) -> Iterator[bytes]:
        with open(self.lines_path(index), "rb") as handle:
            yield from handle

    def remove(self) -> None:
        shutil.rmtree(self.path, ignore_errors=True)

    def _manifest(self) -> dict[str, Any] | None:
        try:
            return json.loads((self.path / MANIFEST).read_bytes())
        except (OSError, ValueError):
            return None

    def _drop_temporary(self) -> None:
        for leftover in self.path.glob("*.tmp"):
            leftover.unlink(missing_ok=True)
        shutil.rmtree(self.staging, ignore_errors=True)


def _check_same_job(found: dict[str, Any], job: dict[str, Any], path: Path) -> None:
    if found.get("layout") != LAYOUT_VERSION:
        raise ResumeRefused(f"{path} was written by another version of claimrisk; delete it to start over")
    differing = [key for key in sorted(set(job) | set(found["job"])) if job.get(key) != found["job"].get(key)]
    if differing:
        raise ResumeRefused(
            f"cannot resume: the {', '.join(differing)} differ from the interrupted job's "
            f"(see {path / MANIFEST}); rerun it as it was, or delete {path} to start over"
        )


def write_atomic(path: Path, data: bytes, sync_dir: bool = True) -> None:
    """Write `data` so that `path` holds either its old content or all of `data`, even after a kill or a crash."""
    temporary = path.with_name(path.name + ".tmp")
    with open(temporary, "wb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(temporary, path)
    if sync_dir:
        fsync_dir(path.parent)


def fsync_dir(folder: Path) -> None:
    descriptor = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def _json_bytes(value: Any) -> bytes:
    return json.dumps(value, ensure_ascii=False).encode("utf-8")
