"""`score_archive`: inputs -> shards -> engine -> committed shards -> output, errors, summary (and diff)."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from model.predict import ClaimRiskModel
from service.batch.diff import check_previous, diff_rows, load_previous
from service.batch.engine import Engine
from service.batch.errors import BatchError, UsageError, WorkerFailure
from service.batch.inputs import Source, expand_inputs, read_rows
from service.batch.outputs import companion, iter_output_rows, output_kind, write_errors, write_json, write_output
from service.batch.progress import Progress, count_rows
from service.batch.rows import FieldNames, Row
from service.batch.scoring import ScoreOptions, Shard, ShardResult
from service.batch.shards import WorkDir, work_dir_for
from service.batch.summary import job_summary, merge_figures

DEFAULT_SHARD_ROWS = 500  # ~1 s of one worker: a kill loses little, and the last shards balance well


@dataclass(frozen=True, slots=True)
class JobSpec:
    """One `claimrisk score` job, as the command line describes it."""

    inputs: tuple[str, ...]
    output: Path
    text_field: str = "text"
    id_field: str = "id"
    fmt: str = "auto"
    all_sentences: bool = False
    shard_size: int = DEFAULT_SHARD_ROWS
    resume: bool = False
    diff: Path | None = None


@dataclass(frozen=True, slots=True)
class JobReport:
    summary: dict[str, Any]
    output: Path
    errors_file: Path
    summary_file: Path
    diff: dict[str, Any] | None
    resumed_rows: int

    @property
    def has_errors(self) -> bool:
        return self.summary["errors"] > 0


def check_spec(spec: JobSpec) -> list[Source]:
    """Everything that can be wrong before scoring starts: output, inputs, earlier output; returns the sources."""
    output_kind(spec.output)
    if not spec.output.parent.is_dir():
        raise UsageError(f"{spec.output}: the folder {spec.output.parent} does not exist")
    if spec.shard_size < 1:
        raise UsageError("the shard size must be at least 1")
    sources = expand_inputs(spec.inputs)
    if any(_same_file(s.path, spec.output) for s in sources):
        raise UsageError(f"{spec.output} is also an input; choose another output")
    if spec.diff is not None:
        check_previous(spec.diff)
    return sources


def score_archive(spec: JobSpec, model: ClaimRiskModel, engine: Engine, show_progress: bool = False) -> JobReport:
    """Score every input row with `engine` (entered by the caller), commit shards as they finish, then assemble."""
    sources = check_spec(spec)
    work = WorkDir.open(work_dir_for(spec.output), job_identity(spec, sources, model), spec.resume)
    committed = work.committed()
    resumed = sum(record["row_count"] for record in committed.values())
    names, options = FieldNames(spec.text_field, spec.id_field), ScoreOptions(spec.fmt, spec.all_sentences)
    rows = read_rows(sources, names, spec.fmt, work.staging)
    total = count_rows(sources) if show_progress else None
    with Progress(show_progress, total, resumed) as progress:
        try:
            for result in engine.score(model, pending_shards(rows, spec.shard_size, committed), options):
                _check_version(result, model)
                work.commit(result)
                progress.advance(result.row_count)
        except BatchError:
            raise
        except Exception as exc:  # a worker's unexpected failure reaches the user as one line, shards kept
            raise WorkerFailure(
                f"scoring stopped ({type(exc).__name__}: {exc}); the shards committed so far are kept "
                f"in {work.path}: fix the cause and rerun with --resume"
            ) from exc
    return _finish(spec, work, model.version, resumed)


def _check_version(result: ShardResult, model: ClaimRiskModel) -> None:
    """Workers load their own copy of the model: one that differs (an artifact swapped mid-start) must not mix in."""
    if result.model_version != model.version:
        raise WorkerFailure(f"a worker scored with model {result.model_version}, not {model.version}: "
                            "the model folder changed while the job started; rerun with --resume")


def pending_shards(rows: Iterable[Row], size: int, committed: dict[int, Any]) -> Iterator[Shard]:
    """Consecutive rows cut into shards of `size`, skipping those already committed."""
    for shard in make_shards(rows, size):
        if shard.index not in committed:
            yield shard


def make_shards(rows: Iterable[Row], size: int) -> Iterator[Shard]:
    batch: list[Row] = []
    index = 0
    for row in rows:
        batch.append(row)
        if len(batch) == size:
            yield Shard(index, batch[0].number, tuple(batch))
            batch, index = [], index + 1
    if batch:
        yield Shard(index, batch[0].number, tuple(batch))


def _finish(spec: JobSpec, work: WorkDir, model_version: str, resumed: int) -> JobReport:
    """Assemble the final files from the committed shards, then delete them."""
    records = _all_records(work)
    previous = load_previous(spec.diff) if spec.diff else None  # read first: the earlier output may be OUTPUT itself
    write_output(spec.output, work, records, spec.all_sentences)
    errors_file, summary_file = companion(spec.output, ".errors.jsonl"), companion(spec.output, ".summary.json")
    errors = write_errors(errors_file, records)
    rows = sum(record["row_count"] for record in records)
    summary = job_summary(merge_figures(r["figures"] for r in records), rows, errors, model_version)
    diff = None
    if previous is not None:
        diff = diff_rows(previous, iter_output_rows(work, records), companion(spec.output, ".diff.jsonl"))
        summary["diff"] = diff["counts"]
    write_json(summary_file, summary)
    work.remove()
    return JobReport(summary, spec.output, errors_file, summary_file, diff, resumed)


def _all_records(work: WorkDir) -> list[dict[str, Any]]:
    """Every shard's record in order; a gap means shards were lost, which only deleting files by hand can do."""
    committed = work.committed()
    records = [committed[index] for index in sorted(committed)]
    expected_first = 0
    for record in records:
        if record["first_row"] != expected_first:
            raise UsageError(f"{work.path} lacks the shard starting at row {expected_first}; rerun with --resume")
        expected_first += record["row_count"]
    return records


def job_identity(spec: JobSpec, sources: Sequence[Source], model: ClaimRiskModel) -> dict[str, Any]:
    """What must not change between a job and its resumption: inputs, model and the options that shape rows."""
    return {
        "inputs": [_describe(source) for source in sources],
        "model": {"version": model.version, "sha256": model.manifest.get("sha256")},
        "text_field": spec.text_field,
        "id_field": spec.id_field,
        "format": spec.fmt,
        "all_sentences": spec.all_sentences,
        "shard_size": spec.shard_size,
    }


def _describe(source: Source) -> dict[str, Any]:
    path = source.path.resolve()
    if source.kind != "folder":
        stat = path.stat()
        return {"path": str(path), "kind": source.kind, "size": stat.st_size, "mtime_ns": stat.st_mtime_ns}
    from service.batch.read_folder import folder_files

    listing = hashlib.sha256()
    files = folder_files(path)
    for file in files:
        stat = file.stat()
        listing.update(f"{file.relative_to(path).as_posix()}\0{stat.st_size}\0{stat.st_mtime_ns}\n".encode())
    return {"path": str(path), "kind": "folder", "files": len(files), "listing_sha256": listing.hexdigest()}


def _same_file(a: Path, b: Path) -> bool:
    return b.exists() and a.resolve() == b.resolve()
