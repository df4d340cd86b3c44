"""HTTP speed of `claimrisk serve` on loopback against in-process classification, 800-word articles (issue 4).

    .venv/bin/python bench/http.py [--model DIR] [--seconds 10] [--max-requests 20000]

Measures in one run, on this machine:

1. in process: `model.classify(article)` in a loop on one thread (what one worker's core can do);
2. one worker, one client at a time: p50 and p99 latency (targets: <= 5 ms and <= 20 ms);
3. one worker, 8 concurrent clients: requests/s, and its ratio to (1) (target >= 0.6);
4. two workers, 8 concurrent clients: requests/s, and its ratio to (3) (target >= 1.5).

The load comes from wrk (C, event-driven: it does not starve the server) with a Lua script that POSTs
the articles in turn and stops a run after `--max-requests` answers or `--seconds` seconds, whichever
comes first. Servers listen on 127.0.0.1 only. wrk is a Debian package: `apt-get install -y wrk`.
Each figure is printed with the wrk command that produced it. Exit status: 0 when every target is met,
1 when one is missed, 2 when wrk is missing or a server does not start.
"""

from __future__ import annotations

# This file's name shadows the standard library's `http` for every script run from bench/ (the script's
# folder comes first on sys.path). Imported under that name, it hands the real module over at once;
# the rest of the file then only defines functions (heavy imports happen inside them).
if __name__ == "http":
    import importlib.util as _util
    import sys as _sys
    import sysconfig as _sysconfig
    from pathlib import Path as _Path

    _real = _Path(_sysconfig.get_paths()["stdlib"]) / "http"
    _spec = _util.spec_from_file_location("http", _real / "__init__.py", submodule_search_locations=[str(_real)])
    assert _spec is not None and _spec.loader is not None
    _module = _util.module_from_spec(_spec)
    _sys.modules["http"] = _module
    _spec.loader.exec_module(_module)

import argparse
import json
import os
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent
HOST = "127.0.0.1"  # never any other address
STARTUP_SECONDS = 120
WRK_MISSING = ("wrk is not installed. Install it from Debian's packages: `apt-get update && apt-get install -y wrk` "
               "(as root), then run this again.")

LUA = """
-- POST the bodies in turn; after max_requests answers stop and leave a marker file, on which bench/http.py
-- interrupts wrk (whose main thread otherwise sleeps out -d); print the figures at the end.
local bodies = { BODIES }
local max_requests = MAX
local sent, answered = 0, 0
request = function()
  sent = sent + 1
  return wrk.format("POST", nil, HEADERS, bodies[(sent % #bodies) + 1])
end
response = function(status, headers, body)
  answered = answered + 1
  if answered == max_requests then
    io.open("DONE", "w"):close()
    wrk.thread:stop()
  end
end
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("WRK_RESULT %d %d %.1f %.1f %.1f %d %d\\n", summary.requests, summary.duration,
    latency:percentile(50), latency:percentile(99), latency.mean, e.connect + e.read + e.write + e.timeout, e.status))
end
"""


@dataclass
class Server:
    url: str
    process: subprocess.Popen
    log: Path

    def output(self) -> str:
        return self.log.read_text(errors="replace")


@dataclass
class WrkResult:
    command: str
    other_cpus: float
    requests: int
    seconds: float
    p50_ms: float
    p99_ms: float
    mean_ms: float
    socket_errors: int
    non_2xx: int

    @property
    def per_second(self) -> float:
        return self.requests / self.seconds


class OtherLoad:
    """CPUs that processes outside this benchmark's own tree used between `start` and `cores`.

    The machine may be shared (other sessions, CI); a figure measured while another process held a core
    is printed next to that fact rather than silently.
    """

    def start(self) -> OtherLoad:
        self.before, self.started = _cpu_by_pid(), time.monotonic()
        return self

    def cores(self) -> float:
        after, seconds = _cpu_by_pid(), time.monotonic() - self.started
        mine = _descendants(os.getpid(), after)
        other = sum(cpu - self.before.get(pid, (0, 0.0))[1] for pid, (_, cpu) in after.items() if pid not in mine)
        return max(other, 0.0) / seconds


def _cpu_by_pid() -> dict[int, tuple[int, float]]:
    """pid -> (parent pid, CPU seconds used so far), from /proc."""
    ticks = os.sysconf("SC_CLK_TCK")
    table = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            table[int(entry.name)] = (int(fields[1]), (int(fields[11]) + int(fields[12])) / ticks)
    return table


