"""How a serving or scoring process uses the CPU: parallelism by processes, one compute thread each."""

from __future__ import annotations

import threading

from threadpoolctl import threadpool_limits


def one_compute_thread() -> None:
    """Cap BLAS and OpenMP at one thread in this process (the libraries loaded so far: call it after the model).

    The service and batch jobs scale by worker processes; each library's own threads, spinning after
    every small matrix product, would take the cores the other workers need (bench/http.py, 2 workers
    over 1: 1.03x without this, 1.74x with it).
    """
    threadpool_limits(1)


# Model work in one process runs at most two calls at a time. It is CPU-bound Python, so threads only
# take turns at the GIL, and eight of them contending cost a quarter of the throughput (bench/http.py,
# one worker, 8 clients); waiting here, they sleep instead. Two, not one, so a long batch request
# never stops the worker from answering the others. Parallelism comes from workers.
model_slots = threading.BoundedSemaphore(2)
