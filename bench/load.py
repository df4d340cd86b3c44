"""Load test of `claimrisk serve` on loopback: 20,000 requests, 64 connections, single and batch, a reload mid-way.

    .venv/bin/python bench/load.py [--model DIR] [--requests 20000] [--connections 64] [--batch-every 5]

One worker serves `--model` through a `current` link in a temporary models folder; once it is up, the link
is moved to a second version of the same artifact, and request number requests/2 is POST
/v1/admin/reload, so the second half is answered by the new version. wrk (a Debian package:
`apt-get install -y wrk`) sends the requests from one thread over 64 connections: every `--batch-every`-th
request is a batch of `--batch-size` articles, the others single 800-word articles. The run is bounded by
`--requests` and by `--max-seconds`.

Passes when no request failed (socket error or non-2xx), the reload answered with the new version, and
the worker's resident memory grew by at most 10% from the second quarter of the requests to the last
(sampled every 0.2 s from /proc and matched to wrk's progress). Exit status 0 when it passes, 1 if not,
2 when wrk is missing or the server does not start.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import shutil
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path
from types import ModuleType

BENCH = Path(__file__).resolve().parent

LUA = """
-- Single and batch POSTs in a fixed pattern, one reload at request RELOAD_AT; counts answers by kind.
local bodies = { BODIES }
local batches = { BATCHES }
local max_requests, reload_at, batch_every = MAX, RELOAD_AT, BATCH_EVERY
local json_headers = { ["Content-Type"] = "application/json" }
local threads = {}
setup = function(thread) table.insert(threads, thread) end
init = function(args)
  sent, answered, singles, batched, reloads, failed, new_version = 0, 0, 0, 0, 0, 0, "-"
  progress = io.open("PROGRESS", "w")