def _descendants(root: int, table: dict[int, tuple[int, float]]) -> set[int]:
    tree, grew = {root}, True
    while grew:
        grew = False
        for pid, (parent, _) in table.items():
            if parent in tree and pid not in tree:
                tree.add(pid)
                grew = True
    return tree


def find_wrk() -> str:
    """The wrk executable, or exit 2 saying how to install it."""
    wrk = shutil.which("wrk")
    if wrk is None:
        print(f"{Path(sys.argv[0]).name}: {WRK_MISSING}", file=sys.stderr)
        sys.exit(2)
    return wrk


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


@contextmanager
def serving(model: Path, workers: int, workdir: Path, env: dict[str, str] | None = None) -> Iterator[Server]:
    """`claimrisk serve` with `workers` workers on a free loopback port, every worker started when yielded."""
    port = free_port()
    command = [sys.executable, "-m", "service.cli", "serve", "--model", str(model), "--host", HOST,
               "--port", str(port), "--workers", str(workers), "--log-level", "info"]
    clean = {k: v for k, v in os.environ.items() if not k.startswith("CLAIMRISK_")}
    full_env = {**clean, "PYTHONUNBUFFERED": "1", "CLAIMRISK_DATA_DIR": str(workdir / "var"), **(env or {})}
    log = workdir / f"server-{port}.log"
    with open(log, "wb") as sink:
        process = subprocess.Popen(command, cwd=REPO, env=full_env, stdout=sink, stderr=subprocess.STDOUT)
    server = Server(f"http://{HOST}:{port}", process, log)
    try:
        wait_started(server, workers)
        yield server
    finally:
        stop(process)


def wait_started(server: Server, workers: int) -> None:
    """Until every worker has finished its start-up (loaded the model) and /readyz answers 200."""
    import urllib.request

    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise SystemExit(f"the server exited with {server.process.returncode}:\n{server.output()}")
        if server.output().count("Application startup complete.") >= workers:
            try:
                with urllib.request.urlopen(f"{server.url}/readyz", timeout=5) as answer:
                    if answer.status == 200:
                        return
            except OSError:
                pass
        time.sleep(0.2)
    raise SystemExit(f"the server was not ready after {STARTUP_SECONDS}s:\n{server.output()}")


def stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(10)


def write_lua(bodies: list[str], max_requests: int, folder: Path, headers: dict[str, str] | None = None) -> Path:
    """The wrk script: `bodies` as Lua long strings, bounded to `max_requests` answers."""
    quoted = ",\n".join(f"[==[{body}]==]" for body in bodies if "]==]" not in body)
    lua_headers = "{" + ", ".join(f'["{k}"] = "{v}"' for k, v in {"Content-Type": "application/json",
                                                                  **(headers or {})}.items()) + "}"
    script = folder / f"post-{max_requests}.lua"
    done = done_marker(script)
    script.write_text(LUA.replace("BODIES", quoted).replace("MAX", str(max_requests)).replace("HEADERS", lua_headers)
                      .replace("DONE", str(done)))
    return script


def done_marker(script: Path) -> Path:
    """The file a wrk script creates once it has its requests (see LUA)."""
    return script.with_suffix(".done")


def run_bounded(command: list[str], done: Path, seconds: float) -> tuple[str, str]:
    """Run wrk until its script leaves `done` (then SIGINT: wrk prints its figures and exits) or -d runs out."""
    done.unlink(missing_ok=True)
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + seconds + 60
    while process.poll() is None and time.monotonic() < deadline:
        if done.exists():
            process.send_signal(signal.SIGINT)
            break
        time.sleep(0.02)
    try:
        out, err = process.communicate(timeout=60)
    except subprocess.TimeoutExpired:
        process.kill()
        out, err = process.communicate()
    return out, err


def run_wrk(wrk: str, url: str, script: Path, connections: int, seconds: float) -> WrkResult:
    command = [wrk, "-t1", f"-c{connections}", f"-d{seconds:g}s", "--timeout", "10s", "-s", str(script),
               f"{url}/v1/classify"]
    other = OtherLoad().start()
    out, err = run_bounded(command, done_marker(script), seconds)
    other_cpus = other.cores()
    line = next((ln for ln in out.splitlines() if ln.startswith("WRK_RESULT ")), None)
    if line is None:
        raise SystemExit(f"wrk printed no result:\n{out}\n{err}")
    requests, micros, p50, p99, mean, errors, non_2xx = line.split()[1:]
    return WrkResult(shlex.join(command), other_cpus, int(requests), int(micros) / 1e6, float(p50) / 1000,
                     float(p99) / 1000, float(mean) / 1000, int(errors), int(non_2xx))


