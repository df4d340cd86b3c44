"""A real `claimrisk serve` subprocess on 127.0.0.1 at a free port (never any other address)."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from model.artifact import point_current
from tests.conftest import REPO, copy_artifact_as, run_cli

HOST = "127.0.0.1"
API_KEY, ADMIN_KEY = "cms-key-0b7e41", "ops-key-9a3c58"
ARTICLE = "Kava is a root from Vanuatu. It cures anxiety disorders. Take two capsules a day."
STARTUP_SECONDS = 60


@dataclass
class Server:
    process: subprocess.Popen
    url: str
    port: int
    log: Path

    def output(self) -> str:
        return self.log.read_text(errors="replace")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


def _clean_env(extra: dict[str, str]) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CLAIMRISK_")}
    return {**env, "PYTHONUNBUFFERED": "1", **extra}


@contextmanager
def serve(model: Path, log: Path, env: dict[str, str], *args: str) -> Iterator[Server]:
    """`claimrisk serve --model MODEL` on a free loopback port, ready (GET /readyz is 200) when yielded."""
    port = free_port()
    command = [sys.executable, "-m", "service.cli", "serve", "--model", str(model), "--host", HOST,
               "--port", str(port), "--log-level", "warning", *args]
    with open(log, "wb") as sink:
        process = subprocess.Popen(command, cwd=REPO, env=_clean_env(env), stdout=sink, stderr=subprocess.STDOUT)
    server = Server(process, f"http://{HOST}:{port}", port, log)
    try:
        _wait_ready(server)
        yield server
    finally:
        if process.poll() is None:
            process.terminate()
            try:
                process.wait(20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(10)


def _wait_ready(server: Server) -> None:
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            pytest.fail(f"the server exited with {server.process.returncode}:\n{server.output()}")
        try:
            if httpx.get(f"{server.url}/readyz", timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    pytest.fail(f"the server was not ready after {STARTUP_SECONDS}s:\n{server.output()}")




@pytest.fixture(scope="module")
def models_root(tmp_path_factory: pytest.TempPathFactory, tiny_model_dir: Path) -> Path:
    root = tmp_path_factory.mktemp("served-models")
    copy_artifact_as(tiny_model_dir, root, "v2")
    point_current(root, copy_artifact_as(tiny_model_dir, root, "v1"))
    return root


@pytest.fixture(scope="module")
def secured(tmp_path_factory: pytest.TempPathFactory, models_root: Path) -> Iterator[Server]:
    """One server with keys on, serving models_root/current (a link the reload test moves)."""
    folder = tmp_path_factory.mktemp("secured")
    env = {"CLAIMRISK_API_KEYS": API_KEY, "CLAIMRISK_ADMIN_KEYS": ADMIN_KEY, "CLAIMRISK_DATA_DIR": str(folder / "var"),
           "CLAIMRISK_MAX_BODY_BYTES": str(256 * 1024)}
    with serve(models_root / "current", folder / "server.log", env) as server:
        yield server


EDITOR = {"Authorization": f"Bearer {API_KEY}"}
ADMIN = {"Authorization": f"Bearer {ADMIN_KEY}"}


def test_every_endpoint_with_auth_on(secured: Server) -> None:
    with httpx.Client(base_url=secured.url, timeout=10) as client:
        assert client.get("/healthz").json() == {"status": "ok"}
        assert client.get("/readyz").json()["status"] == "ready"
        assert client.post("/v1/classify", json={"text": ARTICLE}).status_code == 401
        assert client.get("/v1/model", headers={"Authorization": "Bearer nope"}).json()["error"]["code"] == (
            "unauthorized")
        single = client.post("/v1/classify", json={"text": ARTICLE, "id": "p1"}, headers=EDITOR).json()
        assert single["id"] == "p1" and single["model"]["version"] in {"v1", "v2"}
        documents = [{"text": ARTICLE, "id": "a"}, {"text": "<p>Hi.</p>", "format": "html"}]
        batch = client.post("/v1/classify/batch", headers=EDITOR, json={"documents": documents})
        assert [r["id"] for r in batch.json()["results"]] == ["a", None]
        assert client.get("/v1/model", headers=EDITOR).json()["labels"] == ["low", "medium", "high"]
        feedback = client.post("/v1/feedback", headers=EDITOR,
                               json={"text": "Cures anxiety.", "label": "high", "categories": ["disease"]})
        assert feedback.status_code == 201
        assert client.post("/v1/admin/reload", headers=EDITOR).json()["error"]["code"] == "forbidden"
        assert client.post("/v1/admin/reload", headers=ADMIN).status_code == 200
        assert client.get("/v1/nope").json() == {"error": {"code": "not_found", "message": "Not Found"}}
        bad = client.post("/v1/classify", content=b"{", headers={**EDITOR, "content-type": "application/json"})
        assert bad.status_code == 400 and bad.json()["error"]["code"] == "malformed_json"
        assert client.get("/openapi.json").json()["paths"]["/v1/classify"]["post"]
        metrics = client.get("/metrics").text
    assert 'claimrisk_requests_total{method="POST",route="/v1/classify",status="200"}' in metrics
    assert "claimrisk_predictions_total" in metrics and "claimrisk_model_info" in metrics
    output = secured.output()
    assert "API keys required" in output
    assert API_KEY not in output and ADMIN_KEY not in output


def test_a_body_over_the_limit_is_refused_before_it_is_all_sent(secured: Server) -> None:
    limit = 256 * 1024
    with socket.create_connection((HOST, secured.port), timeout=10) as sock:
        head = (f"POST /v1/classify HTTP/1.1\r\nHost: {HOST}\r\nAuthorization: Bearer {API_KEY}\r\n"
                f"Content-Type: application/json\r\nContent-Length: {50 * limit}\r\n\r\n")
        sock.sendall(head.encode() + b'{"text": "' + b"a" * 1000)  # 1 KB of a 12.8 MB body
        answer = _read_response(sock)
    assert answer.startswith(b"HTTP/1.1 413 ")
    assert json.loads(answer.split(b"\r\n\r\n", 1)[1])["error"]["code"] == "too_large"

    with socket.create_connection((HOST, secured.port), timeout=10) as sock:  # chunked: no length to go by
        head = (f"POST /v1/classify HTTP/1.1\r\nHost: {HOST}\r\nAuthorization: Bearer {API_KEY}\r\n"
                "Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n")
        sock.sendall(head.encode())
        chunk = b"a" * 32 * 1024
        for _ in range(limit // len(chunk) + 2):  # just over the limit, and never the closing chunk
            sock.sendall(b"%x\r\n%s\r\n" % (len(chunk), chunk))
        answer = _read_response(sock)
    assert answer.startswith(b"HTTP/1.1 413 ")
    assert b'"too_large"' in answer


def _read_response(sock: socket.socket) -> bytes:
    """Read until the end of one response with a Content-Length (or the connection closes)."""
    data = b""
    while b"\r\n\r\n" not in data or len(data.split(b"\r\n\r\n", 1)[1]) < _content_length(data):
        block = sock.recv(65536)
        if not block:
            break
        data += block
    return data


def _content_length(data: bytes) -> int:
    for line in data.split(b"\r\n\r\n", 1)[0].split(b"\r\n"):
        if line.lower().startswith(b"content-length:"):
            return int(line.split(b":", 1)[1])
    return 1 << 30


def test_reload_while_a_thread_pool_sends_requests(secured: Server, models_root: Path) -> None:
    def one(index: int) -> tuple[int, str]:
        if index % 3:
            response = client.post("/v1/classify", json={"text": ARTICLE, "id": str(index)}, headers=EDITOR)
            return response.status_code, response.json()["model"]["version"]
        documents = [{"text": ARTICLE, "id": f"{index}.{i}"} for i in range(4)]
        response = client.post("/v1/classify/batch", json={"documents": documents}, headers=EDITOR)
        versions = {r["model"]["version"] for r in response.json()["results"]}
        assert len(versions) == 1, "one batch is answered by one model"
        return response.status_code, versions.pop()

    reloads = []
    with httpx.Client(base_url=secured.url, timeout=30, limits=httpx.Limits(max_connections=8)) as client, \
            ThreadPoolExecutor(8) as pool:
        futures = [pool.submit(one, i) for i in range(600)]
        for round_ in range(8):
            time.sleep(0.05)
            point_current(models_root, models_root / ("v2" if round_ % 2 == 0 else "v1"))
            reloads.append(client.post("/v1/admin/reload", headers=ADMIN))
        results = [f.result() for f in futures]
    assert [r.status_code for r in reloads] == [200] * 8
    assert [r.json()["version"] for r in reloads] == ["v2", "v1"] * 4
    assert [status for status, _ in results] == [200] * 600
    assert {version for _, version in results} == {"v1", "v2"}


def test_with_two_workers_a_reload_reaches_both(tmp_path: Path, tiny_model_dir: Path) -> None:
    root = tmp_path / "models"
    root.mkdir()
    copy_artifact_as(tiny_model_dir, root, "w2")
    point_current(root, copy_artifact_as(tiny_model_dir, root, "w1"))
    with serve(root / "current", tmp_path / "server.log", {"CLAIMRISK_DATA_DIR": str(tmp_path / "var")},
               "--workers", "2") as server, ThreadPoolExecutor(8) as pool:

        def ready(_: int) -> tuple[int, str]:  # a new connection each time, so that both workers answer
            answer = httpx.get(f"{server.url}/readyz", timeout=10).json()
            return answer["worker"], answer["model_version"]

        def both_workers(version: str) -> dict[int, str]:
            """worker pid -> model version, once both workers answered with `version` (or 20 s passed)."""
            deadline, seen = time.monotonic() + 20, {}
            while time.monotonic() < deadline and not (len(seen) == 2 and set(seen.values()) == {version}):
                seen.update(pool.map(ready, range(32)))
                time.sleep(0.2)  # a worker looks for an announced reload at most once a second
            return seen

        before = both_workers("w1")
        assert len(before) == 2 and set(before.values()) == {"w1"}, before
        point_current(root, root / "w2")
        assert httpx.post(f"{server.url}/v1/admin/reload", timeout=30).json()["version"] == "w2"
        after = both_workers("w2")
        assert after.keys() == before.keys() and set(after.values()) == {"w2"}, after


def test_feedback_survives_a_killed_server_and_exports_as_training_data(tmp_path: Path, tiny_model_dir: Path) -> None:
    env = {"CLAIMRISK_DATA_DIR": str(tmp_path / "var")}
    corrections = [{"text": "Melts away anxiety in minutes.", "label": "high", "categories": ["disease"], "id": "p1"},
                   {"text": "Supports a calm mood.", "label": "medium", "categories": ["structure_function"]},
                   {"text": "Kava grows on islands.", "label": "low", "categories": []}]
    with serve(tiny_model_dir, tmp_path / "first.log", env) as server:
        for correction in corrections[:2]:
            assert httpx.post(f"{server.url}/v1/feedback", json=correction, timeout=10).status_code == 201
        server.process.send_signal(signal.SIGKILL)  # no clean shutdown: only what was committed survives
        server.process.wait(10)
    assert "listening on loopback only" in (tmp_path / "first.log").read_text()
    with serve(tiny_model_dir, tmp_path / "second.log", env) as server:
        answer = httpx.post(f"{server.url}/v1/feedback", json=corrections[2], timeout=10)
        assert answer.status_code == 201 and answer.json()["feedback_id"] == 3
    out = tmp_path / "corrections.jsonl"
    exported = run_cli("feedback", "export", "-o", str(out), env=env, timeout=60)
    assert exported.returncode == 0, exported.stderr
    records = [json.loads(line) for line in out.read_text().splitlines()]
    assert [(r["text"], r["label"], r["categories"]) for r in records] == [
        (c["text"], c["label"], c["categories"]) for c in corrections]
    checked = subprocess.run([sys.executable, "-m", "training.validate_data", str(out)], cwd=REPO,
                             capture_output=True, text=True, timeout=60)
    assert checked.returncode == 0, checked.stdout + checked.stderr


def test_a_bad_setting_stops_start_up_with_a_clear_message(tiny_model_dir: Path) -> None:
    result = run_cli("serve", "--model", str(tiny_model_dir), "--host", HOST, "--port", str(free_port()),
                     env={"CLAIMRISK_MAX_BATCH": "abc"}, timeout=60)
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        "claimrisk: error: bad setting CLAIMRISK_MAX_BATCH='abc': Input should be a valid integer, "
        "unable to parse string as an integer"]