end
request = function()
  sent = sent + 1
  if sent == reload_at then
    return wrk.format("POST", "/v1/admin/reload", {}, nil)
  elseif sent % batch_every == 0 then
    return wrk.format("POST", "/v1/classify/batch", json_headers, batches[(sent % #batches) + 1])
  end
  return wrk.format("POST", "/v1/classify", json_headers, bodies[(sent % #bodies) + 1])
end
response = function(status, headers, body)
  answered = answered + 1
  if status ~= 200 then
    failed = failed + 1
  elseif string.sub(body, 1, 11) == '{"results":' then
    batched = batched + 1
  elseif string.find(body, '"taxonomy_version"', 1, true) then
    reloads = reloads + 1
    new_version = string.match(body, '"version":"([^"]+)"') or "?"
  else
    singles = singles + 1
  end
  if answered % 250 == 0 then progress:write(answered, "\\n"); progress:flush() end
  if answered == max_requests then
    io.open("DONE", "w"):close()
    wrk.thread:stop()
  end
end
done = function(summary, latency, requests)
  for _, t in ipairs(threads) do
    io.write(string.format("LOAD_COUNTS %d %d %d %d %d %s\\n", t:get("answered"), t:get("singles"),
      t:get("batched"), t:get("reloads"), t:get("failed"), t:get("new_version")))
  end
  local e = summary.errors
  io.write(string.format("LOAD_SUMMARY %d %d %.1f %.1f %d %d\\n", summary.requests, summary.duration,
    latency:percentile(50), latency:percentile(99), e.connect + e.read + e.write + e.timeout, e.status))
end
"""


def sibling(name: str) -> ModuleType:
    """bench/NAME.py as a module (bench/http.py cannot be imported by its name: that is the stdlib's)."""
    spec = importlib.util.spec_from_file_location(f"bench_{name}", BENCH / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


def two_versions(model: Path, root: Path) -> tuple[str, str]:
    """root/A (linked as current) and root/B: the same artifact under two version names."""
    from model.artifact import MANIFEST_FILE, point_current

    versions = []
    for suffix in ("a", "b"):
        folder = root / f"load-{suffix}"
        shutil.copytree(model, folder)
        manifest = json.loads((folder / MANIFEST_FILE).read_text())
        manifest["version"] = f"{manifest['version']}-load-{suffix}"
        (folder / MANIFEST_FILE).write_text(json.dumps(manifest))
        versions.append(manifest["version"])
    point_current(root, root / "load-a")
    return versions[0], versions[1]


def write_lua(articles: list[str], args: argparse.Namespace, progress: Path, folder: Path) -> Path:
    singles = [json.dumps({"text": a, "id": f"a{i}"}) for i, a in enumerate(articles)]
    batches = [json.dumps({"documents": [{"text": a} for a in articles[i:i + args.batch_size]]})
               for i in range(0, len(articles) - args.batch_size + 1)]
    lua = (LUA.replace("BODIES", ",\n".join(f"[==[{b}]==]" for b in singles))
           .replace("BATCHES", ",\n".join(f"[==[{b}]==]" for b in batches))
           .replace("RELOAD_AT", str(args.requests // 2)).replace("BATCH_EVERY", str(args.batch_every))
           .replace("MAX", str(args.requests)).replace("PROGRESS", str(progress)))
    script = folder / "load.lua"
    script.write_text(lua.replace("DONE", str(script.with_suffix(".done"))))
    return script


class MemorySampler(threading.Thread):
    """(seconds, requests answered so far, resident MiB) of one process, every `every` seconds."""

    def __init__(self, pid: int, progress: Path, every: float = 0.2) -> None:
        super().__init__(daemon=True)
        self.pid, self.progress, self.every = pid, progress, every
        self.samples: list[tuple[float, int, float]] = []
        self.finished = threading.Event()

    def run(self) -> None:
        started = time.monotonic()
        while not self.finished.wait(self.every):
            self.samples.append((time.monotonic() - started, self._answered(), self._rss_mib()))

    def _answered(self) -> int:
        try:
            lines = self.progress.read_text().split()
        except OSError:
            return 0
        return int(lines[-1]) if lines else 0

    def _rss_mib(self) -> float:
        for line in Path(f"/proc/{self.pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
        return 0.0


def quarter_rss(samples: list[tuple[float, int, float]], total: int) -> list[float]:
    """Mean resident MiB while each quarter of the requests was being answered."""
    means = []
    for q in range(4):
        low, high = q * total / 4, (q + 1) * total / 4
        inside = [rss for _, answered, rss in samples if low <= answered < high]
        means.append(statistics.fmean(inside) if inside else float("nan"))
    return means


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", type=Path, default=BENCH.parent / "models" / "current", help="artifact folder")
    parser.add_argument("--requests", type=int, default=20_000)
    parser.add_argument("--connections", type=int, default=64)
    parser.add_argument("--batch-every", type=int, default=5, help="every Nth request is a batch")
    parser.add_argument("--batch-size", type=int, default=4)
    parser.add_argument("--max-seconds", type=int, default=900, help="time bound of the run")
    args = parser.parse_args()
    http = sibling("http")
    wrk = http.find_wrk()
    articles, words = http.bench_articles(16)
    with tempfile.TemporaryDirectory(prefix="claimrisk-load-") as tmp:
        folder = Path(tmp)
        old, new = two_versions(args.model.resolve(), folder / "models")
        progress = folder / "progress.txt"
        script = write_lua(articles, args, progress, folder)
        with http.serving(folder / "models" / "current", 1, folder) as server:
            from model.artifact import point_current

            point_current(folder / "models", folder / "models" / "load-b")  # served after the reload only
            sampler = MemorySampler(server.process.pid, progress)
            command = [wrk, "-t1", f"-c{args.connections}", f"-d{args.max_seconds}s", "--timeout", "30s",
                       "-s", str(script), f"{server.url}/v1/classify"]
            sampler.start()
            started, other = time.monotonic(), http.OtherLoad().start()
            out, err = http.run_bounded(command, http.done_marker(script), args.max_seconds)
            seconds = time.monotonic() - started
            print(f"other processes used {other.cores():.2f} CPUs during the run")
            sampler.finished.set()
            sampler.join()
            log = server.output()
    return report(args, (out, err, seconds), command, sampler.samples, (old, new), words, log)


def report(args: argparse.Namespace, run: tuple[str, str, float], command: list[str],
           samples: list[tuple[float, int, float]], versions: tuple[str, str], words: float, log: str) -> int:
    out, err, seconds = run
    lines = {ln.split()[0]: ln.split()[1:] for ln in out.splitlines() if ln.startswith("LOAD_")}
    if "LOAD_COUNTS" not in lines:
        print(f"wrk printed no counts:\n{out}\n{err}")
        return 1
    answered, singles, batched, reloads, failed = map(int, lines["LOAD_COUNTS"][:5])
    reloaded_to = lines["LOAD_COUNTS"][5]
    requests, _, p50, p99, socket_errors, non_2xx = lines["LOAD_SUMMARY"]
    quarters = quarter_rss(samples, args.requests)
    growth = quarters[3] / quarters[1] - 1
    print(f"$ {' '.join(command)}")
    print(f"{answered} requests answered in {seconds:.1f}s ({answered / seconds:,.0f} req/s) over "
          f"{args.connections} connections: {singles} single (articles of {words:.0f} words), {batched} batches "
          f"of {args.batch_size}, {reloads} reload; latency p50 {float(p50) / 1000:.1f} ms, "
          f"p99 {float(p99) / 1000:.1f} ms")
    print(f"failed: {failed} non-200 answers, {socket_errors} socket errors, {non_2xx} non-2xx (wrk)")
    print(f"reload at request {args.requests // 2}: {versions[0]} -> {reloaded_to}")
    print("worker resident memory by quarter of the requests (MiB): "
          + ", ".join(f"Q{i + 1} {m:.1f}" for i, m in enumerate(quarters)) + f"; Q4 vs Q2: {growth:+.1%}")
    errors = sum("Traceback" in line or "ERROR" in line for line in log.splitlines())
    print(f"server log lines with 'Traceback' or 'ERROR': {errors}")
    checks = {
        f"all {args.requests} requests answered": answered >= args.requests and int(requests) >= args.requests,
        "no failed request": failed == 0 and int(socket_errors) == 0 and int(non_2xx) == 0 and errors == 0,
        "the reload swapped in the new version": reloads == 1 and reloaded_to == versions[1],
        "memory growth Q2 -> Q4 <= 10%": growth <= 0.10,
    }
    for name, ok in checks.items():
        print(f"  {'PASS' if ok else 'FAIL'}  {name}")
    return 0 if all(checks.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
