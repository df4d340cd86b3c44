"""Batch scoring of article archives: `claimrisk score`.

    inputs, read_*  -> rows (id, text, format, metadata) streamed from files, folders and WordPress exports
    rows            -> one row validated: usable text, or the reason it goes to the errors file
    scoring         -> one shard of rows in, its output lines, errors and figures out (runs in the workers)
    engine_*        -> where shards are scored: this process, a process pool, or a Dask cluster
    shards          -> committed shards on disk, so that a killed job resumes where it stopped
    outputs, diff,  -> the final file in input order, the errors file, the summary, the changes
    summary            since an earlier run
    job             -> `score_archive`, which wires them together
"""

from __future__ import annotations

from service.batch.errors import BatchError
from service.batch.job import JobReport, JobSpec, score_archive

__all__ = ["BatchError", "JobReport", "JobSpec", "score_archive"]
