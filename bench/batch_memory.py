"""Memory of `claimrisk score` on growing archives: peak resident memory of the job with all its processes.

    .venv/bin/python bench/batch_memory.py [--model DIR] [--sizes-mb 25,50,100,200] [--workers 2]

For each size, writes a JSON Lines archive of 800-word articles of about that
many megabytes, runs `claimrisk score` on it as a subprocess and samples,
every 0.2 s, the memory of the job and every process under it (workers, fork
server): summed RSS (an upper bound: shared pages count in each process),
summed PSS (shared pages split between their users) and the RSS of the job's
own process. Memory bounded by the shard size shows as flat columns while the
archive doubles; the last line extrapolates to 2 GB from the measured rate
(run `--sizes-mb 2048` to measure it).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psutil

sys.path.insert(0, str(Path(__file__).resolve().parent))
from articles import make_articles

from service.settings import get_settings

REPO = Path(__file__).resolve().parents[1]
DISTINCT_ARTICLES = 2000


def write_archive(path: Path, megabytes: int, articles: list[str]) -> int:
    """About `megabytes` of JSON Lines cycling through `articles`; returns the number of rows."""
    target, written, count = megabytes * 1_000_000, 0, 0
    with open(path, "w", encoding="utf-8") as handle:
        while written < target:
            line = json.dumps({"id": f"a{count:08d}", "text": articles[count % len(articles)]}) + "\n"
            written += handle.write(line)
            count += 1
    return count


def tree_memory(process: psutil.Process) -> tuple[int, int, int]:
    """(summed RSS, summed PSS, RSS of the job's own process) over a process and all its descendants.

    RSS counts the pages the workers share with the fork server in each of
    them (an upper bound); PSS splits shared pages between their users, so
    the summed PSS is the memory the job really holds.
    """
    rss = pss = 0
    for member in [process, *process.children(recursive=True)]:
        try:
            info = member.memory_full_info()
        except psutil.Error:
            continue
        rss, pss = rss + info.rss, pss + info.pss
    return rss, pss, process.memory_info().rss


def peak_memory(command: list[str]) -> tuple[tuple[int, int, int], float]:
    """Peak (summed RSS, summed PSS, main RSS) of `command`'s process tree, sampled every 0.2 s, and its wall time."""
    started = time.perf_counter()
    job = subprocess.Popen(command, cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    watched, peak = psutil.Process(job.pid), (0, 0, 0)
    while job.poll() is None:
        with contextlib.suppress(psutil.Error):  # the job may end between two looks
            peak = tuple(max(a, b) for a, b in zip(peak, tree_memory(watched), strict=True))
        time.sleep(0.2)
    if job.returncode != 0:
        raise SystemExit(f"claimrisk score failed ({job.returncode}): {job.stderr.read().strip()}")
    return peak, time.perf_counter() - started


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", type=Path, help="artifact folder (default: models/current)")
    parser.add_argument("--sizes-mb", default="25,50,100,200", help="archive sizes in MB, comma-separated")
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    model_dir = get_settings().resolved_model_dir(args.model).resolve()
    articles = make_articles(DISTINCT_ARTICLES)
    print(f"{'archive':>10} {'rows':>9} {'peak RSS, all':>14} {'peak PSS, all':>14} {'main RSS':>9} {'time':>7} "
          f"{'rows/s':>7}")
    rate = 0.0
    with tempfile.TemporaryDirectory(prefix="claimrisk-memory-") as tmp:
        for megabytes in (int(s) for s in args.sizes_mb.split(",")):
            archive = Path(tmp) / f"archive-{megabytes}.jsonl"
            rows = write_archive(archive, megabytes, articles)
            command = [sys.executable, "-m", "service.cli", "score", str(archive), "-o", str(Path(tmp) / "out.jsonl"),
                       "--workers", str(args.workers), "--model", str(model_dir)]
            (rss, pss, main_rss), seconds = peak_memory(command)
            rate = rows / seconds
            print(f"{megabytes:>7} MB {rows:>9,} {rss / 2**20:>11,.0f} MB {pss / 2**20:>11,.0f} MB "
                  f"{main_rss / 2**20:>6,.0f} MB {seconds:>6.0f}s {rate:>7,.0f}")
            archive.unlink()
    rows_2gb = 2048 / megabytes * rows
    print(f"2 GB (~{rows_2gb:,.0f} rows) at {rate:,.0f} rows/s would take ~{rows_2gb / rate / 60:.0f} min")
    print(f"command: {' '.join(command[:3])} score ARCHIVE -o OUT --workers {args.workers} --model {model_dir}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