def in_process_rate(model_dir: Path, articles: list[str], seconds: float) -> tuple[str, float, float]:
    """Articles per second that `model.classify` does on one thread here, the model's version, and the CPUs
    other processes used meanwhile."""
    from model.artifact import load_model

    model = load_model(model_dir)
    for article in articles:
        model.classify(article)  # warm-up
    other = OtherLoad().start()
    done, started = 0, time.perf_counter()
    while time.perf_counter() - started < seconds:
        model.classify(articles[done % len(articles)])
        done += 1
    return model.version, done / (time.perf_counter() - started), other.cores()


def bench_articles(count: int) -> tuple[list[str], float]:
    """`count` articles of about 800 words from the corpus (bench/articles.py), and their mean word count."""
    if str(BENCH) not in sys.path:
        sys.path.append(str(BENCH))  # after the standard library, whose `http` this file's name hides
    from articles import make_articles

    articles = make_articles(count, words=800)
    return articles, sum(len(a.split()) for a in articles) / count


def show(label: str, result: WrkResult) -> None:
    print(f"{label}: {result.requests} requests in {result.seconds:.1f}s = {result.per_second:,.0f} req/s; "
          f"latency p50 {result.p50_ms:.2f} ms, p99 {result.p99_ms:.2f} ms, mean {result.mean_ms:.2f} ms; "
          f"socket errors {result.socket_errors}, non-2xx {result.non_2xx}; "
          f"other processes used {result.other_cpus:.2f} CPUs meanwhile")
    print(f"    $ {result.command}")


def verdict(name: str, value: float, target: float, at_most: bool = False) -> bool:
    met = value <= target if at_most else value >= target
    print(f"  {'PASS' if met else 'FAIL'}  {name}: {value:.2f} ({'<=' if at_most else '>='} {target})")
    return met


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", type=Path, default=REPO / "models" / "current", help="artifact folder")
    parser.add_argument("--seconds", type=float, default=10.0, help="time bound of each wrk run")
    parser.add_argument("--max-requests", type=int, default=20_000, help="request bound of each wrk run")
    parser.add_argument("--articles", type=int, default=16, help="distinct articles sent in turn")
    args = parser.parse_args()
    wrk = find_wrk()
    model_dir = args.model.absolute()
    articles, words = bench_articles(args.articles)
    version, in_process, other_cpus = in_process_rate(model_dir, articles, args.seconds)
    print(f"machine: {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.2f}; model {version} from {model_dir}; "
          f"{len(articles)} articles of {words:.0f} words on average")
    print(f"in process, one thread: {in_process:,.0f} articles/s (model.classify in a loop for {args.seconds:g}s); "
          f"other processes used {other_cpus:.2f} CPUs meanwhile")
    with tempfile.TemporaryDirectory(prefix="claimrisk-http-") as tmp:
        folder = Path(tmp)
        script = write_lua([json.dumps({"text": a}) for a in articles], args.max_requests, folder)
        warm = write_lua([json.dumps({"text": a}) for a in articles], 500, folder)
        with serving(model_dir, 1, folder) as server:
            run_wrk(wrk, server.url, warm, 8, 5)
            one_client = run_wrk(wrk, server.url, script, 1, args.seconds)
            show("1 worker, 1 client ", one_client)
            one_worker = run_wrk(wrk, server.url, script, 8, args.seconds)
            show("1 worker, 8 clients", one_worker)
        with serving(model_dir, 2, folder) as server:
            run_wrk(wrk, server.url, warm, 8, 5)
            two_workers = run_wrk(wrk, server.url, script, 8, args.seconds)
            show("2 workers, 8 clients", two_workers)
    failures = sum(r.socket_errors + r.non_2xx for r in (one_client, one_worker, two_workers))
    print("targets:")
    met = [
        verdict("1 worker, 1 client: p50 latency (ms)", one_client.p50_ms, 5, at_most=True),
        verdict("1 worker, 1 client: p99 latency (ms)", one_client.p99_ms, 20, at_most=True),
        verdict("1 worker, 8 clients: req/s / in-process articles/s", one_worker.per_second / in_process, 0.6),
        verdict("2 workers / 1 worker, 8 clients: req/s ratio", two_workers.per_second / one_worker.per_second, 1.5),
        verdict("failed requests", failures, 0, at_most=True),
    ]
    return 0 if all(met) else 1


if __name__ == "__main__":
    sys.exit(main())
