"""Scoring on this machine: in this process (`--workers 0`) or in a pool of worker processes.

Each worker process loads the model once, from the resolved artifact folder,
as soon as the engine starts (while the job's process loads its own copy and
opens the inputs), then freezes it out of garbage collection. Workers are
started by a fork server (a clean process that has imported the model code),
never forked from this one, which by then runs `datasets`' and pyarrow's
threads. A worker whose job process dies (a SIGKILL leaves no time to stop
the pool) notices within a second and exits instead of waiting forever: it
cannot count on its task queue closing, since every worker holds that pipe's
write end too, and the fork server stays up as long as its workers do.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import threading
import time
from collections.abc import Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path

import psutil

from model.predict import ClaimRiskModel
from service.batch.engine import windowed
from service.batch.errors import WorkerFailure
from service.batch.scoring import ScoreOptions, Shard, ShardResult, score_shard

PRELOADED = ["model.artifact", "service.batch.scoring"]


class InProcessEngine:
    """Scores shards one after another in this process: no start-up cost, for small jobs and tests."""

    description = "in this process"

    def __enter__(self) -> InProcessEngine:
        return self

    def __exit__(self, *exc: object) -> None:
        return None

    def score(self, model: ClaimRiskModel, shards: Iterable[Shard], options: ScoreOptions) -> Iterator[ShardResult]:
        return (score_shard(model, shard, options) for shard in shards)


class LocalEngine:
    """A process pool of `workers` scorers, each holding its own copy of the model in `model_folder`."""

    def __init__(self, model_folder: Path, workers: int) -> None:
        self.model_folder = model_folder
        self.workers = workers
        self.description = f"{workers} worker process{'es' if workers > 1 else ''}"
        self._pool: ProcessPoolExecutor | None = None

    def __enter__(self) -> LocalEngine:
        if self.model_folder.exists():  # else the model is about to be trained: start once it exists
            self._start()
        return self

    def __exit__(self, *exc: object) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)

    def score(self, model: ClaimRiskModel, shards: Iterable[Shard], options: ScoreOptions) -> Iterator[ShardResult]:
        pool = self._pool or self._start()

        def submit(shard: Shard) -> Future[ShardResult]:
            return pool.submit(_score_in_worker, shard, options)

        try:
            yield from windowed(shards, submit, _wait_any, window=2 * self.workers)
        except BrokenProcessPool as exc:
            raise WorkerFailure(f"a worker process died ({exc}); committed shards are kept: rerun with --resume") \
                from exc

    def _start(self) -> ProcessPoolExecutor:
        """Create the pool, and have its workers start (and load the model) now rather than at the first shard.

        Starting a worker waits for the fork server to import the model code,
        so a background thread does it while this process imports and loads
        its own copy of the model on the other core.
        """
        context = multiprocessing.get_context("forkserver")
        context.set_forkserver_preload(PRELOADED)
        pool = ProcessPoolExecutor(self.workers, mp_context=context, initializer=_start_worker,
                                   initargs=(str(self.model_folder.resolve()), os.getpid()))
        threading.Thread(target=_spawn_all, args=(pool, self.workers), daemon=True, name="pool-start").start()
        self._pool = pool
        return pool


def _spawn_all(pool: ProcessPoolExecutor, workers: int) -> None:
    """Submit one no-op per worker: the pool starts a process for each task no idle worker can take."""
    with contextlib.suppress(RuntimeError, BrokenProcessPool):  # shut down or broken: the job will say so
        for _ in range(workers):
            pool.submit(os.getpid)


def _wait_any(pending: set[Future[ShardResult]]) -> tuple[set[Future[ShardResult]], set[Future[ShardResult]]]:
    done, not_done = wait(pending, return_when=FIRST_COMPLETED)
    return set(done), set(not_done)


# The model of *this worker process*: set once by the pool's initializer, read by every task it runs.
_worker_model: dict[str, ClaimRiskModel] = {}


def _start_worker(folder: str, job_pid: int) -> None:
    from model.artifact import load_model
    from service.compute import one_compute_thread

    _worker_model["model"] = load_model(folder)  # which freezes the heap: the model lives as long as the worker
    one_compute_thread()  # the job scales by worker processes, as the service does
    job = psutil.Process(job_pid)
    threading.Thread(target=_exit_without, args=(job,), daemon=True, name="job-watch").start()


def _exit_without(job: psutil.Process) -> None:
    """Exit once the job's process is gone (or a zombie); `is_running` also guards against a reused pid."""
    while _alive(job):
        time.sleep(1.0)
    os._exit(1)


def _alive(process: psutil.Process) -> bool:
    try:
        return process.is_running() and process.status() != psutil.STATUS_ZOMBIE
    except psutil.Error:
        return False


def _score_in_worker(shard: Shard, options: ScoreOptions) -> ShardResult:
    return score_shard(_worker_model["model"], shard, options)
