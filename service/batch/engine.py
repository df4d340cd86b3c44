"""What every engine offers: shards in, results out as they finish, with a bounded number in flight."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from typing import Any, Protocol

from model.predict import ClaimRiskModel
from service.batch.scoring import ScoreOptions, Shard, ShardResult


class Engine(Protocol):
    """Scores shards somewhere: this process, local worker processes or a Dask cluster.

    Entering the engine starts it (worker processes, a cluster connection)
    before this process has loaded the model, so that both load at once;
    `score` is then given the model this process loaded: engines that load
    their own copy report its version in each result, and the job checks it.
    """

    description: str

    def __enter__(self) -> Engine: ...
    def __exit__(self, *exc: object) -> None: ...
    def score(self, model: ClaimRiskModel, shards: Iterable[Shard], options: ScoreOptions) -> Iterator[ShardResult]: ...


def windowed(
    items: Iterable[Any],
    submit: Callable[[Any], Any],
    wait_any: Callable[[set[Any]], tuple[set[Any], set[Any]]],
    window: int,
) -> Iterator[Any]:
    """Results of `submit(item)` in completion order, with at most `window` futures pending.

    The bound keeps memory proportional to the shard size: the input is read
    only as fast as the workers free a slot.
    """
    pending: set[Any] = set()
    for item in items:
        pending.add(submit(item))
        while len(pending) >= window:
            done, pending = wait_any(pending)
            yield from (future.result() for future in done)
    while pending:
        done, pending = wait_any(pending)
        yield from (future.result() for future in done)
