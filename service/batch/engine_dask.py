"""Scoring on a Dask distributed cluster: the same shards and the same `score_shard`, run by Dask workers.

The model travels once to each worker inside a worker plugin, which the
scheduler also hands to workers that join (or restart) later. Shards are
read here, sent to the cluster a bounded number at a time, and their results
come back here to be committed, so the workers need no shared file system:
only claimrisk installed with the same Python and scikit-learn versions.
"""

from __future__ import annotations

import contextlib
import gc
import pickle
from collections.abc import Iterable, Iterator
from typing import Any

from distributed.diagnostics.plugin import WorkerPlugin

from model.predict import ClaimRiskModel
from service.batch.engine import windowed
from service.batch.errors import UsageError, WorkerFailure
from service.batch.scoring import ScoreOptions, Shard, ShardResult, score_shard
from service.compute import one_compute_thread


class ModelPlugin(WorkerPlugin):
    """A Dask worker plugin carrying the pickled model; each worker unpickles it once, at setup."""

    def __init__(self, model: ClaimRiskModel) -> None:
        self.name = f"claimrisk-model-{model.version}"
        self.payload = pickle.dumps(model, protocol=pickle.HIGHEST_PROTOCOL)
        self.model: ClaimRiskModel | None = None

    def setup(self, worker: Any) -> None:
        self.model = pickle.loads(self.payload)
        one_compute_thread()  # Dask scales this job by workers too
        gc.freeze()  # as in the local workers: the model's objects stay out of garbage collections

    def teardown(self, worker: Any) -> None:
        self.model = None
        gc.unfreeze()


def score_on_worker(shard: Shard, options: ScoreOptions, plugin_name: str) -> ShardResult:
    """The Dask task: score a shard with the model the plugin loaded on this worker."""
    from distributed import get_worker

    plugin = get_worker().plugins[plugin_name]
    return score_shard(plugin.model, shard, options)


class DaskEngine:
    """A client of the scheduler at `address`, or of a loopback `LocalCluster` of `workers` processes when None."""

    def __init__(self, address: str | None, workers: int = 2) -> None:
        self.address = address
        self.workers = workers
        self.description = f"Dask scheduler {address}" if address else f"local Dask cluster of {workers} processes"
        self._client: Any = None
        self._cluster: Any = None

    def __enter__(self) -> DaskEngine:
        from distributed import Client, LocalCluster

        try:
            if self.address is None:
                self._cluster = LocalCluster(n_workers=self.workers, threads_per_worker=1, processes=True,
                                             host="127.0.0.1", dashboard_address=None)
            self._client = Client(self._cluster if self._cluster is not None else self.address, timeout="20s")
        except (OSError, TimeoutError) as exc:
            self.__exit__()
            raise UsageError(f"cannot reach the Dask scheduler at {self.address}: {exc}") from exc
        return self

    def __exit__(self, *exc: object) -> None:
        if self._client is not None:
            self._client.close()
        if self._cluster is not None:
            self._cluster.close()

    def score(self, model: ClaimRiskModel, shards: Iterable[Shard], options: ScoreOptions) -> Iterator[ShardResult]:
        from distributed import wait

        client = self._client
        plugin = ModelPlugin(model)
        threads = max(1, sum(client.nthreads().values()))

        def submit(shard: Shard) -> Any:
            data = client.scatter(shard, hash=False)
            return client.submit(score_on_worker, data, options, plugin.name, pure=False, retries=1)

        def wait_any(pending: set[Any]) -> tuple[set[Any], set[Any]]:
            done, not_done = wait(list(pending), return_when="FIRST_COMPLETED")
            return set(done), set(not_done)

        try:
            client.register_plugin(plugin, name=plugin.name)  # every worker, and any that joins later, loads it once
            yield from windowed(shards, submit, wait_any, window=2 * threads)
        except (OSError, TimeoutError) as exc:
            raise WorkerFailure(f"lost the Dask cluster ({exc}); committed shards are kept: rerun with --resume") \
                from exc
        finally:
            with contextlib.suppress(Exception):  # a shared cluster gets its memory back; a lost one cannot
                client.unregister_worker_plugin(plugin.name)
