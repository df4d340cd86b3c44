"""The errors a batch job raises on purpose: `ClaimRiskError`s, which the CLI turns into one line and exit 2."""

from __future__ import annotations

from model.errors import ClaimRiskError


class BatchError(ClaimRiskError):
    """A batch job cannot start or go on."""


class UsageError(BatchError):
    """The command asks for something impossible: an unknown output format, a missing option."""


class UnreadableInput(BatchError):
    """An input file or folder is missing, of an unknown kind, or cannot be parsed as a whole."""


class ResumeRefused(BatchError):
    """`--resume` was asked for a job whose inputs, model or options differ, or omitted for an unfinished one."""


class WorkerFailure(BatchError):
    """A worker process or the Dask cluster failed in a way that no retry of a single row can fix."""
